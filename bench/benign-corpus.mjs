// A benign request corpus for the detection benchmark: ordinary English prose (written for this
// file, dedicated to the public domain) carrying its apostrophes, quotes, dashes, semicolons,
// parentheses and the odd ampersand, placed where real sites receive free text — query strings,
// urlencoded form fields, JSON bodies, path slugs and cookies — with browser headers.
// Deterministic: generateCorpus(n, seed) always yields the same requests.
// Usage: import { generateCorpus } from './benign-corpus.mjs'; or `node bench/benign-corpus.mjs 5` to print samples.
import { rng } from './rng.mjs';

/** Whole sentences, as people type them into reviews, comments, searches and support forms. */
const SENTENCES = [
  "I'd order this again; it arrived two days early and the box wasn't even dented.",
  "The shoes fit well — though I'd size up if you've got wide feet.",
  'My daughter said it was "the best birthday present ever", so that\'s a win.',
  "Don't bother with the cheaper model; it's flimsy and the hinge broke within a week.",
  "We've stayed here twice now, and both times the staff couldn't have been kinder.",
  'Is there a version that works with older phones? Mine is from 2017.',
  "The recipe calls for two cups of flour, but I only had one and a half — it still worked.",
  "It's not perfect: the lid sticks, and the handle gets hot. Still, for the price, it's fine.",
  'Where can I find the form to change my delivery address?',
  "He said, 'We'll see you on Monday,' and then nobody turned up until Wednesday.",
  'Select your size from the list and then choose a colour; the page updates the price.',
  "Our order number is on the receipt, but the tracking link says it doesn't exist.",
  "I can't log in since yesterday's update — the password reset email never arrives.",
  'Please cancel my subscription at the end of this month; thanks for everything so far.',
  'The hotel was a short walk from the station, which made our late arrival much easier.',
  "Battery life is roughly eight hours with the screen at half brightness; that's plenty for me.",
  "If you're looking for something lightweight, this one's about as light as they come.",
  'The instructions were in three languages, none of them particularly clear.',
  "My grandmother's old sewing machine still runs better than the new one I bought.",
  'We drove up the coast road and stopped for fish and chips in a tiny harbour town.',
  "Can I return an item after thirty days if it's unopened?",
  'The colour in the photo is brighter than the real thing — more navy than royal blue.',
  "I've been using it every morning for a month and it hasn't let me down once.",
  'Would you recommend this for a beginner, or is it better suited to someone with experience?',
  "The kids loved the museum; the dinosaur hall alone was worth the trip.",
  "It's a bit loud when it runs on the highest setting, but otherwise it's quiet enough.",
  'Arrived on time, well packed, exactly as described. Five stars from me.',
  "The café on the corner does a lovely breakfast; try the eggs with spinach and toast.",
  "There's a typo on the checkout page: \"deliviery\" instead of \"delivery\".",
  'I asked for the window seat and got the aisle, but the crew sorted it out quickly.',
  "Our team's meeting moved to Thursday at 3 pm; please update the calendar invite.",
  'The garden centre had run out of tomato plants, so we bought peppers instead.',
  "I wasn't sure about the fabric at first — it's thinner than I expected — but it washes well.",
  'How long does shipping usually take to the north of Scotland?',
  "She's been learning the piano for three years and plays for the church choir now.",
  'The trail was muddy after the rain; wear boots and bring a spare pair of socks.',
  "We'd planned a picnic, but the weather had other ideas.",
  'The second chapter drags a little, yet the ending more than makes up for it.',
  "Please note: the museum is closed on Mondays and on public holidays.",
  "I'd like to know whether the price includes tax and delivery.",
  'Thanks for the quick reply; the replacement part fits perfectly.',
  "My flight was delayed by four hours, so I missed the connection in Frankfurt.",
  'The blanket is soft, warm and — most importantly — the cat approves.',
  "They've changed the opening hours again; it's now nine till five on weekdays.",
  'Do you ship to Canada, and if so, are there any customs fees I should know about?',
  "The soup was too salty for my taste, although my husband thought it was just right.",
  "This is my third pair; I keep wearing them out because they're so comfortable.",
  'We ordered the large size for our dog, a golden retriever, and it fits him nicely.',
  "I'm writing to complain about the noise from the building site next door.",
  'The manual says to charge it overnight before first use; I did, and it works fine.',
  "Could you tell me where the nearest branch is? I'm new to the area.",
  'Fresh bread, good coffee, friendly people: what more could you want on a Sunday?',
  "The film's final scene had the whole cinema in tears.",
  "Honestly, I'd expected more from a brand with this reputation.",
  'The drawer slides are smooth, and assembly took about forty minutes with two of us.',
  "It's the little things — a handwritten note, a spare button — that made me smile.",
  'I use it for notes, shopping lists and the occasional drawing with my son.',
  "Our neighbour's apple tree drops half its fruit into our garden every autumn.",
  'The library has extended its hours during the exam period; good news for students.',
  "I'm not a morning person, but the alarm's gentle light makes waking up easier.",
  'Great value; the quality is comparable to items costing twice as much.',
  "Please leave the parcel with the neighbour at number 12 if I'm not in.",
  "The road's closed between the bridge and the school until the end of June.",
  'I found the sizing chart confusing; a note saying "runs small" would help.',
  "It took me a while to get used to the keyboard, but now I type faster than before.",
  'The paint dries quickly and covers well; two coats were enough on a dark wall.',
  "We're planning a small wedding in the spring and looking for a venue near the river.",
  'The guided tour lasted about an hour and a half; the guide was funny and well informed.',
  "Why doesn't the app remember my preferences between sessions?",
  'The tea set was a gift for my mother, who collects blue and white china.',
  "I'd give it four stars; the only drawback is the short cable.",
  'The waiter recommended the lamb, and he was right — it was the best dish of the evening.',
  "Don't forget to bring your own towels; the cottage doesn't provide them.",
  'When will the winter collection be back in stock?',
  "My old laptop's fan was so loud I couldn't hear the radio over it.",
  'We cycled along the canal path from the lock to the old mill and back.',
  "The author's notes at the back explain where the idea for the story came from.",
  "I've attached a photo of the damaged corner; could you send a replacement?",
  'The umbrella survived a windy afternoon on the pier, which is more than my last one did.',
  "Kindly confirm whether the 10% discount applies to sale items as well.",
  'The heating came on at six and the house was warm by the time we got up.',
  "It's difficult to find good walking boots for narrow feet; these are the exception.",
  'The pasta was cooked just right, and the sauce — tomato, garlic, basil — was simple and fresh.',
  "We'll be arriving late on Friday; is there a key box or someone at reception?",
  'I used to think gardening was boring; now I spend every weekend outside.',
  "The printer says it's out of paper even when the tray is full.",
  'Our bus was twenty minutes late, so we missed the first act of the play.',
  "Please don't call before ten; I work nights and sleep in the morning.",
  'The lamp gives a warm, soft light; perfect for reading in bed.',
  "My brother-in-law fixed the leaking tap in five minutes — I'd been putting it off for weeks.",
  'Is the event suitable for children under five?',
  "The cake was dry, and the icing was far too sweet; I won't order from there again.",
  'Two of the four chairs wobble slightly, but a few felt pads sorted it.',
  "I've read every book in the series and this one's my favourite by far.",
  'The view from the top of the hill is worth the climb, even on a cloudy day.',
  "They said the repair would take a week; it's been a month and I've heard nothing.",
  'The jacket is waterproof, breathable and has plenty of pockets for keys and a phone.',
  "I'm looking for a present for a friend who's just moved into her first flat.",
  'Good service, fair prices, and they remembered my name on the second visit.',
  "If the size doesn't fit, can I exchange it in a shop rather than posting it back?",
  'The programme starts at half past seven, with an interval of twenty minutes.',
  "We couldn't find parking anywhere near the stadium, so we took the train next time.",
  "The kettle's switch feels cheap, but it boils quickly and it's easy to clean.",
  'Thank you for a wonderful evening; the music was lovely and the food even better.',
  "My order was marked \"delivered\" but there's nothing on the doorstep or with the neighbours.",
  'This backpack carries a laptop, lunch and a change of clothes without feeling heavy.',
  "I'd appreciate an invoice with our company's name and address for our records.",
  'The island is quiet outside the summer months; many shops and restaurants close in October.',
  "The plant arrived with a few yellow leaves, but it's recovered and is growing well.",
  "Which of these two models would you choose for a small kitchen?",
  'The lecture on medieval trade routes was fascinating; I took pages of notes.',
  "Our cat won't touch the new food; is there a sample pack we could try first?",
  'The hike took longer than planned, so we ate our sandwiches at the summit in the fog.',
  "I'm happy with the purchase, although the delivery driver left it in the rain.",
  'The seats are comfortable, the legroom is decent, and the staff were polite throughout.',
  "What's the difference between the standard and the premium plan?",
  'Friends of ours recommended this place, and we can see why; we\'ll be back.',
  "The apartment's kitchen is small but well equipped — there's even a dishwasher.",
  'We waited forty-five minutes for a table and another half hour for our food.',
  "I'd like to book a table for six on Saturday evening, ideally by the window.",
  'The shirt shrank a little after the first wash, so follow the care label closely.',
  "Whoever designed this tin opener deserves an award; it's so easy to use.",
  'My order included a free sample of hand cream, which was a nice surprise.',
  "The train from the city centre to the airport runs every fifteen minutes until midnight.",
  'Please add a vegetarian option to the set menu; several of us don\'t eat meat.',
  "The blender's jug cracked after a few months of making smoothies every morning.",
  'Walking along the cliffs at sunset was the highlight of our holiday.',
  "I'm allergic to nuts; could you confirm that the granola is made in a nut-free kitchen?",
  'The story is told from three points of view, and each one adds something new.',
  "They don't make them like they used to — but this one comes close.",
  'The clock keeps good time and the tick is quiet enough for a bedroom.',
  "We're a family of five, so the larger tent was the obvious choice.",
  'I changed my email address last year; please update it on my account.',
  "The market's open on Saturdays from eight until one; get there early for the best bread.",
  "Is it possible to change the delivery date once the order's been dispatched?",
  'A light, refreshing wine; it went well with grilled fish and a green salad.',
  "My son's school recommended this dictionary, and it's been very useful.",
  'The broadband dropped out three times last night during the match.',
  "I'd love to see more colours in this style — maybe a dark green or a burgundy?",
  'The speaker\'s battery lasts a whole day at the beach; the sound is surprisingly full.',
  "Don't miss the little bakery behind the church; their cinnamon buns are famous.",
  'We booked the early ferry, which meant a five o\'clock start, but the crossing was calm.',
  "The form keeps telling me my postcode is invalid, even though it's correct.",
  'Lovely, thoughtful service from start to finish; thank you, everyone.',
  "The rug is thicker than I expected and the colours are just as they looked online.",
  'What time does the last bus leave from the town square on Sundays?',
  "I'm returning the dress because the zip broke the first time I wore it.",
  'Our guide knew every bird by its song; we saw herons, kingfishers and a pair of swans.',
  "The cheese board was generous — five cheeses, grapes, crackers and a sweet chutney.",
  "Please can you resend the confirmation? It must have gone to my spam folder.",
  'The old town is best explored on foot; the streets are narrow and mostly cobbled.',
  "I've had this watch for ten years and it's only needed one new battery.",
  'The room was clean and bright, though the walls were a little thin.',
  "Would it be all right to bring our dog? He's small, quiet and very well behaved.",
  'The recipe worked perfectly; next time I\'ll add a pinch more salt and some lemon zest.',
  "We're moving house next month; where do I update my billing address?",
  'Bought as a gift for my father, who spends hours in his shed making birdhouses.',
  "The audiobook's narrator has a warm voice and does the accents well.",
  'The swimming pool was closed for repairs, which the website didn\'t mention.',
  "I'm impressed by how quickly the support team answered — within an hour, on a Sunday.",
];

/** Short phrases for searches, names, titles and labels. */
const PHRASES = [
  "children's books", "men's walking boots", 'rock & roll records', "o'brien family history",
  'salt and pepper grinder', "women's rain jacket - navy", 'fish & chips near me', "grandma's apple pie recipe",
  "today's specials", 'bed and breakfast by the sea', "d'artagnan and the three musketeers", 'mother\'s day cards',
  'black & white photography', "rock 'n' roll dance classes", 'cheese; wine; bread', 'gluten-free bread flour',
  'tickets for "the tempest"', "st. john's wood flats", 'half-price garden chairs', "what's on this weekend",
  'how to fix a dripping tap', "children's party ideas - under 5s", 'coffee table (oak, 120 cm)', 'pots & pans set',
  "new year's eve dinner", 'best hikes in the lake district', "shakespeare's sonnets", 'one-way train tickets',
  'size 10 - 12 dresses', "macy's parade route", 'weather: rain or shine?', 'old-fashioned lemonade',
  'union street bakery', 'select committee report', 'drop-in pottery class', 'table for two, please',
  'order of service', 'script writing workshop', 'alert: road closed', 'window cleaning - weekly',
];

const NAMES = ["O'Connor", "D'Souza", 'Smith-Jones', 'McAllister', "N'Dour", 'Van der Berg', 'Le Blanc', "O'Neill", 'García', 'Zoë Brontë'];

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
];
const LANGS = ['en-US,en;q=0.9', 'en-GB,en;q=0.9', 'en-GB,en-US;q=0.9,en;q=0.8', 'en-US,en;q=0.5', 'en-IE,en;q=0.9,ga;q=0.6'];
const HOSTS = ['shop.example.com', 'www.example.org', 'blog.example.net'];
const ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';


/** Form/query encoding as browsers do it (application/x-www-form-urlencoded: space as '+'). */
const formEnc = (s) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const slug = (s) => s.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

/**
 * `n` benign requests { kind, method, path, headers, body? }. Kinds: query, form, json, slug, cookie
 * (round-robin), text drawn from the sentences and phrases above, one to three sentences per field.
 */
export function generateCorpus(n = 1200, seed = 20261129) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const text = (max = 3) => Array.from({ length: 1 + Math.floor(r() * max) }, () => pick(SENTENCES)).join(' ');
  const out = [];
  const kinds = ['query', 'form', 'json', 'slug', 'cookie'];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length];
    const host = pick(HOSTS);
    const headers = {
      Host: host,
      'User-Agent': pick(USER_AGENTS),
      Accept: ACCEPT_HTML,
      'Accept-Language': pick(LANGS),
      'Accept-Encoding': 'gzip, deflate, br',
      Referer: `https://${host}/`,
      Cookie: `session=${Math.floor(r() * 1e12).toString(36)}; theme=${pick(['dark', 'light'])}`,
    };
    let method = 'GET';
    let path;
    let body;
    if (kind === 'query') {
      const v = r() < 0.5 ? pick(PHRASES) : text(2);
      path = pick([`/search?q=${formEnc(v)}&page=${1 + Math.floor(r() * 5)}`, `/products?category=${formEnc(pick(PHRASES))}&sort=price_asc&q=${formEnc(v)}`, `/help/answers?question=${formEnc(v)}&lang=en`]);
    } else if (kind === 'form') {
      method = 'POST';
      path = pick(['/contact', '/reviews/new', '/account/support', '/comments']);
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers.Origin = `https://${host}`;
      body = `name=${formEnc(pick(NAMES))}&subject=${formEnc(pick(PHRASES))}&message=${formEnc(text(3))}&rating=${1 + Math.floor(r() * 5)}`;
    } else if (kind === 'json') {
      method = 'POST';
      path = pick(['/api/reviews', '/api/comments', '/api/v1/messages', '/graphql-free/notes']);
      headers['Content-Type'] = 'application/json';
      headers.Accept = 'application/json, text/plain, */*';
      headers.Origin = `https://${host}`;
      body = JSON.stringify({ author: pick(NAMES), title: pick(PHRASES), body: text(3), tags: [pick(PHRASES), pick(PHRASES)], rating: 1 + Math.floor(r() * 5) });
    } else if (kind === 'slug') {
      path = pick(['/blog/', '/articles/2026/11/', '/reviews/', '/recipes/']) + slug(text(1)) + (r() < 0.3 ? `?utm_source=newsletter&utm_campaign=${slug(pick(PHRASES))}` : '');
    } else {
      path = pick(['/', '/basket', '/account', '/products/123']);
      headers.Cookie += `; last_search=${encodeURIComponent(pick(PHRASES))}; recent_note=${encodeURIComponent(text(1))}; display_name=${encodeURIComponent(pick(NAMES))}`;
    }
    out.push({ kind, method, path, headers, ...(body !== undefined ? { body } : {}) });
  }
  return out;
}

export const corpusStats = { sentences: SENTENCES.length, phrases: PHRASES.length };

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 5);
  for (const q of generateCorpus(1200).slice(0, n)) console.log(JSON.stringify(q));
  console.log(corpusStats);
}
