/**
 * A benign corpus written for the false-positive bound: search queries, names, prose with quotes
 * and apostrophes, product names, JSON, markdown, code-ish text, URLs, e-mail addresses, dates,
 * maths. None of it is an attack; a detector that flags much of it would block real users.
 */
export const BENIGN_CORPUS: readonly string[] = [
  // names and apostrophes
  "O'Reilly", "O'Brien & Sons", "D'Angelo", "Mc'Donald's", "rock 'n' roll", "Guns N' Roses", "Jack o'lantern",
  "Let's go", "don't stop me now", "I can't believe it's not butter", "children's books", "the students' union",
  "Bob's or Alice's", "ma'am", "rock'n'roll hall of fame", "'Tis the season", "'90s music", "Hawai'i vacation",
  "it's 5 o'clock somewhere", "the Joneses' house", "we'll see", "y'all come back", "you're welcome",
  "St. John's Wort", "L'Oréal shampoo", "Côte d'Ivoire", "Martha's Vineyard ferry", "Ben & Jerry's",
  // quotes in search queries
  '"exact phrase" search', 'He said "yes" or "no"', '"The Godfather" 1972', 'quote "to be or not to be"',
  'size 10" or 12"', '6\' 2" tall', 'a 2x4 that is 8\' long', '"hello world" in python', 'she said, "Don\'t!"',
  '"union" vs "join"', '"select" element html', 'the word "drop" in a sentence',
  // everyday search queries with SQL-ish words
  'select your size', 'union station chicago', 'drop shipping business', 'update my address', 'delete account',
  'insert coin', 'create account', 'order by phone', 'group by age', 'having fun', 'where to eat', 'from here to eternity',
  'table for two', 'sleep apnea treatment', 'benchmark results 2024', 'char siu recipe', 'cast iron skillet',
  'convert pdf to word', 'count of monte cristo', 'user manual', 'database administrator jobs', 'version history',
  'exec summary template', 'declare independence', 'truncate text css', 'shutdown windows', 'like and subscribe',
  'in and out burger', 'is it raining', 'between two ferns', 'not today', 'or else', 'and then there were none',
  'black or white', 'salt and pepper', 'this or that', 'true or false quiz', 'null and void', 'if you want',
  'case study', 'when in rome', 'then and now', 'all or nothing', 'limit break', 'top 10 movies',
  'select all that apply', 'Please select 2 items from the list', 'update: new version released', 'drop it like it\'s hot',
  // product names and shopping
  'iPhone 15 Pro Max 256GB', 'Samsung 65" QLED', 'Nike Air Max 90', 'AT&T prepaid', 'H&M jeans', 'Procter & Gamble',
  'USB-C to USB-A (2-pack)', '3M Command strips, 24 ct', 'Levi\'s 501 - 32x34', 'Dr. Martens 1460', 'M&M\'s 1 lb bag',
  'Coca-Cola 12 pack', 'Sony WH-1000XM5', 'LG C3 OLED 55"', 'Crocs size 9/10', 'Lego set #75192',
  // prices and numbers
  '$19.99', '€5,00', '£3.50 - £4.00', '50% off', '1/2 cup sugar', '3 + 4 = 7', '2 * (3 + 4)', 'x = 5', '10 > 9',
  'a<b && c>d', 'if (a > b) { return a; }', 'a || b', 'x != y', '1 <= n <= 10', 'f(x) = x^2 + 1', 'pi ~= 3.14159',
  '100-200', '1,000,000', '0.5', '-42', '+1 555 123 4567', '(555) 123-4567', '555-0199', '1e-9 seconds',
  'version 2.0.1', 'v1.2.3-beta', 'ISBN 978-0-596-52068-7', '#1 best seller', 'item #42', 'room 101; floor 2',
  // dates and times
  '2024-01-15', '15/01/2024', 'Jan 15, 2024', '12:30 PM', '2024-01-15T12:30:00Z', 'Monday - Friday', '9am-5pm',
  'Q3 2023', '1990s', 'since 1887',
  // emails and urls
  'jane.doe@example.com', 'admin@example.org', 'o\'connor@example.ie', 'first.last+tag@sub.example.co.uk',
  'https://example.com/search?q=shoes&page=2', 'http://localhost:8080/api/v1/users', 'www.example.com',
  'https://en.wikipedia.org/wiki/Rock_\'n\'_roll', 'ftp://files.example.com/pub/', 'mailto:info@example.com',
  'https://example.com/#/home', '/path/to/file.txt', 'C:\\Users\\me\\Documents', '../images/logo.png',
  // JSON snippets
  '{"name": "Alice", "age": 30}', '{"q": "O\'Reilly books", "page": 1}', '[1, 2, 3]', '{"a": {"b": [true, false, null]}}',
  '{"query": "select a size", "filter": "in stock"}', '{"text": "He said \\"hi\\""}', '{"id": 1, "or": 2}',
  // markdown
  '# Heading', '## Sub-heading', '* bullet one', '- item', '1. first', '**bold** and _italic_', '`code` span',
  '[link](https://example.com)', '![alt text](image.png)', '> quoted text', '--- (horizontal rule)', '| a | b |',
  '```js\nconsole.log("hi")\n```',
  // code-ish text
  'console.log("hello")', 'print("Hello, world!")', 'SELECT_ALL_BUTTON', 'user_id', 'order_id=42', 'sort=asc',
  'fields=name,email', 'filter[status]=active', 'i++', 'x += 1', 'foo.bar.baz', 'array[0]', 'map.get("key")',
  'return a && b;', 'git commit -m "fix"', 'npm install --save-dev', 'ls -la', 'grep -r "TODO" .',
  'docker run -p 80:80 nginx', 'ssh user@host', 'SELECT_OPTION_1', 'camelCaseVariable', 'snake_case_name',
  // prose with punctuation
  'Hello, world!', 'Wait... what?', 'Yes; no; maybe.', 'Well -- that was unexpected.', 'Oh (really)?',
  'I love it <3', 'This is great :)', 'a < b but b > c', 'Tom & Jerry', 'rain/snow', 'either/or', 'and/or',
  'The quick brown fox jumps over the lazy dog.', 'It was the best of times, it was the worst of times.',
  'Call me Ishmael.', 'To be, or not to be: that is the question.', 'All happy families are alike; each unhappy family is unhappy in its own way.',
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  'Whether I shall turn out to be the hero of my own life, or whether that station will be held by anybody else, these pages must show.',
  "The students' and teachers' views differ.", "My parents' house or yours?", "We're open 'til 9.",
  'Meet me at 5; bring snacks.', 'Note: the union meeting is at 6.', 'Re: your order #1234', 'FW: Q3 report',
  'Dear Sir/Madam,', 'P.S. see you soon', 'N/A', 'TBD', 'e.g. apples, oranges', 'i.e. the first one',
  'The "best" option', "the 'best' option", '«quotes» in French', '„German quotes“', '— em dash —',
  'café', 'naïve résumé', '日本語のテキスト', 'Привет мир', '你好，世界', 'مرحبا', '😀 emoji',
  // html-looking but harmless
  '<b>bold</b>', '<i>italic</i>', '<p>para</p>', '<br>', '<a href="https://example.com">x</a>', '<img src="a.png" alt="a">',
  '<span class="x">y</span>', '<ul><li>one</li></ul>', '<em>', '<3', 'x<y', '<<quoted>>', '->', '=>', '<-', '<=>',
  'javascript tutorial', 'JavaScript: The Good Parts', 'learn javascript: basics', 'expression of interest',
  'on sale now', 'online shopping', 'onload event docs', 'the style guide', 'alert: storm warning',
  'prompt engineering', 'confirm your email', 'eval results', 'document.pdf', 'window cleaning',
  '"quoted" - alert', "it's time; alert the team", 'location: Paris', 'top 5',
  // --- added with the 2nd detector revision: harder benign text for the new fragment rules ---
  // names and places with apostrophes
  "Conan O'Brien", "Shaquille O'Neal", "Dolores O'Riordan", "Sinéad O'Connor", "Georgia O'Keeffe", "Ngũgĩ wa Thiong'o",
  "D'Artagnan", "Jeanne d'Arc", "Dell'Orto carburetor", "Sant'Angelo", "N'Djamena", "Ta'izz", "Mu'ammar",
  "O'Hare airport parking", "Lands' End jackets", "Kohl's or Macy's", "Trader Joe's and Whole Foods", "Domino's = pizza",
  "Chick-fil-A's hours", "Re: O'Malley's invoice", "Denny's; IHOP; Waffle House", "Moody's rating: A-",
  // English prose with or/and/select/union/drop and friends
  'Select one or more options', 'Select the files, then drop them here', 'Drag and drop to reorder', 'and or but so yet',
  'cats and dogs or birds', 'Is it 1 or 2 people?', 'For 2 or more guests, call us', 'either 3 or 4 days',
  'buy 1 and get 1 free', '1 and 2 bedroom apartments', 'Order by 5pm for same-day delivery', 'Group by size, then by color',
  'The union of two sets is a set', 'European Union; member states', 'Please update the table below', 'Insert tab A into slot B',
  'delete from my cart', 'select from the menu', 'when in doubt, then ask', 'case when it rains',
  'I would sleep (8 hours) if I could', 'The benchmark (2023) shows gains', 'Count (the) ways', 'char broil grill',
  'if and only if', 'null hypothesis or alternative', 'not null, not empty', 'values (honesty, kindness)',
  'Having trouble? Contact us', 'limit 2 per customer', 'Between us: the truth', 'Like us on Facebook or Instagram',
  'He and I; you or she', 'Rock, paper, or scissors?', 'Terms and conditions apply.', 'and/or other rights holders',
  'The users table is in the back room', 'Information schema of the novel', 'Master of Science (MSc)',
  'We declare @everyone a winner', 'Set @home as your status', 'exec. summary (draft 2)',
  // product specs with inch marks and feet
  '27" monitor or 32"?', 'TV 55" and 65"', 'Pipe 3/4" x 10\'', 'Shelf 12" deep, 36" wide', 'MacBook Pro 14" or 16"',
  '5\'11" and 180 lbs', 'Frame: 8" x 10" or 11" x 14"', '1/4"-20 screw', 'tire 225/45R17 or 17"', '2" = 5.08 cm',
  // code snippets and config
  'if (a == 1 || b == 2) { run(); }', 'while (i < n && !done) i++;', 'x = y == z ? 1 : 0', 'return count > 0;',
  'const total = items.length * 2;', 'SELECT_MENU_OPEN', 'std::vector<int> v;', 'let s: String = String::from("a");',
  'fe80::1%eth0', '::1', '2001:db8::ff00:42:8329', 'what does SELECT do in sql', 'array_map(fn($x) => $x * 2, $a)',
  'printf("%d\\n", x);', 'a = b; c = d;', 'echo "$HOME" | tr a-z A-Z', '{ "where": { "id": 5 } }', '{{ user.name }}',
  'background: url("a.png") no-repeat;', 'font-family: "Helvetica Neue", sans-serif;', '/* TODO: fix */ x = 1;',
  '-- TODO: remove', '# comment in yaml', 'key: value # note', 'x -> y -> z', 'm.put("k", v);',
  'width=100&height=200', 'filter=price>10', 'sort=-created_at', 'q=rock+and+roll', 'lang=en-US;q=0.9',
  // SQL-like but harmless search terms
  'order by price', 'sort by date desc', 'price low to high', 'group by category', 'union jack flag', 'select comfort mattress',
  'drop ceiling tiles', 'table saw', 'join us', 'left join vs inner join', 'sql tutorial for beginners', 'mysql vs postgres',
  'how to write a where clause', 'what does null mean', 'sleep number bed', 'benchmark mutual fund',
  // numbers, comparisons and maths in prose
  '2 + 2 = 4', 'x > 3 and y < 5', '3 < 4', 'a != b', 'n = 10', 'score >= 90 = A', 'rated 4.5/5 or higher',
  '100% cotton; machine wash', 'Floor 2 - Room 201', 'Page 3 of 10', '#hashtag and #another', 'v2 -> v3 migration',
  'Ages 3-5 & 6-8', 'Q&A session', 'R&D budget', 'Fish & Chips', 'AT&T or Verizon', '"A" or "B"', "'A' or 'B'",
];
