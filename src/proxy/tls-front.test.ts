import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Registry, type Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectors } from '../waf/detect/index.js';
import { compileWebAcl, MemoryRateCounter } from '../waf/engine/index.js';
import { onProxyConnection, type ProxyConnectionEvent } from './observe.js';
import { SiteManager } from './sites.js';
import { startUpstream } from './testing.js';
import { fingerprints, parseClientHello, type TlsFingerprints } from './tls-hello.js';
import type { SiteProtection } from './types.js';
import { onWafLog, type WafLogEvent } from './waf-log.js';

const certDir = mkdtempSync(join(tmpdir(), 'bulwark-tlsfp-'));
const registry = new Registry();
let protection: SiteProtection | undefined;
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: { forSite: () => protection }, registry, drainMs: 500 });
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const ports: Record<string, number> = {};
const logs: WafLogEvent[] = [];
const conns: ProxyConnectionEvent[] = [];
const offs: (() => void)[] = [];
let tlsFiles: { cert: string; key: string };
/** Node's TLS client fingerprints, from a ClientHello recorded on a plain TCP server. */
let node: TlsFingerprints;
let nodeHelloRecord: Buffer;

/** A web ACL with one rule blocking requests whose fingerprint field equals `value` exactly. */
function aclMatching(field: 'JA3Fingerprint' | 'JA4Fingerprint', value: string, fallback: 'MATCH' | 'NO_MATCH' = 'NO_MATCH'): SiteProtection {
  const vis = (n: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
  const acl = compileWebAcl(
    {
      Name: 'fp',
      Id: '1',
      ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/fp/1',
      DefaultAction: { Allow: {} },
      VisibilityConfig: vis('fp'),
      Rules: [
        {
          Name: 'tls-client',
          Priority: 0,
          Action: { Block: {} },
          VisibilityConfig: vis('tlsClient'),
          Statement: { ByteMatchStatement: { SearchString: Buffer.from(value), FieldToMatch: { [field]: { FallbackBehavior: fallback } }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'EXACTLY' } },
        },
      ],
    },
    { resolveIpSet: () => undefined, resolveRegexPatternSet: () => undefined, resolveRuleGroup: () => undefined, resolveManagedRuleGroup: () => undefined, detectors, rateCounter: new MemoryRateCounter() },
  );
  return { acl };
}

/** One request on a new connection (agent: false, so no TLS session is resumed). */
function get(port: number, secure: boolean, viaPort = port): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const o = { host: '127.0.0.1', port: viaPort, path: '/', agent: false as const, rejectUnauthorized: false };
    const cb = (res: http.IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = secure ? https.request(o, cb) : http.request(o, cb);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when the socket closes (true), or false after timeoutMs. */
function closedWithin(s: net.Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    s.on('error', () => undefined);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

async function openConnections(site: string): Promise<number> {
  const g = registry.getSingleMetric('bulwark_proxy_open_connections') as Gauge<'site'>;
  return (await g.get()).values.find((v) => v.labels.site === site)?.value ?? 0;
}

async function eventually(f: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The first TLS record Node's client sends (recorded on a plain TCP server that never answers). */
async function recordNodeHello(): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no ClientHello')), 5000);
      server.on('connection', (s) => {
        let buf = Buffer.alloc(0);
        s.on('error', () => undefined);
        s.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
            clearTimeout(t);
            resolve(buf.subarray(0, 5 + buf.readUInt16BE(3)));
            s.destroy();
          }
        });
      });
      // The same options https.request uses for an IP host with agent: false.
      const c = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false });
      c.on('error', () => undefined);
    });
  } finally {
    server.close();
  }
}

beforeAll(async () => {
  upstream = await startUpstream();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  tlsFiles = { cert: join(certDir, 'cert.pem'), key: join(certDir, 'key.pem') };
  ports.tls = (await manager.add({ name: 'tlsfp', listen: '127.0.0.1:0', upstream: upstream.url, tls: tlsFiles, limits: { headersTimeoutMs: 1000 } })).address.port;
  ports.off = (await manager.add({ name: 'tlsoff', listen: '127.0.0.1:0', upstream: upstream.url, tls: { ...tlsFiles, fingerprints: false } })).address.port;
  ports.plain = (await manager.add({ name: 'plain', listen: '127.0.0.1:0', upstream: upstream.url })).address.port;
  offs.push(onWafLog((e) => logs.push(e)));
  offs.push(onProxyConnection((e) => conns.push(e)));
  const rec = await recordNodeHello();
  nodeHelloRecord = rec;
  const hello = parseClientHello(rec, 9);
  expect(hello).toBeDefined();
  node = fingerprints(hello!);
});

afterAll(async () => {
  for (const off of offs) off();
  await manager.close();
  await upstream.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('JA3/JA4 on TLS sites', () => {
  it("blocks Node's https client with a JA3Fingerprint rule naming its fingerprint, lets it through with another, and logs both fingerprints", async () => {
    protection = aclMatching('JA3Fingerprint', node.ja3);
    logs.length = 0;
    expect((await get(ports.tls!, true)).status).toBe(403);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.record.action).toBe('BLOCK');
    expect(logs[0]!.record.terminatingRuleId).toBe('tls-client');
    expect(logs[0]!.record.ja3Fingerprint).toBe(node.ja3);
    expect(logs[0]!.record.ja4Fingerprint).toBe(node.ja4);
    expect(node.ja4).toMatch(/^t13i\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$/);

    protection = aclMatching('JA3Fingerprint', '0123456789abcdef0123456789abcdef');
    logs.length = 0;
    expect((await get(ports.tls!, true)).status).toBe(200);
    expect(logs[0]!.record.action).toBe('ALLOW');
    expect(logs[0]!.record.ja3Fingerprint).toBe(node.ja3);
    expect(logs[0]!.record.ja4Fingerprint).toBe(node.ja4);

    protection = aclMatching('JA4Fingerprint', node.ja4);
    expect((await get(ports.tls!, true)).status).toBe(403);
    protection = aclMatching('JA4Fingerprint', 't13d1516h2_8daaf6152771_e5627efa2ab1');
    expect((await get(ports.tls!, true)).status).toBe(200);
  });

  it('gives every request of a keep-alive connection the fingerprints', async () => {
    protection = aclMatching('JA3Fingerprint', 'not-this-one');
    logs.length = 0;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = https.request({ host: '127.0.0.1', port: ports.tls!, path: `/${i}`, agent, rejectUnauthorized: false }, (res) => {
            sockets.add(res.socket);
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', reject);
          req.end();
        });
      }
    } finally {
      agent.destroy();
    }
    expect(sockets.size).toBe(1);
    expect(logs.map((l) => [l.record.ja3Fingerprint, l.record.ja4Fingerprint])).toEqual([0, 1, 2].map(() => [node.ja3, node.ja4]));
  });

  it('fingerprints a ClientHello split over several TCP reads and re-fragmented into small records', async () => {
    // A TCP relay that re-frames the first TLS record into 64-byte records sent in slow pieces.
    const relay = net.createServer((c) => {
      const u = net.connect(ports.tls!, '127.0.0.1');
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
      c.on('close', () => u.destroy());
      let buf = Buffer.alloc(0);
      const onFirst = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
        c.removeListener('data', onFirst);
        const end = 5 + buf.readUInt16BE(3);
        const msg = buf.subarray(5, end);
        const parts: Buffer[] = [];
        for (let i = 0; i < msg.length; i += 64) {
          const f = msg.subarray(i, i + 64);
          parts.push(Buffer.from([22, 3, 1, f.length >> 8, f.length & 0xff]), f);
        }
        const wire = Buffer.concat([...parts, buf.subarray(end)]);
        const pieces = [wire.subarray(0, 3), wire.subarray(3, 40), wire.subarray(40, 200), wire.subarray(200)];
        const send = (i: number): void => {
          u.write(pieces[i]!);
          // Relay the client's next flight as soon as the server can answer the hello.
          if (i === pieces.length - 1) c.pipe(u);
          else setTimeout(send, 30, i + 1);
        };
        send(0);
      };
      c.on('data', onFirst);
      u.pipe(c);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    try {
      protection = aclMatching('JA3Fingerprint', node.ja3);
      logs.length = 0;
      expect((await get(ports.tls!, true, (relay.address() as AddressInfo).port)).status).toBe(403);
      expect(logs[0]!.record.ja3Fingerprint).toBe(node.ja3);
      expect(logs[0]!.record.ja4Fingerprint).toBe(node.ja4);
    } finally {
      relay.close();
    }
  });

  it('leaves HTTP sites unchanged (no fingerprint: the rule falls back) and can be turned off per TLS site', async () => {
    protection = aclMatching('JA3Fingerprint', node.ja3);
    logs.length = 0;
    expect((await get(ports.plain!, false)).status).toBe(200);
    expect((await get(ports.off!, true)).status).toBe(200);
    expect(logs).toHaveLength(2);
    for (const l of logs) {
      expect(l.record.ja3Fingerprint).toBeUndefined();
      expect(l.record.ja4Fingerprint).toBeUndefined();
    }
    // FallbackBehavior MATCH applies when there is no fingerprint.
    protection = aclMatching('JA3Fingerprint', node.ja3, 'MATCH');
    expect((await get(ports.plain!, false)).status).toBe(403);
    expect((await get(ports.off!, true)).status).toBe(403);
    expect((await get(ports.tls!, true)).status).toBe(403);
    protection = aclMatching('JA3Fingerprint', 'something-else', 'MATCH');
    expect((await get(ports.tls!, true)).status).toBe(200);
  });
});

describe('TLS front: limits and failures', () => {
  it('counts each connection once, from accept (while the ClientHello is read) to close', async () => {
    protection = undefined;
    const port = (await manager.add({ name: 'tlscount', listen: '127.0.0.1:0', upstream: upstream.url, tls: tlsFiles })).address.port;
    expect(await openConnections('tlscount')).toBe(0);
    const idle = net.connect(port, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    await eventually(async () => (await openConnections('tlscount')) === 1);
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r, j) => {
      s.once('secureConnect', r);
      s.once('error', j);
    });
    s.write('GET / HTTP/1.1\r\nHost: shop\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    expect(await openConnections('tlscount')).toBe(2);
    s.destroy();
    idle.destroy();
    await eventually(async () => (await openConnections('tlscount')) === 0);
    await manager.remove('tlscount');
  });

  it('cuts a ClientHello slower than headersTimeoutMs (SLOW_HEADERS), while keep-alive connections outlive that deadline', async () => {
    protection = undefined;
    conns.length = 0;
    const slow = net.connect(ports.tls!, '127.0.0.1');
    slow.write(Buffer.from([22, 3, 1]));
    const ka = tls.connect({ host: '127.0.0.1', port: ports.tls!, rejectUnauthorized: false });
    await new Promise((r, j) => {
      ka.once('secureConnect', r);
      ka.once('error', j);
    });
    let got = '';
    ka.setEncoding('latin1');
    ka.on('data', (d: string) => (got += d));
    ka.write('GET /a HTTP/1.1\r\nHost: shop\r\n\r\n');
    await eventually(() => /HTTP\/1\.1 200/.test(got));
    expect(await closedWithin(slow, 4000)).toBe(true);
    expect(conns.filter((e) => e.site === 'tlsfp').map((e) => e.kind)).toEqual(['SLOW_HEADERS']);
    // 2.2 s after the handshake, more than twice the header deadline: the same connection still serves.
    await new Promise((r) => setTimeout(r, 2200));
    got = '';
    ka.write('GET /b HTTP/1.1\r\nHost: shop\r\n\r\n');
    await eventually(() => /HTTP\/1\.1 200/.test(got));
    expect(ka.destroyed).toBe(false);
    ka.destroy();
  });

  it('closes a connection that sends its ClientHello and then stalls the handshake (handshake timeout), releasing the slot', async () => {
    conns.length = 0;
    const s = net.connect(ports.tls!, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(nodeHelloRecord);
    const t0 = Date.now();
    expect(await closedWithin(s, 5000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await eventually(async () => (await openConnections('tlsfp')) === 0);
  });

  it('hands plain HTTP on the TLS port to TLS, which refuses it, and releases the slot', async () => {
    const s = net.connect(ports.tls!, '127.0.0.1');
    s.write('GET / HTTP/1.1\r\nHost: shop\r\n\r\n');
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    expect(await closedWithin(s, 3000)).toBe(true);
    expect(data).not.toMatch(/HTTP\/1\.1/);
    await eventually(async () => (await openConnections('tlsfp')) === 0);
  });

  it('remove() ends connections still sending their ClientHello', async () => {
    const site = await manager.add({ name: 'tlsrm', listen: '127.0.0.1:0', upstream: upstream.url, tls: tlsFiles });
    const s = net.connect(site.address.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([22, 3, 1, 0]));
    const closing = closedWithin(s, 3000);
    const t0 = Date.now();
    expect(await manager.remove('tlsrm')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await closing).toBe(true);
  });

  it('remove() closes a kept-alive TLS connection after the drain time', async () => {
    const site = await manager.add({ name: 'tlsrm2', listen: '127.0.0.1:0', upstream: upstream.url, tls: tlsFiles });
    const s = tls.connect({ host: '127.0.0.1', port: site.address.port, rejectUnauthorized: false });
    await new Promise((r, j) => {
      s.once('secureConnect', r);
      s.once('error', j);
    });
    s.write('GET / HTTP/1.1\r\nHost: shop\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    const closing = closedWithin(s as unknown as net.Socket, 4000);
    expect(await manager.remove('tlsrm2')).toBe(true);
    expect(await closing).toBe(true);
  });
});
