// The console's static handler: security headers, SPA fallback, caching, and no way out of the root.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleHandler, consoleRelativePath } from './serve.js';

let dir: string;
let root: string;
let server: http.Server;
let base: string;
let emptyServer: http.Server;
let emptyBase: string;

const listen = async (s: http.Server): Promise<string> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-console-'));
  root = join(dir, 'console');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'assets', 'index-AbCdEf12.js'), 'console.log(1)');
  writeFileSync(join(root, 'robots.txt'), 'User-agent: *');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link-AbCdEf12.js'));
  const h = consoleHandler(root);
  server = http.createServer((req, res) => void h(req, res));
  base = await listen(server);
  const e = consoleHandler(join(dir, 'missing'));
  emptyServer = http.createServer((req, res) => void e(req, res));
  emptyBase = await listen(emptyServer);
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => emptyServer.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET that does not normalise the path (fetch would resolve dot segments). */
function rawGet(b: string, path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(b + '/', { method, path }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('consoleRelativePath', () => {
  it('maps paths under /console and refuses the rest', () => {
    expect(consoleRelativePath('/console')).toBe('');
    expect(consoleRelativePath('/console/')).toBe('');
    expect(consoleRelativePath('/console/kms')).toBe('kms');
    expect(consoleRelativePath('/console/assets/a-12345678.js')).toBe('assets/a-12345678.js');
    expect(consoleRelativePath('/consoles')).toBeUndefined();
    expect(consoleRelativePath('/console/../etc/passwd')).toBeUndefined();
    expect(consoleRelativePath('/console/%2e%2e/secret.txt')).toBeUndefined();
    expect(consoleRelativePath('/console/a%2f..%2f..%2fx')).toBeUndefined();
    expect(consoleRelativePath('/console/..%5c..%5cx')).toBeUndefined();
    expect(consoleRelativePath('/console/a%00b')).toBeUndefined();
    expect(consoleRelativePath('/console/%zz')).toBeUndefined();
  });

  it('never yields a path with a dot-dot segment, backslash or NUL (fuzz)', () => {
    const seg = fc.oneof(fc.constantFrom('..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', 'a', 'assets', '', '%252e'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), (segs) => {
        const rel = consoleRelativePath('/console/' + segs.join('/'));
        if (rel === undefined) return true;
        return !rel.split('/').some((s) => s === '..' || s === '.') && !rel.includes('\\') && !rel.includes('\0') && !rel.startsWith('/');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('consoleHandler', () => {
  it('serves index.html with the security headers for the app and its client routes', async () => {
    for (const p of ['/console/', '/console/kms', '/console/waf/acl/x']) {
      const r = await rawGet(base, p);
      expect(r.status).toBe(200);
      expect(r.body).toBe('<!doctype html><title>app</title>');
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['cache-control']).toBe('no-cache');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it('redirects /console to /console/', async () => {
    const r = await rawGet(base, '/console');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/console/');
  });

  it('caches hashed assets immutably and 404s missing assets instead of answering HTML', async () => {
    const a = await rawGet(base, '/console/assets/index-AbCdEf12.js');
    expect(a.status).toBe(200);
    expect(a.body).toBe('console.log(1)');
    expect(a.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(a.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const t = await rawGet(base, '/console/robots.txt');
    expect(t.headers['cache-control']).toBe('no-cache');
    expect((await rawGet(base, '/console/assets/gone-12345678.js')).status).toBe(404);
    const head = await rawGet(base, '/console/assets/index-AbCdEf12.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await rawGet(base, '/console/', 'POST')).status).toBe(405);
  });

  it('never serves a file outside the root: traversal, encoded traversal, symlinks', async () => {
    for (const p of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt', '/console/assets/..%2f..%2fsecret.txt', '/console/%2e%2e%5csecret.txt', '/console/assets/link-AbCdEf12.js']) {
      const r = await rawGet(base, p);
      expect(r.body, p).not.toContain('TOP SECRET');
      expect([404, 200]).toContain(r.status);
      if (r.status === 200) expect(r.body).toBe('<!doctype html><title>app</title>');
    }
  });

  it('answers a clear 404 page when the console is not built', async () => {
    const r = await rawGet(emptyBase, '/console/');
    expect(r.status).toBe(404);
    expect(r.body).toContain('npm run build');
    expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
  });
});
