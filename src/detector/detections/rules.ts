/**
 * The signature rule format: single-event CloudTrail rules as data (rules/*.json, plus rules users
 * add), compiled once into predicates and indexed by eventName so an event only meets the rules
 * that can match it. A bad rule fails at load with a DetectionRuleError naming the rule and field,
 * never while events flow. The format is documented in docs/guardduty-detections.md.
 */
import type { CloudTrailRecord } from '../types.js';
import { findingTypeInfo } from './finding-types.js';
import { pathValues, someValue } from './util.js';

const yes = (): boolean => true;
const isTrue = (x: unknown): boolean => x === true || x === 'true';
const isFalse = (x: unknown): boolean => x === false || x === 'false';

/** A rule that failed validation or compilation. The service answers BadRequestException with the message. */
export class DetectionRuleError extends Error {
  override readonly name = 'DetectionRuleError';
  readonly code = 'BadRequestException' as const;
  constructor(readonly ruleId: string, readonly field: string, reason: string) {
    super(`rule ${ruleId}: ${field}: ${reason}`);
  }
}

/** Condition operators on a record field (a dotted path; arrays are traversed element-wise). */
export type ConditionOp =
  | 'equals' | 'notEquals' | 'in' | 'notIn' | 'contains' | 'startsWith' | 'endsWith' | 'regex'
  | 'exists' | 'absent' | 'equalsField' | 'notEqualsField' | 'gte' | 'lte' | 'isTrue' | 'isFalse'
  | 'cidrOpenToWorld' | 'policyPublic' | 'policyExternalPrincipal' | 'arnOtherAccount' | 'notCaller';

/**
 * One condition: a field test (`any` of the field's values satisfying it is enough, except
 * notIn/notEquals/absent/notEqualsField: all), or a group {all:[...]}, {any:[...]}, {not: condition}.
 */
export type ConditionSpec = FieldConditionSpec | { readonly all: readonly ConditionSpec[] } | { readonly any: readonly ConditionSpec[] } | { readonly not: ConditionSpec };

/** A test on one record field. */
export interface FieldConditionSpec {
  readonly field: string;
  readonly op: ConditionOp;
  readonly value?: unknown;
  /** String comparisons ignore case. */
  readonly ignoreCase?: boolean;
}

/** What the event must look like. Every given member must hold. */
export interface MatchSpec {
  readonly eventSource?: string | readonly string[];
  /** Exact names, or a prefix ending in '*' (e.g. 'UpdateFunctionConfiguration*'). */
  readonly eventName?: string | readonly string[];
  readonly userIdentityType?: string | readonly string[];
  /** 'absent' (default): only successful calls; 'present': only failed calls; 'any'. */
  readonly error?: 'absent' | 'present' | 'any';
  readonly all?: readonly ConditionSpec[];
  readonly any?: readonly ConditionSpec[];
  readonly none?: readonly ConditionSpec[];
}

/** A signature rule as written in rules/*.json. */
export interface RuleSpec {
  readonly id: string;
  readonly findingType: string;
  readonly severity?: number;
  readonly title: string;
  readonly description: string;
  readonly match: MatchSpec;
  /** Fire only when the same principal matched `count` times (or `count` distinct values of `distinct`) within `windowSeconds`. */
  readonly threshold?: { readonly count: number; readonly windowSeconds: number; readonly distinct?: string };
  /** A field whose value goes into the dedup key (e.g. the target user), so different targets are different findings. */
  readonly key?: string;
  /** Skip calls made by AWS services on the customer's behalf (default true). */
  readonly ignoreServiceCallers?: boolean;
}

/** A compiled rule. */
export interface CompiledRule {
  readonly id: string;
  readonly findingType: string;
  readonly severity: number | undefined;
  readonly title: string;
  readonly description: string;
  readonly threshold: RuleSpec['threshold'];
  readonly distinctPath: readonly string[] | undefined;
  readonly keyPath: readonly string[] | undefined;
  readonly ignoreServiceCallers: boolean;
  /** True when the record matches (eventName dispatch already done). */
  test(rec: CloudTrailRecord): boolean;
}

/** Rules indexed for dispatch. */
export interface RuleIndex {
  readonly byName: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly prefixed: readonly { readonly prefix: string; readonly rule: CompiledRule }[];
  /** Rules without an eventName: tested against every event. */
  readonly always: readonly CompiledRule[];
  readonly all: readonly CompiledRule[];
}

const OPS: ReadonlySet<string> = new Set<ConditionOp>([
  'equals', 'notEquals', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'regex', 'exists', 'absent', 'equalsField', 'notEqualsField',
  'gte', 'lte', 'isTrue', 'isFalse', 'cidrOpenToWorld', 'policyPublic', 'policyExternalPrincipal', 'arnOtherAccount', 'notCaller',
]);

/** The names the caller goes by: its user name, the last segment of its ARN, its role session name. */
function callerNames(rec: CloudTrailRecord): string[] {
  const u = rec.userIdentity;
  const out: string[] = [];
  if (u?.userName) out.push(u.userName);
  const tail = u?.arn?.split('/').pop();
  if (tail) out.push(tail);
  const session = u?.principalId?.split(':')[1];
  if (session) out.push(session);
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strList = (v: unknown): v is string | readonly string[] => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
const asList = (v: string | readonly string[]): readonly string[] => (typeof v === 'string' ? [v] : v);

/** The account of the record (the one a principal is 'external' to). */
function ownAccount(rec: CloudTrailRecord): string | undefined {
  return rec.recipientAccountId ?? rec.userIdentity?.accountId;
}

function parsePolicy(v: unknown): Record<string, unknown> | undefined {
  if (isObj(v)) return v;
  if (typeof v !== 'string') return undefined;
  try {
    const s = v.startsWith('%7B') || v.startsWith('%7b') ? decodeURIComponent(v) : v;
    const p: unknown = JSON.parse(s);
    return isObj(p) ? p : undefined;
  } catch { return undefined; }
}

function principalsOf(stmt: Record<string, unknown>): string[] {
  const p = stmt.Principal;
  if (p === '*') return ['*'];
  if (!isObj(p)) return [];
  const out: string[] = [];
  for (const k of ['AWS', 'Federated', 'CanonicalUser']) {
    const v = p[k];
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x);
  }
  return out;
}

function statements(policy: Record<string, unknown>): Record<string, unknown>[] {
  const s = policy.Statement;
  if (Array.isArray(s)) return s.filter(isObj);
  return isObj(s) ? [s] : [];
}

/** An Allow statement grants anyone (Principal '*' or AWS '*') without a Condition. */
export function policyIsPublic(v: unknown): boolean {
  const p = parsePolicy(v);
  if (!p) return false;
  return statements(p).some((st) => st.Effect === 'Allow' && principalsOf(st).includes('*') && !isObj(st.Condition));
}

/** An Allow statement grants a principal of another account (or anyone). */
export function policyAllowsExternal(v: unknown, own: string | undefined): boolean {
  const p = parsePolicy(v);
  if (!p) return false;
  for (const st of statements(p)) {
    if (st.Effect !== 'Allow') continue;
    for (const pr of principalsOf(st)) {
      if (pr === '*') return true;
      const acct = /^\d{12}$/.test(pr) ? pr : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(pr)?.[1];
      if (acct && acct !== own) return true;
    }
  }
  return false;
}

/** A CIDR whose prefix length is 0 (IPv4 or IPv6): open to the whole internet. */
function cidrOpen(v: unknown): boolean {
  return typeof v === 'string' && /\/0$/.test(v.trim());
}

/** Strings longer than this are tested directly (hashing them for the memo would cost as much). */
const MEMO_MAX_LENGTH = 512;
const MEMO_ENTRIES = 1024;

/** Which memoised conditions (by bit) have been tested on one string, and which held. */
interface MemoEntry { known: number; result: number }

/**
 * The memo of the first 31 memoised conditions compiled in this process (the bundled rules' come
 * first): one entry per distinct string with a bit per condition, and the last string's entry at
 * hand, so the conditions that test the same field of one record (the user-agent rules) cost one
 * look-up between them. Bounded: emptied when full.
 */
const sharedMemo = new Map<string, MemoEntry>();
let sharedBits = 0;
let lastString: string | undefined;
let lastEntry: MemoEntry | undefined;

/**
 * A pure string test memoised per distinct value: the fields rules test on every record (the user
 * agent above all) take few distinct values, and a regex or a lower-casing per record costs more
 * than a look-up.
 */
function memoised(test: (x: string) => boolean): (x: unknown) => boolean {
  if (sharedBits < 31) {
    const bit = 1 << sharedBits++;
    return (x) => {
      if (typeof x !== 'string') return false;
      if (x.length > MEMO_MAX_LENGTH) return test(x);
      let e: MemoEntry | undefined;
      if (x === lastString && lastEntry !== undefined) e = lastEntry;
      else {
        e = sharedMemo.get(x);
        if (e === undefined) {
          if (sharedMemo.size >= MEMO_ENTRIES) sharedMemo.clear();
          e = { known: 0, result: 0 };
          sharedMemo.set(x, e);
        }
        lastString = x;
        lastEntry = e;
      }
      if ((e.known & bit) !== 0) return (e.result & bit) !== 0;
      const v = test(x);
      e.known |= bit;
      if (v) e.result |= bit;
      return v;
    };
  }
  const memo = new Map<string, boolean>();
  return (x) => {
    if (typeof x !== 'string') return false;
    if (x.length > MEMO_MAX_LENGTH) return test(x);
    const hit = memo.get(x);
    if (hit !== undefined) return hit;
    const v = test(x);
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(x, v);
    return v;
  };
}

function compileCondition(ruleId: string, c: unknown, at: string): (rec: CloudTrailRecord) => boolean {
  if (!isObj(c)) throw new DetectionRuleError(ruleId, at, 'a condition must be an object {field, op, value?}');
  if (c.field === undefined) {
    if (Array.isArray(c.all)) { const fs = compileConditions(ruleId, c.all, `${at}.all`); return (r) => fs.every((f) => f(r)); }
    if (Array.isArray(c.any)) { const fs = compileConditions(ruleId, c.any, `${at}.any`); return (r) => fs.some((f) => f(r)); }
    if (c.not !== undefined) { const f = compileCondition(ruleId, c.not, `${at}.not`); return (r) => !f(r); }
  }
  if (typeof c.field !== 'string' || c.field.length === 0) throw new DetectionRuleError(ruleId, `${at}.field`, 'must be a non-empty dotted path');
  if (typeof c.op !== 'string' || !OPS.has(c.op)) throw new DetectionRuleError(ruleId, `${at}.op`, `unknown operator ${JSON.stringify(c.op)}`);
  const path = c.field.split('.');
  const op = c.op as ConditionOp;
  const ic = c.ignoreCase === true;
  const norm = (x: unknown): unknown => (ic && typeof x === 'string' ? x.toLowerCase() : x);
  const vals = (rec: CloudTrailRecord): unknown[] => pathValues(rec, path);
  const needString = (): string => {
    if (typeof c.value !== 'string') throw new DetectionRuleError(ruleId, `${at}.value`, `operator ${op} needs a string value`);
    return ic ? c.value.toLowerCase() : c.value;
  };
  switch (op) {
    case 'equals': case 'notEquals': {
      if (c.value === undefined) throw new DetectionRuleError(ruleId, `${at}.value`, `operator ${op} needs a value`);
      const want = norm(c.value);
      const eq = (x: unknown): boolean => norm(x) === want;
      if (op === 'equals') return (r) => someValue(r, path, eq);
      return (r) => !someValue(r, path, eq);
    }
    case 'in': case 'notIn': {
      if (!Array.isArray(c.value) || c.value.length === 0) throw new DetectionRuleError(ruleId, `${at}.value`, `operator ${op} needs a non-empty array`);
      const set = new Set(c.value.map(norm));
      const has = (x: unknown): boolean => set.has(norm(x));
      if (op === 'in') return (r) => someValue(r, path, has);
      return (r) => !someValue(r, path, has);
    }
    case 'contains': { const s = needString(); const f = ic ? memoised((x) => x.toLowerCase().includes(s)) : (x: unknown): boolean => typeof x === 'string' && x.includes(s); return (r) => someValue(r, path, f); }
    case 'startsWith': { const s = needString(); const f = ic ? memoised((x) => x.toLowerCase().startsWith(s)) : (x: unknown): boolean => typeof x === 'string' && x.startsWith(s); return (r) => someValue(r, path, f); }
    case 'endsWith': { const s = needString(); const f = ic ? memoised((x) => x.toLowerCase().endsWith(s)) : (x: unknown): boolean => typeof x === 'string' && x.endsWith(s); return (r) => someValue(r, path, f); }
    case 'regex': {
      if (typeof c.value !== 'string') throw new DetectionRuleError(ruleId, `${at}.value`, 'operator regex needs a string pattern');
      let re: RegExp;
      try { re = new RegExp(c.value, ic ? 'i' : ''); } catch (e) { throw new DetectionRuleError(ruleId, `${at}.value`, `bad regex: ${(e as Error).message}`); }
      // Neither 'g' nor 'y': test() keeps no state, so a memoised answer is the answer.
      const f = memoised((x) => re.test(x));
      return (r) => someValue(r, path, f);
    }
    case 'exists': return (r) => someValue(r, path, yes);
    case 'absent': return (r) => !someValue(r, path, yes);
    case 'isTrue': return (r) => someValue(r, path, isTrue);
    case 'isFalse': return (r) => someValue(r, path, isFalse);
    case 'gte': case 'lte': {
      if (typeof c.value !== 'number') throw new DetectionRuleError(ruleId, `${at}.value`, `operator ${op} needs a number`);
      const n = c.value;
      const ge = (x: unknown): boolean => Number(x) >= n;
      const le = (x: unknown): boolean => Number(x) <= n;
      return op === 'gte' ? (r) => someValue(r, path, ge) : (r) => someValue(r, path, le);
    }
    case 'equalsField': case 'notEqualsField': {
      if (typeof c.value !== 'string') throw new DetectionRuleError(ruleId, `${at}.value`, `operator ${op} needs the other field's path`);
      const other = c.value.split('.');
      if (op === 'equalsField') return (r) => { const o = new Set(pathValues(r, other).map(norm)); return vals(r).some((x) => o.has(norm(x))); };
      return (r) => { const o = new Set(pathValues(r, other).map(norm)); const v = vals(r); return v.length > 0 && v.every((x) => !o.has(norm(x))); };
    }
    case 'notCaller': return (r) => { const v = vals(r); if (v.length === 0) return false; const names = callerNames(r); return v.every((x) => typeof x === 'string' && !names.includes(x)); };
    case 'cidrOpenToWorld': return (r) => someValue(r, path, cidrOpen);
    case 'policyPublic': return (r) => someValue(r, path, policyIsPublic);
    case 'policyExternalPrincipal': return (r) => { const own = ownAccount(r); return vals(r).some((x) => policyAllowsExternal(x, own)); };
    case 'arnOtherAccount': return (r) => {
      const own = ownAccount(r);
      return vals(r).some((x) => { if (typeof x !== 'string') return false; const a = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(x)?.[1]; return a !== undefined && a !== own; });
    };
  }
}

function compileConditions(ruleId: string, list: unknown, at: string): ((rec: CloudTrailRecord) => boolean)[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length === 0) throw new DetectionRuleError(ruleId, at, 'must be a non-empty array of conditions');
  return list.map((c, i) => compileCondition(ruleId, c, `${at}[${i}]`));
}

/** Validates and compiles one rule. */
export function compileRule(raw: unknown, where = 'rule'): CompiledRule {
  if (!isObj(raw)) throw new DetectionRuleError(where, 'rule', 'must be an object');
  const id = typeof raw.id === 'string' && raw.id.length > 0 ? raw.id : undefined;
  if (!id) throw new DetectionRuleError(where, 'id', 'must be a non-empty string');
  if (typeof raw.findingType !== 'string' || !/^[A-Za-z]+:[A-Za-z0-9]+\/[A-Za-z0-9.!&_-]+$/.test(raw.findingType)) {
    throw new DetectionRuleError(id, 'findingType', 'must be ThreatPurpose:ResourceType/ThreatFamilyName[.Variant]');
  }
  const findingType = raw.findingType;
  let severity: number | undefined;
  if (raw.severity !== undefined) {
    if (typeof raw.severity !== 'number' || raw.severity < 1 || raw.severity > 10) throw new DetectionRuleError(id, 'severity', 'must be a number from 1.0 to 10.0');
    severity = raw.severity;
  } else if (!findingTypeInfo(findingType)) {
    throw new DetectionRuleError(id, 'severity', `required: ${findingType} is not a known finding type`);
  }
  for (const f of ['title', 'description'] as const) if (typeof raw[f] !== 'string' || raw[f].length === 0) throw new DetectionRuleError(id, f, 'must be a non-empty string');
  const m = raw.match;
  if (!isObj(m)) throw new DetectionRuleError(id, 'match', 'must be an object');
  for (const k of Object.keys(m)) if (!['eventSource', 'eventName', 'userIdentityType', 'error', 'all', 'any', 'none'].includes(k)) throw new DetectionRuleError(id, `match.${k}`, 'unknown member');
  for (const k of ['eventSource', 'eventName', 'userIdentityType'] as const) if (m[k] !== undefined && !strList(m[k])) throw new DetectionRuleError(id, `match.${k}`, 'must be a string or a non-empty array of strings');
  const error = m.error ?? 'absent';
  if (error !== 'absent' && error !== 'present' && error !== 'any') throw new DetectionRuleError(id, 'match.error', "must be 'absent', 'present' or 'any'");
  const sources = m.eventSource !== undefined ? new Set(asList(m.eventSource as string | string[])) : undefined;
  const types = m.userIdentityType !== undefined ? new Set(asList(m.userIdentityType as string | string[])) : undefined;
  const all = compileConditions(id, m.all, 'match.all');
  const any = compileConditions(id, m.any, 'match.any');
  const none = compileConditions(id, m.none, 'match.none');
  let threshold: RuleSpec['threshold'];
  if (raw.threshold !== undefined) {
    const t = raw.threshold;
    if (!isObj(t) || typeof t.count !== 'number' || t.count < 1 || typeof t.windowSeconds !== 'number' || t.windowSeconds <= 0 || (t.distinct !== undefined && typeof t.distinct !== 'string')) {
      throw new DetectionRuleError(id, 'threshold', 'must be {count >= 1, windowSeconds > 0, distinct?: field path}');
    }
    threshold = { count: t.count, windowSeconds: t.windowSeconds, ...(typeof t.distinct === 'string' ? { distinct: t.distinct } : {}) };
  }
  if (raw.key !== undefined && typeof raw.key !== 'string') throw new DetectionRuleError(id, 'key', 'must be a field path');
  if (raw.ignoreServiceCallers !== undefined && typeof raw.ignoreServiceCallers !== 'boolean') throw new DetectionRuleError(id, 'ignoreServiceCallers', 'must be a boolean');
  const test = (rec: CloudTrailRecord): boolean => {
    if (error === 'absent' ? rec.errorCode !== undefined && rec.errorCode !== '' : error === 'present' ? !rec.errorCode : false) return false;
    if (sources && !sources.has(rec.eventSource)) return false;
    if (types && !types.has(rec.userIdentity?.type ?? '')) return false;
    for (let i = 0; i < all.length; i++) if (!(all[i] as (r: CloudTrailRecord) => boolean)(rec)) return false;
    if (any.length > 0 && !any.some((f) => f(rec))) return false;
    for (let i = 0; i < none.length; i++) if ((none[i] as (r: CloudTrailRecord) => boolean)(rec)) return false;
    return true;
  };
  const rule: CompiledRule & { names: readonly string[] | undefined } = {
    id, findingType, severity,
    title: raw.title as string,
    description: raw.description as string,
    threshold,
    distinctPath: threshold?.distinct?.split('.'),
    keyPath: typeof raw.key === 'string' ? raw.key.split('.') : undefined,
    ignoreServiceCallers: raw.ignoreServiceCallers !== false,
    test,
    names: m.eventName !== undefined ? asList(m.eventName as string | string[]) : undefined,
  };
  return rule;
}

/** Compiles rule sets into one dispatch index; duplicate ids are an error. */
export function compileRules(sets: readonly (readonly unknown[])[]): RuleIndex {
  const byName = new Map<string, CompiledRule[]>();
  const prefixed: { prefix: string; rule: CompiledRule }[] = [];
  const always: CompiledRule[] = [];
  const all: CompiledRule[] = [];
  const ids = new Set<string>();
  for (const set of sets) {
    set.forEach((raw, i) => {
      const rule = compileRule(raw, `#${i}`) as CompiledRule & { names: readonly string[] | undefined };
      if (ids.has(rule.id)) throw new DetectionRuleError(rule.id, 'id', 'duplicate rule id');
      ids.add(rule.id);
      all.push(rule);
      if (!rule.names) { always.push(rule); return; }
      for (const n of rule.names) {
        if (n.endsWith('*')) prefixed.push({ prefix: n.slice(0, -1), rule });
        else { const l = byName.get(n); if (l) l.push(rule); else byName.set(n, [rule]); }
      }
    });
  }
  return { byName, prefixed, always, all };
}

/** The rules an event meets (dispatch by eventName), in index order. */
export function candidateRules(index: RuleIndex, eventName: string, out: CompiledRule[]): CompiledRule[] {
  out.length = 0;
  const named = index.byName.get(eventName);
  if (named) for (let i = 0; i < named.length; i++) out.push(named[i] as CompiledRule);
  for (let i = 0; i < index.prefixed.length; i++) { const p = index.prefixed[i] as { prefix: string; rule: CompiledRule }; if (eventName.startsWith(p.prefix)) out.push(p.rule); }
  for (let i = 0; i < index.always.length; i++) out.push(index.always[i] as CompiledRule);
  return out;
}
