/**
 * End to end: the always-on limits of a site configured in the config file, against the real
 * binary with real sockets (slowloris, slow POST, per-IP connection cap from several 127.x source
 * addresses, global shedding, keep-alive limit, oversize URI), and two nodes sharing a rate-based
 * rule's counters through the real Redis at 127.0.0.1:6379 (the combined limit holds).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/clients.js';
import { BIN, ROOT_KEY, removeDir, startServer, tempDataDir, type TestServer } from './helpers/server.js';

const REDIS = process.env.BULWARK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const dir = tempDataDir();
let upstream: http.Server;
let node: TestServer;
let nodeA: TestServer;
let nodeB: TestServer;
const sites: Record<string, { host: string; port: number }> = {};
const shared: { a: number; b: number } = { a: 0, b: 0 };
const ACL_NAME = `shared-${randomUUID().slice(0, 8)}`;

function sitePort(out: string, name: string): number {
  const m = new RegExp(`Site ${name} on http://127\\.0\\.0\\.1:(\\d+)`).exec(out);
  if (!m) throw new Error(`site ${name} not started:\n${out}`);
  return Number(m[1]);
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${req.url}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const cfg = join(dir, 'limits.yaml');
  writeFileSync(
    cfg,
    [
      'sites:',
      '  - name: guarded',
      '    listen: 127.0.0.1:0',
      `    upstream: ${up}`,
      '    limits:',
      '      headersTimeoutMs: 1000',
      '      bodyTimeoutMs: 2000',
      '      minBodyBytesPerSecond: 200',
      '      bodyRateGraceMs: 1000',
      '      perIpConnections: 3',
      '      keepAliveRequests: 3',
      '      maxUriBytes: 1024',
      '  - name: tiny',
      '    listen: 127.0.0.1:0',
      `    upstream: ${up}`,
      '    limits:',
      '      maxConnections: 2',
      '      retryAfterSeconds: 9',
      '',
    ].join('\n'),
  );
  const sharedCfg = (name: string): string => {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, `sites:\n  - name: shared\n    listen: 127.0.0.1:0\n    upstream: ${up}\n`);
    return f;
  };
  [node, nodeA, nodeB] = await Promise.all([
    startServer({ dataDir: join(dir, 'node'), args: ['--config', cfg] }),
    startServer({ dataDir: join(dir, 'a'), args: ['--config', sharedCfg('a'), '--redis', REDIS] }),
    startServer({ dataDir: join(dir, 'b'), args: ['--config', sharedCfg('b')], env: { BULWARK_REDIS_URL: REDIS } }),
  ]);
  sites.guarded = { host: '127.0.0.1', port: sitePort(node.output(), 'guarded') };
  sites.tiny = { host: '127.0.0.1', port: sitePort(node.output(), 'tiny') };
  shared.a = sitePort(nodeA.output(), 'shared');
  shared.b = sitePort(nodeB.output(), 'shared');
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), nodeA?.stop(), nodeB?.stop()]);
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  const redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  const keys = await redis.keys(`bulwark:rate:*/webacl/${ACL_NAME}#*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  removeDir(dir);
});

function connect(port: number, from = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function untilClosed(s: net.Socket, timeoutMs: number): Promise<{ data: string; closed: boolean }> {
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

function get(port: number, path = '/', from = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function metric(server: TestServer, series: string): Promise<number> {
  const text = await (await fetch(server.endpoint + '/_bulwark/metrics')).text();
  const esc = series.replace(/[{}"=,]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${esc} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('always-on limits of a configured site (real binary)', () => {
  it('cuts a slowloris within the header deadline while a normal client succeeds', async () => {
    const s = await connect(sites.guarded!.port);
    // Cut between 1 and 2 s after accept (1 s ticker); 5 s leaves room for a loaded machine and is
    // still far below what Node's own checker (every 30 s) would allow.
    const done = untilClosed(s, 5000);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
    const normal = await get(sites.guarded!.port);
    const r = await done;
    clearInterval(trickle);
    s.destroy();
    expect(normal.status).toBe(200);
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
    expect(await metric(node, 'bulwark_proxy_slow_clients_cut_total{site="guarded",kind="SLOW_HEADERS"}')).toBe(1);
  });

  it('cuts a slow POST', async () => {
    const s = await connect(sites.guarded!.port);
    const done = untilClosed(s, 6000);
    s.write('POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    const trickle = setInterval(() => s.writable && s.write('aa'), 250);
    const normal = await get(sites.guarded!.port, '/during-slow-post');
    const r = await done;
    clearInterval(trickle);
    s.destroy();
    expect(normal.status).toBe(200);
    expect(r.closed).toBe(true);
    expect(await metric(node, 'bulwark_proxy_slow_clients_cut_total{site="guarded",kind="SLOW_BODY"}')).toBe(1);
  });

  it('caps concurrent connections per source IP, not for other IPs', async () => {
    const held = await Promise.all([1, 2, 3].map(() => connect(sites.guarded!.port, '127.0.1.1')));
    await new Promise((r) => setTimeout(r, 100));
    const fourth = await connect(sites.guarded!.port, '127.0.1.1');
    const r = await untilClosed(fourth, 3000);
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
    expect((await get(sites.guarded!.port, '/', '127.0.1.2')).status).toBe(200);
    expect(await metric(node, 'bulwark_proxy_connections_rejected_total{site="guarded",reason="PER_IP_CONNECTIONS"}')).toBe(1);
    for (const h of held) h.destroy();
  });

  it('sheds connections beyond the global cap with 503 and Retry-After', async () => {
    const held = [await connect(sites.tiny!.port, '127.0.2.1'), await connect(sites.tiny!.port, '127.0.2.2')];
    await new Promise((r) => setTimeout(r, 100));
    const r = await untilClosed(await connect(sites.tiny!.port, '127.0.2.3'), 3000);
    expect(r.data).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(r.data).toContain('Retry-After: 9\r\n');
    expect(await metric(node, 'bulwark_proxy_connections_rejected_total{site="tiny",reason="GLOBAL_SHED"}')).toBe(1);
    for (const h of held) h.destroy();
  });

  it('closes a keep-alive connection after keepAliveRequests, and answers 414 to an oversize URI', async () => {
    const s = await connect(sites.guarded!.port, '127.0.3.1');
    const done = untilClosed(s, 5000);
    s.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\nGET /4 HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await done;
    expect(r.closed).toBe(true);
    expect(r.data.match(/^HTTP\/1\.1 200 OK/gm)?.length).toBe(3);
    expect(r.data).toMatch(/ok \/3/);
    expect(r.data).not.toMatch(/ok \/4/);
    expect((await get(sites.guarded!.port, '/' + 'u'.repeat(2000), '127.0.3.2')).status).toBe(414);
    expect(await metric(node, 'bulwark_proxy_slow_clients_cut_total{site="guarded",kind="OVERSIZE"}')).toBe(1);
  });
});

describe('rate-based rule counters shared by two nodes through Redis', () => {
  async function protect(server: TestServer): Promise<void> {
    const rules = join(dir, `rules-${randomUUID()}.json`);
    writeFileSync(
      rules,
      JSON.stringify([
        {
          Name: 'per-ip',
          Priority: 0,
          Action: { Block: {} },
          VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: true, MetricName: 'perIp' },
          Statement: { RateBasedStatement: { Limit: 10, EvaluationWindowSec: 60, AggregateKeyType: 'IP' } },
        },
      ]),
    );
    const created = await awsCli(server.endpoint, ROOT_KEY, [
      'wafv2', 'create-web-acl', '--name', ACL_NAME, '--scope', 'REGIONAL', '--default-action', 'Allow={}',
      '--visibility-config', `SampledRequestsEnabled=false,CloudWatchMetricsEnabled=true,MetricName=${ACL_NAME}`, '--rules', `file://${rules}`,
    ]);
    expect(created.stderr).toBe('');
    const arn = (JSON.parse(created.stdout) as { Summary: { ARN: string } }).Summary.ARN;
    const assoc = await awsCli(server.endpoint, ROOT_KEY, ['wafv2', 'associate-web-acl', '--web-acl-arn', arn, '--resource-arn', 'arn:aws:bulwark:us-east-1:000000000000:site/shared']);
    expect(assoc.code).toBe(0);
  }

  it('blocks once the traffic of both nodes together crosses the limit (not twice the limit)', async () => {
    await Promise.all([protect(nodeA), protect(nodeB)]);
    const statuses: number[] = [];
    // Rounds of one request per node, more than two sync intervals (250 ms) apart: in round r each
    // node sees 2(r-1) earlier requests plus its own, so rounds 1-5 pass and round 6 (11 > 10) blocks.
    for (let round = 0; round < 10; round++) {
      statuses.push((await get(shared.a)).status, (await get(shared.b)).status);
      await new Promise((r) => setTimeout(r, 1100));
    }
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 403)).toEqual([]);
    // Separate counters would allow 10 per node (20 here); shared ones allow the limit once.
    expect(allowed).toBe(10);
    expect(statuses.slice(-4)).toEqual([403, 403, 403, 403]);
  }, 120_000);
});

describe('bulwark doctor (real binary)', () => {
  it('reports each kernel setting with the recommendation and exits 1 only with --strict and a WARN', async () => {
    const proc = join(dir, 'proc');
    const files: Record<string, string> = {
      'sys/net/ipv4/tcp_syncookies': '1\n',
      'sys/net/core/somaxconn': '128\n',
      'sys/net/ipv4/tcp_max_syn_backlog': '8192\n',
      'sys/net/core/netdev_max_backlog': '16384\n',
      'sys/net/ipv4/ip_local_port_range': '1024\t65535\n',
      'sys/net/ipv4/tcp_fin_timeout': '15\n',
      'sys/fs/file-max': '2000000\n',
      'self/limits': 'Limit Soft Hard Units\nMax open files            65536                65536                files     \n',
    };
    for (const [p, v] of Object.entries(files)) {
      mkdirSync(dirname(join(proc, p)), { recursive: true });
      writeFileSync(join(proc, p), v);
    }
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [BIN, 'doctor', '--json', '--proc', proc]);
    const checks = (JSON.parse(stdout) as { checks: { name: string; current: string; status: string; fix: string }[] }).checks;
    expect(checks.filter((c) => c.status === 'WARN')).toEqual([
      { name: 'net.core.somaxconn', current: '128', recommended: '4096', status: 'WARN', why: expect.any(String), fix: 'sysctl -w net.core.somaxconn=4096' },
    ]);
    const strict = await run(process.execPath, [BIN, 'doctor', '--strict', '--proc', proc]).then(
      () => 0,
      (e: { code?: number; stdout?: string }) => (expect(e.stdout).toMatch(/^WARN +net\.core\.somaxconn +128 +4096/m), e.code),
    );
    expect(strict).toBe(1);
  });
});
