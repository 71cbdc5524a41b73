import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { onProxyConnection, onProxyRequest, proxyConnectionChannel, proxyRequestChannel, type ProxyConnectionEvent, type ProxyRequestObservation } from './observe.js';
import { onWafLog, publishWafLog, type WafLogEvent } from './waf-log.js';
import { WafMetrics } from './metrics.js';
import { aggregateWorkerMetrics, includeWorkerMetrics } from './worker-metrics.js';
import { currentWants, ObservationForwarder, republish } from './worker-observe.js';

const REQ: ProxyRequestObservation = { site: 'shop', siteArn: 'arn:aws:bulwark:us-east-1:000000000000:site/shop', time: 1, clientIp: '192.0.2.1', method: 'GET', uri: '/', hasQuery: false, status: 200, action: 'ALLOW' };
const CONN: ProxyConnectionEvent = { site: 'shop', siteArn: REQ.siteArn, time: 1, clientIp: '192.0.2.1', kind: 'SLOW_HEADERS' };
const LOG = { record: { timestamp: 1 }, webAclName: 'acl', siteName: 'shop' } as unknown as WafLogEvent;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe('ObservationForwarder and republish', () => {
  it('listens only on the channels the primary wants, and the batch republishes as it was', () => {
    const f = new ObservationForwarder();
    cleanup.push(() => f.close());
    f.want({ requests: true, connections: false, wafLogs: true });
    expect(proxyRequestChannel.hasSubscribers).toBe(true);
    expect(proxyConnectionChannel.hasSubscribers).toBe(false);
    proxyRequestChannel.publish(REQ);
    proxyConnectionChannel.publish(CONN);
    publishWafLog(LOG);
    const b = f.drain();
    expect(b).toEqual({ requests: [REQ], connections: [], wafLogs: [LOG] });
    expect(f.drain()).toBeUndefined();
    f.close();
    expect(proxyRequestChannel.hasSubscribers).toBe(false);

    // The primary's side: its subscribers see the worker's messages as local ones.
    const seen: unknown[] = [];
    cleanup.push(onProxyRequest((o) => seen.push(['req', o])), onProxyConnection((o) => seen.push(['conn', o])), onWafLog((o) => seen.push(['log', o])));
    expect(currentWants()).toEqual({ requests: true, connections: true, wafLogs: true });
    republish({ requests: [REQ], connections: [CONN], wafLogs: [LOG] });
    expect(seen).toEqual([['req', REQ], ['conn', CONN], ['log', LOG]]);
  });

  it('bounds each queue between drains and counts what it dropped', () => {
    const f = new ObservationForwarder(3);
    cleanup.push(() => f.close());
    f.want({ requests: true, connections: false, wafLogs: false });
    for (let i = 0; i < 5; i++) proxyRequestChannel.publish(REQ);
    expect(f.drain()?.requests).toHaveLength(3);
    expect(f.dropped).toBe(2);
  });
});

describe('worker metrics in the primary', () => {
  it('sums the workers\' counters by labels and appends them to the primary\'s registry output', async () => {
    const regs = [new Registry(), new Registry()];
    const m = regs.map((r) => new WafMetrics(r));
    m[0]!.inc('acl', 'ALL', 'BLOCK');
    m[0]!.inc('acl', 'ALL', 'BLOCK');
    m[1]!.inc('acl', 'ALL', 'BLOCK');
    m[1]!.inc('acl', 'ALL', 'ALLOW');
    const jsons = await Promise.all(regs.map((r) => r.getMetricsAsJSON()));
    const text = await aggregateWorkerMetrics(JSON.parse(JSON.stringify(jsons)));
    expect(text).toContain('bulwark_waf_requests_total{webacl="acl",rule="ALL",action="BlockedRequests"} 3');
    expect(text).toContain('bulwark_waf_requests_total{webacl="acl",rule="ALL",action="AllowedRequests"} 1');
    expect(await aggregateWorkerMetrics([])).toBe('');

    const primary = new Registry();
    primary.registerMetric(new (await import('prom-client')).Gauge({ name: 'bulwark_primary_only', help: 'x', registers: [] }));
    includeWorkerMetrics(primary, async () => jsons);
    const out = await primary.metrics();
    expect(out).toContain('bulwark_primary_only 0');
    expect(out).toContain('action="BlockedRequests"} 3');
    // A failing fetch leaves the primary's own metrics.
    const lonely = new Registry();
    includeWorkerMetrics(lonely, async () => {
      throw new Error('no workers');
    });
    expect(await lonely.metrics()).toBe('\n');
  });
});
