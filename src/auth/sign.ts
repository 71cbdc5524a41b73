/**
 * Client-side SigV4 signing for Bulwark's own tools (`bulwark operator seal`, ingest commands):
 * the same canonicalisation the verifier uses, so the two cannot drift apart.
 */
import { createHash, createHmac } from 'node:crypto';
import { buildCanonicalRequest, canonicalQuery, deriveSigningKey, stringToSign } from './sigv4.js';

/** A request to sign. Header names must be lower-case. */
export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly region: string;
  readonly service: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly now?: Date;
}

/** Returns the request's headers plus host, x-amz-date, x-amz-content-sha256 and authorization. */
export function signRequest(r: RequestToSign): Record<string, string> {
  const now = r.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(r.body).digest('hex');
  const headers: Record<string, string> = {
    ...r.headers,
    host: r.url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
    ...(r.credentials.sessionToken ? { 'x-amz-security-token': r.credentials.sessionToken } : {}),
  };
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const canonical = buildCanonicalRequest(r.method, r.url.pathname, canonicalQuery(r.url.search.slice(1), false), headers, signed, payloadHash) as string;
  const scope = `${date}/${r.region}/${r.service}/aws4_request`;
  const key = deriveSigningKey(r.credentials.secretAccessKey, date, r.region, r.service);
  const signature = createHmac('sha256', key).update(stringToSign(amzDate, scope, canonical), 'utf8').digest('hex');
  key.fill(0);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${r.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}
