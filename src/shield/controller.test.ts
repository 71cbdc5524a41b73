import diagnostics_channel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { PROXY_REQUEST_CHANNEL } from '../proxy/index.js';
import { wafLogHasSubscribers } from '../proxy/waf-log.js';
import { ShieldController, type ShieldControllerOptions } from './controller.js';

const SITE = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';
const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined, info: () => undefined };

function controller(extra: Partial<ShieldControllerOptions> = {}): ShieldController {
  const o = {
    ...extra,
    store: { load: async () => undefined, attacks: new Map(), putAttack: async () => undefined, protectionFor: () => undefined },
    placer: { removeStale: async () => 0, remove: async () => undefined, get: () => undefined },
    logger: quiet,
    siteArn: () => SITE,
  } as unknown as ShieldControllerOptions;
  return new ShieldController(o);
}

let c: ShieldController | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

describe('ShieldController', () => {
  it('drops its WAF-log fallback once the proxy publishes request events, so proxies stop building a log record per request for it', async () => {
    c = controller();
    await c.start();
    expect(wafLogHasSubscribers()).toBe(true);
    diagnostics_channel.channel(PROXY_REQUEST_CHANNEL).publish({ site: 'shop', siteArn: SITE, time: Date.now(), clientIp: '192.0.2.1', method: 'GET', uri: '/', hasQuery: false, status: 200, action: 'ALLOW' });
    expect(c.detector.baselineOf(SITE)).toBeDefined();
    expect(wafLogHasSubscribers()).toBe(false);
    // Started again, it listens to both until the proxy's events come again.
    await c.stop();
    await c.start();
    expect(wafLogHasSubscribers()).toBe(true);
  });

  it('ticks at once when a request makes its second strong on its own, not at the next interval', async () => {
    // A new site: threshold 100 req/s (the static floor), strong at 150 requests in one second. The
    // interval tick is a minute away; 160 requests from one /24 in the same second are declared
    // within one turn of the event loop.
    c = controller({ tickMs: 60_000 });
    await c.start();
    const ch = diagnostics_channel.channel(PROXY_REQUEST_CHANNEL);
    // In the first half of a second, so that the tick comes within the same one.
    while (Date.now() % 1000 >= 500) await new Promise((r) => setTimeout(r, 20));
    const now = Date.now();
    for (let i = 0; i < 149; i++) ch.publish({ site: 'shop', siteArn: SITE, time: now, clientIp: `198.51.100.${i}`, method: 'GET', uri: '/login', hasQuery: false, status: 0, action: 'ALLOW' });
    await new Promise((r) => setImmediate(r));
    expect(c.detector.attackOf(SITE)).toBeUndefined();
    for (let i = 149; i < 160; i++) ch.publish({ site: 'shop', siteArn: SITE, time: now, clientIp: `198.51.100.${i}`, method: 'GET', uri: '/login', hasQuery: false, status: 0, action: 'ALLOW' });
    await new Promise((r) => setImmediate(r));
    expect(c.detector.attackOf(SITE)).toBeDefined();
  });

  it('counts a request that completes long after it arrived no further back than the short window', async () => {
    c = controller();
    await c.start();
    const now = Date.now();
    diagnostics_channel.channel(PROXY_REQUEST_CHANNEL).publish({ site: 'shop', siteArn: SITE, time: now - 2500, clientIp: '192.0.2.1', method: 'GET', uri: '/', hasQuery: false, status: 503, action: 'ALLOW' });
    const traffic = (c.detector as unknown as { sites: Map<string, { traffic: { totals(n: number, s: number, cur: boolean): { total: number } } }> }).sites.get(SITE)!.traffic;
    expect(traffic.totals(Date.now(), 1, true).total).toBe(1);
  });
});
