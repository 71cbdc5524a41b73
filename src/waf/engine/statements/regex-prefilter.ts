/**
 * The regex prefilter: a web ACL's regexes inspect the same (field, transformation chain) values
 * again and again, and most of them cannot match a benign value because a literal they require is
 * absent. At compile time each pattern's required literals (regex-literals.ts) are collected; one
 * Aho-Corasick automaton over all literals of the web ACL scans each transformed value once per
 * request (case-folded), and a regex runs only on values where every clause of its requirement has
 * a literal present. A pattern without known literals always runs. Verdicts are exactly the
 * regex's: the prefilter only skips runs that cannot match.
 */
import RE2 from 're2';
import { FOLD, requiredLiterals } from './regex-literals.js';
import type { EvalContext } from './types.js';
import { CompileMemo } from './util.js';

/** Aho-Corasick over case-folded bytes, as a dense DFA on an alphabet of the literals' bytes. */
export class LiteralAutomaton {
  /** Byte → alphabet class (0: a byte no literal contains), folding included. */
  private readonly cls = new Uint8Array(256);
  private readonly width: number;
  private readonly table: Int32Array;
  private readonly memo: { input: string; found: number; hits: Int32Array }[] = [];
  private memoNext = 0;
  /** CSR of the literal ids recognised on entering each state (own and via suffix links). */
  private readonly outStart: Int32Array;
  private readonly outList: Int32Array;
  private readonly seen: Uint8Array;
  /** Where a fresh scan writes the literal ids it finds. */
  private readonly found: Int32Array;
  /** The last scan's ids: `found`, or a memo entry's copy (no copy back on a memo hit). */
  private last: Int32Array;
  readonly states: number;

  constructor(readonly literals: readonly string[]) {
    const classOf = new Map<number, number>();
    for (const lit of literals) {
      for (let i = 0; i < lit.length; i++) {
        const c = lit.charCodeAt(i);
        if (c > 0xff || FOLD[c] !== c) throw new Error('literals must be folded bytes');
        if (!classOf.has(c)) classOf.set(c, classOf.size + 1);
      }
    }
    this.width = classOf.size + 1;
    for (let b = 0; b < 256; b++) this.cls[b] = classOf.get(FOLD[b]!) ?? 0;
    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    literals.forEach((lit, id) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const a = this.cls[lit.charCodeAt(i)]!;
        let t = children[s]!.get(a);
        if (t === undefined) {
          t = children.length;
          children.push(new Map());
          own.push([]);
          children[s]!.set(a, t);
        }
        s = t;
      }
      own[s]!.push(id);
    });
    const n = children.length;
    const w = this.width;
    const delta = new Int32Array(n * w);
    const fail = new Int32Array(n);
    const out: number[][] = own.map((o) => o.slice());
    // Breadth-first: complete the transition table and merge outputs along suffix links.
    const queue: number[] = [];
    for (let a = 0; a < w; a++) {
      const t = children[0]!.get(a);
      if (t !== undefined) {
        delta[a] = t;
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      const f = fail[s]!;
      for (const id of out[f]!) out[s]!.push(id);
      for (let a = 0; a < w; a++) {
        const t = children[s]!.get(a);
        if (t !== undefined) {
          fail[t] = delta[f * w + a]!;
          delta[s * w + a] = t;
          queue.push(t);
        } else delta[s * w + a] = delta[f * w + a]!;
      }
    }
    // Hot-loop table: each entry is the target's row offset (state × width) shifted left once,
    // with bit 0 set when entering the target recognises literals.
    if (n * w * 2 >= 2 ** 31) throw new Error('literal automaton too large');
    const table = new Int32Array(n * w);
    for (let s = 0; s < n; s++) {
      for (let a = 0; a < w; a++) {
        const t = delta[s * w + a]!;
        table[s * w + a] = ((t * w) << 1) | (out[t]!.length > 0 ? 1 : 0);
      }
    }
    this.table = table;
    this.outStart = new Int32Array(n + 1);
    let total = 0;
    for (let s = 0; s < n; s++) {
      this.outStart[s] = total;
      total += out[s]!.length;
    }
    this.outStart[n] = total;
    this.outList = new Int32Array(total);
    for (let s = 0, k = 0; s < n; s++) for (const id of out[s]!) this.outList[k++] = id;
    this.seen = new Uint8Array(literals.length);
    this.found = new Int32Array(literals.length);
    this.last = this.found;
    this.states = n;
  }

  /** Literal ids found by the last scan (its first `n` entries, n being what scan returned). */
  get hits(): Int32Array {
    return this.last;
  }

  /**
   * Scans `s` (a byte string) and returns how many distinct literals occur in it, their ids in
   * hits[0..n); -1 when `s` holds a char above 0xFF (not a byte string: the caller runs everything).
   * The result is a function of `s` alone: the last few results are memoised, as the transformation
   * chains of one field mostly yield the same string (nothing to decode).
   */
  scan(s: string): number {
    const memo = this.memo;
    // Newest first: the string just scanned for one (field, chain) is usually the next one's too.
    const size = memo.length;
    for (let k = 0, j = this.memoNext - 1; k < size; k++, j--) {
      if (j < 0) j = size - 1;
      const e = memo[j]!;
      if (e.input === s) {
        this.last = e.hits;
        return e.found;
      }
    }
    this.last = this.found;
    const found = this.scanFresh(s);
    if (s.length > MEMO_MAX_LENGTH) return found;
    const entry = { input: s, found, hits: found > 0 ? this.found.slice(0, found) : EMPTY_HITS };
    if (memo.length < MEMO_SIZE) memo.push(entry);
    else memo[this.memoNext] = entry;
    this.memoNext = (this.memoNext + 1) % MEMO_SIZE;
    return found;
  }

  private scanFresh(s: string): number {
    const cls = this.cls;
    const table = this.table;
    const outStart = this.outStart;
    const outList = this.outList;
    const seen = this.seen;
    const hits = this.found;
    const w = this.width;
    let found = 0;
    let row = 0;
    let result = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) {
        result = -1;
        break;
      }
      const x = table[row + cls[c]!]!;
      row = x >> 1;
      if ((x & 1) !== 0) {
        const state = row / w;
        for (let j = outStart[state]!, b = outStart[state + 1]!; j < b; j++) {
          const id = outList[j]!;
          if (seen[id] === 0) {
            seen[id] = 1;
            hits[found++] = id;
          }
        }
      }
    }
    for (let j = 0; j < found; j++) seen[hits[j]!] = 0;
    return result < 0 ? -1 : found;
  }
}

const EMPTY_HITS = new Int32Array(0);
/** Two candidates on a value at least this long go through the RE2.Set (three always do). */
const SET_MIN_LENGTH = 256;
/** Scans memoised per automaton (compared by string equality; hits depend on the string only). */
const MEMO_SIZE = 32;
/** Longer strings are not memoised (bounds what the memo keeps alive). */
const MEMO_MAX_LENGTH = 16384;

/** A pattern registered in a group: its index there and the clause indices that must all hold. */
export interface PatternFilter {
  readonly group: PrefilterGroup;
  readonly index: number;
  readonly clauses: Int32Array;
}

/** A group's reusable scan arrays (see PrefilterGroup.buffers). */
interface ScanBuffers {
  readonly sat: Int32Array;
  readonly candidates: Int32Array;
  readonly anyCandidate: Int32Array;
  /** The last stamp handed out. */
  stamp: number;
}

/** Stamps restart (after clearing their arrays) before they could overflow. */
const STAMP_MAX = 0x3fffffff;

/** One request's prefilter state for a group (cached in the evaluation context). */
export interface GroupScan {
  /** Which clauses hold: row v (clauseCount entries) for values[v]; an entry holds iff it equals `stamp`. */
  readonly sat: Int32Array;
  /** This scan's mark in sat and anyCandidate (the arrays are reused across requests). */
  readonly stamp: number;
  /** Candidate patterns per value (patterns whose clauses all hold). */
  readonly candidates: Int32Array;
  /**
   * RE2.Set verdicts per value: the indexes of the matching patterns (a benign value matches few
   * or none, so a lookup in the list beats allocating a per-pattern array); null when the set
   * failed (run each).
   */
  readonly setMatches: (readonly number[] | null | undefined)[];
  /** Per value, what the regexes are given (see subject()), made on first use. */
  readonly subjects: (string | Buffer | undefined)[];
  /** Per pattern: `stamp` when it is a candidate for at least one value (else no value can match it). */
  readonly anyCandidate: Int32Array;
}

/** A compiled set of patterns: match() gives the indices of those that match (RE2.Set). */
interface PatternSet {
  match(input: string | Buffer): number[];
}

// eslint-disable-next-line no-control-regex
const NOT_BYTES = /[^\x00-\xff]/;

/**
 * What RE2 is given for values[v]: RE2 matches a string's UTF-8 encoding, which node-re2 makes in
 * a freshly malloc'd buffer on every call (most of a short header value's regex run). A byte
 * string's UTF-8 encoding is made once per request and value here and shared by every regex run
 * and set pass on it; RE2 reads a Buffer's bytes as they are, so the verdict is the same. Other
 * strings go as they are (how each side encodes a lone surrogate is not something to rely on).
 */
function subject(scan: GroupScan, values: readonly string[], v: number): string | Buffer {
  let b = scan.subjects[v];
  if (b === undefined) {
    const s = values[v]!;
    b = NOT_BYTES.test(s) ? s : Buffer.from(s, 'utf8');
    scan.subjects[v] = b;
  }
  return b;
}

/**
 * Compile artifacts shared by every web ACL compiled in this thread (see CompileMemo): with the
 * managed rule groups, building the RE2.Sets and the literal automaton again was over half of a
 * recompile (~0.4 s on a 2-core machine, during which the data plane's event loop waits). An RE2.Set
 * is immutable once built; a LiteralAutomaton's scratch and memo are only used within one
 * synchronous scan, whose result is read before any other scan, so one instance serves every web ACL.
 */
const SETS = new CompileMemo<PatternSet | null>(1024);
const AUTOMATA = new CompileMemo<LiteralAutomaton>(1024);

/** The RE2.Set of `patterns` (null when RE2.Set does not take one of them: each candidate then runs its own regex). */
function patternSet(patterns: readonly string[]): PatternSet | null {
  return SETS.get(JSON.stringify(patterns), () => {
    try {
      return new RE2.Set(patterns as string[]) as PatternSet;
    } catch {
      return null;
    }
  });
}

/** The automaton of `literals`, in this order (their ids are their indexes). */
function literalAutomaton(literals: readonly string[]): LiteralAutomaton {
  return AUTOMATA.get(JSON.stringify(literals), () => new LiteralAutomaton(literals));
}

/**
 * The patterns that inspect one (field, chain) cache key: their clauses, and an RE2.Set of all of
 * them. Per value, the literal scan rules most patterns out; when two or more remain candidates,
 * one RE2.Set pass decides every pattern of the group at once instead of one regex run each.
 */
export class PrefilterGroup {
  private readonly clauseIds = new Map<string, number>();
  private readonly clauseLiterals: (readonly string[])[] = [];
  private readonly patterns: string[] = [];
  private readonly patternClauses: Int32Array[] = [];
  /** Literal id (of the web ACL automaton) → CSR of this group's clauses containing it. */
  private litStart: Int32Array | null = null;
  private litClauses: Int32Array | null = null;
  private automaton: LiteralAutomaton | null = null;
  private set: PatternSet | null = null;
  /** Clause → CSR of the patterns requiring it; per pattern, how many clauses it requires. */
  private clausePatStart: Int32Array | null = null;
  private clausePats: Int32Array | null = null;
  private need: Int32Array | null = null;
  /** Patterns with no clause: candidates for every value. */
  private always = 0;
  /** Scratch for counting candidates (scans are synchronous). */
  private left: Int32Array | null = null;
  /** Indexes of the patterns with no clause. */
  private alwaysList: Int32Array | null = null;
  /**
   * The arrays of the last scan, reused by the next request's scan: an evaluation is synchronous
   * and its scans are read only while it runs, so no two live scans of a group exist. Fresh typed
   * arrays per scan were a measurable share of a GET (above 64 bytes V8 mallocs their backing
   * store and sweeps it later).
   */
  private pool: ScanBuffers | null = null;
  /** Per pattern, the mark of the value whose count left[p] holds (see scan). */
  private leftStamp: Int32Array | null = null;
  private leftMark = 0;

  constructor(
    readonly id: number,
    private readonly registry: RegexPrefilters,
  ) {}

  /** Registers a pattern (RE2 syntax, as given to RE2). */
  add(pattern: string): PatternFilter {
    if (this.automaton !== null) throw new Error('prefilter already sealed');
    const ids = requiredLiterals(pattern).map((clause) => {
      const key = [...clause].sort().join('\u0000');
      let id = this.clauseIds.get(key);
      if (id === undefined) {
        id = this.clauseLiterals.length;
        this.clauseIds.set(key, id);
        this.clauseLiterals.push(clause);
        for (const lit of clause) this.registry.literal(lit);
      }
      return id;
    });
    const clauses = Int32Array.from(new Set(ids));
    this.patterns.push(pattern);
    this.patternClauses.push(clauses);
    return { group: this, index: this.patterns.length - 1, clauses };
  }

  get clauseCount(): number {
    return this.clauseLiterals.length;
  }

  /** Called by the registry once every pattern is in. */
  seal(automaton: LiteralAutomaton, litIds: ReadonlyMap<string, number>): void {
    const lists: number[][] = Array.from({ length: automaton.literals.length }, () => []);
    this.clauseLiterals.forEach((clause, c) => {
      for (const lit of clause) lists[litIds.get(lit)!]!.push(c);
    });
    const start = new Int32Array(lists.length + 1);
    let total = 0;
    lists.forEach((l, i) => {
      start[i] = total;
      total += l.length;
    });
    start[lists.length] = total;
    const flat = new Int32Array(total);
    let k = 0;
    for (const l of lists) for (const c of l) flat[k++] = c;
    this.litStart = start;
    this.litClauses = flat;
    const byClause: number[][] = this.clauseLiterals.map(() => []);
    this.patternClauses.forEach((cl, p) => {
      for (const c of cl) byClause[c]!.push(p);
    });
    this.clausePatStart = new Int32Array(byClause.length + 1);
    let t = 0;
    byClause.forEach((l, c) => {
      this.clausePatStart![c] = t;
      t += l.length;
    });
    this.clausePatStart[byClause.length] = t;
    this.clausePats = Int32Array.from(byClause.flat());
    this.need = Int32Array.from(this.patternClauses, (cl) => cl.length);
    this.always = this.patternClauses.filter((cl) => cl.length === 0).length;
    this.alwaysList = Int32Array.from(this.patternClauses.flatMap((cl, p) => (cl.length === 0 ? [p] : [])));
    this.left = new Int32Array(this.patterns.length);
    this.leftStamp = new Int32Array(this.patterns.length);
    if (this.patterns.length >= 2) this.set = patternSet(this.patterns);
    this.automaton = automaton;
  }

  get sealed(): boolean {
    return this.automaton !== null;
  }

  /** This request's scan of the group's values (computed once, on first use). */
  scan(ctx: EvalContext, values: readonly string[]): GroupScan {
    const cached = ctx.prefilter[this.id];
    // Still this scan's arrays and stamp unless another evaluation of the web ACL ran in between
    // (one nested in this one: nothing does that, but then the scan is redone, not misread).
    if (cached !== undefined && this.pool !== null && cached.sat === this.pool.sat && cached.stamp === this.pool.stamp) return cached;
    const automaton = this.automaton!;
    const litStart = this.litStart!;
    const litClauses = this.litClauses!;
    const m = this.clauseLiterals.length;
    const pool = this.buffers(values.length * m, values.length);
    const sat = pool.sat;
    const candidates = pool.candidates;
    const anyCandidate = pool.anyCandidate;
    const stamp = this.nextStamp(pool);
    const clausePatStart = this.clausePatStart!;
    const clausePats = this.clausePats!;
    const need = this.need!;
    const left = this.left!;
    const leftStamp = this.leftStamp!;
    if (values.length > 0) {
      const always = this.alwaysList!;
      for (let i = 0; i < always.length; i++) anyCandidate[always[i]!] = stamp;
    }
    for (let v = 0; v < values.length; v++) {
      const base = v * m;
      const n = automaton.scan(values[v]!);
      const hits = automaton.hits;
      if (n < 0) {
        for (let c = 0; c < m; c++) sat[base + c] = stamp;
        candidates[v] = this.patterns.length;
        for (let p = 0; p < anyCandidate.length; p++) anyCandidate[p] = stamp;
        continue;
      }
      // A pattern is a candidate once every clause it requires holds. left[p] counts the clauses
      // still missing for this value; it is valid while leftStamp[p] holds this value's mark.
      const mark = this.nextLeftMark();
      let count = this.always;
      for (let j = 0; j < n; j++) {
        const lit = hits[j]!;
        for (let k = litStart[lit]!, e = litStart[lit + 1]!; k < e; k++) {
          const c = litClauses[k]!;
          if (sat[base + c] === stamp) continue;
          sat[base + c] = stamp;
          for (let q = clausePatStart[c]!, qe = clausePatStart[c + 1]!; q < qe; q++) {
            const p = clausePats[q]!;
            let r = leftStamp[p] === mark ? left[p]! : need[p]!;
            leftStamp[p] = mark;
            left[p] = --r;
            if (r === 0) {
              count++;
              anyCandidate[p] = stamp;
            }
          }
        }
      }
      candidates[v] = count;
    }
    const scan: GroupScan = { sat, stamp, candidates, setMatches: [], subjects: [], anyCandidate };
    ctx.prefilter[this.id] = scan;
    return scan;
  }

  /**
   * The pooled arrays (fresh ones when they are too small). They may be longer than a scan needs:
   * rows are indexed v × clauses, so the tail is unused. Instead of zeroing them per request, each
   * scan marks entries with its own stamp and ignores other values (a fill per request and group,
   * and a copy of `need` per value, are native calls that cost more than the scan's own loop on
   * short header values).
   */
  private buffers(satLength: number, values: number): ScanBuffers {
    let pool = this.pool;
    if (pool === null || pool.sat.length < satLength || pool.candidates.length < values) {
      const cap = Math.max(values, 8, pool === null ? 0 : pool.candidates.length * 2);
      pool = { sat: new Int32Array(cap * this.clauseLiterals.length), candidates: new Int32Array(cap), anyCandidate: new Int32Array(this.patterns.length), stamp: 0 };
      this.pool = pool;
    }
    return pool;
  }

  /** A stamp no entry of the pool's sat/anyCandidate holds yet (they start at 0). */
  private nextStamp(pool: ScanBuffers): number {
    if (pool.stamp === STAMP_MAX) {
      pool.sat.fill(0);
      pool.anyCandidate.fill(0);
      pool.stamp = 0;
    }
    return ++pool.stamp;
  }

  /** A mark no entry of leftStamp holds yet. */
  private nextLeftMark(): number {
    if (this.leftMark === STAMP_MAX) {
      this.leftStamp!.fill(0);
      this.leftMark = 0;
    }
    return ++this.leftMark;
  }

  /** False when the scan rules `pf`'s pattern out for every value (then no value can match it). */
  possible(scan: GroupScan, pf: PatternFilter): boolean {
    return scan.anyCandidate[pf.index] === scan.stamp;
  }

  /**
   * Whether values[v] matches the pattern of `pf`, `re` being that pattern's own regex: false when
   * the literals rule it out; the group's RE2.Set verdict when two or more patterns are candidates
   * for the value; otherwise the regex itself.
   */
  test(scan: GroupScan, pf: PatternFilter, values: readonly string[], v: number, re: { test(s: string | Buffer): boolean }): boolean {
    const m = this.clauseLiterals.length;
    const sat = scan.sat;
    const base = v * m;
    const cl = pf.clauses;
    const stamp = scan.stamp;
    for (let i = 0; i < cl.length; i++) if (sat[base + cl[i]!] !== stamp) return false;
    // Several candidates: one RE2.Set pass decides them all. On short header values a set pass
    // cost about as much as two or three regex runs (measured in-process on the benchmark's GET),
    // on a 1 KB body far less (bench/waf-regex-set.mjs), hence the thresholds.
    if (this.set !== null) {
      const n = scan.candidates[v]!;
      const input = values[v]!;
      if (n >= 3 || (n >= 2 && input.length >= SET_MIN_LENGTH)) {
        let r = scan.setMatches[v];
        if (r === undefined) {
          r = this.setMatch(subject(scan, values, v));
          scan.setMatches[v] = r;
        }
        if (r !== null) return r.includes(pf.index);
      }
    }
    return re.test(subject(scan, values, v));
  }

  private setMatch(input: string | Buffer): readonly number[] | null {
    try {
      return this.set!.match(input);
    } catch {
      return null; // e.g. the set's DFA ran out of memory on this input: each regex runs instead
    }
  }
}

/** The prefilter groups of one web ACL, keyed by the inspector's (field, chain) cache key. */
export class RegexPrefilters {
  private readonly groups = new Map<string, PrefilterGroup>();
  private readonly litIds = new Map<string, number>();
  private automatonRef: LiteralAutomaton | null = null;

  /** The group for a (field, chain) cache key. */
  group(cacheKey: string): PrefilterGroup {
    let g = this.groups.get(cacheKey);
    if (g === undefined) {
      g = new PrefilterGroup(this.groups.size, this);
      this.groups.set(cacheKey, g);
    }
    return g;
  }

  /** Registers a literal of some group's clause. */
  literal(lit: string): void {
    if (!this.litIds.has(lit)) this.litIds.set(lit, this.litIds.size);
  }

  /** Builds the automaton over every literal and seals the groups; patterns can no longer be added. */
  seal(): void {
    if (this.automatonRef !== null) return;
    const automaton = literalAutomaton([...this.litIds.keys()]);
    for (const g of this.groups.values()) g.seal(automaton, this.litIds);
    this.automatonRef = automaton;
  }

  /** Size figures for benchmarks and tests. */
  stats(): { groups: number; literals: number; states: number } {
    return { groups: this.groups.size, literals: this.litIds.size, states: this.automatonRef?.states ?? 0 };
  }
}
