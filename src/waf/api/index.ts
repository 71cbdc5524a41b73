/** The wafv2 control plane: the API service, the configuration store the data plane reads, and the engine hooks it needs. */
export { wafv2Service, SITE_RESOURCE_TYPE, type Wafv2Service, type Wafv2ServiceDeps } from './service.js';
export { WafConfigStore, type EntityRecord } from './store.js';
export {
  isWafConfigError, type ManagedRuleGroupInfo, type ManagedRuleGroupVersionInfo, type RateBasedKeysResult, type SampledRequestsResult,
  type SiteInfo, type WafConfigErrorLike, type WafEngineHooks, type WafResolvers,
} from './hooks.js';
export { DEFAULT_WAF_LIMITS, logBucketOf, parseWafArn, type WafLimits } from './validate.js';
export type {
  CustomResponseBodies, EntityType, IPSet, LoggingConfiguration, RegexPatternSet, Rule, RuleGroup, Scope, Statement, Tag, VisibilityConfig, WebACL,
} from './types.js';
