/** Prometheus metrics for the API listener (prom-client), in a registry owned by one server. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's metrics: requests by service/operation/status and their latency. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'service' | 'operation' | 'status'>;
  readonly latency: Histogram<'service' | 'operation'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bulwark_process_' });
    this.requests = new Counter({
      name: 'bulwark_api_requests_total',
      help: 'API requests by service, operation and HTTP status',
      labelNames: ['service', 'operation', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'bulwark_api_request_duration_seconds',
      help: 'API request latency from first byte to response end',
      labelNames: ['service', 'operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  /** Label children, cached: prom-client's labels() hashes its arguments on every call. */
  private readonly children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();

  /** Records one finished request. */
  observe(service: string, operation: string, status: number, seconds: number): void {
    const key = service + '\0' + operation + '\0' + status;
    let c = this.children.get(key);
    if (c === undefined) {
      c = { count: this.requests.labels(service, operation, String(status)), time: this.latency.labels(service, operation) };
      this.children.set(key, c);
    }
    c.count.inc();
    c.time.observe(seconds);
  }
}
