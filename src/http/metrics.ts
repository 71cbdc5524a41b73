/**
 * Prometheus metrics for the API listener, in a prom-client registry owned by one server.
 *
 * The two per-request series (request count and latency) are kept here rather than in
 * prom-client's Counter and Histogram: those hash and validate their label set on every inc() and
 * observe(), even through a labels() child, which cost about a microsecond per request. Here each
 * label set is looked up once per request in a Map and updated in place; the registry reads the
 * series on scrape through the same value structure prom-client's own metrics produce, so the
 * exposition text is unchanged (metrics.test.ts compares the two).
 */
import { readdirSync, statSync } from 'node:fs';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency bucket upper bounds, in seconds. */
const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One value line as prom-client's registry reads it. */
interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  exemplar?: null | undefined;
  sharedLabels?: Record<string, string>;
}

/** The shape prom-client's registry reads from a metric. */
interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/** One label set's request count. */
interface CountSeries {
  readonly labels: { readonly service: string; readonly operation: string; readonly status: string };
  value: number;
}

/** One label set's latency histogram: per-bucket (non-cumulative) counts, sum and count. */
interface LatencySeries {
  readonly labels: { readonly service: string; readonly operation: string };
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/** bulwark_api_requests_total, exposed as prom-client's Counter with these label names would be. */
export class RequestCounter {
  readonly name = 'bulwark_api_requests_total';
  readonly help = 'API requests by service, operation and HTTP status';
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly labelNames = ['service', 'operation', 'status'] as const;
  /** In first-use order, as prom-client lists its label sets. */
  private series = new Map<string, CountSeries>();

  /** The series for one label set (created at zero on first use). */
  seriesFor(service: string, operation: string, status: string): CountSeries {
    const key = service + '\0' + operation + '\0' + status;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: { service, operation, status }, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  async get(): Promise<MetricData> {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) values.push({ value: s.value, labels: s.labels });
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }

  /** Forgets every label set (prom-client's reset); series handed out before belong to no metric any more. */
  reset(): void {
    this.series = new Map();
    this.generation++;
  }

  /** Counts reset() calls, so cached series can tell they are stale. */
  generation = 0;
}

/** bulwark_api_request_duration_seconds, exposed as prom-client's Histogram with these buckets would be. */
export class LatencyHistogram {
  readonly name = 'bulwark_api_request_duration_seconds';
  readonly help = 'API request latency from first byte to response end';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = ['service', 'operation'] as const;
  readonly upperBounds = LATENCY_BUCKETS;
  private series = new Map<string, LatencySeries>();

  /** The series for one label set (created empty on first use). */
  seriesFor(service: string, operation: string): LatencySeries {
    const key = service + '\0' + operation;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: { service, operation }, buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  /** Adds one observation (seconds) to a series; like prom-client, a non-finite value throws. */
  observe(s: LatencySeries, seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`);
    const bounds = LATENCY_BUCKETS;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
    s.sum += seconds;
    s.count += 1;
  }

  /** Bucket lines with the label set as shared labels, then +Inf, _sum and _count (prom-client's order). */
  async getForPromString(): Promise<MetricData> {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        acc += s.buckets[i]!;
        values.push({ labels: { le: LATENCY_BUCKETS[i]! }, sharedLabels: s.labels, value: acc, metricName: bucketName, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As getForPromString, with the shared labels merged into each line's labels (prom-client's JSON form). */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  /** Forgets every label set (prom-client's reset); series handed out before belong to no metric any more. */
  reset(): void {
    this.series = new Map();
    this.generation++;
  }

  /** Counts reset() calls, so cached series can tell they are stale. */
  generation = 0;
}

/** Both series of one label set, and the metrics' generations they were taken at. */
interface Child {
  readonly service: string;
  readonly operation: string;
  readonly status: number;
  readonly count: CountSeries;
  readonly time: LatencySeries;
  readonly generation: number;
}

/**
 * prom-client's default process metrics whose scrape costs time in proportion to the open handles:
 * the active handles, requests and resources (by type and in total: one JS object or string per
 * handle) and the open file descriptors (a readdir of /proc/self/fd). With the thousands of
 * connections of a flood, one scrape held the event loop for tens of milliseconds (docs/benchmarks.md,
 * "Metrics scrapes during a flood").
 */
const LINEAR_PROCESS_METRICS = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'process_open_fds',
];

/**
 * Registers prom-client's default process metrics (CPU, memory, heap, GC, event-loop delay, file
 * descriptor limit, version) without {@link LINEAR_PROCESS_METRICS}, and an open file descriptor
 * count that costs one stat(): Linux 6.2 and later report the number of open descriptors as the
 * size of /proc/self/fd (older kernels report 0, and the count falls back to reading the
 * directory). Connection counts are the proxy's own gauges (`bulwark_proxy_open_connections`).
 */
export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of LINEAR_PROCESS_METRICS) registry.removeSingleMetric(prefix + name);
  if (process.platform !== 'linux') return;
  new Gauge({
    name: `${prefix}process_open_fds`,
    help: 'Number of open file descriptors.',
    registers: [registry],
    collect() {
      try {
        const n = statSync('/proc/self/fd').size;
        // readdirSync opens one descriptor of its own while it reads.
        this.set(n > 0 ? n : readdirSync('/proc/self/fd').length - 1);
      } catch {
        // no /proc: leave the gauge as it is
      }
    },
  });
}

/** The API's metrics: requests by service/operation/status and their latency. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new RequestCounter();
  readonly latency = new LatencyHistogram();

  constructor() {
    collectProcessMetrics(this.registry, 'bulwark_process_');
    // The registry only reads name, help, type, aggregator and the values of a metric.
    this.registry.registerMetric(this.requests as never);
    this.registry.registerMetric(this.latency as never);
  }

  /** The last label set's series (the common case: one operation many times in a row). */
  private last: Child | undefined;
  private readonly children = new Map<string, Child>();

  /** Records one finished request. */
  observe(service: string, operation: string, status: number, seconds: number): void {
    const generation = this.requests.generation + this.latency.generation;
    let c = this.last;
    // The last series is matched field by field: no key string is built for the common case.
    if (c === undefined || c.service !== service || c.operation !== operation || c.status !== status || c.generation !== generation) {
      const key = service + '\0' + operation + '\0' + status;
      c = this.children.get(key);
      if (c === undefined || c.generation !== generation) {
        c = { service, operation, status, count: this.requests.seriesFor(service, operation, String(status)), time: this.latency.seriesFor(service, operation), generation };
        this.children.set(key, c);
      }
      this.last = c;
    }
    c.count.value += 1;
    this.latency.observe(c.time, seconds);
  }
}
