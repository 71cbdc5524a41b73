import http from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiServer, type ApiServerOptions } from './server.js';

/** An ApiServer with no services and no identities: enough for body reading, statics and close(). */
function server(maxBodyBytes = 1024): ApiServer {
  const opts: ApiServerOptions = {
    region: 'us-east-1',
    accountId: '123456789012',
    identities: { resolveCredential: async () => undefined, policiesFor: async () => ({ identity: [], session: [] }) },
    seal: {
      status: () => ({ initialized: true, sealed: false, type: null, threshold: 0, shares: 0, progress: 0 }),
      sealed: () => false,
      init: async () => ({ shares: [] }),
      submitUnsealShare: async () => ({ sealed: false, progress: 0 }),
      seal: async () => {},
      rekey: async () => ({ shares: [] }),
    },
    logger: pino({ level: 'silent' }),
    maxBodyBytes,
    version: 'test',
    storageKind: 'memory',
  };
  return new ApiServer(opts);
}

/** One request; resolves with the status, headers and body text. */
function request(port: number, opts: { method: string; path: string; headers?: Record<string, string>; chunks?: string[] }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}

let open: ApiServer | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('ApiServer request handling', () => {
  it('answers 413 RequestEntityTooLarge when a chunked body passes the cap, and closes the connection', async () => {
    open = server(100);
    const { port } = await open.listen('127.0.0.1', 0);
    const r = await request(port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' }, chunks: ['{"a":"', 'x'.repeat(80), 'y'.repeat(80), '"}'] });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
  });

  it('answers 413 at once when Content-Length declares more than the cap', async () => {
    open = server(100);
    const { port } = await open.listen('127.0.0.1', 0);
    const r = await request(port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt', 'content-length': '101' }, chunks: ['x'.repeat(101)] });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
  });

  it('reads a body in several chunks and goes on to authentication (no service: MissingAuthenticationToken)', async () => {
    open = server(1024);
    const { port } = await open.listen('127.0.0.1', 0);
    const r = await request(port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, chunks: ['Action=Get', 'CallerIdentity&Version=', '2011-06-15'] });
    expect(r.status).toBe(403);
    expect(r.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('close() waits for requests still being handled, and only for them', async () => {
    open = server();
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    let entered = (): void => {};
    const started = new Promise<void>((r) => (entered = r));
    open.registerStatic('/slow', async (_req, res) => {
      entered();
      await gate;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('done');
      return 200;
    });
    const { port } = await open.listen('127.0.0.1', 0);
    const pending = request(port, { method: 'GET', path: '/slow' });
    await started;
    let closed = false;
    const closing = open.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release();
    expect((await pending).body).toBe('done');
    await closing;
    expect(closed).toBe(true);
    // A second close() of an idle server resolves at once.
    await open.close();
    open = undefined;
  });

  it('counts every request in the metrics, static ones included', async () => {
    open = server();
    open.registerStatic('/s', async (_req, res) => {
      res.end('x');
      return 200;
    });
    const { port } = await open.listen('127.0.0.1', 0);
    await request(port, { method: 'GET', path: '/s' });
    await request(port, { method: 'POST', path: '/', chunks: ['{}'] });
    const text = await open.metrics.registry.metrics();
    expect(text).toContain('bulwark_api_requests_total{service="static",operation="/s",status="200"} 1');
    expect(text).toMatch(/bulwark_api_requests_total\{service="unknown",operation="unknown",status="403"\} 1/);
  });
});
