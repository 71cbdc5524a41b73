/**
 * Wildcard and policy-variable patterns (Action, Resource, StringLike, ArnLike values), compiled
 * once when a policy is stored. Patterns without variables become one anchored RegExp (or a plain
 * string compare); patterns with variables keep a token list that a small backtracking matcher
 * walks at evaluation time, so evaluation never builds a RegExp.
 */
import type { ConditionContext } from './types.js';

/** How `*` and `?` behave in a pattern. */
export type WildcardMode =
  /** `*`/`?` match any characters (StringLike, Action). */
  | 'any'
  /** Resource element: `*` stays inside a colon-separated segment unless it ends the segment. */
  | 'resource'
  /** ArnLike/ArnEquals: each of the first five ARN segments is matched separately. */
  | 'arn'
  /** No wildcards: `*` and `?` are literal (StringEquals with variables). */
  | 'none';

const LIT = 0;
const STAR_ANY = 1;
const STAR_SEG = 2;
const Q_ANY = 3;
const Q_SEG = 4;
const VAR = 5;

/** One piece of a compiled pattern. */
type Token =
  | { readonly k: typeof LIT; readonly s: string }
  | { readonly k: typeof STAR_ANY | typeof STAR_SEG | typeof Q_ANY | typeof Q_SEG }
  | { readonly k: typeof VAR; readonly key: string; readonly def: string | undefined };

type RawToken = { k: 'lit'; s: string } | { k: '*' } | { k: '?' } | { k: 'var'; key: string; def: string | undefined };

const VAR_RE = /^\s*([^,}\s][^,}]*?)\s*(?:,\s*'([^']*)'\s*)?$/;

/** Splits text into literal runs, wildcards and `${...}` variables. */
function lex(text: string, wildcards: boolean, variables: boolean): RawToken[] {
  const out: RawToken[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ k: 'lit', s: lit });
    lit = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (variables && c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        const body = text.slice(i + 2, end);
        if (body === '*' || body === '?' || body === '$') {
          lit += body;
          i = end;
          continue;
        }
        const m = VAR_RE.exec(body);
        if (m) {
          flush();
          out.push({ k: 'var', key: m[1]!.toLowerCase(), def: m[2] });
          i = end;
          continue;
        }
      }
      lit += c;
    } else if (wildcards && (c === '*' || c === '?')) {
      flush();
      out.push({ k: c });
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

/** Decides for each wildcard whether it may cross ':' (see WildcardMode). */
function classify(raw: readonly RawToken[], mode: WildcardMode): Token[] {
  const out: Token[] = [];
  let colonsBefore = 0;
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t.k === 'lit') {
      out.push({ k: LIT, s: t.s });
      for (let j = 0; j < t.s.length; j++) if (t.s.charCodeAt(j) === 58) colonsBefore++;
    } else if (t.k === 'var') {
      out.push({ k: VAR, key: t.key, def: t.def });
    } else {
      let crosses: boolean;
      if (mode === 'resource') {
        // AWS: a `*` that is the last character of an ARN segment can expand past ':'.
        const next = raw[i + 1];
        crosses = t.k === '*' && (next === undefined || (next.k === 'lit' && next.s.startsWith(':')));
      } else if (mode === 'arn') {
        // Six segments matched separately; the resource part (after the fifth ':') and a pattern's
        // last segment may contain ':'.
        let colonsAfter = false;
        for (let j = i + 1; j < raw.length && !colonsAfter; j++) {
          const r = raw[j]!;
          if (r.k === 'lit' && r.s.includes(':')) colonsAfter = true;
        }
        crosses = colonsBefore >= 5 || !colonsAfter;
      } else {
        crosses = true;
      }
      if (t.k === '*') out.push({ k: crosses ? STAR_ANY : STAR_SEG });
      else out.push({ k: crosses ? Q_ANY : Q_SEG });
    }
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function tokenSource(tokens: readonly Token[]): string {
  let src = '';
  for (const t of tokens) {
    switch (t.k) {
      case LIT: src += escapeRe(t.s); break;
      case STAR_ANY: src += '[\\s\\S]*'; break;
      case STAR_SEG: src += '[^:]*'; break;
      case Q_ANY: src += '[\\s\\S]'; break;
      case Q_SEG: src += '[^:]'; break;
      default: throw new Error('variable token in a static pattern');
    }
  }
  return src;
}

/** Resolves one policy variable against the request context; undefined when it cannot. */
export function resolveVariable(key: string, def: string | undefined, ctx: ConditionContext): string | undefined {
  const v = ctx.get(key);
  if (typeof v === 'string') return v;
  // Multi-valued keys cannot be used as variables; treat them like a missing key.
  return def;
}

/** Matches `s` from position `si` against tokens from `ti`; `vals` holds resolved variables. */
function globAt(tk: readonly Token[], vals: readonly (string | undefined)[], ti: number, s: string, si: number): boolean {
  for (; ti < tk.length; ti++) {
    const t = tk[ti]!;
    switch (t.k) {
      case LIT:
      case VAR: {
        const lit = t.k === LIT ? t.s : vals[ti]!;
        if (!s.startsWith(lit, si)) return false;
        si += lit.length;
        break;
      }
      case Q_ANY:
        if (si >= s.length) return false;
        si++;
        break;
      case Q_SEG:
        if (si >= s.length || s.charCodeAt(si) === 58) return false;
        si++;
        break;
      default: {
        const seg = t.k === STAR_SEG;
        if (ti === tk.length - 1) return !seg || s.indexOf(':', si) < 0;
        for (let k = si; k <= s.length; k++) {
          if (globAt(tk, vals, ti + 1, s, k)) return true;
          if (seg && k < s.length && s.charCodeAt(k) === 58) return false;
        }
        return false;
      }
    }
  }
  return si === s.length;
}

/** A compiled pattern with policy variables, matched by hand at evaluation time. */
export class TemplatePattern {
  readonly tokens: readonly Token[];
  readonly hasWildcards: boolean;
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
    this.hasWildcards = tokens.some((t) => t.k !== LIT && t.k !== VAR);
  }

  /** True when `value` matches; false when a variable cannot be resolved. */
  match(value: string, ctx: ConditionContext): boolean {
    const tk = this.tokens;
    const vals: (string | undefined)[] = new Array<string | undefined>(tk.length);
    for (let i = 0; i < tk.length; i++) {
      const t = tk[i]!;
      if (t.k === VAR) {
        const v = resolveVariable(t.key, t.def, ctx);
        if (v === undefined) return false;
        vals[i] = v;
      }
    }
    return globAt(tk, vals, 0, value, 0);
  }

  /** The pattern with variables substituted (only meaningful without wildcards), or undefined. */
  resolve(ctx: ConditionContext): string | undefined {
    let out = '';
    for (const t of this.tokens) {
      if (t.k === LIT) out += t.s;
      else if (t.k === VAR) {
        const v = resolveVariable(t.key, t.def, ctx);
        if (v === undefined) return undefined;
        out += v;
      }
    }
    return out;
  }
}

/** The result of compiling one pattern: a literal, a RegExp source, or a variable template. */
export type CompiledPattern =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'regex'; readonly source: string }
  | { readonly kind: 'template'; readonly template: TemplatePattern };

/** Compiles one pattern text. `variables` is true only for Version 2012-10-17 policies. */
export function compilePattern(text: string, mode: WildcardMode, variables: boolean): CompiledPattern {
  const raw = lex(text, mode !== 'none', variables);
  const tokens = classify(raw, mode);
  if (tokens.some((t) => t.k === VAR)) return { kind: 'template', template: new TemplatePattern(tokens) };
  if (tokens.every((t) => t.k === LIT)) return { kind: 'literal', value: tokens.map((t) => (t.k === LIT ? t.s : '')).join('') };
  return { kind: 'regex', source: tokenSource(tokens) };
}

/**
 * A set of patterns (one policy element's values) matched as one: a Set of literals, one combined
 * anchored RegExp for the static wildcards, and templates for patterns with variables.
 */
export class PatternSet {
  private readonly literals: ReadonlySet<string>;
  private readonly regex: RegExp | undefined;
  private readonly templates: readonly TemplatePattern[];
  private readonly ignoreCase: boolean;
  /** True when the set contains the bare `*` (matches everything). */
  readonly matchesAll: boolean;

  constructor(patterns: readonly string[], mode: WildcardMode, variables: boolean, ignoreCase: boolean) {
    const lits = new Set<string>();
    const sources: string[] = [];
    const templates: TemplatePattern[] = [];
    let all = false;
    for (const p of patterns) {
      if (p === '*' && mode !== 'none') all = true;
      const c = compilePattern(p, mode, variables);
      if (c.kind === 'literal') lits.add(ignoreCase ? c.value.toLowerCase() : c.value);
      else if (c.kind === 'regex') sources.push(c.source);
      else templates.push(c.template);
    }
    this.literals = lits;
    this.regex = sources.length > 0 ? new RegExp(`^(?:${sources.join('|')})$`, ignoreCase ? 'i' : '') : undefined;
    this.templates = templates;
    this.ignoreCase = ignoreCase;
    this.matchesAll = all;
  }

  /** True when `value` matches any pattern. With ignoreCase, pass `value` already lower-cased. */
  test(value: string, ctx: ConditionContext): boolean {
    if (this.matchesAll) return true;
    if (this.literals.has(value)) return true;
    if (this.regex !== undefined && this.regex.test(value)) return true;
    const t = this.templates;
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.match(this.ignoreCase ? value.toLowerCase() : value, ctx)) return true;
    }
    return false;
  }
}
