/**
 * Priority of established clients at a congested upstream, through a real site: the proxy teaches
 * the gate the sources of successful requests, and when the upstream is busy and the queue full a
 * known client takes a newcomer's place instead of getting 503. Waits are for states (counters),
 * except the one second a source needs to become established (the smallest `establishedAfterMs`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeIssuer } from './challenge.js';
import type { UpstreamGate } from './limits.js';
import { SiteManager } from './sites.js';
import { ScriptedAcl, until } from './testing.js';
import type { AclProvider } from './types.js';

/** /slow is held until the test answers it; /fail answers 500; others 200 at once. */
let upstream: http.Server;
let upstreamUrl = '';
const held: http.ServerResponse[] = [];
const registry = new Registry();
const acl = new ScriptedAcl();
const provider: AclProvider = { forSite: () => ({ acl }) };
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: provider, challenge: new ChallengeIssuer(), registry, drainMs: 200 });
let port = 0;

function gateOf(name: string): UpstreamGate {
  const e = (manager as unknown as { entries: Map<string, { proxy: unknown }> }).entries.get(name) as { proxy: unknown };
  return (e.proxy as { gate: UpstreamGate }).gate;
}

function get(path: string, from: string): Promise<number> {
  return new Promise<number>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/slow') held.push(res);
      else {
        res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-length': '2' });
        res.end('ok');
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const s = await manager.add({
    name: 'prio',
    listen: '127.0.0.1:0',
    upstream: upstreamUrl,
    upstreamConnections: 1,
    limits: { maxUpstreamRequests: 1, upstreamQueueSize: 2, upstreamQueueTimeoutMs: 60_000, establishedAfterMs: 1000 },
  });
  port = s.address.port;
});

afterAll(async () => {
  for (const r of held) r.destroy();
  await manager.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('established clients at a congested upstream', () => {
  it('learns sources of successful requests only, and lets a known client displace a newcomer from the full queue', async () => {
    const gate = gateOf('prio');
    const h = gate.history;
    if (h === undefined) throw new Error('the site has no source history');
    expect(await get('/page', '127.0.40.1')).toBe(200);
    // An upstream error teaches nothing.
    expect(await get('/fail', '127.0.40.2')).toBe(500);
    expect(h.size).toBe(1);
    await new Promise((r) => setTimeout(r, 1050));
    expect(h.established('127.0.40.1', Date.now())).toBe(true);
    // The upstream is busy (one slot, held) and the queue fills with newcomers.
    const hold = get('/slow', '127.0.41.1');
    await until(() => held.length === 1);
    const n1 = get('/n1', '127.0.41.2');
    const n2 = get('/n2', '127.0.41.3');
    await until(() => gate.queued === 2);
    // A newcomer is refused; the known client takes the newest newcomer's place.
    expect(await get('/n3', '127.0.41.4')).toBe(503);
    const known = get('/known', '127.0.40.1');
    expect(await n2).toBe(503);
    expect(gate.queued).toBe(2);
    held.shift()!.end('done');
    expect(await hold).toBe(200);
    // The known client is served before the older newcomer.
    const order: string[] = [];
    await Promise.all([known.then((s) => order.push(`known ${s}`)), n1.then((s) => order.push(`n1 ${s}`))]);
    expect(order).toEqual(['known 200', 'n1 200']);
    await until(() => gate.active === 0);
    expect(gate.queued).toBe(0);
    // Newcomers that succeeded while requests queued were not learnt.
    expect(h.established('127.0.41.2', Date.now() + 10_000)).toBe(false);
    const text = await registry.metrics();
    expect(text).toMatch(/bulwark_proxy_connections_rejected_total\{site="prio",reason="UPSTREAM_QUEUE_DISPLACED"\} 1/);
    expect(text).toMatch(/bulwark_proxy_connections_rejected_total\{site="prio",reason="UPSTREAM_QUEUE_FULL"\} 1/);
  });
});
