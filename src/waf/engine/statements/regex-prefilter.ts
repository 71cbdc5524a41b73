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
  /** Literal ids found by the last scan (first `found` entries valid). */
  readonly hits: Int32Array;
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
    this.hits = new Int32Array(literals.length);
    this.states = n;
  }

  /**
   * Scans `s` (a byte string) and returns how many distinct literals occur in it, their ids in
   * hits[0..n); -1 when `s` holds a char above 0xFF (not a byte string: the caller runs everything).
   * The result is a function of `s` alone: the last few results are memoised, as the transformation
   * chains of one field mostly yield the same string (nothing to decode).
   */
  scan(s: string): number {
    const memo = this.memo;
    for (let k = 0; k < memo.length; k++) {
      const e = memo[k]!;
      if (e.input === s) {
        this.hits.set(e.hits);
        return e.found;
      }
    }
    const found = this.scanFresh(s);
    if (s.length > MEMO_MAX_LENGTH) return found;
    const entry = { input: s, found, hits: found > 0 ? this.hits.slice(0, found) : EMPTY_HITS };
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
    const hits = this.hits;
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

/** One request's prefilter state for a group (cached in the evaluation context). */
export interface GroupScan {
  /** Which clauses hold: row v (clauseCount bytes) for values[v]. */
  readonly sat: Uint8Array;
  /** Candidate patterns per value (patterns whose clauses all hold). */
  readonly candidates: Int32Array;
  /** RE2.Set verdicts per value (1 per matching pattern); null when the set failed (run each). */
  readonly setMatches: (Uint8Array | null | undefined)[];
}

/** A compiled set of patterns: match() gives the indices of those that match (RE2.Set). */
interface PatternSet {
  match(input: string): number[];
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
    this.left = new Int32Array(this.patterns.length);
    if (this.patterns.length >= 2) {
      try {
        this.set = new RE2.Set(this.patterns) as PatternSet;
      } catch {
        this.set = null; // a pattern RE2.Set does not take: every candidate runs its own regex
      }
    }
    this.automaton = automaton;
  }

  get sealed(): boolean {
    return this.automaton !== null;
  }

  /** This request's scan of the group's values (computed once, on first use). */
  scan(ctx: EvalContext, values: readonly string[]): GroupScan {
    const cached = ctx.prefilter[this.id];
    if (cached !== undefined) return cached;
    const automaton = this.automaton!;
    const litStart = this.litStart!;
    const litClauses = this.litClauses!;
    const m = this.clauseLiterals.length;
    const sat = new Uint8Array(values.length * m);
    const candidates = new Int32Array(values.length);
    const hits = automaton.hits;
    const clausePatStart = this.clausePatStart!;
    const clausePats = this.clausePats!;
    const left = this.left!;
    for (let v = 0; v < values.length; v++) {
      const base = v * m;
      const n = automaton.scan(values[v]!);
      if (n < 0) {
        sat.fill(1, base, base + m);
        candidates[v] = this.patterns.length;
        continue;
      }
      // A pattern is a candidate once every clause it requires holds.
      let count = this.always;
      let fresh = true;
      for (let j = 0; j < n; j++) {
        const lit = hits[j]!;
        for (let k = litStart[lit]!, e = litStart[lit + 1]!; k < e; k++) {
          const c = litClauses[k]!;
          if (sat[base + c] === 1) continue;
          sat[base + c] = 1;
          if (fresh) {
            left.set(this.need!);
            fresh = false;
          }
          for (let q = clausePatStart[c]!, qe = clausePatStart[c + 1]!; q < qe; q++) {
            const p = clausePats[q]!;
            const r = left[p]! - 1;
            left[p] = r;
            if (r === 0) count++;
          }
        }
      }
      candidates[v] = count;
    }
    const scan: GroupScan = { sat, candidates, setMatches: [] };
    ctx.prefilter[this.id] = scan;
    return scan;
  }

  /**
   * Whether values[v] matches the pattern of `pf`, `re` being that pattern's own regex: false when
   * the literals rule it out; the group's RE2.Set verdict when two or more patterns are candidates
   * for the value; otherwise the regex itself.
   */
  test(scan: GroupScan, pf: PatternFilter, values: readonly string[], v: number, re: { test(s: string): boolean }): boolean {
    const m = this.clauseLiterals.length;
    const sat = scan.sat;
    const base = v * m;
    const cl = pf.clauses;
    for (let i = 0; i < cl.length; i++) if (sat[base + cl[i]!] === 0) return false;
    // Several candidates: one RE2.Set pass decides them all. On short header values a set pass
    // cost about as much as two or three regex runs (measured in-process on the benchmark's GET),
    // on a 1 KB body far less (bench/waf-regex-set.mjs), hence the thresholds.
    if (this.set !== null) {
      const n = scan.candidates[v]!;
      const input = values[v]!;
      if (n >= 3 || (n >= 2 && input.length >= SET_MIN_LENGTH)) {
        let r = scan.setMatches[v];
        if (r === undefined) {
          r = this.setMatch(input);
          scan.setMatches[v] = r;
        }
        if (r !== null) return r[pf.index] === 1;
      }
    }
    return re.test(values[v]!);
  }

  private setMatch(input: string): Uint8Array | null {
    let idx: number[];
    try {
      idx = this.set!.match(input);
    } catch {
      return null; // e.g. the set's DFA ran out of memory on this input: each regex runs instead
    }
    const r = new Uint8Array(this.patterns.length);
    for (let i = 0; i < idx.length; i++) r[idx[i]!] = 1;
    return r;
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
    const automaton = new LiteralAutomaton([...this.litIds.keys()]);
    for (const g of this.groups.values()) g.seal(automaton, this.litIds);
    this.automatonRef = automaton;
  }

  /** Size figures for benchmarks and tests. */
  stats(): { groups: number; literals: number; states: number } {
    return { groups: this.groups.size, literals: this.litIds.size, states: this.automatonRef?.states ?? 0 };
  }
}
