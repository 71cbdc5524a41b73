/**
 * Metrics of data-plane workers in the primary's `/_bulwark/metrics`. Each worker keeps the proxy's
 * metrics (WAF request counters, site limits) in its own prom-client registry; the primary asks the
 * ready workers for `getMetricsAsJSON()` over IPC when it is scraped and sums them with prom-client's
 * AggregatorRegistry.aggregate (counters and gauges add up across workers). A worker that does not
 * answer within the timeout is left out of that scrape rather than failing it.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

/** One registry's metrics as getMetricsAsJSON() returns them. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The exposition text of the summed worker metrics ('' when there are none). */
export async function aggregateWorkerMetrics(perWorker: readonly MetricsJson[]): Promise<string> {
  const nonEmpty = perWorker.filter((m) => m.length > 0);
  if (nonEmpty.length === 0) return '';
  return AggregatorRegistry.aggregate(nonEmpty as MetricsJson[]).metrics();
}

/**
 * Makes `registry.metrics()` (what the API's `/_bulwark/metrics` serves) append the workers'
 * summed metrics. The primary's registry must not hold metrics of the same names (it does not: in
 * cluster mode the primary runs no sites).
 */
export function includeWorkerMetrics(registry: Registry, fetch: () => Promise<MetricsJson[]>): void {
  const own = registry.metrics.bind(registry);
  registry.metrics = async (): Promise<string> => {
    const [mine, theirs] = await Promise.all([own(), fetch().then(aggregateWorkerMetrics, () => '')]);
    return theirs ? `${mine}\n${theirs}` : mine;
  };
}
