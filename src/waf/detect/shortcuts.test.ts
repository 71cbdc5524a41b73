/**
 * The detectors' shortcuts (shortcuts.ts) change no result: every input gives the same SqliMatch,
 * XssMatch and verdict with the shortcuts on as with the full analysis, on the detector vectors,
 * the benign corpus, the CRS regression payloads, serialised bodies built from them, and random
 * strings. Also checks the premises the shortcuts rest on.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyzeSqli, analyzeXss, analyzeXssDecoded, decodeEntities, detectSqli, detectXss } from './index.js';
import { isKnownSqlWord } from './sqli.js';
import { shortcuts } from './shortcuts.js';
import { SQL_TOKEN_VECTORS, SQLI_VECTORS, XSS_VECTORS } from './vectors.js';
import { BENIGN_CORPUS } from './benign-corpus.js';
import { loadCrsCases } from './test-helpers.js';

const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Everything the detectors answer for `s`, as one comparable string. */
function results(s: string): string {
  return JSON.stringify([
    analyzeSqli(s, 'LOW'), analyzeSqli(s, 'HIGH'), detectSqli(s, 'LOW'), detectSqli(s, 'HIGH'),
    analyzeXss(s), analyzeXssDecoded(s), detectXss(s),
  ]);
}

/** The inputs whose results differ between the shortcut path and the full analysis. */
function differing(inputs: Iterable<string>): string[] {
  const out: string[] = [];
  for (const s of inputs) {
    shortcuts.enabled = true;
    const fast = results(s);
    shortcuts.enabled = false;
    const full = results(s);
    if (fast !== full) out.push(s);
  }
  shortcuts.enabled = true;
  return out;
}

afterEach(() => { shortcuts.enabled = true; });

function corpus(): string[] {
  const set = new Set<string>();
  const add = (s: string): void => { set.add(s); set.add(bytes(s)); };
  for (const [s] of SQLI_VECTORS) add(s);
  for (const [s] of XSS_VECTORS) add(s);
  for (const [s] of SQL_TOKEN_VECTORS) add(s);
  for (const s of BENIGN_CORPUS) add(s);
  // 920 holds a file that is not a test document; the payload families are enough here.
  for (const family of ['930', '931', '932', '933', '934', '941', '942', '943', '944']) {
    for (const c of loadCrsCases(family)) for (const p of c.parts) set.add(p);
  }
  // Bodies: the same strings as values of a form, a JSON document and an XML document.
  const base = [...set];
  for (let i = 0; i < base.length; i++) {
    const a = base[i]!;
    const b = base[(i * 7919 + 13) % base.length]!;
    set.add(`x=${a}&y=${b}`); set.add(JSON.stringify({ q: a, r: [b] })); set.add(`<r a="${a}">${b}</r>`); set.add(`${a} ${b}`);
  }
  return [...set];
}

const chars = (alphabet: readonly string[], max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => a.join(''));
const SQLISH = [...'\'"`\\/*-#;()=<>!|&@0x1e. aAnNdDoORrUuSsEeLlCcTt{}$:?,\n_pP', 'select', 'Union', 'or', 'AND', 'sleep(',
  '1=1', '--', '/**/', 'xp_', 'Sp_', 'master.', 'exec ', 'order by', 'waitfor time', 'drop', 'table', '\xb5', '\xff', '\xdf'];
const HTMLISH = [...'<>/"\'`= \tonaljscript:&#x;[]!+(){}$-', 'on', '<a ', 'href=', 'javascript:', '{{', '${', '&#', '&lt;',
  '&amp;', '&#58;', '&colon;', '&#x3c;', 'style=', 'expression(', '-moz-binding:', 'behavior:url(', 'data:text/html', '\xef\xbc\x9c'];
const ENTITYISH = [...'&#x;0123456789abcdefABCDEFltgqoumpsc:;', '&', '&#', '&#x', 'lt', 'amp', 'colon', 'Tab', 'NewLine', '0000000000'];

describe('shortcuts give the full analysis\'s results', () => {
  it('on the vectors, the benign corpus, the CRS payloads and bodies made of them', () => {
    const inputs = corpus();
    expect(inputs.length).toBeGreaterThan(2000);
    expect(differing(inputs)).toEqual([]);
  });

  it('on random SQL-ish, HTML-ish and byte strings', () => {
    const latin1 = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a).toString('latin1'));
    for (const arb of [chars(SQLISH, 400), chars(HTMLISH, 400), chars(ENTITYISH, 80), latin1]) {
      fc.assert(fc.property(arb, (s) => differing([s, `a=${s}&b=${s}`]).length === 0), { numRuns: 400 });
    }
  });

  it('on inputs longer than the attribute and SQL limits', () => {
    const long = ['x '.repeat(5000) + '" onerror=alert(1)', 'a="b" '.repeat(2000) + "' or 1=1--", '<b '.repeat(3000) + 'x=1'];
    expect(differing(long)).toEqual([]);
  });
});

/** The character-reference decoder as it was written before it copied slices (the reference). */
function decodeEntitiesReference(s: string): string {
  const NAMED: Record<string, string> = {
    lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
    sol: '/', bsol: '\\', semi: ';', equals: '=', grave: '`', nbsp: ' ', period: '.', comma: ',', excl: '!',
    lbrace: '{', rbrace: '}', lsqb: '[', rsqb: ']', num: '#', dollar: '$', percnt: '%', plus: '+', quest: '?',
  };
  const alpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.charCodeAt(i) !== 0x26) { out += s[i]; i++; continue; }
    let j = i + 1;
    if (s.charCodeAt(j) === 0x23) {
      j++;
      const hex = (s.charCodeAt(j) | 0x20) === 0x78;
      if (hex) j++;
      let v = 0; let digits = 0;
      while (j < s.length && digits < 10) {
        const d = s.charCodeAt(j);
        let x = -1;
        if (d >= 0x30 && d <= 0x39) x = d - 0x30;
        else if (hex && (d | 0x20) >= 0x61 && (d | 0x20) <= 0x66) x = (d | 0x20) - 0x57;
        if (x < 0) break;
        v = v * (hex ? 16 : 10) + x; j++; digits++;
      }
      if (digits === 0) { out += '&'; i++; continue; }
      while (j < s.length && s.charCodeAt(j) === 0x30 && digits >= 10) j++;
      if (s.charCodeAt(j) === 0x3b) j++;
      out += v < 256 ? String.fromCharCode(v) : v === 0xff1c ? '<' : v === 0xff1e ? '>' : '?';
      i = j; continue;
    }
    let k = j;
    while (k < s.length && k - j < 10 && alpha(s.charCodeAt(k))) k++;
    const rep = NAMED[s.slice(j, k).toLowerCase()];
    if (rep !== undefined) { out += rep; i = s.charCodeAt(k) === 0x3b ? k + 1 : k; continue; }
    out += '&'; i++;
  }
  return out;
}

describe('decodeEntities', () => {
  it('decodes as the character-by-character decoder did', () => {
    for (const s of corpus()) expect(decodeEntities(s)).toBe(decodeEntitiesReference(s));
    fc.assert(fc.property(chars(ENTITYISH, 120), (s) => decodeEntities(s) === decodeEntitiesReference(s)), { numRuns: 2000 });
  });

  it('returns the input itself when nothing decodes', () => {
    const s = 'a=1&b=2&&c&#;&#x;&nosuch;';
    expect(decodeEntities(s)).toBe(s);
    expect(decodeEntities('a&lt;b&#60;c&#x3c;d&colon')).toBe('a<b<c<d:');
  });
});

describe('plain-word premise of the SQL lexer', () => {
  // lex keeps a word as written when its upper case is no known word; that is only sound while every
  // upper-case word sqli.ts compares a value with is known. A new comparison must add its word to
  // COMPARED_WORDS (or a table), or this fails.
  it('knows every upper-case word literal of sqli.ts', () => {
    const src = readFileSync(new URL('./sqli.ts', import.meta.url), 'utf8');
    const literals = new Set([...src.matchAll(/'([A-Z][A-Z0-9_$]+)'/g)].map((m) => m[1]!));
    for (const notCompared of ['LOW', 'HIGH']) literals.delete(notCompared); // sensitivity levels
    expect(literals.size).toBeGreaterThan(30);
    expect([...literals].filter((w) => !isKnownSqlWord(w))).toEqual([]);
  });

  it('rarely takes a word of prose for a known one (the shortcut would not pay off)', () => {
    expect(isKnownSqlWord('SELECT')).toBe(true);
    expect(isKnownSqlWord('ANALYSE')).toBe(true);
    const words = new Set(BENIGN_CORPUS.join(' ').toUpperCase().match(/[A-Z][A-Z0-9_]*/g));
    const src = readFileSync(new URL('./sqli.ts', import.meta.url), 'utf8');
    const prose = [...words].filter((w) => !new RegExp(`\\b${w}\\b`).test(src));
    expect(prose.length).toBeGreaterThan(300);
    expect(prose.filter(isKnownSqlWord).length).toBeLessThanOrEqual(prose.length / 100);
  });
});
