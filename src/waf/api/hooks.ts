/**
 * What the wafv2 control plane needs from the rule engine and the data plane. The composition root
 * implements it by wiring src/waf/engine (compile, WCU) and src/proxy (sites, samples, rate keys);
 * the API never imports either, so both can change without touching the API.
 */
import type { IPSet, LoggingConfiguration, RegexPatternSet, Rule, RuleGroup, Scope, WebACL } from './types.js';

/** Look-ups the engine uses to compile references (IPSetReference, RegexPatternSetReference, RuleGroupReference). */
export interface WafResolvers {
  ipSet(arn: string): IPSet | undefined;
  regexPatternSet(arn: string): RegexPatternSet | undefined;
  ruleGroup(arn: string): RuleGroup | undefined;
}

/** A protected site the data plane serves: the only kind of resource a web ACL associates with. */
export interface SiteInfo {
  readonly name: string;
  /** arn:aws:bulwark:<region>:<account>:site/<name> */
  readonly arn: string;
}

/** One version of a managed rule group. */
export interface ManagedRuleGroupVersionInfo {
  readonly Name: string;
  readonly LastUpdateTimestamp?: Date;
}

/** A managed rule group as the managed-rules registry describes it. */
export interface ManagedRuleGroupInfo {
  readonly VendorName: string;
  readonly Name: string;
  readonly Description?: string;
  /** Scopes the group is offered in; both when omitted. */
  readonly Scopes?: readonly Scope[];
  readonly Capacity: number;
  readonly LabelNamespace?: string;
  /** RuleSummary list: each rule's Name and Action. */
  readonly Rules: readonly { readonly Name: string; readonly Action?: Record<string, unknown> }[];
  readonly AvailableLabels?: readonly { readonly Name: string }[];
  readonly ConsumedLabels?: readonly { readonly Name: string }[];
  /** Versions, newest first; empty or absent when the group is not versioned. */
  readonly Versions?: readonly ManagedRuleGroupVersionInfo[];
  readonly CurrentDefaultVersion?: string;
  readonly SnsTopicArn?: string;
}

/** GetSampledRequests output as the data plane's sampler answers it (model shapes). */
export interface SampledRequestsResult {
  readonly SampledRequests: readonly Record<string, unknown>[];
  readonly PopulationSize: number;
  readonly TimeWindow: { readonly StartTime: Date; readonly EndTime: Date };
}

/** GetRateBasedStatementManagedKeys output (model shapes). */
export interface RateBasedKeysResult {
  readonly ManagedKeysIPV4: { readonly IPAddressVersion: 'IPV4'; readonly Addresses: readonly string[] };
  readonly ManagedKeysIPV6: { readonly IPAddressVersion: 'IPV6'; readonly Addresses: readonly string[] };
}

/**
 * The engine and data-plane hooks of the wafv2 service. `validateWebAcl`, `validateRuleGroup` and
 * `ruleCapacity` throw the engine's WafConfigError ({ field, reason, parameter? }) for a
 * configuration the engine cannot compile; the API answers it as WAFInvalidParameterException.
 */
export interface WafEngineHooks {
  /** Compiles `acl` (throwing WafConfigError when invalid) and returns its WCU total. */
  validateWebAcl(acl: WebACL, resolvers: WafResolvers): { capacity: number };
  /** Compiles a rule group's rules (throwing WafConfigError when invalid) and returns their WCU. */
  validateRuleGroup(group: RuleGroup, resolvers: WafResolvers): { capacity: number };
  /** The WCU of `rules` as AWS documents it (CheckCapacity). */
  ruleCapacity(rules: readonly Rule[], resolvers: WafResolvers): number;
  /** Configuration changed (entity, association or logging configuration): recompile within a second. */
  onChange(): void;
  /** The sites a web ACL can be associated with. */
  sites(): readonly SiteInfo[];
  /** Samples for GetSampledRequests from the data plane's bounded 3-hour sample. */
  sampledRequests(webAclArn: string, ruleMetricName: string, timeWindow: { StartTime: Date; EndTime: Date }, maxItems: number): SampledRequestsResult;
  /** Keys currently over the limit of a rate-based rule (`ruleGroupRuleName` for a rule inside a referenced rule group). */
  rateBasedKeys(webAclArn: string, ruleName: string, ruleGroupRuleName?: string): RateBasedKeysResult;
  /** The managed rule group registry (empty until one is wired). */
  managedRuleGroups(): readonly ManagedRuleGroupInfo[];
}

/** The engine's configuration error, recognised structurally so the API does not import the engine. */
export interface WafConfigErrorLike {
  readonly field: string;
  readonly reason: string;
  readonly parameter?: string;
}

/** True when `e` looks like the engine's WafConfigError. */
export function isWafConfigError(e: unknown): e is Error & WafConfigErrorLike {
  if (!(e instanceof Error)) return false;
  const o = e as unknown as Record<string, unknown>;
  return typeof o.field === 'string' && typeof o.reason === 'string';
}

/** Re-exported for hook implementers that need the logging configuration type. */
export type { LoggingConfiguration };
