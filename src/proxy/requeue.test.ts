/**
 * Requests queued at the upstream gate while the site's web ACL changes (Shield placing its
 * mitigation rule during a flood): when a slot frees, each is evaluated again by the web ACL now in
 * force and goes upstream only if that still allows it; the ones it blocks are answered at once and
 * never reach the upstream, and every request is recorded once, with the decision applied. Waits
 * are for states, never durations.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeIssuer } from './challenge.js';
import type { UpstreamGate } from './limits.js';
import type { SiteProxy } from './proxy.js';
import { onProxyRequest, type ProxyRequestObservation } from './observe.js';
import { SiteManager } from './sites.js';
import { ScriptedAcl, decision, until } from './testing.js';
import type { AclProvider, SiteProtection } from './types.js';

let upstream: http.Server;
const held: http.ServerResponse[] = [];
/** Paths the upstream received, in order. */
const reached: string[] = [];
const allowAll = new ScriptedAcl('shop');
/** The same web ACL after a change: requests from 127.0.3.0/24 are blocked. */
const mitigated = new ScriptedAcl('shop');
mitigated.script = (r) => (r.clientIp.startsWith('127.0.3.') ? decision({ action: 'BLOCK', terminatingRuleId: 'ShieldMitigationRuleGroup' }) : decision({ action: 'ALLOW' }));
let current: SiteProtection = { acl: allowAll };
const provider: AclProvider = { forSite: () => current };
const registry = new Registry();
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: provider, challenge: new ChallengeIssuer(), registry, drainMs: 200 });
let port = 0;

function gateOf(name: string): UpstreamGate {
  const e = (manager as unknown as { entries: Map<string, { proxy: SiteProxy }> }).entries.get(name) as { proxy: SiteProxy };
  return (e.proxy as unknown as { gate: UpstreamGate }).gate;
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    reached.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/hold')) {
        held.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const s = await manager.add({ name: 'shop', listen: '127.0.0.1:0', upstream: url, limits: { maxUpstreamRequests: 1, upstreamQueueSize: 16, upstreamQueueTimeoutMs: 60_000, adaptiveConcurrency: false } });
  port = s.address.port;
});

afterAll(async () => {
  for (const r of held) r.destroy();
  await manager.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

function get(path: string, from: string, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: from, agent: false, method: body === undefined ? 'GET' : 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function counted(action: string): Promise<number> {
  const m = new RegExp(`^bulwark_waf_requests_total\\{webacl="shop",rule="ALL",action="${action}"\\} (\\d+)$`, 'm').exec(await registry.metrics());
  return m ? Number(m[1]) : 0;
}

describe('requests queued across a web ACL change', () => {
  it('are evaluated again when a slot frees: those the new web ACL blocks never reach the upstream', async () => {
    const gate = gateOf('shop');
    const first = get('/hold', '127.0.0.1');
    await until(() => held.length === 1);
    // Queued behind it: three from the network about to be blocked, two others (one with a body).
    const flood = ['127.0.3.1', '127.0.3.2', '127.0.3.3'].map((ip, i) => get(`/flood-${i}`, ip));
    const legit = [get('/page', '127.0.4.1'), get('/form', '127.0.4.2', 'a=1&b=2')];
    await until(() => gate.queued === 5);
    expect(await counted('AllowedRequests')).toBe(1); // queued requests are not recorded yet
    current = { acl: mitigated };
    held.shift()!.end('done');
    expect(await first).toBe(200);
    expect(await Promise.all(flood)).toEqual([403, 403, 403]);
    expect(await Promise.all(legit)).toEqual([200, 200]);
    expect(reached.filter((p) => p.startsWith('/flood'))).toEqual([]);
    expect(reached).toContain('/page');
    expect(reached).toContain('/form');
    // Each request recorded once: 3 allowed before, 2 allowed after the change, 3 blocked by it.
    expect(await counted('AllowedRequests')).toBe(3);
    expect(await counted('BlockedRequests')).toBe(3);
    await until(() => gate.active === 0 && gate.queued === 0);
  });

  it('are forwarded as decided when the web ACL did not change (even in a new wrapper)', async () => {
    const gate = gateOf('shop');
    const before = await counted('AllowedRequests');
    const evaluated = mitigated.seen.length;
    const first = get('/hold', '127.0.0.1');
    await until(() => held.length === 1);
    const queued = [get('/q1', '127.0.4.3'), get('/q2', '127.0.4.4')];
    await until(() => gate.queued === 2);
    // A provider may hand out a new wrapper around the same compiled web ACL: not a change.
    current = { acl: mitigated };
    held.shift()!.end('done');
    expect(await first).toBe(200);
    expect(await Promise.all(queued)).toEqual([200, 200]);
    // Evaluated once each, recorded once each.
    expect(mitigated.seen.length - evaluated).toBe(3);
    expect((await counted('AllowedRequests')) - before).toBe(3);
    await until(() => gate.active === 0 && gate.queued === 0);
  });
});

describe('observations of queued requests', () => {
  it('are published when a request starts waiting at the gate, and not again when it completes', async () => {
    current = { acl: allowAll };
    const gate = gateOf('shop');
    const seen: ProxyRequestObservation[] = [];
    const stop = onProxyRequest((o) => void seen.push(o));
    try {
      const first = get('/hold', '127.0.0.1');
      await until(() => held.length === 1);
      const queued = [get('/wait-1', '127.0.5.1'), get('/wait-2', '127.0.5.2')];
      await until(() => gate.queued === 2);
      // Seen while they wait (the flood a saturated upstream works through slowly is seen as it comes).
      expect(seen.map((o) => [o.uri, o.clientIp, o.status, o.queued])).toEqual([
        ['/wait-1', '127.0.5.1', 0, true],
        ['/wait-2', '127.0.5.2', 0, true],
      ]);
      held.shift()!.end('done');
      expect(await first).toBe(200);
      expect(await Promise.all(queued)).toEqual([200, 200]);
      await until(() => gate.active === 0 && gate.queued === 0 && seen.length >= 3);
      // The first completed (published then, with its status); the queued two are not published again.
      expect(seen.filter((o) => o.uri.startsWith('/wait'))).toHaveLength(2);
      const done = seen.filter((o) => o.uri === '/hold');
      expect(done.map((o) => [o.status, o.queued])).toEqual([[200, undefined]]);
    } finally {
      stop();
    }
  });
});

describe('the gate with waiters that decline their slot', () => {
  it('lets at most a turn\'s worth decline at once and hands the slot on over the next turns', async () => {
    const { upstreamGate, siteLimitsSchema } = await import('./limits.js');
    const g = upstreamGate('t', siteLimitsSchema.parse({ maxUpstreamRequests: 1, upstreamQueueSize: 1024, adaptiveConcurrency: false, maxEstablishedSources: 0 }), undefined, 1);
    const now = Date.now();
    expect(g.acquire({ grant: () => undefined, timeout: () => undefined, cancelled: false }, now)).toBe('go');
    let declined = 0;
    let granted = 0;
    const waiter = (declines: boolean) => {
      let gone = false;
      return {
        grant: () => void granted++,
        timeout: () => undefined,
        recheck: () => {
          if (!declines) return true;
          declined++;
          gone = true;
          return false;
        },
        get cancelled() {
          return gone;
        },
      };
    };
    for (let i = 0; i < 300; i++) expect(g.acquire(waiter(true), now)).toBe('queued');
    expect(g.acquire(waiter(false), now)).toBe('queued');
    g.release(now);
    // Synchronously: one turn's worth declined, the slot not yet handed on.
    expect(declined).toBe(64);
    expect(granted).toBe(0);
    await until(() => granted === 1);
    expect(declined).toBe(300);
    expect(g.queued).toBe(0);
  });
});
