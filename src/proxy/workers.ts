/**
 * The data plane over several processes (`--data-plane-workers N`): what src/data-plane.ts composes
 * — joining the cluster, and what crosses the process boundary (rate counts, samples, observations,
 * metrics). Kept apart from index.ts so a process that only runs sites does not load these modules
 * (measured: re-exporting them from index.ts cost one-process POST throughput ~20 % in
 * bench/waf-proxy.mjs, for reasons not yet understood; see docs/benchmarks.md).
 */
export { joinDataPlane, isDataPlaneMessage, DATA_PLANE_TAG } from './cluster.js';
export type { DataPlaneMessage, WorkerContext } from './cluster.js';
export { WorkerRateCounter, RateHub, MirroredRateCounter } from './worker-rate.js';
export type { WorkerRateCounterOptions, RateSyncItem, RateSyncTotals } from './worker-rate.js';
export { ForwardingSampledRequests, reviveSamples } from './worker-samples.js';
export type { SampleBatchItem } from './worker-samples.js';
export { ObservationForwarder, republish, currentWants } from './worker-observe.js';
export type { ObservationWants, ObservationBatch } from './worker-observe.js';
export { includeWorkerMetrics, aggregateWorkerMetrics } from './worker-metrics.js';
export type { MetricsJson } from './worker-metrics.js';
