/** The WAF: rule engine types for the data plane, and the runtime that connects control and data planes. */
export type * from './engine/types.js';
export { WafRuntime, type WafRuntimeOptions } from './runtime.js';
// Shield (shared rate counters): the Redis-backed RateCounter for several nodes in front of one site.
export { RedisRateCounter, sharedRuleId, type RedisRateCounterOptions, type RateCounterLogger } from './engine/rate/redis.js';
// Managed rule groups' live inputs: the local IP lists (reputation, anonymous, hosting) and bot verification.
export { configureIpLists, addReputationIps, removeReputationIps, ipListSizes, setBotVerifier, reverseDnsBotVerifier, IP_LIST_NAMES } from './managed/index.js';
// The wafv2 entity shapes, for services that write WAF configuration (Shield's mitigation groups).
export type { IPSet, Rule, RuleGroup, Statement, WebACL } from './api/index.js';
// Data-plane workers (src/data-plane.ts): each worker rebuilds a configuration store from the primary's snapshot.
export { WafConfigStore, type EntityRecord, type LoggingConfiguration } from './api/index.js';
// The count ring of rate counters shared between processes (the data plane's workers use it too).
export { RING, advanceRing, countOwn, emptyRing, hitSharedRing, ringKeysOver, ringSlot, type SharedEntry, type SharedRing } from './engine/rate/shared-ring.js';
export { RateTables, SPAN as RATE_SPAN, type RingTable } from './engine/rate/tables.js';
