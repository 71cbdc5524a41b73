/**
 * compileWebAcl: turns a stored WebACL (with its referenced IP sets, regex pattern sets, rule
 * groups and managed rule groups) into a CompiledWebAcl whose evaluate() applies AWS WAF's
 * semantics: rules in ascending Priority; Allow/Block terminate; Count continues; Captcha and
 * Challenge terminate unless the request carries an unexpired solution (then they act like Count);
 * RuleLabels become visible to later rules; rule group references honour OverrideAction,
 * RuleActionOverrides and ExcludedRules. All validation happens here; evaluate() only evaluates.
 */
import { compileAction, validateBodies } from './actions.js';
import { rulesCapacity } from './capacity.js';
import { WafConfigError } from './errors.js';
import { defaultParts } from './parts.js';
import { compileStatement } from './statements/index.js';
import { InspectorSlots } from './statements/inspect.js';
import { RegexPrefilters } from './statements/regex-prefilter.js';
import type { CompiledRateStatement } from './statements/rate-based.js';
import type { CompileContext, CompiledAction, CompiledGroup, CompiledRule, CompiledStatement, EngineDeps, EngineParts, EvalContext, FieldValues, GroupCompiler, Json } from './statements/types.js';
import { isObject } from './statements/util.js';
import type { InspectedRequest, MatchDetail, RuleGroupResult, RuleMatch, WafAction, WafDecision } from './types.js';

/** AWS's web ACL capacity limit (above 1500 WCU AWS bills extra; 5000 is the hard maximum). */
export const MAX_WEB_ACL_CAPACITY = 5000;
/** Default body inspection limit (16 KB), and the largest AssociationConfig allows (64 KB). */
export const DEFAULT_BODY_LIMIT = 16 * 1024;
const BODY_LIMITS: Record<string, number> = { KB_16: 16384, KB_32: 32768, KB_48: 49152, KB_64: 65536 };
const DEFAULT_IMMUNITY_SEC = 300;

/** Keys currently over a rate-based rule's limit (GetRateBasedStatementManagedKeys). */
export interface RateKeys {
  /** IPv4 keys as CIDRs ('1.2.3.4/32'), for IP and FORWARDED_IP aggregation. */
  IPV4: string[];
  IPV6: string[];
  /** Other aggregations (CONSTANT, CUSTOM_KEYS): each key's components. */
  keys?: string[][];
}

/** A web ACL ready to evaluate requests. Immutable; recompile on every configuration change. */
export interface CompiledWebAcl {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  /** WCU as AWS computes it. */
  readonly capacity: number;
  /** The web ACL's VisibilityConfig.MetricName. */
  readonly metricName: string;
  /** Bytes of body the proxy must buffer for inspection (AssociationConfig, default 16 KB). */
  readonly bodyLimitBytes: number;
  /** The web ACL's label namespace, 'awswaf:<account>:webacl:<name>:'. */
  readonly labelNamespace: string;
  /** Non-fatal configuration notes (e.g. AsnMatch without an ASN database). */
  readonly warnings: readonly string[];
  /** Decides a request; throws if a statement fails (the proxy applies fail-open/closed). */
  evaluate(req: InspectedRequest): WafDecision;
  /** Keys over the limit of a rate-based rule, or undefined if there is no such rule. */
  rateKeysOver(ruleName: string, ruleGroupRuleName?: string, nowMs?: number): RateKeys | undefined;
}

const COUNT_ACTION: CompiledAction = { type: 'COUNT', insertHeaders: [] };

function immunity(cfg: unknown, dflt: number, path: string): number {
  if (cfg == null) return dflt;
  const t = isObject(cfg) && isObject(cfg['ImmunityTimeProperty']) ? cfg['ImmunityTimeProperty']['ImmunityTime'] : undefined;
  const n = typeof t === 'bigint' ? Number(t) : t;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 60 || n > 259200) throw new WafConfigError('CHALLENGE_CONFIG', `${path}.ImmunityTimeProperty.ImmunityTime`, 'ImmunityTime must be 60 to 259200 seconds');
  return n;
}

function bodyLimit(acl: Json): number {
  const ac = acl['AssociationConfig'];
  const rb = isObject(ac) ? ac['RequestBody'] : undefined;
  let limit = DEFAULT_BODY_LIMIT;
  if (isObject(rb)) {
    for (const [type, cfg] of Object.entries(rb)) {
      const v = isObject(cfg) ? cfg['DefaultSizeInspectionLimit'] : undefined;
      const n = typeof v === 'string' ? BODY_LIMITS[v] : undefined;
      if (n === undefined) throw new WafConfigError('ASSOCIATED_RESOURCE_TYPE', `AssociationConfig.RequestBody.${type}`, 'DefaultSizeInspectionLimit must be KB_16, KB_32, KB_48 or KB_64');
      // A Bulwark site is one resource type; the largest configured limit applies to all sites.
      limit = Math.max(limit, n);
    }
  }
  return limit;
}

interface RuleCompileEnv {
  readonly deps: EngineDeps;
  readonly parts: EngineParts;
  readonly bodyLimitBytes: number;
  readonly warnings: string[];
  readonly captchaDefault: number;
  readonly challengeDefault: number;
  readonly groups: GroupCompiler;
  readonly prefilters?: RegexPrefilters;
  readonly slots?: InspectorSlots;
}

function compileRules(env: RuleCompileEnv, rules: readonly unknown[], opts: { labelNamespace: string; bodies: Json | undefined; idPrefix: string; path: string; inRuleGroup: boolean }): CompiledRule[] {
  const names = new Set<string>();
  const priorities = new Set<number>();
  const out: CompiledRule[] = [];
  rules.forEach((r, i) => {
    const path = `${opts.path}[${i}]`;
    if (!isObject(r)) throw new WafConfigError('RULE', path, 'a rule must be an object');
    const name = r['Name'];
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw new WafConfigError('RULE', `${path}.Name`, 'Name is required (1 to 128 characters)');
    if (names.has(name)) throw new WafConfigError('RULE', `${path}.Name`, `duplicate rule name ${name}`);
    names.add(name);
    const prio = typeof r['Priority'] === 'bigint' ? Number(r['Priority']) : r['Priority'];
    if (typeof prio !== 'number' || !Number.isInteger(prio) || prio < 0) throw new WafConfigError('RULE', `${path}.Priority`, 'Priority must be a non-negative integer');
    if (priorities.has(prio)) throw new WafConfigError('RULE', `${path}.Priority`, `duplicate priority ${prio}`);
    priorities.add(prio);
    const vc = r['VisibilityConfig'];
    const metricName = isObject(vc) && typeof vc['MetricName'] === 'string' ? vc['MetricName'] : name;
    const ruleId = `${opts.idPrefix}#${name}`;
    const cc: CompileContext = {
      path: `${path}.Statement`,
      deps: env.deps,
      parts: env.parts,
      bodyLimitBytes: env.bodyLimitBytes,
      labelNamespace: opts.labelNamespace,
      ruleId,
      ruleName: name,
      nested: false,
      inRuleGroup: opts.inRuleGroup,
      warnings: env.warnings,
      child: () => {
        throw new Error('unreachable: compileStatement provides child()');
      },
      groups: env.groups,
      ...(env.prefilters !== undefined ? { prefilters: env.prefilters } : {}),
      ...(env.slots !== undefined ? { slots: env.slots } : {}),
    };
    const statement: CompiledStatement = compileStatement(r['Statement'], cc);
    const isGroup = 'group' in statement;
    let action: CompiledAction | undefined;
    let overrideCount = false;
    if (isGroup) {
      if (r['Action'] != null) throw new WafConfigError('RULE_ACTION', `${path}.Action`, 'a rule that references a rule group takes OverrideAction, not Action');
      const oa = r['OverrideAction'];
      if (!isObject(oa) || Object.keys(oa).filter((k) => oa[k] != null).length !== 1 || (oa['Count'] == null && oa['None'] == null)) {
        throw new WafConfigError('OVERRIDE_ACTION', `${path}.OverrideAction`, 'OverrideAction must set exactly one of None or Count');
      }
      overrideCount = oa['Count'] != null;
    } else {
      if (r['OverrideAction'] != null) throw new WafConfigError('OVERRIDE_ACTION', `${path}.OverrideAction`, 'OverrideAction is only for rules that reference a rule group');
      action = compileAction(r['Action'], opts.bodies, `${path}.Action`);
    }
    const labels: string[] = [];
    const rl = r['RuleLabels'];
    if (rl != null) {
      if (!Array.isArray(rl)) throw new WafConfigError('RULE', `${path}.RuleLabels`, 'must be a list');
      rl.forEach((l, j) => {
        const n = isObject(l) ? l['Name'] : undefined;
        if (typeof n !== 'string' || n.length === 0 || n.length > 1024 || !/^[0-9A-Za-z_\-:]+$/.test(n)) throw new WafConfigError('RULE', `${path}.RuleLabels[${j}].Name`, 'label names match ^[0-9A-Za-z_\\-:]+$');
        labels.push(opts.labelNamespace + n);
      });
    }
    const rate = 'rateInfo' in statement ? (statement as CompiledRateStatement).rateInfo : undefined;
    out.push({
      name,
      priority: prio,
      statement,
      action,
      overrideCount,
      labels,
      metricName,
      captchaImmunitySec: immunity(r['CaptchaConfig'], env.captchaDefault, `${path}.CaptchaConfig`),
      challengeImmunitySec: immunity(r['ChallengeConfig'], env.challengeDefault, `${path}.ChallengeConfig`),
      ruleType: isGroup ? (statement as CompiledGroup).group.type : rate ? 'RATE_BASED' : 'REGULAR',
      rate,
    });
  });
  return out.sort((a, b) => a.priority - b.priority);
}

/** Compiles a web ACL. Throws WafConfigError on any invalid or unresolvable configuration. */
export function compileWebAcl(acl: Json, deps: EngineDeps): CompiledWebAcl {
  if (!isObject(acl)) throw new WafConfigError('WEB_ACL', 'WebACL', 'a web ACL object is required');
  const name = acl['Name'];
  if (typeof name !== 'string' || name.length === 0) throw new WafConfigError('WEB_ACL', 'Name', 'Name is required');
  const arn = typeof acl['ARN'] === 'string' ? acl['ARN'] : `arn:aws:wafv2:local:000000000000:regional/webacl/${name}/local`;
  const id = typeof acl['Id'] === 'string' ? acl['Id'] : '';
  const account = arn.split(':')[4] ?? '';
  let ns = typeof acl['LabelNamespace'] === 'string' && acl['LabelNamespace'].length > 0 ? acl['LabelNamespace'] : `awswaf:${account}:webacl:${name}:`;
  if (!ns.endsWith(':')) ns += ':';
  const vc = acl['VisibilityConfig'];
  const metricName = isObject(vc) && typeof vc['MetricName'] === 'string' ? vc['MetricName'] : name;
  const bodies = validateBodies(acl['CustomResponseBodies'], 'CustomResponseBodies');
  const bodyLimitBytes = bodyLimit(acl);
  const parts = deps.parts ?? defaultParts;
  const warnings: string[] = [];

  const da = acl['DefaultAction'];
  const defaultAction = compileAction(da, bodies, 'DefaultAction', ['Allow', 'Block']);

  const groups: GroupCompiler = {
    aclBodies: bodies,
    compileAction: (spec, b, path) => compileAction(spec, b, path),
    compileRules: (rules, o) => compileRules(env, rules, { ...o, bodies: validateBodies(o.bodies, `${o.path}.CustomResponseBodies`), inRuleGroup: true }),
  };
  const env: RuleCompileEnv = {
    deps,
    parts,
    bodyLimitBytes,
    warnings,
    captchaDefault: immunity(acl['CaptchaConfig'], DEFAULT_IMMUNITY_SEC, 'CaptchaConfig'),
    challengeDefault: immunity(acl['ChallengeConfig'], DEFAULT_IMMUNITY_SEC, 'ChallengeConfig'),
    groups,
    ...(deps.regexPrefilter !== false ? { prefilters: new RegexPrefilters() } : {}),
    slots: new InspectorSlots(),
  };
  const rulesJson = acl['Rules'] == null ? [] : acl['Rules'];
  if (!Array.isArray(rulesJson)) throw new WafConfigError('RULE', 'Rules', 'Rules must be a list');
  const rules = compileRules(env, rulesJson, { labelNamespace: ns, bodies, idPrefix: arn, path: 'Rules', inRuleGroup: false });
  // Every regex is registered: build the literal automaton once, here, never per request.
  env.prefilters?.seal();

  const capacity = rulesCapacity(rulesJson as Json[], {
    ruleGroupCapacity: (a) => {
      const c = deps.resolveRuleGroup(a)?.['Capacity'];
      return typeof c === 'number' ? c : undefined;
    },
    managedRuleGroupCapacity: (v, n, ver) => deps.resolveManagedRuleGroup(v, n, ver)?.Capacity,
  });
  if (capacity > MAX_WEB_ACL_CAPACITY) {
    throw new WafConfigError('WEB_ACL', 'Rules', `the web ACL needs ${capacity} WCU; the maximum is ${MAX_WEB_ACL_CAPACITY}`, 'WAFLimitsExceededException');
  }

  const evaluator = new AclEvaluator(rules, defaultAction, env.slots?.size ?? 0);
  return Object.freeze({
    name,
    id,
    arn,
    capacity,
    metricName,
    bodyLimitBytes,
    labelNamespace: ns,
    warnings: Object.freeze(warnings.slice()),
    evaluate: (req: InspectedRequest) => evaluator.evaluate(req),
    rateKeysOver: (ruleName: string, groupRuleName?: string, nowMs?: number) => rateKeysOver(rules, deps, ruleName, groupRuleName, nowMs ?? Date.now()),
  });
}

function rateKeysOver(rules: readonly CompiledRule[], deps: EngineDeps, ruleName: string, groupRuleName: string | undefined, nowMs: number): RateKeys | undefined {
  let rule: CompiledRule | undefined;
  if (groupRuleName === undefined) rule = rules.find((r) => r.name === ruleName);
  else {
    const g = rules.find((r) => r.name === groupRuleName);
    if (g && 'group' in g.statement) rule = (g.statement as CompiledGroup).group.rules.find((r) => r.name === ruleName);
  }
  const info = rule?.rate;
  if (!info) return undefined;
  const keys = deps.rateCounter.keysOver(info.counterId, info.limit, info.windowSec, nowMs);
  const out: RateKeys = { IPV4: [], IPV6: [] };
  if (info.aggregateKeyType === 'IP' || info.aggregateKeyType === 'FORWARDED_IP') {
    for (const k of keys) {
      if (k.includes(':')) out.IPV6.push(`${k}/128`);
      else out.IPV4.push(`${k}/32`);
    }
  } else out.keys = keys.map((k) => k.split('\u0000'));
  return out;
}

/** Whether a Captcha/Challenge rule's token is valid (solved within ImmunityTime). */
function tokenValid(req: InspectedRequest, type: WafAction, rule: CompiledRule): boolean {
  const now = req.timeMs / 1000;
  if (type === 'CAPTCHA') {
    const t = req.captchaSolvedAt;
    return t !== undefined && now - t <= rule.captchaImmunitySec && t <= now + 60;
  }
  // Solving a CAPTCHA also completes a challenge (AWS refreshes both timestamps).
  const t = Math.max(req.challengeSolvedAt ?? -Infinity, req.captchaSolvedAt ?? -Infinity);
  return Number.isFinite(t) && now - t <= rule.challengeImmunitySec && t <= now + 60;
}

/** Evaluates a compiled rule list for requests. */
class AclEvaluator {
  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly defaultAction: CompiledAction,
    private readonly slotCount: number,
  ) {}

  evaluate(req: InspectedRequest): WafDecision {
    const ctx: EvalContext = { req, labels: [], labelSet: new Set(), cache: undefined, slots: new Array<FieldValues | undefined>(this.slotCount), details: [], rate: [], prefilter: [] };
    const nonTerminating: RuleMatch[] = [];
    const groupList: RuleGroupResult[] = [];
    const metricMatches: { metricName: string; action: WafAction }[] = [];
    const insertHeaders: (readonly [string, string])[] = [];
    const rules = this.rules;

    const finish = (action: WafAction, ruleId: string, ruleType: string, details: readonly MatchDetail[], ca?: CompiledAction): WafDecision => {
      const allow = action === 'ALLOW';
      if (allow && ca) for (const h of ca.insertHeaders) insertHeaders.push(h);
      return {
        action: action as WafDecision['action'],
        terminatingRuleId: ruleId,
        terminatingRuleType: ruleType,
        terminatingRuleMatchDetails: details,
        ...(action === 'BLOCK' && ca?.customResponse ? { customResponse: ca.customResponse } : {}),
        insertHeaders: allow ? insertHeaders : [],
        labels: ctx.labels,
        nonTerminatingMatchingRules: nonTerminating,
        ruleGroupList: groupList,
        rateBasedRuleList: ctx.rate,
        metricMatches,
      };
    };

    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if ('group' in rule.statement) {
        const g = (rule.statement as CompiledGroup).group;
        if (g.scopeDown !== undefined && !g.scopeDown.matches(ctx)) continue;
        const groupNonTerminating: RuleMatch[] = [];
        let excludedRules: { exclusionType: string; ruleId: string }[] | null = null;
        let terminating: { ruleId: string; action: WafAction; ruleMatchDetails?: readonly MatchDetail[] } | null = null;
        let termAction: CompiledAction | undefined;
        for (let j = 0; j < g.rules.length; j++) {
          const gr = g.rules[j]!;
          // A fresh list only when the last one was used: an empty list is never kept by a result
          // that outlives the next rule (see ruleMatch, and finish() ends the evaluation).
          if (ctx.details.length !== 0) ctx.details = [];
          if (!gr.statement.matches(ctx)) continue;
          addLabels(ctx, gr.labels);
          let action = gr.action!;
          let overridden: WafAction | undefined;
          const ov = g.overrides.get(gr.name);
          if (ov !== undefined) {
            overridden = action.type;
            action = ov;
          } else if (g.excluded.has(gr.name)) {
            overridden = action.type;
            action = COUNT_ACTION;
            (excludedRules ??= []).push({ exclusionType: 'EXCLUDED_AS_COUNT', ruleId: gr.name });
          }
          const details = ctx.details;
          if (action.type === 'COUNT' || ((action.type === 'CAPTCHA' || action.type === 'CHALLENGE') && tokenValid(req, action.type, gr))) {
            metricMatches.push({ metricName: gr.metricName, action: action.type });
            groupNonTerminating.push(ruleMatch(gr.name, action.type, details, overridden));
            for (const h of action.insertHeaders) insertHeaders.push(h);
            continue;
          }
          metricMatches.push({ metricName: gr.metricName, action: rule.overrideCount ? 'COUNT' : action.type });
          terminating = details.length > 0 ? { ruleId: gr.name, action: action.type, ruleMatchDetails: details } : { ruleId: gr.name, action: action.type };
          termAction = action;
          break;
        }
        groupList.push({ ruleGroupId: g.id, terminatingRule: terminating, nonTerminatingMatchingRules: groupNonTerminating, excludedRules });
        if (terminating !== null) {
          if (rule.overrideCount) {
            metricMatches.push({ metricName: rule.metricName, action: 'COUNT' });
            nonTerminating.push({ ruleId: rule.name, action: 'COUNT', overriddenAction: terminating.action });
            continue;
          }
          metricMatches.push({ metricName: rule.metricName, action: terminating.action });
          return finish(terminating.action, rule.name, g.type, terminating.ruleMatchDetails ?? [], termAction);
        }
        continue;
      }

      if (ctx.details.length !== 0) ctx.details = [];
      if (!rule.statement.matches(ctx)) continue;
      addLabels(ctx, rule.labels);
      const action = rule.action!;
      const details = ctx.details;
      metricMatches.push({ metricName: rule.metricName, action: action.type });
      if (action.type === 'COUNT' || ((action.type === 'CAPTCHA' || action.type === 'CHALLENGE') && tokenValid(req, action.type, rule))) {
        nonTerminating.push(ruleMatch(rule.name, action.type, details, undefined));
        for (const h of action.insertHeaders) insertHeaders.push(h);
        continue;
      }
      return finish(action.type, rule.name, rule.ruleType, details, action);
    }
    return finish(this.defaultAction.type, 'Default_Action', 'REGULAR', [], this.defaultAction);
  }
}

function ruleMatch(ruleId: string, action: WafAction, details: readonly MatchDetail[], overridden: WafAction | undefined): RuleMatch {
  const m: { ruleId: string; action: WafAction; ruleMatchDetails?: readonly MatchDetail[]; overriddenAction?: WafAction } = { ruleId, action };
  if (details.length > 0) m.ruleMatchDetails = details;
  if (overridden !== undefined) m.overriddenAction = overridden;
  return m;
}

function addLabels(ctx: EvalContext, labels: readonly string[]): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!ctx.labelSet.has(l)) {
      ctx.labelSet.add(l);
      ctx.labels.push(l);
    }
  }
}

/** Validates a rule group on its own (CreateRuleGroup/UpdateRuleGroup) and returns the WCU its rules use. */
export function compileRuleGroup(group: Json, deps: Omit<EngineDeps, 'resolveRuleGroup' | 'resolveManagedRuleGroup'> & Partial<Pick<EngineDeps, 'resolveRuleGroup' | 'resolveManagedRuleGroup'>>): { capacity: number; warnings: readonly string[] } {
  if (!isObject(group)) throw new WafConfigError('RULE_GROUP', 'RuleGroup', 'a rule group object is required');
  const name = typeof group['Name'] === 'string' ? group['Name'] : 'rulegroup';
  const arn = typeof group['ARN'] === 'string' ? group['ARN'] : `arn:aws:wafv2:local:000000000000:regional/rulegroup/${name}/local`;
  let ns = typeof group['LabelNamespace'] === 'string' && group['LabelNamespace'].length > 0 ? group['LabelNamespace'] : `awswaf:${arn.split(':')[4] ?? ''}:rulegroup:${name}:`;
  if (!ns.endsWith(':')) ns += ':';
  const full: EngineDeps = { resolveRuleGroup: () => undefined, resolveManagedRuleGroup: () => undefined, ...deps };
  const warnings: string[] = [];
  const bodies = validateBodies(group['CustomResponseBodies'], 'CustomResponseBodies');
  const groups: GroupCompiler = {
    aclBodies: bodies,
    compileAction: (spec, b, path) => compileAction(spec, b, path),
    compileRules: () => {
      throw new WafConfigError('RULE_GROUP_REFERENCE_STATEMENT', 'Rules', 'rule groups cannot reference rule groups');
    },
  };
  const env: RuleCompileEnv = { deps: full, parts: deps.parts ?? defaultParts, bodyLimitBytes: DEFAULT_BODY_LIMIT, warnings, captchaDefault: DEFAULT_IMMUNITY_SEC, challengeDefault: DEFAULT_IMMUNITY_SEC, groups };
  const rulesJson = group['Rules'] == null ? [] : group['Rules'];
  if (!Array.isArray(rulesJson)) throw new WafConfigError('RULE', 'Rules', 'Rules must be a list');
  compileRules(env, rulesJson, { labelNamespace: ns, bodies, idPrefix: arn, path: 'Rules', inRuleGroup: true });
  return { capacity: rulesCapacity(rulesJson as Json[]), warnings };
}
