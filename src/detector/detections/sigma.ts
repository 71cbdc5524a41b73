/**
 * SigmaHQ rules as an extra rule source: converts a Sigma rule with `logsource: {product: aws,
 * service: cloudtrail}` into Bulwark's signature rule format. Supported: selections as maps of
 * `field|modifier: value(s)` (lists are OR; modifiers contains, startswith, endswith, re, all,
 * exists) or lists of such maps (OR), and conditions with and / or / not / parentheses /
 * `1 of pattern*` / `all of pattern*` / `1 of them` / `all of them`. Level maps to severity, the
 * first `attack.<tactic>` tag to `<Tactic>:IAMUser/AnomalousBehavior` (else `Policy:IAMUser/SigmaRule`).
 * Anything else is a DetectionRuleError at load.
 */
import { DetectionRuleError, type ConditionSpec } from './rules.js';

const LEVELS: Readonly<Record<string, number>> = { informational: 1, low: 2, medium: 5, high: 8, critical: 9 };
const TACTICS: Readonly<Record<string, string>> = {
  'attack.discovery': 'Discovery', 'attack.credential-access': 'CredentialAccess', 'attack.credential_access': 'CredentialAccess', 'attack.defense-evasion': 'DefenseEvasion',
  'attack.defense_evasion': 'DefenseEvasion', 'attack.persistence': 'Persistence', 'attack.privilege-escalation': 'PrivilegeEscalation', 'attack.privilege_escalation': 'PrivilegeEscalation',
  'attack.exfiltration': 'Exfiltration', 'attack.impact': 'Impact', 'attack.initial-access': 'InitialAccess', 'attack.initial_access': 'InitialAccess',
  'attack.execution': 'Execution', 'attack.lateral-movement': 'LateralMovement', 'attack.lateral_movement': 'LateralMovement',
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for an object shaped like a Sigma rule (has logsource and detection). */
export function isSigmaRule(v: unknown): v is Record<string, unknown> {
  return isObj(v) && isObj(v.logsource) && isObj(v.detection);
}

function fieldCondition(id: string, key: string, value: unknown): ConditionSpec {
  const [field, ...mods] = key.split('|');
  if (!field) throw new DetectionRuleError(id, `detection.${key}`, 'empty field name');
  const values = Array.isArray(value) ? value : [value];
  const all = mods.includes('all');
  const mod = mods.find((m) => m !== 'all');
  if (mod === 'exists') return value === false ? { field, op: 'absent' } : { field, op: 'exists' };
  const one = (v: unknown): ConditionSpec => {
    if (v === null) return { field, op: 'absent' };
    const s = typeof v === 'string' ? v : String(v);
    switch (mod) {
      case undefined:
        if (typeof v === 'string' && (v.includes('*') || v.includes('?'))) {
          const re = '^' + v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
          return { field, op: 'regex', value: re, ignoreCase: true };
        }
        return typeof v === 'string' ? { field, op: 'equals', value: v, ignoreCase: true } : { field, op: 'equals', value: v };
      case 'contains': return { field, op: 'contains', value: s, ignoreCase: true };
      case 'startswith': return { field, op: 'startsWith', value: s, ignoreCase: true };
      case 'endswith': return { field, op: 'endsWith', value: s, ignoreCase: true };
      case 're': return { field, op: 'regex', value: s };
      default: throw new DetectionRuleError(id, `detection.${key}`, `unsupported Sigma modifier ${mod}`);
    }
  };
  if (values.length === 1) return one(values[0]);
  return all ? { all: values.map(one) } : { any: values.map(one) };
}

function selection(id: string, name: string, sel: unknown): ConditionSpec {
  if (Array.isArray(sel)) return { any: sel.map((s, i) => selection(id, `${name}[${i}]`, s)) };
  if (!isObj(sel) || Object.keys(sel).length === 0) throw new DetectionRuleError(id, `detection.${name}`, 'a selection must be a non-empty map or a list of maps');
  return { all: Object.entries(sel).map(([k, v]) => fieldCondition(id, k, v)) };
}

/** Parses a Sigma condition into a condition tree over the named selections. */
function parseCondition(id: string, cond: string, sels: ReadonlyMap<string, ConditionSpec>): ConditionSpec {
  const toks = cond.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const fail = (why: string): never => { throw new DetectionRuleError(id, 'detection.condition', why); };
  const matching = (pat: string): ConditionSpec[] => {
    const re = pat === 'them' ? /^/ : new RegExp('^' + pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
    const out = [...sels].filter(([n]) => re.test(n)).map(([, c]) => c);
    return out.length ? out : fail(`no selection matches ${pat}`);
  };
  const primary = (): ConditionSpec => {
    const t = toks[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') { const e = orExpr(); if (toks[i++] !== ')') fail('missing )'); return e; }
    if (t === 'not') return { not: primary() };
    if (t === '1' || t === 'all') {
      if (toks[i++] !== 'of') fail(`expected "of" after ${t}`);
      const pat = toks[i++] ?? fail('expected a selection pattern');
      const cs = matching(pat);
      return t === '1' ? { any: cs } : { all: cs };
    }
    return sels.get(t) ?? fail(`unknown selection ${t}`);
  };
  const andExpr = (): ConditionSpec => { const parts = [primary()]; while (toks[i] === 'and') { i++; parts.push(primary()); } return parts.length === 1 ? parts[0] as ConditionSpec : { all: parts }; };
  const orExpr = (): ConditionSpec => { const parts = [andExpr()]; while (toks[i] === 'or') { i++; parts.push(andExpr()); } return parts.length === 1 ? parts[0] as ConditionSpec : { any: parts }; };
  const e = orExpr();
  if (i !== toks.length) fail(`unexpected ${toks[i]}`);
  return e;
}

/** Converts a Sigma CloudTrail rule into a signature rule (throws DetectionRuleError when it cannot). */
export function sigmaToRule(sigma: Record<string, unknown>): Record<string, unknown> {
  const id = typeof sigma.id === 'string' ? `sigma-${sigma.id}` : typeof sigma.title === 'string' ? `sigma-${sigma.title}` : 'sigma-rule';
  const ls = sigma.logsource as Record<string, unknown>;
  if (ls.product !== 'aws' || (ls.service !== undefined && ls.service !== 'cloudtrail')) throw new DetectionRuleError(id, 'logsource', 'only product: aws, service: cloudtrail rules are supported');
  const det = sigma.detection as Record<string, unknown>;
  const sels = new Map<string, ConditionSpec>();
  for (const [k, v] of Object.entries(det)) if (k !== 'condition' && k !== 'timeframe') sels.set(k, selection(id, k, v));
  if (det.timeframe !== undefined) throw new DetectionRuleError(id, 'detection.timeframe', 'aggregations are not supported');
  const cond = Array.isArray(det.condition) ? det.condition.map(String).map((c) => `(${c})`).join(' or ') : det.condition;
  if (typeof cond !== 'string' || cond.includes('|')) throw new DetectionRuleError(id, 'detection.condition', 'a condition string without aggregation is required');
  const tree = parseCondition(id, cond, sels);
  const tags = Array.isArray(sigma.tags) ? sigma.tags.map(String) : [];
  const tactic = tags.map((t) => TACTICS[t]).find((t) => t !== undefined);
  const level = typeof sigma.level === 'string' ? LEVELS[sigma.level] : undefined;
  return {
    id,
    findingType: tactic ? `${tactic}:IAMUser/AnomalousBehavior` : 'Policy:IAMUser/SigmaRule',
    severity: level ?? 5,
    title: typeof sigma.title === 'string' && sigma.title ? sigma.title : id,
    description: typeof sigma.description === 'string' && sigma.description ? sigma.description : `Sigma rule ${id}`,
    match: { error: 'any', all: [tree] },
  };
}
