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
