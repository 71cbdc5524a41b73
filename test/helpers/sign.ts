/** Signs and sends raw HTTP requests for protocol-level tests (bad input, scopes, fuzzing). */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import http from 'node:http';
import type { Creds } from './clients.js';

/** A raw response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request to send. */
export interface RawRequest {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** Signs `req` with SigV4 for `service`/`region` (as the SDKs do) and returns the headers to send. */
export async function signRequest(endpoint: string, c: Creds, service: string, region: string, req: RawRequest): Promise<HttpRequest> {
  const url = new URL(endpoint);
  const body = req.body ?? '';
  const r = new HttpRequest({
    method: req.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: req.path ?? '/',
    ...(req.query ? { query: req.query } : {}),
    headers: { host: url.host, ...(req.headers ?? {}) },
    body,
  });
  const signer = new SignatureV4({ credentials: c, region, service, sha256: Sha256 });
  return (await signer.sign(r)) as HttpRequest;
}

/** Sends a (possibly signed) request exactly as given. */
export function send(endpoint: string, r: { method: string; path: string; headers: Record<string, string>; body?: string | Buffer; query?: Record<string, string> }): Promise<RawResponse> {
  const url = new URL(endpoint);
  const qs = r.query ? '?' + new URLSearchParams(r.query).toString() : '';
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: Number(url.port), method: r.method, path: r.path + qs, headers: r.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

/** Signs then sends. */
export async function signedSend(endpoint: string, c: Creds, service: string, region: string, req: RawRequest): Promise<RawResponse> {
  const s = await signRequest(endpoint, c, service, region, req);
  return send(endpoint, { method: s.method, path: s.path, headers: s.headers as Record<string, string>, body: req.body ?? '', ...(req.query ? { query: req.query } : {}) });
}

/** The `<Code>` of a query-protocol XML error. */
export function xmlCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}
