import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ChallengeIssuer } from './challenge.js';
import { SiteManager, parseSites, siteArn } from './sites.js';
import { ScriptedAcl, decision, rawRequest, startUpstream } from './testing.js';
import type { AclProvider, SiteProtection } from './types.js';

let upstream: Awaited<ReturnType<typeof startUpstream>>;
const acl = new ScriptedAcl();
let protection: SiteProtection | undefined = { acl };
const provider: AclProvider = { forSite: () => protection };
const events: unknown[] = [];
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: provider, challenge: new ChallengeIssuer(), onEvent: (e) => events.push(e) });
let base = '';
let port = 0;

beforeAll(async () => {
  upstream = await startUpstream();
  const s = await manager.add({ name: 'shop', listen: '127.0.0.1:0', upstream: upstream.url, maxBodyBytes: 50 * 1024 * 1024 });
  port = s.address.port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await manager.close();
  await upstream.close();
});
afterEach(() => {
  acl.script = () => decision({ action: 'ALLOW' });
  acl.seen = [];
  upstream.seen.length = 0;
  protection = { acl };
});

function headerOf(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

describe('sites configuration', () => {
  it('validates sites, fills defaults and names them', () => {
    const [s] = parseSites([{ name: 'shop', listen: 8080, upstream: 'http://127.0.0.1:3000' }]);
    expect(s!.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(s!.failMode).toBe('closed');
    expect(s!.bodyInspectionLimit).toBe(16384);
    expect(s!.trustedProxyHops).toBe(0);
    expect(siteArn('eu-west-1', '123456789012', 'shop')).toBe('arn:aws:bulwark:eu-west-1:123456789012:site/shop');
    expect(() => parseSites([{ name: 'a', listen: '1:1', upstream: 'http://x/path' }])).toThrow(/upstream/);
    expect(() => parseSites([{ name: 'a', listen: '1', upstream: 'http://x', bodyInspectionLimit: 10000 }])).toThrow(/bodyInspectionLimit/);
    expect(() => parseSites([{ name: 'a', listen: '1', upstream: 'http://x' }, { name: 'a', listen: '2', upstream: 'http://x' }])).toThrow(/duplicate/);
    expect(() => parseSites([{ name: 'a', listen: '1', upstream: 'http://x', bogus: 1 }])).toThrow();
  });

  it('refuses unreadable TLS files and duplicate names at runtime', async () => {
    await expect(manager.add({ name: 'tls', listen: 0, upstream: upstream.url, tls: { cert: '/nonexistent.pem', key: '/nonexistent.key' } })).rejects.toThrow(/TLS/);
    await expect(manager.add({ name: 'shop', listen: 0, upstream: upstream.url })).rejects.toThrow(/exists/);
  });

  it('adds and removes sites at runtime', async () => {
    const s = await manager.add({ name: 'extra', listen: 0, upstream: upstream.url });
    expect(s.arn).toBe('arn:aws:bulwark:us-east-1:000000000000:site/extra');
    const r = await request(`http://127.0.0.1:${s.address.port}/x`);
    expect(r.statusCode).toBe(200);
    await r.body.text();
    expect(await manager.remove('extra')).toBe(true);
    await expect(request(`http://127.0.0.1:${s.address.port}/x`)).rejects.toThrow();
  });
});

describe('decisions', () => {
  it('forwards allowed requests and inspects them once, byte for byte', async () => {
    const raw = await rawRequest(port, Buffer.from('GET /a%20b/c?x=1&y=%27#frag HTTP/1.1\r\nHost: shop\r\nX-Test: v\u00e9\r\nConnection: close\r\n\r\n', 'utf8'));
    expect(raw).toMatch(/^HTTP\/1.1 200 /);
    const seen = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { url: string };
    expect(seen.url).toBe('/a%20b/c?x=1&y=%27');
    expect(acl.seen[0]!.uriFragment).toBe('frag');
    expect(acl.seen).toHaveLength(1);
    const i = acl.seen[0]!;
    expect(i.method).toBe('GET');
    expect(i.uriPath).toBe('/a%20b/c');
    expect(i.queryString).toBe('x=1&y=%27');
    expect(i.httpVersion).toBe('HTTP/1.1');
    expect(i.clientIp).toBe('127.0.0.1');
    expect(i.headers.find((h) => h[0] === 'X-Test')?.[1]).toBe('v\u00c3\u00a9');
    expect(i.body.length).toBe(0);
    expect(raw).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
  });

  it('blocks with the default 403', async () => {
    acl.script = () => decision({ action: 'BLOCK' });
    const r = await request(`${base}/admin`);
    expect(r.statusCode).toBe(403);
    expect(await r.body.text()).toContain('403 Forbidden');
    expect(upstream.seen).toHaveLength(0);
  });

  it('blocks with a custom response', async () => {
    acl.script = () =>
      decision({ action: 'BLOCK', customResponse: { statusCode: 429, headers: [['x-amzn-waf-reason', 'slow down']], body: { contentType: 'application/json', content: '{"e":1}' } } });
    const r = await request(`${base}/`);
    expect(r.statusCode).toBe(429);
    expect(r.headers['x-amzn-waf-reason']).toBe('slow down');
    expect(r.headers['content-type']).toBe('application/json');
    expect(await r.body.text()).toBe('{"e":1}');
  });

  it('adds inserted headers and the request id upstream', async () => {
    acl.script = () => decision({ action: 'ALLOW', insertHeaders: [['x-amzn-waf-tier', 'gold']] });
    const r = await request(`${base}/`, { headers: { 'x-request-id': 'spoofed' } });
    const seen = (await r.body.json()) as { rawHeaders: string[] };
    expect(headerOf(seen.rawHeaders, 'x-amzn-waf-tier')).toEqual(['gold']);
    expect(headerOf(seen.rawHeaders, 'x-request-id')).toEqual([r.headers['x-request-id']]);
  });

  it('passes traffic when no web ACL is associated', async () => {
    protection = undefined;
    const r = await request(`${base}/`);
    expect(r.statusCode).toBe(200);
    await r.body.text();
    expect(acl.seen).toHaveLength(0);
  });

  it('fails closed with 503 when the engine throws, or open when configured', async () => {
    acl.script = () => {
      throw new Error('engine broke');
    };
    const r = await request(`${base}/`);
    expect(r.statusCode).toBe(503);
    await r.body.text();
    expect(upstream.seen).toHaveLength(0);
    const open = await manager.add({ name: 'open', listen: 0, upstream: upstream.url, failMode: 'open' });
    try {
      const r2 = await request(`http://127.0.0.1:${open.address.port}/`);
      expect(r2.statusCode).toBe(200);
      await r2.body.text();
      expect(upstream.seen).toHaveLength(1);
    } finally {
      await manager.remove('open');
    }
  });
});

describe('proxying', () => {
  it('streams a 10 MB body through and inspects only the first 16 KB', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const r = await request(`${base}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    const seen = (await r.body.json()) as { bodyBytes: number; bodySha256: string };
    expect(seen.bodyBytes).toBe(body.length);
    const { createHash } = await import('node:crypto');
    expect(seen.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    const i = acl.seen[0]!;
    expect(i.body.length).toBe(16384);
    expect(i.body.equals(body.subarray(0, 16384))).toBe(true);
    expect(i.bodySize).toBe(body.length);
    expect(i.bodyOversize).toBe(true);
  });

  it('streams a chunked body of unknown length', async () => {
    const { Readable } = await import('node:stream');
    const parts = Array.from({ length: 40 }, (_, k) => Buffer.alloc(1000, k));
    const r = await request(`${base}/chunked`, { method: 'POST', body: Readable.from(parts) });
    const seen = (await r.body.json()) as { bodyBytes: number };
    expect(seen.bodyBytes).toBe(40000);
    expect(acl.seen[0]!.body.length).toBe(16384);
    expect(acl.seen[0]!.bodyOversize).toBe(true);
  });

  it('inspects a small body whole and forwards it', async () => {
    const form = 'a=1&' + 'b'.repeat(1000);
    const r = await request(`${base}/form`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const seen = (await r.body.json()) as { bodyBytes: number };
    expect(seen.bodyBytes).toBe(form.length);
    expect(acl.seen[0]!.body.toString('latin1')).toBe(form);
    expect(acl.seen[0]!.bodyOversize).toBe(false);
  });

  it('streams large responses back', async () => {
    const r = await request(`${base}/big`);
    const buf = Buffer.from(await r.body.arrayBuffer());
    expect(buf.length).toBe(5 * 1024 * 1024);
  });

  it('removes hop-by-hop headers both ways', async () => {
    const raw = await rawRequest(
      port,
      'GET / HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nUpgrade: h2c\r\nX-End: 1\r\n\r\n',
      500,
    );
    const seen = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { rawHeaders: string[] };
    expect(headerOf(seen.rawHeaders, 'connection').join()).not.toMatch(/x-hop/i);
    for (const h of ['x-hop', 'keep-alive', 'te', 'proxy-authorization', 'upgrade']) expect(headerOf(seen.rawHeaders, h)).toEqual([]);
    expect(headerOf(seen.rawHeaders, 'x-end')).toEqual(['1']);
    expect(headerOf(seen.rawHeaders, 'host')).toEqual(['shop']);
    expect(headerOf(seen.rawHeaders, 'x-forwarded-proto')).toEqual(['http']);
    expect(headerOf(seen.rawHeaders, 'x-forwarded-host')).toEqual(['shop']);
    const r = await request(`${base}/hop`);
    expect(r.headers['x-secret']).toBeUndefined();
    expect(r.headers['keep-alive']).not.toBe('timeout=99');
    expect(r.headers['x-kept']).toBe('yes');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    await r.body.text();
  });

  it('appends to X-Forwarded-For and trusts only the configured hops', async () => {
    let r = await request(`${base}/`, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' } });
    let seen = (await r.body.json()) as { rawHeaders: string[] };
    expect(headerOf(seen.rawHeaders, 'x-forwarded-for')).toEqual(['203.0.113.9, 198.51.100.7, 127.0.0.1']);
    expect(acl.seen[0]!.clientIp).toBe('127.0.0.1');
    const s = await manager.add({ name: 'behind-lb', listen: 0, upstream: upstream.url, trustedProxyHops: 1 });
    try {
      acl.seen = [];
      r = await request(`http://127.0.0.1:${s.address.port}/`, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7', 'x-forwarded-proto': 'https' } });
      seen = (await r.body.json()) as { rawHeaders: string[] };
      expect(acl.seen[0]!.clientIp).toBe('198.51.100.7');
      expect(acl.seen[0]!.country).toBe(undefined); // documentation range: no country
      expect(headerOf(seen.rawHeaders, 'x-forwarded-proto')).toEqual(['https']);
    } finally {
      await manager.remove('behind-lb');
    }
  });

  it('answers 502 when the upstream is down and 504 when it is slow, without crashing', async () => {
    const down = await manager.add({ name: 'down', listen: 0, upstream: 'http://127.0.0.1:1' });
    const slow = await manager.add({ name: 'slow', listen: 0, upstream: upstream.url, upstreamHeadersTimeoutMs: 200 });
    try {
      const r = await request(`http://127.0.0.1:${down.address.port}/`);
      expect(r.statusCode).toBe(502);
      await r.body.text();
      const r2 = await request(`http://127.0.0.1:${slow.address.port}/slow`);
      expect(r2.statusCode).toBe(504);
      await r2.body.text();
      const r3 = await request(`${base}/still-up`);
      expect(r3.statusCode).toBe(200);
      await r3.body.text();
    } finally {
      await manager.remove('down');
      await manager.remove('slow');
    }
  });

  it('cancels the upstream request when the client goes away', async () => {
    const before = upstream.seen.length;
    const ac = new AbortController();
    const p = request(`${base}/slow`, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await expect(p).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(upstream.seen.length).toBe(before + 1);
    const r = await request(`${base}/after-abort`);
    expect(r.statusCode).toBe(200);
    await r.body.text();
  });

  it('refuses bodies over maxBodyBytes with 413', async () => {
    const s = await manager.add({ name: 'small', listen: 0, upstream: upstream.url, maxBodyBytes: 1000 });
    try {
      const raw = await rawRequest(s.address.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n');
      expect(raw).toMatch(/^HTTP\/1.1 413 /);
      expect(upstream.seen).toHaveLength(0);
    } finally {
      await manager.remove('small');
    }
  });
});

describe('request smuggling is refused', () => {
  const cases: [string, string, RegExp][] = [
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['duplicate Content-Length (same value)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', /^HTTP\/1.1 400 /],
    ['conflicting Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde', /^HTTP\/1.1 400 /],
    ['Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', /^HTTP\/1.1 400 /],
    ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', /^HTTP\/1.1 400 /],
    ['Transfer-Encoding: xchunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 (400|501) /],
    ['Transfer-Encoding: chunked, identity', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 (400|501) /],
    ['Transfer-Encoding with a vertical tab', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['Transfer-Encoding: chunked with a space before the colon', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['Transfer-Encoding twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['Transfer-Encoding: identity', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n', /^HTTP\/1.1 (400|501) /],
    ['invalid chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['chunk size with a 0x prefix', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['overlong chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nabc\r\n0\r\n\r\n', /^HTTP\/1.1 400 /],
    ['bare LF line endings in headers', 'GET / HTTP/1.1\nHost: x\nX-A: 1\n\n', /^HTTP\/1.1 400 /],
    ['bare CR in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\rX-B: 2\r\n\r\n', /^HTTP\/1.1 400 /],
    ['bare LF in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\nTransfer-Encoding: chunked\r\n\r\n', /^HTTP\/1.1 400 /],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', /^HTTP\/1.1 400 /],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n', /^HTTP\/1.1 400 /],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', /^HTTP\/1.1 400 /],
    ['missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', /^HTTP\/1.1 400 /],
    ['oversized header section', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`, /^HTTP\/1.1 431 /],
    ['too many header fields', `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 150 }, (_, k) => `X-H${k}: 1\r\n`).join('')}\r\n`, /^HTTP\/1.1 431 /],
    ['space in the request target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1.1 400 /],
  ];
  for (const [name, bytes, want] of cases) {
    it(name, async () => {
      const raw = await rawRequest(port, bytes);
      expect(raw).toMatch(want);
      // Exactly one response and the connection closed: nothing was smuggled behind it.
      expect(raw.match(/HTTP\/1.1 \d{3}/g)).toHaveLength(1);
      expect(upstream.seen).toHaveLength(0);
    });
  }

  it('a valid chunked request still passes', async () => {
    const raw = await rawRequest(port, 'POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1.1 200 /);
    expect(upstream.seen[0]!.bodyBytes).toBe(3);
    expect(events.length).toBeGreaterThan(0);
  });
});
