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
export { startDataPlane, joinDataPlane, isDataPlaneMessage, DATA_PLANE_TAG } from './cluster.js';
export type { DataPlaneOptions, DataPlane, DataPlaneMessage, WorkerContext } from './cluster.js';
// Data-plane workers: what crosses the process boundary (rate counts, samples, observations, metrics).
export { WorkerRateCounter, RateHub, MirroredRateCounter } from './worker-rate.js';
export type { WorkerRateCounterOptions, RateSyncItem, RateSyncTotals } from './worker-rate.js';
export { ForwardingSampledRequests, reviveSamples } from './worker-samples.js';
export type { SampleBatchItem } from './worker-samples.js';
export { ObservationForwarder, republish, currentWants } from './worker-observe.js';
export type { ObservationWants, ObservationBatch } from './worker-observe.js';
export { includeWorkerMetrics, aggregateWorkerMetrics } from './worker-metrics.js';
export type { MetricsJson } from './worker-metrics.js';
export { siteLimitsSchema, DEFAULT_LIMITS, ConnectionGuard, UpstreamGate, LimitMetrics } from './limits.js';
export type { SiteLimits, GateWaiter } from './limits.js';
export { PROXY_REQUEST_CHANNEL, PROXY_CONNECTION_CHANNEL, onProxyRequest, onProxyConnection } from './observe.js';
export type { ProxyRequestObservation, ProxyConnectionEvent, ProxyConnectionKind } from './observe.js';
