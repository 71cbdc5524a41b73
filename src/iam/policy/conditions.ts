/**
 * Condition operators: compile-time validation of a Condition block into clauses, and their
 * evaluation against the request context (AWS semantics for IfExists, ForAnyValue/ForAllValues,
 * negated operators and missing keys).
 */
import { BlockList, isIP } from 'node:net';
import { awsError } from '../../errors/index.js';
import { PatternSet, TemplatePattern, compilePattern } from './pattern.js';
import type { ConditionContext } from './types.js';

/** Matches one request value against all of a clause's policy values (true when any matches). */
interface ValueMatcher {
  test(value: string, ctx: ConditionContext): boolean;
}

/** How one operator family compiles its policy values. */
interface OperatorSpec {
  /** AWS's spelling, for messages. */
  readonly name: string;
  /** Negated operators are true when no policy value matches (and when the key is missing). */
  readonly negated: boolean;
  /** Builds the matcher; throws ValueError for invalid values. */
  compile(values: readonly string[], variables: boolean): ValueMatcher;
}

const SET_NONE = 0;
const SET_ANY = 1;
const SET_ALL = 2;

/** One compiled `operator: { key: values }` entry. */
export interface ConditionClause {
  readonly key: string;
  readonly setOp: number;
  readonly ifExists: boolean;
  readonly negated: boolean;
  /** Null operator: 'true' / 'false' wanted; undefined for other operators. */
  readonly nullWanted: readonly boolean[] | undefined;
  readonly matcher: ValueMatcher | undefined;
}

/** A policy value that an operator cannot use; compileConditions turns it into MalformedPolicyDocument. */
class ValueError extends Error {}

// ---- value matchers -------------------------------------------------------------------------

class StringEqualsMatcher implements ValueMatcher {
  private readonly consts: ReadonlySet<string>;
  private readonly templates: readonly TemplatePattern[];
  constructor(values: readonly string[], variables: boolean, private readonly ignoreCase: boolean) {
    const consts = new Set<string>();
    const templates: TemplatePattern[] = [];
    for (const v of values) {
      const c = compilePattern(v, 'none', variables);
      if (c.kind === 'template') templates.push(c.template);
      else if (c.kind === 'literal') consts.add(ignoreCase ? c.value.toLowerCase() : c.value);
    }
    this.consts = consts;
    this.templates = templates;
  }
  test(value: string, ctx: ConditionContext): boolean {
    const v = this.ignoreCase ? value.toLowerCase() : value;
    if (this.consts.has(v)) return true;
    const t = this.templates;
    for (let i = 0; i < t.length; i++) {
      const r = t[i]!.resolve(ctx);
      if (r !== undefined && (this.ignoreCase ? r.toLowerCase() : r) === v) return true;
    }
    return false;
  }
}

class PatternMatcher implements ValueMatcher {
  constructor(private readonly set: PatternSet) {}
  test(value: string, ctx: ConditionContext): boolean {
    return this.set.test(value, ctx);
  }
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(s: string): number {
  return NUMBER_RE.test(s) ? Number(s) : NaN;
}

type Cmp = (a: number, b: number) => boolean;
const CMP: Record<string, Cmp> = {
  equals: (a, b) => a === b,
  lessthan: (a, b) => a < b,
  lessthanequals: (a, b) => a <= b,
  greaterthan: (a, b) => a > b,
  greaterthanequals: (a, b) => a >= b,
};

class NumberMatcher implements ValueMatcher {
  constructor(private readonly values: readonly number[], private readonly cmp: Cmp, private readonly parse: (s: string) => number) {}
  test(value: string): boolean {
    const n = this.parse(value);
    if (Number.isNaN(n)) return false;
    const vs = this.values;
    for (let i = 0; i < vs.length; i++) if (this.cmp(n, vs[i]!)) return true;
    return false;
  }
}

const EPOCH_RE = /^-?\d+(?:\.\d+)?$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO 8601 date/time (UTC unless a zone is given) or epoch seconds into ms; NaN if invalid. */
export function parseDate(s: string): number {
  if (EPOCH_RE.test(s)) return Number(s) * 1000;
  const m = ISO_RE.exec(s);
  if (!m) return NaN;
  const zoned = m[1] !== undefined || !s.includes('T') ? s : `${s}Z`;
  return Date.parse(zoned);
}

class ExactMatcher implements ValueMatcher {
  private readonly set: ReadonlySet<string>;
  constructor(values: readonly string[], private readonly lower: boolean) {
    this.set = new Set(lower ? values.map((v) => v.toLowerCase()) : values);
  }
  test(value: string): boolean {
    return this.set.has(this.lower ? value.toLowerCase() : value);
  }
}

class IpMatcher implements ValueMatcher {
  constructor(private readonly list: BlockList) {}
  test(value: string): boolean {
    const fam = isIP(value);
    if (fam === 0) return false;
    return this.list.check(value, fam === 4 ? 'ipv4' : 'ipv6');
  }
}

function compileCidrs(values: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of values) {
    const v = raw.trim();
    const slash = v.indexOf('/');
    const addr = slash < 0 ? v : v.slice(0, slash);
    const fam = isIP(addr);
    if (fam === 0) throw new ValueError(`Invalid IP address or CIDR '${raw}'`);
    const max = fam === 4 ? 32 : 128;
    let prefix = max;
    if (slash >= 0) {
      const p = v.slice(slash + 1);
      if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new ValueError(`Invalid IP address or CIDR '${raw}'`);
      prefix = Number(p);
    }
    list.addSubnet(addr, prefix, fam === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// ---- operator registry --------------------------------------------------------------------

const OPERATORS = new Map<string, OperatorSpec>();

function op(name: string, negated: boolean, compile: OperatorSpec['compile']): void {
  OPERATORS.set(name.toLowerCase(), { name, negated, compile });
}

for (const neg of [false, true]) {
  const n = neg ? 'Not' : '';
  op(`String${n}Equals`, neg, (vs, vars) => new StringEqualsMatcher(vs, vars, false));
  op(`String${n}EqualsIgnoreCase`, neg, (vs, vars) => new StringEqualsMatcher(vs, vars, true));
  op(`String${n}Like`, neg, (vs, vars) => new PatternMatcher(new PatternSet(vs, 'any', vars, false)));
  op(`Arn${n}Equals`, neg, (vs, vars) => new PatternMatcher(new PatternSet(vs, 'arn', vars, false)));
  op(`Arn${n}Like`, neg, (vs, vars) => new PatternMatcher(new PatternSet(vs, 'arn', vars, false)));
  op(`${neg ? 'Not' : ''}IpAddress`, neg, (vs) => new IpMatcher(compileCidrs(vs)));
}
const numeric = (name: string, cmpName: string, neg: boolean): void =>
  op(name, neg, (vs) => {
    const nums = vs.map((v) => {
      const x = parseNumber(v.trim());
      if (Number.isNaN(x)) throw new ValueError(`Invalid numeric value '${v}' for ${name}`);
      return x;
    });
    return new NumberMatcher(nums, CMP[cmpName]!, (s) => parseNumber(s.trim()));
  });
const dates = (name: string, cmpName: string, neg: boolean): void =>
  op(name, neg, (vs) => {
    const ds = vs.map((v) => {
      const x = parseDate(v.trim());
      if (Number.isNaN(x)) throw new ValueError(`Invalid date value '${v}' for ${name}`);
      return x;
    });
    return new NumberMatcher(ds, CMP[cmpName]!, (s) => parseDate(s.trim()));
  });
for (const [suffix, cmpName] of [['Equals', 'equals'], ['LessThan', 'lessthan'], ['LessThanEquals', 'lessthanequals'],
  ['GreaterThan', 'greaterthan'], ['GreaterThanEquals', 'greaterthanequals']] as const) {
  numeric(`Numeric${suffix}`, cmpName, false);
  dates(`Date${suffix}`, cmpName, false);
}
numeric('NumericNotEquals', 'equals', true);
dates('DateNotEquals', 'equals', true);
op('Bool', false, (vs) => {
  for (const v of vs) if (v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false') throw new ValueError(`Invalid Bool value '${v}' (use "true" or "false")`);
  return new ExactMatcher(vs, true);
});
op('BinaryEquals', false, (vs) => {
  for (const v of vs) if (!BASE64_RE.test(v)) throw new ValueError(`Invalid base64 value for BinaryEquals`);
  return new ExactMatcher(vs, false);
});
op('Null', false, (vs) => {
  for (const v of vs) if (v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false') throw new ValueError(`Invalid Null value '${v}' (use "true" or "false")`);
  return new ExactMatcher([], false);
});

/** The names of all supported base operators (without IfExists or set prefixes). */
export const OPERATOR_NAMES: readonly string[] = [...OPERATORS.values()].map((o) => o.name);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarToString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** Validates and compiles a statement's Condition element; `where` names the statement for messages. */
export function compileConditions(cond: unknown, variables: boolean, where: string): ConditionClause[] {
  const fail = (msg: string): never => {
    throw awsError('MalformedPolicyDocument', `${msg} ${where}`);
  };
  if (!isObject(cond)) return fail('Syntax errors in policy. Condition must be an object.');
  const clauses: ConditionClause[] = [];
  for (const opName of Object.keys(cond)) {
    let rest = opName;
    let setOp = SET_NONE;
    const lower = opName.toLowerCase();
    if (lower.startsWith('foranyvalue:')) {
      setOp = SET_ANY;
      rest = opName.slice('ForAnyValue:'.length);
    } else if (lower.startsWith('forallvalues:')) {
      setOp = SET_ALL;
      rest = opName.slice('ForAllValues:'.length);
    }
    let ifExists = false;
    if (rest.toLowerCase().endsWith('ifexists')) {
      ifExists = true;
      rest = rest.slice(0, -'IfExists'.length);
    }
    const spec = OPERATORS.get(rest.toLowerCase());
    if (spec === undefined) return fail(`Invalid Condition type : ${opName}.`);
    const block = cond[opName];
    if (!isObject(block)) return fail(`Syntax errors in policy. Condition operator ${opName} must map condition keys to values.`);
    for (const key of Object.keys(block)) {
      if (key.trim() === '') return fail(`Syntax errors in policy. Empty condition key under ${opName}.`);
      const raw = block[key];
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) return fail(`Syntax errors in policy. Condition key ${key} under ${opName} has no values.`);
      const values: string[] = [];
      for (const item of list) {
        const s = scalarToString(item);
        if (s === undefined) return fail(`Syntax errors in policy. Condition values for ${key} under ${opName} must be strings, numbers or booleans.`);
        values.push(s);
      }
      let matcher: ValueMatcher;
      try {
        matcher = spec.compile(values, variables);
      } catch (e) {
        if (e instanceof ValueError) return fail(`${e.message}.`);
        throw e;
      }
      clauses.push({
        key: key.toLowerCase(),
        setOp,
        ifExists,
        negated: spec.negated,
        nullWanted: spec.name === 'Null' ? values.map((v) => v.toLowerCase() === 'true') : undefined,
        matcher: spec.name === 'Null' ? undefined : matcher,
      });
    }
  }
  return clauses;
}

/** Evaluates one clause; see docs/policy.md for the missing-key and set-operator rules. */
export function evaluateClause(c: ConditionClause, ctx: ConditionContext): boolean {
  const v = ctx.get(c.key);
  const missing = v === undefined || (typeof v !== 'string' && v.length === 0);
  if (c.nullWanted !== undefined) {
    const w = c.nullWanted;
    for (let i = 0; i < w.length; i++) if (w[i] === missing) return true;
    return false;
  }
  const m = c.matcher!;
  if (c.setOp === SET_ALL) {
    if (missing) return true;
    if (typeof v === 'string') return m.test(v, ctx) !== c.negated;
    for (let i = 0; i < v!.length; i++) if (m.test(v![i]!, ctx) === c.negated) return false;
    return true;
  }
  if (c.setOp === SET_ANY) {
    if (missing) return c.ifExists;
    if (typeof v === 'string') return m.test(v, ctx) !== c.negated;
    for (let i = 0; i < v!.length; i++) if (m.test(v![i]!, ctx) !== c.negated) return true;
    return false;
  }
  if (missing) return c.ifExists || c.negated;
  if (typeof v === 'string') return m.test(v, ctx) !== c.negated;
  // A multi-valued key without a set operator: true when any value matches (negated: none does).
  let any = false;
  for (let i = 0; i < v!.length && !any; i++) any = m.test(v![i]!, ctx);
  return any !== c.negated;
}
