/** The WAF rule engine's public surface: compile web ACLs, evaluate requests, compute WCU, count rates. */
export * from './types.js';
export { compileWebAcl, compileRuleGroup, MAX_WEB_ACL_CAPACITY, DEFAULT_BODY_LIMIT } from './compile.js';
export type { CompiledWebAcl, RateKeys } from './compile.js';
export { WafConfigError } from './errors.js';
export type { WafConfigErrorCode } from './errors.js';
export { MemoryRateCounter } from './rate/memory.js';
export type { MemoryRateCounterOptions } from './rate/memory.js';
export { ruleCapacity, rulesCapacity } from './capacity.js';
export type { CapacityResolvers } from './capacity.js';
export { statementRegistry } from './statements/index.js';
export { registerManagedSignal, addLabel } from './statements/managed-signal.js';
export type { ManagedSignal } from './statements/managed-signal.js';
export { IpMatcher } from './statements/ip.js';
export type { EvalContext } from './statements/types.js';
export type { EngineDeps, EngineParts, ManagedRuleGroup, FieldExtractor, FieldValues, TransformChain } from './statements/types.js';
