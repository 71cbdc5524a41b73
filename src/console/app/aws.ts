/**
 * In-browser AWS clients: SigV4 (@smithy/signature-v4 + sha256-js) over fetch to the same origin,
 * one small client per wire protocol (aws-json-1.1, rest-json, query, and Bulwark's signed
 * /_bulwark/ operations). The session lives in memory only.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials and the node's region, held in memory for the signed-in session. */
export interface Session {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly accountId: string;
  /** The caller's ARN from sts:GetCallerIdentity. */
  arn?: string;
}

/** An error answered by an API, with its AWS error code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly service: string,
    readonly operation: string,
  ) {
    super(message);
  }

  /** The IAM action the message says is missing, if this is an access denial. */
  get missingAction(): string | undefined {
    return /is not authorized to perform: ([\w-]+:[\w*]+)/.exec(this.message)?.[1];
  }

  /** True for AccessDenied / AccessDeniedException. */
  get accessDenied(): boolean {
    return /^AccessDenied/.test(this.code) || this.status === 403 && this.missingAction !== undefined;
  }

  /** True when this server does not have the API at all (not registered, unknown operation). */
  get notAvailable(): boolean {
    return this.code === 'UnknownOperationException' || this.code === 'InvalidAction' || this.code === 'NotFound' || this.code === 'UnknownOperation';
  }
}

const enc = new TextEncoder();

async function signedFetch(s: Session, service: string, method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: string | undefined): Promise<Response> {
  const signer = new SignatureV4({
    service,
    region: service === 'iam' ? 'us-east-1' : s.region,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) },
    sha256: Sha256,
    uriEscapePath: true,
  });
  const loc = window.location;
  const signed = await signer.sign({
    method,
    protocol: loc.protocol,
    hostname: loc.hostname,
    ...(loc.port ? { port: Number(loc.port) } : {}),
    path,
    query,
    headers: { ...headers, host: loc.host },
    ...(body !== undefined ? { body } : {}),
  });
  const h = new Headers();
  for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') h.set(k, String(v));
  const qs = new URLSearchParams(query).toString();
  return fetch(path + (qs ? '?' + qs : ''), { method, headers: h, ...(body !== undefined ? { body: enc.encode(body) } : {}), credentials: 'omit', cache: 'no-store' });
}

function errorCode(raw: unknown, header: string | null): string {
  const t = header ?? (typeof raw === 'string' ? raw : 'UnknownError');
  // "aws.protocoltests#Code:http://..." → Code
  const hash = t.lastIndexOf('#');
  const s = hash >= 0 ? t.slice(hash + 1) : t;
  const colon = s.indexOf(':');
  return colon >= 0 ? s.slice(0, colon) : s;
}

async function jsonError(res: Response, service: string, operation: string): Promise<ApiError> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  const code = errorCode(body.__type ?? body.code ?? body.Code, res.headers.get('x-amzn-errortype'));
  const message = String(body.message ?? body.Message ?? (text || res.statusText));
  return new ApiError(code === 'UnknownError' && res.status === 404 ? 'NotFound' : code, message, res.status, service, operation);
}

/** Revives epoch-second timestamps? No: callers format them; JSON is returned as parsed. */
export type Json = Record<string, unknown>;

/** Calls an aws-json-1.1 operation (X-Amz-Target). */
export async function jsonCall<T = Json>(s: Session, service: string, targetPrefix: string, operation: string, input: unknown = {}): Promise<T> {
  const body = JSON.stringify(input);
  const res = await signedFetch(s, service, 'POST', '/', {}, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${targetPrefix}.${operation}` }, body);
  if (!res.ok) throw await jsonError(res, service, operation);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** Calls a rest-json operation. */
export async function restCall<T = Json>(s: Session, service: string, operation: string, method: string, path: string, input?: unknown, query: Record<string, string> = {}): Promise<T> {
  const body = input === undefined ? undefined : JSON.stringify(input);
  const res = await signedFetch(s, service, method, path, query, body === undefined ? {} : { 'content-type': 'application/json' }, body);
  if (!res.ok) throw await jsonError(res, service, operation);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** Calls a query-protocol operation (IAM, STS); returns the parsed XML document. */
export async function queryCall(s: Session, service: 'iam' | 'sts', action: string, params: Record<string, string> = {}): Promise<Document> {
  const version = service === 'iam' ? '2010-05-08' : '2011-06-15';
  const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
  const res = await signedFetch(s, service, 'POST', '/', {}, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
  const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
  if (!res.ok) {
    const code = doc.getElementsByTagName('Code')[0]?.textContent ?? 'UnknownError';
    const message = doc.getElementsByTagName('Message')[0]?.textContent ?? res.statusText;
    throw new ApiError(code, message, res.status, service, action);
  }
  return doc;
}

/** The text of the first element named `tag` in a query response. */
export function xmlText(doc: Document, tag: string): string | undefined {
  return doc.getElementsByTagName(tag)[0]?.textContent ?? undefined;
}

/** POSTs a SigV4-signed Bulwark operator operation (/_bulwark/<name>, service 'bulwark'). */
export async function bulwarkCall<T = Json>(s: Session, name: string, body: unknown = {}): Promise<T> {
  const res = await signedFetch(s, 'bulwark', 'POST', `/_bulwark/${name}`, {}, { 'content-type': 'application/json' }, JSON.stringify(body));
  if (!res.ok) throw await jsonError(res, 'bulwark', name);
  return (await res.json()) as T;
}

/** GETs an unsigned /_bulwark/ endpoint (health, seal status, metrics). */
export async function publicGet(path: string): Promise<Response> {
  return fetch(path, { cache: 'no-store', credentials: 'omit' });
}

/** The clients per service, bound to a session. */
export function clients(s: Session) {
  return {
    kms: <T = Json>(op: string, input?: unknown) => jsonCall<T>(s, 'kms', 'TrentService', op, input),
    waf: <T = Json>(op: string, input?: unknown) => jsonCall<T>(s, 'wafv2', 'AWSWAF_20190729', op, input),
    shield: <T = Json>(op: string, input?: unknown) => jsonCall<T>(s, 'shield', 'AWSShield_20160616', op, input),
    trail: <T = Json>(op: string, input?: unknown) => jsonCall<T>(s, 'cloudtrail', 'CloudTrail_20131101', op, input),
    gd: <T = Json>(op: string, method: string, path: string, input?: unknown) => restCall<T>(s, 'guardduty', op, method, path, input),
    iam: (action: string, params?: Record<string, string>) => queryCall(s, 'iam', action, params),
    sts: (action: string, params?: Record<string, string>) => queryCall(s, 'sts', action, params),
    bulwark: <T = Json>(name: string, body?: unknown) => bulwarkCall<T>(s, name, body),
  };
}

/** The bound clients type. */
export type Clients = ReturnType<typeof clients>;
