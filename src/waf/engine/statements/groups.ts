/**
 * RuleGroupReferenceStatement and ManagedRuleGroupStatement: a rule group's rules compiled in the
 * group's label namespace, with ExcludedRules (legacy: act as Count), RuleActionOverrides and, for
 * managed groups, a ScopeDownStatement. The web ACL evaluator runs the rules (see rules.ts).
 */
import { WafConfigError } from '../errors.js';
import type { CompileContext, CompiledAction, CompiledGroup, Json, StatementEntry } from './types.js';
import { isObject, str } from './util.js';

function overridesAndExclusions(spec: Json, cc: CompileContext, ruleNames: ReadonlySet<string>): { overrides: Map<string, CompiledAction>; excluded: Set<string> } {
  const excluded = new Set<string>();
  const ex = spec['ExcludedRules'];
  if (ex != null) {
    if (!Array.isArray(ex)) throw new WafConfigError('EXCLUDED_RULE', `${cc.path}.ExcludedRules`, 'must be a list');
    ex.forEach((e, i) => {
      const n = isObject(e) ? e['Name'] : undefined;
      if (typeof n !== 'string' || n.length === 0) throw new WafConfigError('EXCLUDED_RULE', `${cc.path}.ExcludedRules[${i}].Name`, 'Name is required');
      excluded.add(n);
    });
  }
  const overrides = new Map<string, CompiledAction>();
  const ov = spec['RuleActionOverrides'];
  if (ov != null) {
    if (!Array.isArray(ov)) throw new WafConfigError('RULE_ACTION', `${cc.path}.RuleActionOverrides`, 'must be a list');
    if (ov.length > 100) throw new WafConfigError('RULE_ACTION', `${cc.path}.RuleActionOverrides`, 'at most 100 overrides');
    ov.forEach((o, i) => {
      const p = `${cc.path}.RuleActionOverrides[${i}]`;
      const n = isObject(o) ? o['Name'] : undefined;
      if (typeof n !== 'string' || n.length === 0) throw new WafConfigError('RULE', `${p}.Name`, 'Name is required');
      // Overrides are defined in the web ACL: custom response bodies come from the web ACL.
      overrides.set(n, cc.groups.compileAction(isObject(o) ? o['ActionToUse'] : undefined, cc.groups.aclBodies, `${p}.ActionToUse`));
    });
  }
  void ruleNames; // AWS accepts names that aren't in the group (they have no effect).
  return { overrides, excluded };
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export const ruleGroupReferenceStatement: StatementEntry = {
  name: 'RuleGroupReferenceStatement',
  field: 'RULE_GROUP_REFERENCE_STATEMENT',
  compile(spec, cc): CompiledGroup {
    if (cc.nested) throw new WafConfigError('RULE_GROUP_REFERENCE_STATEMENT', cc.path, 'a RuleGroupReferenceStatement can only be the top-level statement of a rule');
    if (cc.inRuleGroup) throw new WafConfigError('RULE_GROUP_REFERENCE_STATEMENT', cc.path, 'rule groups cannot reference other rule groups');
    const arn = str(spec, 'ARN', 'RULE_GROUP_REFERENCE_STATEMENT', cc.path);
    const rg = cc.deps.resolveRuleGroup(arn);
    if (!rg) throw new WafConfigError('RULE_GROUP', arn, 'the referenced rule group does not exist', 'WAFNonexistentItemException');
    const name = typeof rg['Name'] === 'string' ? rg['Name'] : arn.split('/')[2] ?? 'rulegroup';
    const ns = typeof rg['LabelNamespace'] === 'string' && rg['LabelNamespace'].length > 0 ? rg['LabelNamespace'] : `awswaf:${accountOf(arn)}:rulegroup:${name}:`;
    const rulesJson = Array.isArray(rg['Rules']) ? (rg['Rules'] as Json[]) : [];
    const rules = cc.groups.compileRules(rulesJson, { labelNamespace: ns.endsWith(':') ? ns : `${ns}:`, bodies: isObject(rg['CustomResponseBodies']) ? rg['CustomResponseBodies'] : undefined, idPrefix: cc.ruleId, path: `${arn}.Rules` });
    const { overrides, excluded } = overridesAndExclusions(spec, cc, new Set(rules.map((r) => r.name)));
    return {
      group: { id: arn, type: 'GROUP', rules, overrides, excluded },
      matches: () => {
        throw new Error('a rule group statement is evaluated by the rule evaluator');
      },
    };
  },
  capacity(spec, cap): number {
    const arn = typeof spec['ARN'] === 'string' ? spec['ARN'] : '';
    return cap.ruleGroupCapacity?.(arn) ?? 0;
  },
};

export const managedRuleGroupStatement: StatementEntry = {
  name: 'ManagedRuleGroupStatement',
  field: 'MANAGED_RULE_SET_STATEMENT',
  compile(spec, cc): CompiledGroup {
    if (cc.nested) throw new WafConfigError('MANAGED_RULE_SET_STATEMENT', cc.path, 'a ManagedRuleGroupStatement can only be the top-level statement of a rule');
    if (cc.inRuleGroup) throw new WafConfigError('MANAGED_RULE_SET_STATEMENT', cc.path, 'rule groups cannot reference managed rule groups');
    const vendor = str(spec, 'VendorName', 'MANAGED_RULE_SET_STATEMENT', cc.path);
    const name = str(spec, 'Name', 'MANAGED_RULE_SET_STATEMENT', cc.path);
    const version = typeof spec['Version'] === 'string' ? spec['Version'] : undefined;
    const configs = Array.isArray(spec['ManagedRuleGroupConfigs']) ? (spec['ManagedRuleGroupConfigs'] as Json[]) : undefined;
    const mg = cc.deps.resolveManagedRuleGroup(vendor, name, version, configs);
    if (!mg) throw new WafConfigError('MANAGED_RULE_SET', `${vendor}/${name}${version ? `/${version}` : ''}`, 'the managed rule group (or version) does not exist', 'WAFNonexistentItemException');
    let ns = mg.LabelNamespace ?? `awswaf:managed:${vendor.toLowerCase()}:${name}:`;
    if (!ns.endsWith(':')) ns += ':';
    const rules = cc.groups.compileRules(mg.Rules, { labelNamespace: ns, bodies: mg.CustomResponseBodies, idPrefix: cc.ruleId, path: `${vendor}/${name}.Rules` });
    const { overrides, excluded } = overridesAndExclusions(spec, cc, new Set(rules.map((r) => r.name)));
    const scopeDown = spec['ScopeDownStatement'] == null ? undefined : cc.child(spec['ScopeDownStatement'], 'ScopeDownStatement');
    return {
      group: { id: `${vendor}#${name}${version ? `#${version}` : ''}`, type: 'MANAGED_RULE_GROUP', rules, scopeDown, overrides, excluded },
      matches: () => {
        throw new Error('a rule group statement is evaluated by the rule evaluator');
      },
    };
  },
  capacity(spec, cap): number {
    const vendor = String(spec['VendorName'] ?? '');
    const name = String(spec['Name'] ?? '');
    const version = typeof spec['Version'] === 'string' ? spec['Version'] : undefined;
    let n = cap.managedRuleGroupCapacity?.(vendor, name, version) ?? 0;
    if (spec['ScopeDownStatement'] != null) n += cap.statement(spec['ScopeDownStatement']);
    return n;
  },
};
