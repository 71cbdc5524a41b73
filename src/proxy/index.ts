/**
 * The data plane: sites (listeners in front of upstream apps) enforcing WAF decisions, challenges
 * and CAPTCHA, WAF logs, metrics and sampled requests. The composition root supplies an
 * AclProvider backed by the rule engine and the wafv2 configuration store.
 */
export { SiteManager, siteConfigSchema, parseSites, parseSite, siteArn, BODY_INSPECTION_LIMITS } from './sites.js';
export type { SiteConfig, SiteConfigInput, SiteManagerOptions, RunningSite } from './sites.js';
export type { AclProvider, SiteProtection, EvaluatingAcl, LoggingConfig, LoggingFilterCondition, RedactedField, VisibilityConfig } from './types.js';
export type { ProxyEvent } from './proxy.js';
export { ChallengeIssuer, TOKEN_COOKIE, VERIFY_PATH, solveChallenge } from './challenge.js';
export type { ChallengeOptions, TokenTimes } from './challenge.js';
export { WafLogWriter, WAF_LOG_CHANNEL, onWafLog, compileLogging, s3Destination } from './waf-log.js';
export type { WafLogRecord, WafLogEvent, WafLogWriterOptions, TokenResponse } from './waf-log.js';
export { SampledRequests } from './sampled.js';
export type { SampledHttpRequest, SampledRequestsResult } from './sampled.js';
export { WafMetrics, ACTION_METRIC } from './metrics.js';
export { startDataPlane } from './cluster.js';
export type { DataPlaneOptions, DataPlane } from './cluster.js';
// Several processes: ./workers.ts.
export { siteLimitsSchema, DEFAULT_LIMITS, ConnectionGuard, UpstreamGate, LimitMetrics } from './limits.js';
export type { SiteLimits, GateWaiter } from './limits.js';
export { PROXY_REQUEST_CHANNEL, PROXY_CONNECTION_CHANNEL, onProxyRequest, onProxyConnection } from './observe.js';
export type { ProxyRequestObservation, ProxyConnectionEvent, ProxyConnectionKind } from './observe.js';
