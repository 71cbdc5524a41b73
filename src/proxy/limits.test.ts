import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeIssuer } from './challenge.js';
import { EventEmitter } from 'node:events';
import { ConnectionGuard, DEFAULT_LIMITS, LEARN_CALM_MS, SourceHistory, UpstreamGate, siteLimitsSchema, upstreamGate, type GateRejectReason, type GateWaiter } from './limits.js';
import { onProxyConnection, onProxyRequest, type ProxyConnectionEvent, type ProxyRequestObservation } from './observe.js';
import { SiteManager, parseSite } from './sites.js';
import { ScriptedAcl, decision, startUpstream } from './testing.js';
import type { AclProvider } from './types.js';
import { mulberry32 } from './testing.js';

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let streamer: http.Server;
let streamerUrl = '';
const acl = new ScriptedAcl();
const provider: AclProvider = { forSite: () => ({ acl }) };
const registry = new Registry();
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: provider, challenge: new ChallengeIssuer(), registry, drainMs: 500 });
const events: ProxyConnectionEvent[] = [];
const observed: ProxyRequestObservation[] = [];
let offConn: () => void;
let offReq: () => void;
const ports: Record<string, number> = {};
const certDir = mkdtempSync(join(tmpdir(), 'bulwark-limits-tls-'));

async function site(name: string, limits: Record<string, number>, up = upstream.url): Promise<number> {
  const s = await manager.add({ name, listen: '127.0.0.1:0', upstream: up, limits });
  ports[name] = s.address.port;
  return s.address.port;
}

beforeAll(async () => {
  upstream = await startUpstream();
  // Streams up to 256 MiB as fast as the proxy takes it (for the slow-read test).
  streamer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(256 * 1024, 1);
    let left = 1024;
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    res.on('close', () => (left = 0));
  });
  await new Promise<void>((r) => streamer.listen(0, '127.0.0.1', r));
  streamerUrl = `http://127.0.0.1:${(streamer.address() as AddressInfo).port}`;
  offConn = onProxyConnection((e) => events.push(e));
  offReq = onProxyRequest((o) => observed.push(o));
  await site('slow', { headersTimeoutMs: 1000, bodyTimeoutMs: 2000, minBodyBytesPerSecond: 100, bodyRateGraceMs: 1000, idleTimeoutMs: 1000, slowReadTimeoutMs: 1000 });
  await site('slowread', { slowReadTimeoutMs: 1000 }, streamerUrl);
  await site('perip', { perIpConnections: 2 });
  await site('rate', { perIpConnectionRate: 0.01, perIpConnectionBurst: 2 });
  await site('shed', { maxConnections: 2, retryAfterSeconds: 7 });
  await site('ka', { keepAliveRequests: 2, maxUriBytes: 300 });
  await site('gate', { maxUpstreamRequests: 1, upstreamQueueSize: 1, upstreamQueueTimeoutMs: 1000, retryAfterSeconds: 3 });
  // An HTTPS site: deadlines are tracked on the TLS socket.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const t = await manager.add({ name: 'secure', listen: '127.0.0.1:0', upstream: upstream.url, tls: { cert: join(certDir, 'cert.pem'), key: join(certDir, 'key.pem') }, limits: { headersTimeoutMs: 1000, perIpConnections: 2 } });
  ports.secure = t.address.port;
});

afterAll(async () => {
  offConn();
  offReq();
  await manager.close();
  await upstream.close();
  streamer.closeAllConnections();
  await new Promise<void>((r) => streamer.close(() => r()));
  rmSync(certDir, { recursive: true, force: true });
});

/** Opens a connection from a chosen loopback address. */
function connect(port: number, from = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with everything read when the socket closes (bounded by timeoutMs). */
function closed(s: net.Socket, timeoutMs = 8000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => undefined);
    const t = setTimeout(() => resolve({ data, closed: false }), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve({ data, closed: true });
    });
  });
}

function get(port: number, path = '/', from = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const m = new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function kinds(siteName: string): string[] {
  return events.filter((e) => e.site === siteName).map((e) => e.kind);
}

describe('site limits configuration', () => {
  it('fills defaults that never hurt normal clients and validates every field', () => {
    const s = parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1' });
    expect(s.limits).toEqual(DEFAULT_LIMITS);
    expect(s.limits.headersTimeoutMs).toBe(10_000);
    expect(s.limits.perIpConnections).toBe(256);
    expect(s.limits.perIpConnectionRate).toBe(100);
    expect(s.limits.maxUriBytes).toBe(8192);
    const t = parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1', limits: { perIpConnections: 4 } });
    expect(t.limits.perIpConnections).toBe(4);
    expect(t.limits.idleTimeoutMs).toBe(5000);
    expect(() => parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1', limits: { headersTimeoutMs: 10 } })).toThrow(/limits\.headersTimeoutMs/);
    expect(() => parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1', limits: { bogus: 1 } })).toThrow(/limits/);
    // Priority of established sources: on by default, off with maxEstablishedSources 0 (or without a queue).
    expect(s.limits.maxEstablishedSources).toBe(100_000);
    expect(s.limits.establishedAfterMs).toBe(20_000);
    expect(s.limits.establishedRate).toBe(2);
    expect(s.limits.establishedBurst).toBe(20);
    expect(upstreamGate('a', s.limits, undefined, 128).history?.o).toEqual({ maxSources: 100_000, afterMs: 20_000, idleMs: 3_600_000, rate: 2, burst: 20 });
    expect(upstreamGate('a', siteLimitsSchema.parse({ maxEstablishedSources: 0 }), undefined, 128).history).toBeUndefined();
    expect(upstreamGate('a', siteLimitsSchema.parse({ upstreamQueueSize: 0 }), undefined, 128).history).toBeUndefined();
    expect(upstreamGate('a', siteLimitsSchema.parse({ maxUpstreamRequests: 0 }), undefined, 128).history).toBeUndefined();
    expect(() => parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1', limits: { establishedRate: 0 } })).toThrow(/limits\.establishedRate/);
    expect(() => parseSite({ name: 'a', listen: 1, upstream: 'http://127.0.0.1:1', limits: { establishedAfterMs: 10 } })).toThrow(/limits\.establishedAfterMs/);
  });
});

describe('UpstreamGate', () => {
  function waiter(log: string[], name: string): GateWaiter & { cancelled: boolean } {
    return { cancelled: false, grant: () => log.push(`grant ${name}`), timeout: () => log.push(`timeout ${name}`) };
  }

  it('grants in FIFO order, refuses past the queue, skips cancelled waiters and times out old ones', () => {
    const log: string[] = [];
    const rejects: string[] = [];
    const g = new UpstreamGate(1, 2, 1000, (r) => rejects.push(r));
    expect(g.acquire(waiter(log, 'a'), 0)).toBe('go');
    const b = waiter(log, 'b');
    expect(g.acquire(b, 0)).toBe('queued');
    expect(g.acquire(waiter(log, 'c'), 10)).toBe('queued');
    expect(g.acquire(waiter(log, 'd'), 10)).toBe('full');
    expect(rejects).toEqual(['UPSTREAM_QUEUE_FULL']);
    b.cancelled = true;
    g.withdraw();
    g.release(20);
    expect(log).toEqual(['grant c']);
    expect(g.active).toBe(1);
    expect(g.queued).toBe(0);
    expect(g.acquire(waiter(log, 'e'), 100)).toBe('queued');
    g.expire(1099);
    expect(log).toEqual(['grant c']);
    g.expire(1100);
    expect(log).toEqual(['grant c', 'timeout e']);
    expect(rejects).toEqual(['UPSTREAM_QUEUE_FULL', 'UPSTREAM_QUEUE_TIMEOUT']);
    g.release(1200);
    expect(g.active).toBe(0);
  });
});

describe('UpstreamGate withdrawn waiters', () => {
  function waiter(log: string[], name: string): GateWaiter & { cancelled: boolean } {
    return { cancelled: false, grant: () => log.push(`grant ${name}`), timeout: () => log.push(`timeout ${name}`) };
  }

  it('frees the queue places of withdrawn waiters at once, behind a live head too, and keeps FIFO order', () => {
    const log: string[] = [];
    const rejects: string[] = [];
    const g = new UpstreamGate(1, 3, 1000, (r) => rejects.push(r));
    expect(g.acquire(waiter(log, 'a'), 0)).toBe('go');
    expect(g.acquire(waiter(log, 'b'), 0)).toBe('queued');
    const c = waiter(log, 'c');
    const d = waiter(log, 'd');
    expect(g.acquire(c, 0)).toBe('queued');
    expect(g.acquire(d, 0)).toBe('queued');
    // c and d's clients leave while b (live) heads the queue.
    c.cancelled = true;
    g.withdraw();
    d.cancelled = true;
    g.withdraw();
    expect(g.queued).toBe(1);
    g.expire(10);
    expect(g.queued).toBe(1);
    // Their places are free: the ring is compacted when it is physically full.
    expect(g.acquire(waiter(log, 'e'), 20)).toBe('queued');
    expect(g.acquire(waiter(log, 'f'), 20)).toBe('queued');
    expect(g.acquire(waiter(log, 'g'), 20)).toBe('full');
    expect(g.queued).toBe(3);
    expect(rejects).toEqual(['UPSTREAM_QUEUE_FULL']);
    g.release(30);
    g.release(30);
    g.release(30);
    expect(log).toEqual(['grant b', 'grant e', 'grant f']);
    expect(g.queued).toBe(0);
    g.release(30);
    expect(g.active).toBe(0);
    // A release too many never drives the count below zero.
    g.release(30);
    expect(g.active).toBe(0);
    expect(g.acquire(waiter(log, 'h'), 30)).toBe('go');
    expect(g.acquire(waiter(log, 'i'), 30)).toBe('queued');
    // Without a cap, slots are still counted (for the gauge) and all come back.
    const free = new UpstreamGate(0, 0, 1000);
    expect(free.acquire(waiter(log, 'j'), 0)).toBe('go');
    expect(free.acquire(waiter(log, 'k'), 0)).toBe('go');
    expect(free.active).toBe(2);
    free.release(0);
    free.release(0);
    expect(free.active).toBe(0);
  });
});

describe('UpstreamGate under congestion', () => {
  it('serves the newest live waiter first once the oldest has waited half the queue timeout (up to 1 s), FIFO otherwise', () => {
    const log: string[] = [];
    const w = (name: string, cancelled = false): GateWaiter => ({ cancelled, grant: () => log.push(name), timeout: () => log.push(`timeout ${name}`) });
    const g = new UpstreamGate(1, 8, 10_000);
    expect(g.acquire(w('a'), 0)).toBe('go');
    for (const n of ['b', 'c', 'd', 'e']) expect(g.acquire(w(n), 0)).toBe('queued');
    g.release(999);
    expect(log).toEqual(['b']);
    // The oldest live waiter (c) has waited 1 s: newest first.
    g.release(1000);
    expect(log).toEqual(['b', 'e']);
    expect(g.acquire(w('f'), 1000)).toBe('queued');
    g.release(1001);
    expect(log).toEqual(['b', 'e', 'f']);
    g.release(1002);
    g.release(1003);
    expect(log).toEqual(['b', 'e', 'f', 'd', 'c']);
    // Once the queue is young again, FIFO.
    for (const n of ['g', 'h', 'i']) expect(g.acquire(w(n), 1004)).toBe('queued');
    g.release(1005);
    g.release(1006);
    expect(log).toEqual(['b', 'e', 'f', 'd', 'c', 'g', 'h']);
    // The old waiters left behind still get their timeout.
    const t = new UpstreamGate(1, 4, 400);
    expect(t.acquire(w('t0'), 0)).toBe('go');
    expect(t.acquire(w('t1'), 0)).toBe('queued');
    expect(t.acquire(w('t2'), 250)).toBe('queued');
    t.release(250);
    expect(log.slice(-1)).toEqual(['t2']);
    t.expire(400);
    expect(log.slice(-1)).toEqual(['timeout t1']);
    expect(t.queued).toBe(0);
  });
});

describe('UpstreamGate priority of established sources', () => {
  interface Probe extends GateWaiter {
    cancelled: boolean;
    readonly clientIp?: string;
  }
  function probe(log: string[], name: string, clientIp?: string): Probe {
    const w: Probe = {
      cancelled: false,
      clientIp,
      // As the proxy's exchange: no longer "pending" once granted or timed out.
      grant: () => {
        w.cancelled = true;
        log.push(name);
      },
      timeout: () => {
        w.cancelled = true;
        log.push(`503 ${name}`);
      },
    };
    return w;
  }
  const opts = { maxSources: 100, afterMs: 10_000, idleMs: 3_600_000, rate: 2, burst: 10 };
  /** A history where `ips` succeeded at t=0 (while calm). */
  function known(o: Partial<typeof opts>, ...ips: string[]): SourceHistory {
    const h = new SourceHistory({ ...opts, ...o });
    for (const ip of ips) h.record(ip, 0, true);
    return h;
  }

  it('under congestion serves waiters of established sources first (FIFO among them), and learns no newcomer while congested', () => {
    const log: string[] = [];
    const h = new SourceHistory(opts);
    const g = new UpstreamGate(1, 8, 60_000, undefined, h);
    // Calm: two sources complete requests and are learnt.
    for (const ip of ['10.0.0.1', '10.0.0.2']) {
      expect(g.acquire(probe(log, 'calm', ip), 5)).toBe('go');
      g.release(10, ip);
    }
    expect(h.size).toBe(2);
    expect(h.established('10.0.0.1', 10_009)).toBe(false);
    expect(h.established('10.0.0.1', 10_010)).toBe(true);
    // Congested at t=20 s: newcomers and known clients queue in turn.
    expect(g.acquire(probe(log, 'hold', '10.9.9.9'), 20_000)).toBe('go');
    expect(g.acquire(probe(log, 'n1', '10.1.0.1'), 20_000)).toBe('queued');
    expect(g.acquire(probe(log, 'k1', '10.0.0.1'), 20_001)).toBe('queued');
    expect(g.acquire(probe(log, 'n2', '10.1.0.2'), 20_002)).toBe('queued');
    expect(g.acquire(probe(log, 'k2', '10.0.0.2'), 20_003)).toBe('queued');
    expect(g.acquire(probe(log, 'x'), 20_004)).toBe('queued'); // no address: never first
    expect(g.queued).toBe(5);
    // Successful newcomers (the hold, then n1) are not learnt while requests queue.
    g.release(20_100, '10.9.9.9');
    g.release(20_101, '10.0.0.1');
    g.release(20_102, '10.0.0.2');
    g.release(20_103, '10.1.0.1');
    g.release(20_104, '10.1.0.2');
    expect(log).toEqual(['k1', 'k2', 'n1', 'n2', 'x']);
    g.release(20_105);
    expect(g.active).toBe(0);
    expect(g.queued).toBe(0);
    expect(h.size).toBe(2);
    // Still within LEARN_CALM_MS of the last queueing: not learnt; once calm, learnt.
    expect(g.acquire(probe(log, 'n3', '10.1.0.3'), 20_200)).toBe('go');
    g.release(20_004 + LEARN_CALM_MS - 1, '10.1.0.3');
    expect(h.size).toBe(2);
    expect(g.acquire(probe(log, 'n3', '10.1.0.3'), 22_000)).toBe('go');
    g.release(22_000, '10.1.0.3');
    expect(h.size).toBe(3);
  });

  it("forgets the sources first seen in the second before requests started to queue (a flood's first requests)", () => {
    const log: string[] = [];
    const h = new SourceHistory(opts);
    const g = new UpstreamGate(1, 8, 60_000, undefined, h);
    const succeed = (ip: string, t: number): void => {
      expect(g.acquire(probe(log, ip, ip), t)).toBe('go');
      g.release(t + 1, ip);
    };
    succeed('10.0.0.1', 0);
    succeed('10.0.0.2', 29_002); // learnt at 29,003: more than a second before the queueing below
    succeed('10.200.0.1', 29_003); // learnt at 29,004: exactly a second before
    succeed('10.200.0.2', 30_000);
    expect(h.size).toBe(4);
    // The upstream becomes congested at 30,004.
    expect(g.acquire(probe(log, 'hold', '10.200.0.3'), 30_003)).toBe('go');
    expect(g.acquire(probe(log, 'q', '10.200.0.4'), 30_004)).toBe('queued');
    expect(h.size).toBe(2);
    expect(h.established('10.0.0.1', 50_000)).toBe(true);
    expect(h.established('10.0.0.2', 50_000)).toBe(true);
    expect(h.established('10.200.0.1', 50_000)).toBe(false);
    expect(h.established('10.200.0.2', 50_000)).toBe(false);
    // Queueing again while congested takes nothing more back.
    g.release(30_010);
    expect(g.acquire(probe(log, 'q2', '10.200.0.5'), 30_011)).toBe('queued');
    expect(h.size).toBe(2);
    // Freed slots are reused.
    g.release(30_012);
    g.release(40_000);
    succeed('10.0.0.3', 40_000);
    expect(h.size).toBe(3);
  });

  it('a full queue: an established arrival displaces the newest live newcomer (503), a newcomer is refused', () => {
    const log: string[] = [];
    const rejects: GateRejectReason[] = [];
    const g = new UpstreamGate(1, 4, 60_000, (r) => rejects.push(r), known({}, '10.0.0.1'));
    const t = 20_000;
    expect(g.acquire(probe(log, 'hold'), t)).toBe('go');
    expect(g.acquire(probe(log, 'n1', '10.1.0.1'), t)).toBe('queued');
    expect(g.acquire(probe(log, 'n2', '10.1.0.2'), t)).toBe('queued');
    const n3 = probe(log, 'n3', '10.1.0.3');
    expect(g.acquire(n3, t)).toBe('queued');
    expect(g.acquire(probe(log, 'kA', '10.0.0.1'), t)).toBe('queued');
    // n3's client leaves: a place is free, the next known client queues without displacing anyone.
    n3.cancelled = true;
    g.withdraw();
    expect(g.acquire(probe(log, 'kB', '10.0.0.1'), t)).toBe('queued');
    expect(log).toEqual([]);
    expect(g.queued).toBe(4);
    // Full: a newcomer is refused ...
    expect(g.acquire(probe(log, 'n4', '10.1.0.4'), t)).toBe('full');
    // ... a known client takes the place of the newest live newcomer (n2; n3 left).
    expect(g.acquire(probe(log, 'kC', '10.0.0.1'), t)).toBe('queued');
    expect(log).toEqual(['503 n2']);
    expect(g.acquire(probe(log, 'kD', '10.0.0.1'), t)).toBe('queued');
    expect(log).toEqual(['503 n2', '503 n1']);
    // No newcomer left to displace: refused like anyone.
    expect(g.acquire(probe(log, 'kE', '10.0.0.1'), t)).toBe('full');
    expect(rejects).toEqual(['UPSTREAM_QUEUE_FULL', 'UPSTREAM_QUEUE_DISPLACED', 'UPSTREAM_QUEUE_DISPLACED', 'UPSTREAM_QUEUE_FULL']);
    expect(g.queued).toBe(4);
    for (let i = 0; i < 5; i++) g.release(t + 10);
    expect(log).toEqual(['503 n2', '503 n1', 'kA', 'kB', 'kC', 'kD']);
    expect(g.active).toBe(0);
    expect(g.queued).toBe(0);
  });

  it('serves a source first only once established and within its rate; beyond it, it queues as a newcomer', () => {
    const log: string[] = [];
    const g = new UpstreamGate(1, 16, 60_000, undefined, known({ rate: 2, burst: 2 }, '10.0.0.1'));
    // Not yet established (9 s after its first success): FIFO with the others.
    expect(g.acquire(probe(log, 'hold'), 9000)).toBe('go');
    expect(g.acquire(probe(log, 'n0', '10.1.0.1'), 9000)).toBe('queued');
    expect(g.acquire(probe(log, 's0', '10.0.0.1'), 9000)).toBe('queued');
    g.release(9001);
    g.release(9002);
    g.release(9003);
    expect(log).toEqual(['n0', 's0']);
    log.length = 0;
    // Established: two (the burst) go first, the third waits behind the newcomer.
    expect(g.acquire(probe(log, 'hold'), 20_000)).toBe('go');
    expect(g.acquire(probe(log, 'n1', '10.1.0.1'), 20_000)).toBe('queued');
    for (const n of ['s1', 's2', 's3']) expect(g.acquire(probe(log, n, '10.0.0.1'), 20_000)).toBe('queued');
    // Half a second later (2/s) one token is back.
    expect(g.acquire(probe(log, 's4', '10.0.0.1'), 20_500)).toBe('queued');
    for (let i = 0; i < 6; i++) g.release(20_501);
    expect(log).toEqual(['s1', 's2', 's4', 'n1', 's3']);
  });

  it('changes nothing while requests do not queue, and nothing for traffic without established sources', () => {
    // Same random traffic through a gate with and one without a history: identical answers and order.
    const rnd = mulberry32(7);
    const h = known({ burst: 3 }, '10.0.0.1');
    const a = new UpstreamGate(3, 5, 2000, undefined, h);
    const b = new UpstreamGate(3, 5, 2000);
    const la: string[] = [];
    const lb: string[] = [];
    // (10.0.0.1 was learnt at 0: more than a second before the first queueing.)
    let t = 5000;
    let heldA = 0;
    let heldB = 0;
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(rnd() * 50);
      const r = rnd();
      if (r < 0.5) {
        const ip = `10.1.0.${Math.floor(rnd() * 20)}`;
        const ra = a.acquire(probe(la, `w${i}`, ip), t);
        const rb = b.acquire(probe(lb, `w${i}`, ip), t);
        expect(ra).toBe(rb);
        if (ra === 'go') {
          heldA++;
          heldB++;
        }
      } else if (r < 0.9) {
        if (heldA > 0) {
          const before = la.length;
          a.release(t);
          b.release(t);
          // A release either grants a waiter (who then holds the slot) or frees it.
          if (la.length === before) heldA--;
          if (lb.length === before) heldB--;
        }
      } else {
        a.expire(t);
        b.expire(t);
      }
      expect(la).toEqual(lb);
      expect(a.queued).toBe(b.queued);
      expect(a.active).toBe(b.active);
    }
    expect(heldA).toBe(heldB);
    expect(la.length).toBeGreaterThan(100);
    // An established source that never had to queue still has its whole burst (nothing was spent).
    const log: string[] = [];
    const g = new UpstreamGate(1, 8, 60_000, undefined, h);
    for (let i = 0; i < 50; i++) {
      expect(g.acquire(probe(log, 'k', '10.0.0.1'), 20_000)).toBe('go');
      g.release(20_000, '10.0.0.1');
    }
    expect(g.acquire(probe(log, 'hold'), 20_000)).toBe('go');
    expect(g.acquire(probe(log, 'n', '10.1.0.1'), 20_000)).toBe('queued');
    for (const n of ['k1', 'k2', 'k3', 'k4']) expect(g.acquire(probe(log, n, '10.0.0.1'), 20_000)).toBe('queued');
    for (let i = 0; i < 6; i++) g.release(20_000);
    expect(log).toEqual(['k1', 'k2', 'k3', 'n', 'k4']);
  });

  it('keeps its invariants under random traffic: slots within the bound, each waiter settled exactly once, counters back to zero', () => {
    for (let trial = 0; trial < 150; trial++) {
      const rnd = mulberry32(1000 + trial);
      const max = 1 + Math.floor(rnd() * 4);
      const queueSize = Math.floor(rnd() * 7);
      const history = rnd() < 0.8 ? new SourceHistory({ maxSources: 1 + Math.floor(rnd() * 5), afterMs: 1000, idleMs: 10_000, rate: 1 + rnd() * 3, burst: 1 + Math.floor(rnd() * 3) }) : undefined;
      const rejects: GateRejectReason[] = [];
      const g = new UpstreamGate(max, queueSize, 100 + Math.floor(rnd() * 2000), (r) => rejects.push(r), history);
      interface W extends GateWaiter {
        cancelled: boolean;
        settled: number;
        how: string;
      }
      const all: W[] = [];
      const holders: W[] = [];
      const queued = new Set<W>();
      let violations = 0;
      let t = 0;
      const make = (ip: string | undefined): W => {
        const w: W = {
          cancelled: false,
          settled: 0,
          how: '',
          clientIp: ip,
          grant: () => {
            if (w.settled++ > 0 || !queued.has(w)) violations++;
            w.how = 'granted';
            w.cancelled = true;
            queued.delete(w);
            holders.push(w);
          },
          timeout: () => {
            if (w.settled++ > 0 || !queued.has(w)) violations++;
            w.how = 'timeout';
            w.cancelled = true;
            queued.delete(w);
          },
        };
        all.push(w);
        return w;
      };
      const broken: string[] = [];
      const check = (): void => {
        if (g.active !== holders.length || g.active > max) broken.push(`active ${g.active}, holders ${holders.length}, max ${max}`);
        if (g.queued !== queued.size || g.queued > queueSize) broken.push(`queued ${g.queued}, waiting ${queued.size}, size ${queueSize}`);
        if (history && history.size > history.o.maxSources) broken.push(`history ${history.size}`);
      };
      for (let op = 0; op < 400; op++) {
        t += Math.floor(rnd() * 200);
        const r = rnd();
        if (r < 0.45) {
          const w = make(rnd() < 0.9 ? `10.0.0.${Math.floor(rnd() * 8)}` : undefined);
          const res = g.acquire(w, t);
          if (res === 'go') {
            w.settled++;
            w.how = 'go';
            holders.push(w);
          } else if (res === 'queued') queued.add(w);
          else {
            w.settled++;
            w.how = 'full';
          }
        } else if (r < 0.8) {
          if (holders.length > 0) {
            const w = holders.splice(Math.floor(rnd() * holders.length), 1)[0] as W;
            g.release(t, rnd() < 0.8 ? w.clientIp : undefined);
          }
        } else if (r < 0.9) {
          const list = [...queued];
          if (list.length > 0) {
            const w = list[Math.floor(rnd() * list.length)] as W;
            queued.delete(w);
            w.cancelled = true;
            w.settled++;
            w.how = 'withdrawn';
            g.withdraw();
          }
        } else g.expire(t);
        check();
      }
      // Drain: every holder finishes (granting the queue), then the rest times out.
      while (holders.length > 0) {
        holders.shift();
        g.release(t);
        check();
      }
      g.expire(t + 10_000);
      check();
      expect(broken.slice(0, 3), `trial ${trial}`).toEqual([]);
      expect(violations).toBe(0);
      expect(g.active).toBe(0);
      expect(g.queued).toBe(0);
      for (const w of all) expect(w.settled, `${w.how} trial ${trial}`).toBe(1);
      // Every refusal was reported once: 'full' answers, timeouts and displacements.
      expect(rejects.length).toBe(all.filter((w) => w.how === 'full' || w.how === 'timeout').length);
      // One more release than grants never drives the count below zero.
      g.release(t);
      expect(g.active).toBe(0);
    }
  });
});

describe('SourceHistory memory', () => {
  it('holds at most maxSources sources in fixed-size arrays, keeps the recently seen ones when full, forgets idle ones', () => {
    const h = new SourceHistory({ maxSources: 64, afterMs: 1000, idleMs: 100_000, rate: 2, burst: 20 });
    const active = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
    let t = 0;
    for (const ip of active) h.record(ip, t, true);
    for (let i = 0; i < 20_000; i++) {
      t++;
      // Known sources come back all the time; a stream of newcomers fills the table.
      for (const ip of active) h.record(ip, t, true);
      h.record(`10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, t, true);
      expect(h.size).toBeLessThanOrEqual(64);
    }
    expect(h.size).toBe(64);
    expect((h as unknown as { first: Float64Array }).first.length).toBe(64);
    for (const ip of active) expect(h.established(ip, t)).toBe(true);
    // Newcomers of long ago were replaced.
    expect(h.established('10.1.0.0', t)).toBe(false);
    // Idle sources are forgotten by the sweep (one slice per call, every slot within a few calls).
    for (const ip of active) h.record(ip, t + 100_000, true);
    for (let k = 0; k < 3; k++) h.sweep(t + 100_000);
    expect(h.size).toBe(4);
    // Freed slots are reused without growing past the bound.
    for (let i = 0; i < 100; i++) h.record(`10.200.0.${i}`, t + 100_001, true);
    expect(h.size).toBe(64);
    expect((h as unknown as { first: Float64Array }).first.length).toBe(64);
    // A small table starts small.
    const s = new SourceHistory({ maxSources: 100_000, afterMs: 1000, idleMs: 100_000, rate: 2, burst: 20 });
    expect((s as unknown as { first: Float64Array }).first.length).toBe(1024);
    // Unknown sources are not added when not learning.
    s.record('10.0.0.1', 0, false);
    expect(s.size).toBe(0);
  });
});


describe('ConnectionGuard memory', () => {
  /** Just what admission touches of a socket. */
  function fakeSocket(ip: string): net.Socket {
    const e = new EventEmitter() as unknown as net.Socket & { destroyed: boolean };
    Object.assign(e, { remoteAddress: ip, destroyed: false, destroy: () => ((e as { destroyed: boolean }).destroyed = true) });
    return e;
  }

  it('keeps at most maxTrackedIps source IPs and sweeps idle ones', () => {
    const g = new ConnectionGuard('m', 'arn:m', siteLimitsSchema.parse({ maxTrackedIps: 100, perIpConnectionRate: 10, perIpConnectionBurst: 10 }), undefined, false);
    const held: net.Socket[] = [];
    for (let i = 0; i < 150; i++) {
      const s = fakeSocket(`10.0.${i >> 8}.${i & 255}`);
      expect(g.admit(s, 0)).toBe(true);
      held.push(s);
    }
    // All 100 tracked IPs hold a connection: the rest are admitted untracked (the global cap still counts them).
    expect(g.trackedIps).toBe(100);
    expect(g.connectionCount).toBe(150);
    for (const s of held) s.emit('close');
    expect(g.connectionCount).toBe(0);
    // Buckets refill after burst / rate = 1 s; a new IP on a full table sweeps the idle ones.
    expect(g.admit(fakeSocket('10.9.9.9'), 1000)).toBe(true);
    expect(g.trackedIps).toBe(1);
  });
});

describe('connection guard (real sockets)', () => {
  it('cuts a slowloris within the header deadline while a normal client is served', async () => {
    const s = await connect(ports.slow!);
    const done = closed(s);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => s.writable && s.write('X-A: b\r\n'), 300);
    const normal = await get(ports.slow!);
    expect(normal.status).toBe(200);
    const r = await done;
    clearInterval(trickle);
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
    expect(kinds('slow')).toContain('SLOW_HEADERS');
    expect(await metric('bulwark_proxy_slow_clients_cut_total', 'site="slow",kind="SLOW_HEADERS"')).toBeGreaterThanOrEqual(1);
  });

  it('cuts a slow POST below the minimum body rate', async () => {
    const s = await connect(ports.slow!);
    const done = closed(s);
    s.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n');
    const trickle = setInterval(() => s.writable && s.write('a'), 200);
    const r = await done;
    clearInterval(trickle);
    expect(r.closed).toBe(true);
    expect(kinds('slow')).toContain('SLOW_BODY');
    expect(await metric('bulwark_proxy_slow_clients_cut_total', 'site="slow",kind="SLOW_BODY"')).toBeGreaterThanOrEqual(1);
  });

  it('closes an idle keep-alive connection after the idle timeout', async () => {
    const s = await connect(ports.slow!);
    const done = closed(s);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await done;
    expect(r.closed).toBe(true);
    expect(r.data.startsWith('HTTP/1.1 200')).toBe(true);
    expect(kinds('slow')).toContain('IDLE');
  });

  it('cuts a client that does not read its response', async () => {
    const s = await connect(ports.slowread!);
    s.pause();
    s.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 100 && !kinds('slowread').includes('SLOW_READ'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(kinds('slowread')).toEqual(['SLOW_READ']);
    // The paused client only notices once it reads: it then gets the reset connection.
    const r = closed(s, 5000);
    s.resume();
    expect((await r).closed).toBe(true);
    expect(await metric('bulwark_proxy_slow_clients_cut_total', 'site="slowread",kind="SLOW_READ"')).toBe(1);
  });

  it('caps concurrent connections per source IP, not across IPs', async () => {
    const a1 = await connect(ports.perip!, '127.0.0.2');
    const a2 = await connect(ports.perip!, '127.0.0.2');
    await new Promise((r) => setTimeout(r, 50));
    const a3 = await connect(ports.perip!, '127.0.0.2');
    const r3 = await closed(a3, 3000);
    expect(r3.closed).toBe(true);
    expect(r3.data).toBe('');
    // Another address is not affected.
    expect((await get(ports.perip!, '/', '127.0.0.3')).status).toBe(200);
    expect(kinds('perip')).toEqual(['PER_IP_CONNECTIONS']);
    expect(events.find((e) => e.site === 'perip')).toMatchObject({ clientIp: '127.0.0.2', siteArn: 'arn:aws:bulwark:us-east-1:000000000000:site/perip' });
    expect(await metric('bulwark_proxy_connections_rejected_total', 'site="perip",reason="PER_IP_CONNECTIONS"')).toBe(1);
    a1.destroy();
    a2.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(ports.perip!, '/', '127.0.0.2')).status).toBe(200);
  });

  it('caps the new-connection rate per source IP', async () => {
    expect((await get(ports.rate!, '/', '127.0.0.4')).status).toBe(200);
    expect((await get(ports.rate!, '/', '127.0.0.4')).status).toBe(200);
    await expect(get(ports.rate!, '/', '127.0.0.4')).rejects.toThrow();
    expect((await get(ports.rate!, '/', '127.0.0.5')).status).toBe(200);
    expect(kinds('rate')).toEqual(['CONNECTION_RATE']);
  });

  it('sheds connections beyond the global cap with 503 and Retry-After', async () => {
    const a = await connect(ports.shed!, '127.0.0.6');
    const b = await connect(ports.shed!, '127.0.0.7');
    await new Promise((r) => setTimeout(r, 50));
    const c = await connect(ports.shed!, '127.0.0.8');
    c.write('GET /shed-me HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await closed(c, 3000);
    // The request of a shed connection never reaches the upstream.
    expect(upstream.seen.map((x) => x.url)).not.toContain('/shed-me');
    expect(r.data.startsWith('HTTP/1.1 503 Service Unavailable\r\n')).toBe(true);
    expect(r.data).toContain('Retry-After: 7\r\n');
    expect(kinds('shed')).toEqual(['GLOBAL_SHED']);
    a.destroy();
    b.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(ports.shed!)).status).toBe(200);
  });

  it('closes a keep-alive connection after keepAliveRequests and answers 414 to long URIs', async () => {
    const s = await connect(ports.ka!);
    const done = closed(s, 5000);
    s.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await done;
    expect(r.closed).toBe(true);
    expect(r.data.match(/HTTP\/1\.1 200/g)?.length).toBe(2);
    expect(r.data).toMatch(/Connection: close/i);
    const long = await get(ports.ka!, '/' + 'a'.repeat(400));
    expect(long.status).toBe(414);
    expect(kinds('ka')).toEqual(['OVERSIZE']);
  });
});

describe('HTTPS sites', () => {
  it('cut a slowloris after the handshake, cap connections per IP and serve normal clients', async () => {
    const s = tls.connect({ port: ports.secure!, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    const done = closed(s as unknown as net.Socket);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => s.writable && s.write('X-A: b\r\n'), 300);
    const ok = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: ports.secure!, path: '/', rejectUnauthorized: false, agent: false, localAddress: '127.0.0.9' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(ok).toBe(200);
    const r = await done;
    clearInterval(trickle);
    expect(r.closed).toBe(true);
    expect(kinds('secure')).toEqual(['SLOW_HEADERS']);
    const a = await connect(ports.secure!, '127.0.0.10');
    const b = await connect(ports.secure!, '127.0.0.10');
    await new Promise((r) => setTimeout(r, 50));
    const c = await closed(await connect(ports.secure!, '127.0.0.10'), 3000);
    expect(c).toEqual({ data: '', closed: true });
    expect(kinds('secure')).toEqual(['SLOW_HEADERS', 'PER_IP_CONNECTIONS']);
    a.destroy();
    b.destroy();
  });
});

describe('upstream backpressure', () => {
  it('bounds requests towards a hanging upstream, answers 503 + Retry-After past the queue, and stays responsive', async () => {
    const hanging = get(ports.gate!, '/slow').catch(() => ({ status: 0, headers: {}, body: '' }));
    await new Promise((r) => setTimeout(r, 100));
    const queued = get(ports.gate!, '/queued');
    await new Promise((r) => setTimeout(r, 100));
    const full = await get(ports.gate!, '/full');
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('3');
    // WAF decisions still answer while the upstream hangs.
    acl.script = (req) => (req.uriPath === '/blocked' ? decision({ action: 'BLOCK' }) : decision({ action: 'ALLOW' }));
    expect((await get(ports.gate!, '/blocked')).status).toBe(403);
    acl.script = () => decision({ action: 'ALLOW' });
    // Another site is unaffected.
    expect((await get(ports.ka!, '/')).status).toBe(200);
    const q = await queued;
    expect(q.status).toBe(503);
    expect(q.headers['retry-after']).toBe('3');
    expect(await metric('bulwark_proxy_connections_rejected_total', 'site="gate",reason="UPSTREAM_QUEUE_FULL"')).toBe(1);
    expect(await metric('bulwark_proxy_connections_rejected_total', 'site="gate",reason="UPSTREAM_QUEUE_TIMEOUT"')).toBe(1);
    void hanging;
  });
});

describe('request observation channel', () => {
  it('publishes one observation per completed request with the decision', async () => {
    observed.length = 0;
    acl.script = () => decision({ action: 'BLOCK', terminatingRuleId: 'BadBots', labels: ['awswaf:managed:bot'] });
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: ports.ka!, path: '/login?x=1', agent: false, headers: { 'user-agent': 'curl/8', referer: 'http://r/' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    acl.script = () => decision({ action: 'ALLOW' });
    expect(r).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    const o = observed.filter((x) => x.site === 'ka');
    expect(o).toHaveLength(1);
    expect(o[0]).toEqual({
      site: 'ka',
      siteArn: 'arn:aws:bulwark:us-east-1:000000000000:site/ka',
      time: expect.any(Number),
      clientIp: '127.0.0.1',
      method: 'GET',
      uri: '/login',
      hasQuery: true,
      userAgent: 'curl/8',
      referer: 'http://r/',
      status: 403,
      action: 'BLOCK',
      terminatingRuleId: 'BadBots',
      labels: ['awswaf:managed:bot'],
    });
    expect((await get(ports.ka!, '/plain')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const p = observed.filter((x) => x.site === 'ka' && x.uri === '/plain');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ status: 200, action: 'ALLOW', hasQuery: false, terminatingRuleId: 'Default_Action' });
    expect(p[0]!.userAgent).toBeUndefined();
  });
});
