/** How CLI commands reach a running node: its /_bulwark/* endpoints, unsigned or SigV4-signed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { signRequest } from '../auth/index.js';

/** Options every client command takes. */
export interface ClientOptions {
  address?: string;
  dataDir?: string;
}

/** The node's endpoint: --address, BULWARK_ADDR, AWS_ENDPOINT_URL, or the default. */
export function address(o: ClientOptions): string {
  return (o.address ?? process.env.BULWARK_ADDR ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4599').replace(/\/+$/, '');
}

/** `--address` option. */
export const addressOption = (): Option => new Option('--address <url>', 'Bulwark API endpoint (env BULWARK_ADDR or AWS_ENDPOINT_URL, default http://127.0.0.1:4599)');
/** `--data-dir` option (where root-credentials may be read from). */
export const dataDirOption = (): Option => new Option('--data-dir <dir>', 'read credentials from <dir>/root-credentials when AWS_ACCESS_KEY_ID is unset (env BULWARK_DATA_DIR)');

/** Credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN) or <data-dir>/root-credentials. */
export function credentials(o: ClientOptions): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const id = process.env.AWS_ACCESS_KEY_ID;
  const secret = process.env.AWS_SECRET_ACCESS_KEY;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}) };
  const dir = o.dataDir ?? process.env.BULWARK_DATA_DIR ?? './.bulwark';
  let text: string;
  try {
    text = readFileSync(join(dir, 'root-credentials'), 'utf8');
  } catch {
    throw new Error(`no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or pass --data-dir (no ${join(dir, 'root-credentials')})`);
  }
  const akid = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
  const sk = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
  if (!akid || !sk) throw new Error('root-credentials file is malformed');
  return { accessKeyId: akid, secretAccessKey: sk };
}

async function parse(res: Response, base: string): Promise<Record<string, unknown>> {
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${String(json.__type ?? res.status)}: ${String(json.message ?? res.statusText)}`);
  void base;
  return json;
}

/** GET or POST (when `body` is given) an unsigned /_bulwark/ endpoint. */
export async function call(base: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(base + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new Error(`cannot reach Bulwark at ${base}: ${(e as Error).message}`);
  }
  return parse(res, base);
}

/** POSTs to a SigV4-signed /_bulwark/ endpoint (credential scope service 'bulwark'). */
export async function signedCall(o: ClientOptions, path: string, body: unknown): Promise<Record<string, unknown>> {
  const base = address(o);
  const url = new URL(base + path);
  const payload = Buffer.from(JSON.stringify(body));
  const headers = signRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: payload,
    region: process.env.BULWARK_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    service: 'bulwark',
    credentials: credentials(o),
  });
  delete headers.host;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: payload });
  } catch (e) {
    throw new Error(`cannot reach Bulwark at ${base}: ${(e as Error).message}`);
  }
  return parse(res, base);
}

/** Prints an error and exits 1. */
export function fail(e: unknown): never {
  process.stderr.write(`bulwark: ${(e as Error).message}\n`);
  process.exit(1);
}
