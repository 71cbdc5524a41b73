/**
 * Required literals of an RE2 pattern, for the regex prefilter (regex-prefilter.ts): a conjunction
 * of clauses, each a set of literals of which every match must contain at least one (CNF). A value
 * that satisfies no clause literal of some clause cannot match, so the regex need not run.
 *
 * Literals are case-folded (ASCII and Latin-1 letters, see FOLD) whatever the pattern's flags, and
 * the prefilter scans folded text: a case-sensitive literal present in a value is present folded,
 * so folding only ever keeps more candidates. The analysis is conservative: any construct it does
 * not understand (backreference-like escapes, \Q…\E, code points above 0xFF, malformed input)
 * gives up on the whole pattern (requiredLiterals returns []), which means "always run the regex".
 */
import { CompileMemo } from './util.js';

/** Folded code of each byte (A-Z → a-z, À-Þ → à-þ except ×), identity elsewhere. */
export const FOLD: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = (c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xde && c !== 0xd7) ? c + 0x20 : c;
  return t;
})();

/** At most this many strings in an exact set (cross products beyond it stop extending literals). */
const MAX_EXACT = 64;
/** A character class with more members than this is treated as "some character". */
const MAX_CLASS = 8;
/** At most this many clauses are kept per pattern (the most selective ones). */
const MAX_CLAUSES = 4;

/** A clause: at least one of these (folded) literals occurs in every match. */
export type Clause = readonly string[];

/**
 * What is known of a sub-pattern's matches: `exact` is a set of strings every match is one of
 * (assertions count as empty), or null when unknown/too large; `clauses` is a CNF every match
 * satisfies.
 */
interface Info {
  readonly exact: readonly string[] | null;
  readonly clauses: readonly Clause[];
  /** When exact is null: every match starts with one of these / ends with one of these. */
  readonly prefix?: readonly string[];
  readonly suffix?: readonly string[];
}

class Unsupported extends Error {}

const ANY_CHAR: Info = { exact: null, clauses: [] };
const EMPTY: Info = { exact: [''], clauses: [] };

/** Drops strings that contain another member (the shorter one is present whenever they are). */
function minimize(set: readonly string[]): string[] {
  const sorted = [...new Set(set)].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const s of sorted) if (!out.some((t) => s.includes(t))) out.push(s);
  return out;
}

/** The clause an exact set implies, or undefined when it contains the empty string. */
function clauseOf(exact: readonly string[]): Clause | undefined {
  if (exact.length === 0 || exact.includes('')) return undefined;
  return minimize(exact);
}

/** Selectivity of a clause: longer shortest literal first, then fewer literals. */
function better(a: Clause, b: Clause): number {
  const ma = Math.min(...a.map((s) => s.length));
  const mb = Math.min(...b.map((s) => s.length));
  return mb - ma || a.length - b.length;
}

/** True when `strong` holding implies `weak` holds (each literal of strong contains one of weak). */
function implies(strong: Clause, weak: Clause): boolean {
  return strong.every((s) => weak.some((w) => s.includes(w)));
}

function bestClauses(list: readonly Clause[]): Clause[] {
  const out: Clause[] = [];
  for (const c of [...list].sort(better)) {
    if (out.some((d) => implies(d, c))) continue; // redundant (duplicates included)
    out.push(c);
  }
  return out.slice(0, MAX_CLAUSES);
}

function cross(a: readonly string[], b: readonly string[]): string[] | null {
  if (a.length * b.length > MAX_EXACT) return null;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return [...new Set(out)];
}

/** Recursive-descent reader of RE2 syntax, computing Info bottom-up. */
class Reader {
  private i = 0;
  constructor(private readonly p: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.i !== this.p.length) throw new Unsupported('unbalanced )');
    return info;
  }

  private peek(): string | undefined {
    return this.p[this.i];
  }

  private alternation(): Info {
    const branches: Info[] = [this.concat()];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.concat());
    }
    if (branches.length === 1) return branches[0]!;
    // Union of exact sets when all are known and small; otherwise one clause: the union of each
    // branch's best clause (every branch must have one).
    let exact: string[] | null = [];
    for (const b of branches) {
      if (b.exact === null || exact === null) exact = null;
      else exact = [...new Set([...exact, ...b.exact])];
    }
    if (exact !== null && exact.length > MAX_EXACT) exact = null;
    const union: string[] = [];
    for (const b of branches) {
      const c = b.exact !== null ? clauseOf(b.exact) : b.clauses[0];
      if (c === undefined) return { exact, clauses: [] };
      union.push(...c);
    }
    const clause = minimize(union);
    return { exact, clauses: [clause] };
  }

  private concat(): Info {
    const clauses: Clause[] = [];
    let cur: string[] = [''];
    let allExact = true;
    const flush = (): void => {
      const c = clauseOf(cur);
      if (c !== undefined) clauses.push(c);
    };
    while (this.i < this.p.length && this.peek() !== '|' && this.peek() !== ')') {
      const item = this.repeat();
      // An exact item's clauses are implied by the literal run it joins.
      if (item.exact === null) clauses.push(...item.clauses);
      if (item.exact !== null) {
        const next = cross(cur, item.exact);
        if (next !== null) {
          cur = next;
          continue;
        }
        allExact = false;
        flush();
        cur = [...item.exact];
        continue;
      }
      allExact = false;
      // `x+` starts and ends with an x: the literal run extends into it and resumes after it.
      if (item.prefix !== undefined) {
        const next = cross(cur, item.prefix);
        if (next !== null) cur = next;
        else {
          flush();
          cur = [...item.prefix];
        }
      }
      flush();
      cur = item.suffix !== undefined ? [...item.suffix] : [''];
    }
    flush();
    return { exact: allExact ? cur : null, clauses: bestClauses(clauses) };
  }

  private repeat(): Info {
    const atom = this.atom();
    let min = 1;
    let max = 1;
    for (;;) {
      const c = this.peek();
      let qmin: number;
      let qmax: number;
      if (c === '*') [qmin, qmax] = [0, Infinity];
      else if (c === '+') [qmin, qmax] = [1, Infinity];
      else if (c === '?') [qmin, qmax] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
        if (!m) throw new Unsupported('literal {'); // RE2 reads it as a literal; keep it simple
        qmin = Number(m[1]);
        qmax = m[2] === undefined ? qmin : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length - 1;
      } else break;
      this.i++;
      if (this.peek() === '?') this.i++; // lazy: same language
      min *= qmin;
      max *= qmax;
    }
    if (min === 1 && max === 1) return atom;
    if (min === 0) {
      if (max === 1 && atom.exact !== null) return { exact: [...new Set(['', ...atom.exact])], clauses: [] };
      if (max === 0) return EMPTY;
      return { exact: null, clauses: [] };
    }
    // At least one occurrence: whatever one occurrence requires is required, and an exact atom
    // begins and ends the match.
    if (atom.exact !== null) {
      const c = clauseOf(atom.exact);
      return { exact: null, clauses: c !== undefined ? [c] : [], prefix: atom.exact, suffix: atom.exact };
    }
    return { exact: null, clauses: atom.clauses };
  }

  private atom(): Info {
    const c = this.p[this.i++];
    switch (c) {
      case undefined:
        throw new Unsupported('unexpected end');
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return ANY_CHAR;
      case '^':
      case '$':
        return EMPTY;
      case '\\':
        return this.escape();
      case ')':
      case '*':
      case '+':
      case '?':
      case '{':
        throw new Unsupported(`unexpected ${c}`);
      default:
        return this.literal(c.charCodeAt(0));
    }
  }

  private literal(code: number): Info {
    if (code > 0xff) throw new Unsupported('code point above 0xFF');
    return { exact: [String.fromCharCode(FOLD[code]!)], clauses: [] };
  }

  private group(): Info {
    if (this.peek() === '?') {
      this.i++;
      const rest = this.p.slice(this.i);
      const named = /^P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest);
      if (named) this.i += named[0].length;
      else {
        const flags = /^(-?[imsU]+|[imsU]+-[imsU]*)?([:)])/.exec(rest);
        if (!flags || (flags[1] === undefined && flags[2] === ')')) throw new Unsupported('group syntax');
        this.i += flags[0].length;
        // Flags only change case (folded away anyway), '.' and anchors' scope: no effect on literals.
        if (flags[2] === ')') return EMPTY;
      }
    }
    const inner = this.alternation();
    if (this.p[this.i++] !== ')') throw new Unsupported('missing )');
    return inner;
  }

  /** One escape outside a class. */
  private escape(): Info {
    const c = this.p[this.i++];
    if (c === undefined) throw new Unsupported('trailing \\');
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        return EMPTY;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
      case 'C':
        return ANY_CHAR;
      case 'p':
      case 'P':
        this.unicodeClassName();
        return ANY_CHAR;
      default: {
        const code = this.escapedCode(c);
        return this.literal(code);
      }
    }
  }

  private unicodeClassName(): void {
    if (this.peek() === '{') {
      const end = this.p.indexOf('}', this.i);
      if (end < 0) throw new Unsupported('\\p{');
      this.i = end + 1;
    } else if (this.i < this.p.length) this.i++;
    else throw new Unsupported('\\p');
  }

  /** The code of a single-character escape (after the backslash, `c` consumed). */
  private escapedCode(c: string): number {
    switch (c) {
      case 'n': return 0x0a;
      case 'r': return 0x0d;
      case 't': return 0x09;
      case 'f': return 0x0c;
      case 'v': return 0x0b;
      case 'a': return 0x07;
      case 'x': {
        const m = /^(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))/.exec(this.p.slice(this.i));
        if (!m) throw new Unsupported('\\x');
        this.i += m[0].length;
        return parseInt(m[1] ?? m[2]!, 16);
      }
      default:
        // Escaped punctuation stands for itself; letters and digits with other meanings give up.
        if (/^[!-/:-@[-`{-~]$/.test(c)) return c.charCodeAt(0);
        throw new Unsupported(`escape \\${c}`);
    }
  }

  private charClass(): Info {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    if (this.peek() === ']') throw new Unsupported('leading ] in class');
    const members = new Set<number>();
    let large = false;
    const addRange = (a: number, b: number): void => {
      if (b < a) throw new Unsupported('bad range');
      if (b - a > MAX_CLASS || b > 0xff) {
        large = true;
        return;
      }
      for (let x = a; x <= b; x++) members.add(FOLD[x]!);
    };
    for (;;) {
      const c = this.p[this.i++];
      if (c === undefined) throw new Unsupported('unterminated class');
      if (c === ']') break;
      if (c === '[' && this.peek() === ':') {
        const end = this.p.indexOf(':]', this.i);
        if (end < 0) throw new Unsupported('[:');
        this.i = end + 2;
        large = true;
        continue;
      }
      let lo: number;
      if (c === '\\') {
        const e = this.p[this.i++];
        if (e === undefined) throw new Unsupported('trailing \\');
        if ('dDwWsS'.includes(e)) {
          large = true;
          continue;
        }
        if (e === 'p' || e === 'P') {
          this.unicodeClassName();
          large = true;
          continue;
        }
        lo = this.escapedCode(e);
      } else lo = c.charCodeAt(0);
      if (this.peek() === '-' && this.p[this.i + 1] !== ']' && this.p[this.i + 1] !== undefined) {
        this.i++;
        const d = this.p[this.i++]!;
        let hi: number;
        if (d === '\\') {
          const e = this.p[this.i++];
          if (e === undefined) throw new Unsupported('trailing \\');
          hi = this.escapedCode(e);
        } else hi = d.charCodeAt(0);
        addRange(lo, hi);
      } else addRange(lo, lo);
    }
    if (negated || large || members.size > MAX_CLASS || members.size === 0) return ANY_CHAR;
    return { exact: [...members].map((m) => String.fromCharCode(m)), clauses: [] };
  }
}

/** Results by pattern. */
const CACHE = new CompileMemo<readonly Clause[]>(20000);

/**
 * The CNF of folded literals every match of `pattern` (RE2 syntax, as given to RE2) satisfies; []
 * when nothing is known (the pattern can match without any literal, or was not understood).
 */
export function requiredLiterals(pattern: string): Clause[] {
  // The same patterns recur (one per inspected field, and on every recompile): read each once.
  return CACHE.get(pattern, () => read(pattern)).map((c) => [...c]);
}

function read(pattern: string): Clause[] {
  let info: Info;
  try {
    info = new Reader(pattern).parse();
  } catch (e) {
    if (e instanceof Unsupported) return [];
    throw e;
  }
  const all = [...info.clauses];
  if (info.exact !== null) {
    const c = clauseOf(info.exact);
    if (c !== undefined) all.push(c);
  }
  // Every literal char was folded where it was read (literal(), charClass()).
  return bestClauses(all.filter((c) => c.length > 0 && !c.includes('')));
}
