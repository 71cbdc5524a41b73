import { closeSync, openSync, readdirSync } from 'node:fs';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ApiMetrics, collectProcessMetrics } from './metrics.js';

/** The same two metrics as prom-client's own Counter and Histogram (what ApiMetrics replaced). */
function reference(): { registry: Registry; observe(service: string, operation: string, status: number, seconds: number): void } {
  const registry = new Registry();
  const requests = new Counter({
    name: 'bulwark_api_requests_total',
    help: 'API requests by service, operation and HTTP status',
    labelNames: ['service', 'operation', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'bulwark_api_request_duration_seconds',
    help: 'API request latency from first byte to response end',
    labelNames: ['service', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    observe(service, operation, status, seconds) {
      requests.labels(service, operation, String(status)).inc();
      latency.labels(service, operation).observe(seconds);
    },
  };
}

const CALLS: [string, string, number, number][] = [
  ['kms', 'Encrypt', 200, 0.0004],
  ['kms', 'Encrypt', 200, 0.0005],
  ['sts', 'GetCallerIdentity', 200, 0.0031],
  ['kms', 'Encrypt', 400, 0.02],
  ['kms', 'Decrypt', 200, 3.5],
  ['kms', 'Encrypt', 200, 1],
  ['unknown', 'unknown', 500, 0.25],
  ['sts', 'GetCallerIdentity', 403, 0.000001],
  ['kms', 'Encrypt', 200, 0.1 + 0.2],
];

/** The exposition lines of the two API metrics (the default process metrics vary from call to call). */
async function apiLines(registry: Registry): Promise<string> {
  return (await registry.metrics())
    .split('\n')
    .filter((l) => l.includes('bulwark_api_'))
    .join('\n');
}

async function apiJson(registry: Registry): Promise<unknown[]> {
  return (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('bulwark_api_'));
}

describe('ApiMetrics', () => {
  it('exposes exactly what prom-client Counter and Histogram expose for the same calls', async () => {
    const ref = reference();
    const m = new ApiMetrics();
    for (const [s, o, st, secs] of CALLS) {
      ref.observe(s, o, st, secs);
      m.observe(s, o, st, secs);
    }
    const want = await apiLines(ref.registry);
    expect(want).toContain('bulwark_api_request_duration_seconds_bucket{le="+Inf",service="kms",operation="Decrypt"} 1');
    expect(await apiLines(m.registry)).toBe(want);
    expect(JSON.stringify(await apiJson(m.registry))).toBe(JSON.stringify(await apiJson(ref.registry)));
  });

  it('starts again from nothing after the registry resets its metrics', async () => {
    const ref = reference();
    const m = new ApiMetrics();
    for (const [s, o, st, secs] of CALLS) {
      ref.observe(s, o, st, secs);
      m.observe(s, o, st, secs);
    }
    ref.registry.resetMetrics();
    m.registry.resetMetrics();
    for (const [s, o, st, secs] of CALLS.slice(2, 5)) {
      ref.observe(s, o, st, secs);
      m.observe(s, o, st, secs);
    }
    expect(await apiLines(m.registry)).toBe(await apiLines(ref.registry));
  });
});

describe('collectProcessMetrics', () => {
  /** The value of one unlabelled series in the exposition text. */
  const valueOf = (text: string, name: string): number => {
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`${name} missing`);
    return Number(m[1]);
  };

  it('keeps the default process metrics but none whose scrape walks every handle', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry, 'p_');
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['p_process_cpu_seconds_total', 'p_nodejs_eventloop_lag_p99_seconds', 'p_nodejs_heap_size_used_bytes', 'p_process_max_fds']));
    expect(names.filter((n) => n.includes('active_'))).toEqual([]);
    expect(names.filter((n) => n === 'p_process_open_fds')).toHaveLength(process.platform === 'linux' ? 1 : 0);
  });

  it.runIf(process.platform === 'linux')('counts open file descriptors as /proc/self/fd lists them', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry, 'p_');
    const listed = (): number => readdirSync('/proc/self/fd').length - 1;
    const before = valueOf(await registry.metrics(), 'p_process_open_fds');
    expect(before).toBe(listed());
    const fds = Array.from({ length: 25 }, () => openSync('/dev/null', 'r'));
    try {
      const during = valueOf(await registry.metrics(), 'p_process_open_fds');
      expect(during).toBe(listed());
      expect(during - before).toBe(25);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});
