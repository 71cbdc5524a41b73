/**
 * Regression tests of the flood benchmark's failure (docs/benchmarks.md, Shield flood): clients that
 * give up (abort) while their request waits for the upstream must not keep upstream slots or queue
 * places, must not pile up inside the upstream pool, and the site must answer normally once they
 * are gone. Every wait is for a state (counters back to zero), never a duration.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeIssuer } from './challenge.js';
import type { ConnectionGuard, UpstreamGate } from './limits.js';
import type { SiteProxy } from './proxy.js';
import { SiteManager } from './sites.js';
import { ScriptedAcl, decision, until } from './testing.js';
import type { AclProvider } from './types.js';

/** An upstream: /slow never answers (until the test lets it go), /delay answers after 200 ms, others at once. */
let upstream: http.Server;
let upstreamUrl = '';
let upstreamConnections = 0;
const held: http.ServerResponse[] = [];
const acl = new ScriptedAcl();
const provider: AclProvider = { forSite: () => ({ acl }) };
const registry = new Registry();
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: provider, challenge: new ChallengeIssuer(), registry, drainMs: 200 });
const ports: Record<string, number> = {};

interface Internals {
  guard: ConnectionGuard;
  proxy: SiteProxy;
}

function internals(name: string): Internals & { gate: UpstreamGate } {
  const e = (manager as unknown as { entries: Map<string, Internals> }).entries.get(name) as Internals;
  return { ...e, gate: (e.proxy as unknown as { gate: UpstreamGate }).gate };
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/slow')) {
        held.push(res);
        return;
      }
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('ok');
      };
      if (req.url?.startsWith('/delay')) setTimeout(answer, 200);
      else answer();
    });
  });
  upstream.on('connection', () => upstreamConnections++);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  for (const [name, limits, connections] of [
    ['queue', { maxUpstreamRequests: 1, upstreamQueueSize: 3, upstreamQueueTimeoutMs: 60_000 }, 128],
    ['pool', { maxUpstreamRequests: 8, upstreamQueueSize: 8, upstreamQueueTimeoutMs: 60_000 }, 1],
    ['flood', { maxUpstreamRequests: 4, upstreamQueueSize: 16, upstreamQueueTimeoutMs: 60_000 }, 4],
  ] as const) {
    const s = await manager.add({ name, listen: '127.0.0.1:0', upstream: upstreamUrl, upstreamConnections: connections, limits });
    ports[name] = s.address.port;
  }
});

afterAll(async () => {
  for (const r of held) r.destroy();
  await manager.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** A GET whose client can be aborted; resolves with the status (0 when aborted or failed). */
function start(port: number, path: string, from = '127.0.0.1'): { done: Promise<number>; abort(): void; readonly settled: boolean } {
  let req: http.ClientRequest;
  let settled = false;
  const done = new Promise<number>((resolve) => {
    req = http.request({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  }).finally(() => (settled = true));
  return {
    done,
    abort: () => req.destroy(),
    get settled() {
      return settled;
    },
  };
}

async function gauge(name: string, labels: string): Promise<number> {
  const m = new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(await registry.metrics());
  return m ? Number(m[1]) : -1;
}

describe('clients that abort while waiting for the upstream', () => {
  it('give their queue places back: a live request behind them is queued (not refused 503) and served', async () => {
    const { gate, guard } = internals('queue');
    const slow = start(ports.queue!, '/slow');
    await until(() => held.length === 1);
    // A live waiter heads the queue; two clients queue behind it, then give up.
    const first = start(ports.queue!, '/first', '127.0.2.1');
    await until(() => gate.queued === 1);
    const a = start(ports.queue!, '/a', '127.0.2.2');
    const b = start(ports.queue!, '/b', '127.0.2.3');
    await until(() => gate.queued === 3);
    a.abort();
    b.abort();
    await until(() => guard.connectionCount === 2);
    expect(gate.queued).toBe(1);
    expect(await gauge('bulwark_proxy_upstream_requests', 'site="queue",state="queued"')).toBe(1);
    expect(await gauge('bulwark_proxy_upstream_limit', 'site="queue"')).toBe(gate.limit);
    // The abandoned places are free again: this request waits for a slot instead of getting 503.
    const live = start(ports.queue!, '/live', '127.0.2.4');
    await until(() => gate.queued === 2 || live.settled);
    expect(live.settled).toBe(false);
    held.shift()!.end('done');
    expect(await slow.done).toBe(200);
    expect(await first.done).toBe(200);
    expect(await live.done).toBe(200);
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    await until(() => gate.active === 0 && guard.connectionCount === 0);
    expect(gate.queued).toBe(0);
  });

  it('never pile up inside the upstream pool, and do not make it reconnect once per abandoned request', async () => {
    const { gate, guard, proxy } = internals('pool');
    const slow = start(ports.pool!, '/slow');
    await until(() => held.length === 1);
    const waiting = [1, 2, 3].map((i) => start(ports.pool!, `/w${i}`, `127.0.3.${i}`));
    await until(() => gate.active + gate.queued === 4);
    // Nothing waits inside undici, where an abandoned request cannot be withdrawn.
    expect(proxy.pool.stats.queued).toBe(0);
    // One upstream connection: the gate never hands out more slots than the pool has connections.
    expect(gate.active).toBe(1);
    expect(gate.capacity).toBe(1);
    for (const w of waiting) w.abort();
    await until(() => gate.queued === 0 && guard.connectionCount === 1);
    expect(gate.active).toBe(1);
    const before = upstreamConnections;
    held.shift()!.end('done');
    expect(await slow.done).toBe(200);
    expect(await start(ports.pool!, '/after').done).toBe(200);
    // The keep-alive connection served both; no connection was opened for an abandoned request.
    expect(upstreamConnections - before).toBe(0);
    await until(() => gate.active === 0 && guard.connectionCount === 0);
  });

  it('after a burst of aborting clients from many addresses, every counter returns to zero and requests succeed', async () => {
    const { gate, guard, proxy } = internals('flood');
    const clients: ReturnType<typeof start>[] = [];
    for (let i = 0; i < 60; i++) clients.push(start(ports.flood!, `/delay?i=${i}`, `127.0.${10 + (i % 6)}.${1 + Math.floor(i / 6)}`));
    // Wait until the load is in (slots taken, a queue formed), then every client gives up.
    await until(() => gate.active === 4 && gate.queued > 0);
    for (const c of clients) c.abort();
    // A few raw connections that are closed before sending anything, and some that send half a request.
    for (let i = 0; i < 10; i++) {
      const s = net.connect({ port: ports.flood!, host: '127.0.0.1', localAddress: `127.0.20.${1 + i}` });
      s.on('error', () => undefined);
      s.once('connect', () => (i % 2 === 0 ? s.destroy() : s.end('GET / HTTP/1.1\r\nHost: x\r\n')));
    }
    await Promise.all(clients.map((c) => c.done));
    await until(() => gate.active === 0 && gate.queued === 0 && guard.connectionCount === 0 && proxy.pool.stats.queued === 0);
    expect(await gauge('bulwark_proxy_open_connections', 'site="flood"')).toBe(0);
    expect(await gauge('bulwark_proxy_upstream_requests', 'site="flood",state="in_flight"')).toBe(0);
    // Normal clients (some from the addresses that aborted) are served, also more at once than there are slots.
    acl.script = () => decision({ action: 'ALLOW' });
    const statuses = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => start(ports.flood!, `/after${i}`, `127.0.${10 + (i % 6)}.1`).done));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    await until(() => gate.active === 0 && gate.queued === 0 && guard.connectionCount === 0);
  });
});
