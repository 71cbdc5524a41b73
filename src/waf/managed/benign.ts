/** Test-only: realistic benign requests (browser headers, English prose with punctuation). */
import type { ReqInit } from './test-helpers.js';

/** Sentences in the style of public-domain English prose (punctuation is the point). */
export const PROSE = [
  "It's a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
  'She said, "I can\'t come tonight; the children are ill -- perhaps tomorrow?"',
  "Don't select the first option; choose the one you'd pick if nobody were watching.",
  'Call me Ishmael. Some years ago -- never mind how long precisely -- I thought I would sail about a little.',
  "The cat's out of the bag; we'll have to tell them where the money went, and why.",
  'Update: the order (#4521) shipped on 3/14; tracking says "out for delivery" & ETA 5pm.',
  "Is it 'color' or 'colour'? Either is fine -- just be consistent throughout the document.",
  'We drop by the office at 9; union members meet at noon to discuss the new contract.',
  'The rain in Spain stays mainly in the plain; or so the song says, anyway.',
  "He whispered: 'Where is the key?' -- and she pointed to the drawer by the window.",
  'Prices from $19.99 -- 20% off when you buy 2 or more (while stocks last!).',
  'To be, or not to be: that is the question; whether \'tis nobler in the mind to suffer...',
  "Let's meet at Joe's Diner & Grill on 5th Ave; I'll be the one in the red coat.",
  'Note: sleep at least 8 hours; eat well; exercise -- and delete old emails regularly.',
  'The admin team will update the FAQ page where users asked "how do I reset my password?"',
  "O'Reilly's guide -- chapter 3, \"Select statements and where clauses\" -- is a good read.",
];

const enc = encodeURIComponent;
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** At least 60 benign requests: prose in query strings, JSON and form bodies, path slugs and cookies. */
export function benignRequests(): ReqInit[] {
  const out: ReqInit[] = [];
  for (const [i, s] of PROSE.entries()) {
    out.push({ target: `/search?q=${enc(s)}&page=${i + 1}&sort=relevance` });
    out.push({ method: 'POST', target: '/api/comments', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ postId: 1000 + i, author: "Mary O'Neil", text: s, tags: ['review', 'books'] }) });
    out.push({ method: 'POST', target: '/contact', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `name=${enc("D'Arcy Smith")}&email=${enc('darcy@example.com')}&message=${enc(s)}` });
    out.push({ target: `/blog/2024/05/${slug(s)}`, headers: { Cookie: `session=ab12cd34; last_search=${enc(s.slice(0, 60))}; consent=yes` } });
  }
  out.push({ target: '/static/js/app.3f9a1c.js' }, { target: '/images/logo@2x.png' }, { target: '/favicon.ico' });
  out.push({ target: '/api/products?category=kitchen%20%26%20dining&min=10&max=50' });
  out.push({ method: 'PUT', target: '/api/profile', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ bio: 'Engineer -- loves hiking; "coffee first"', website: 'https://janedoe.example.org/about' }) });
  return out;
}

/** Code-ish and technical text a developer site or help desk receives: commands named, not run. */
export const TECH_TEXT = [
  'How to use ls -la in a tutorial title',
  'npm install --save-dev typescript; then run npx tsc',
  "Why doesn't `cat` show my file? (I'm on Windows)",
  'Time is of the essence -- please reply by Friday.',
  'If not defined by the user, the default value is used.',
  'Do you ship to Canada, and if so, are there any customs fees I should know about?',
  'Open the menu and select the file, or case by case if you prefer; exists in both versions.',
  'Ping me when you are back; we can talk about the release.',
  "The function returns (a, b) -- see the docs' section 4.2.",
  'Use the find command to locate files by name; it is quite powerful.',
  "She's the head of marketing (and a great cook); ask her.",
  'Set the environment variable in your profile, then restart.',
  'What is the difference between Java and JavaScript?',
  'Runtime errors are logged to the console; check them first.',
  'Process builder UI: drag, drop, connect -- done.',
  'Our PHP course covers arrays, strings & functions (beginner level).',
  'The system is down; eval of the incident is scheduled for Monday.',
  'Echo chamber: why we only hear what we already believe',
  'Who am I? A question philosophers keep asking.',
  'Install Python 3.12 and pip; then create a virtualenv.',
  'Tom & Jerry; more cartoons later -- stay tuned!',
  'Price: $5 each; 3 for $12 (limited time).',
  // 2026-12-07 revision (issue 6): prose naming commands, SQL and HTML words, with apostrophes and semicolons.
  "To list files, type ls; to read one, cat it -- that's all there is to it.",
  "Don't drop the table; truncate it instead, or just delete the old rows.",
  "The script's alert box said: 'Are you sure?' and I clicked OK.",
  "Type 'cd ..' to go up one folder; type 'dir' on Windows to list files.",
  "Copy the file to the server, then move it; don't forget to chmod it.",
  "Use grep to search, sed to edit, and awk when you're feeling brave.",
  "Run 'npm test' first; if it fails, read the log and try again.",
  "Our shell script uses $HOME and $PATH; it's nothing fancy.",
  "Select the rows you want, then drop the ones you don't need; union them later if you like.",
  "What's the difference between <b> and <strong> in HTML? Is one deprecated?",
  'The onload event fires when the page finishes loading; use it sparingly.',
  "My cat's name is Echo; my dog's is Ping -- they don't get along.",
  "Where's the 'exec' key on a Mac? There isn't one; use Cmd instead.",
  "I'd like to know if the sleep setting (auto-off after 1 hour) can be changed.",
  "Python's print function and JavaScript's alert are both for output, sort of.",
  "Set the time zone first; then date and time show correctly -- or so the manual says.",
];

/** Further benign requests: technical prose, doc paths, JSON bodies, cookies and headers. */
export function moreBenignRequests(): ReqInit[] {
  const out: ReqInit[] = [];
  for (const [i, s] of TECH_TEXT.entries()) {
    out.push({ target: `/search?q=${enc(s)}&lang=en` });
    out.push({ method: 'POST', target: '/api/questions', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: s, body: `${s}\nThanks in advance!`, tags: ['help'], votes: i }) });
  }
  for (const path of ['/docs/unix/cat-command', '/docs/unix/ls-la-explained', '/docs/windows/for-loops-in-batch', '/docs/java/runtime-exec-security', '/docs/php/system-function', '/blog/2024/03/curl-vs-wget', '/docs/unix/time-command', '/wiki/Echo_(command)']) {
    out.push({ target: path, headers: { Referer: 'https://www.google.com/' } });
  }
  out.push(
    { target: '/api/orders?status=shipped&sort=-created_at&fields=id,total,items' },
    { target: '/calendar?from=2024-05-01&to=2024-05-31&tz=Europe%2FLondon' },
    { target: '/search?q=%22if+you+can+keep+your+head%22+kipling' },
    { target: '/search?q=what+does+%24PATH+mean' },
    { target: '/search?q=cat+pictures+%26+dog+videos' },
    { method: 'POST', target: '/api/settings', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ theme: 'dark', notifications: { email: true, sms: false }, timezone: 'America/New_York', note: "Don't email me on weekends; thanks!" }) },
    { method: 'POST', target: '/api/snippets', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: 'const total = items.reduce((sum, x) => sum + x.price, 0);\nconsole.log(`Total: ${total}`);' }) },
    { method: 'POST', target: '/checkout', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `address=${enc('12 O\'Connell St; Apt 4 (rear entrance)')}&city=Dublin&notes=${enc('Leave at door -- "fragile"!')}` },
    { target: '/', headers: { Cookie: 'session=9f8e7d6c5b4a; cart=%7B%22items%22%3A3%7D; recent=running-shoes%2Crain-jacket' } },
    { target: '/account', headers: { 'X-Requested-With': 'XMLHttpRequest', Cookie: 'session=AbC123xYz; prefs=lang%3Den%3Bcurrency%3DEUR' } },
    { target: '/news/2024/the-time-machine-review', headers: { 'If-None-Match': 'W/"5e-1a2b3c"' } },
  );
  return out;
}
