/** The WAF: rule engine types for the data plane, and the runtime that connects control and data planes. */
export type * from './engine/types.js';
export { WafRuntime, type WafRuntimeOptions } from './runtime.js';
