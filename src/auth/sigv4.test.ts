import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { AwsError } from '../errors/index.js';
import {
  SigV4Error,
  SigV4Verifier,
  authErrorForJsonProtocol,
  buildCanonicalRequest,
  canonicalQuery,
  canonicalUri,
  deriveSigningKey,
  hmacWithPads,
  stringToSign,
  type CredentialLookup,
  type CredentialSecret,
  type SignedRequestParts,
  type SigV4ErrorCode,
} from './sigv4.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TEMP_AKID = 'ASIAIOSFODNN7EXAMPLE';
const TEMP_SECRET = 'temporarySecretKeyForTestsOnly0123456789';
const TOKEN = 'FwoGZXIvYXdzEJr//////////wEaDOpaque+Token/Value==';
const EXPIRED_AKID = 'ASIAEXPIREDEXAMPLE00';
const HOST = 'bulwark.example.com:8443';
const NOW = new Date('2026-11-29T11:00:00Z');

const store = new Map<string, CredentialSecret>([
  [AKID, { secretAccessKey: SECRET }],
  [TEMP_AKID, { secretAccessKey: TEMP_SECRET, sessionToken: TOKEN, expiration: new Date('2026-11-29T12:00:00Z') }],
  [EXPIRED_AKID, { secretAccessKey: TEMP_SECRET, sessionToken: TOKEN, expiration: new Date('2026-11-29T10:59:00Z') }],
]);
const lookup: CredentialLookup = async (id) => store.get(id);

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
const LONG_TERM: Creds = { accessKeyId: AKID, secretAccessKey: SECRET };
const TEMPORARY: Creds = { accessKeyId: TEMP_AKID, secretAccessKey: TEMP_SECRET, sessionToken: TOKEN };

interface RequestSpec {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  date?: Date;
  creds?: Creds;
  region?: string;
  service?: string;
  applyChecksum?: boolean;
}

/** The SDK's query escaping (RFC 3986). */
const escapeUri = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Serialises an SDK query object the way the SDK puts it on the wire, in a given key order. */
function wireQuery(query: Record<string, string | string[] | null>, order?: (keys: string[]) => string[]): string {
  const keys = Object.keys(query);
  const parts: string[] = [];
  for (const k of order ? order(keys) : keys) {
    const v = query[k];
    if (v === null || v === undefined) parts.push(escapeUri(k));
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${escapeUri(k)}=${escapeUri(one)}`);
  }
  return parts.join('&');
}

function sdkRequest(spec: RequestSpec): HttpRequest {
  return new HttpRequest({
    method: spec.method ?? 'POST',
    protocol: 'https:',
    hostname: 'bulwark.example.com',
    port: 8443,
    path: spec.path ?? '/',
    query: spec.query ?? {},
    headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...spec.headers },
    body: spec.body ?? 'Action=GetCallerIdentity&Version=2011-06-15',
  });
}

function signer(spec: RequestSpec): SignatureV4 {
  return new SignatureV4({
    credentials: spec.creds ?? LONG_TERM,
    region: spec.region ?? 'us-east-1',
    service: spec.service ?? 'sts',
    sha256: Sha256,
    ...(spec.applyChecksum === undefined ? {} : { applyChecksum: spec.applyChecksum }),
  });
}

function toParts(req: HttpRequest, order?: (keys: string[]) => string[]): SignedRequestParts {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return {
    method: req.method,
    path: req.path,
    query: wireQuery(req.query as Record<string, string | string[] | null>, order),
    headers,
    body: Buffer.from(typeof req.body === 'string' ? req.body : ''),
  };
}

/** Signs with the AWS SDK v3 signer (header auth) and returns what the server would receive. */
async function signed(spec: RequestSpec = {}, order?: (keys: string[]) => string[]): Promise<SignedRequestParts> {
  const req = (await signer(spec).sign(sdkRequest(spec), { signingDate: spec.date ?? NOW })) as HttpRequest;
  return toParts(req, order);
}

/** Presigns with the AWS SDK v3 signer. */
async function presigned(spec: RequestSpec & { expiresIn?: number } = {}): Promise<SignedRequestParts> {
  const req = await signer(spec).presign(sdkRequest({ method: 'GET', body: '', ...spec }), {
    signingDate: spec.date ?? NOW,
    expiresIn: spec.expiresIn ?? 900,
  });
  return toParts(req as HttpRequest);
}

const verifier = new SigV4Verifier();

async function failure(parts: SignedRequestParts, now: Date = NOW, v: SigV4Verifier = verifier): Promise<SigV4Error> {
  try {
    await v.verify(parts, lookup, now);
  } catch (e) {
    expect(e).toBeInstanceOf(SigV4Error);
    return e as SigV4Error;
  }
  throw new Error('verify() accepted the request');
}

async function expectCode(parts: SignedRequestParts, code: SigV4ErrorCode, now: Date = NOW): Promise<SigV4Error> {
  const e = await failure(parts, now);
  expect(e.code).toBe(code);
  return e;
}

function withHeaders(p: SignedRequestParts, h: Record<string, string | undefined>): SignedRequestParts {
  const headers: Record<string, string | string[] | undefined> = { ...p.headers };
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return { ...p, headers };
}

function withAuth(p: SignedRequestParts, auth: string): SignedRequestParts {
  return withHeaders(p, { authorization: auth });
}

const sha256hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('SigV4Verifier: accepted requests', () => {
  it('accepts a header-signed request from the SDK signer', async () => {
    const parts = await signed();
    expect(parts.headers['x-amz-content-sha256']).toBe(sha256hex(parts.body));
    const v = await verifier.verify(parts, lookup, NOW);
    expect(v).toEqual({
      accessKeyId: AKID,
      credential: { secretAccessKey: SECRET },
      scope: { date: '20261129', region: 'us-east-1', service: 'sts' },
      requestTime: NOW,
      presigned: false,
      signedHeaders: ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date'],
    });
  });

  it('accepts requests without x-amz-content-sha256 (boto3, AWS CLI)', async () => {
    const parts = await signed({ applyChecksum: false });
    expect(parts.headers['x-amz-content-sha256']).toBeUndefined();
    await expect(verifier.verify(parts, lookup, NOW)).resolves.toMatchObject({ accessKeyId: AKID });
  });

  it('returns the region and service of the credential scope', async () => {
    const parts = await signed({ region: 'eu-west-3', service: 'kms' });
    const v = await verifier.verify(parts, lookup, NOW);
    expect(v.scope).toEqual({ date: '20261129', region: 'eu-west-3', service: 'kms' });
  });

  it('accepts a presigned request', async () => {
    const parts = await presigned({ expiresIn: 900 });
    expect(parts.headers.authorization).toBeUndefined();
    expect(SigV4Verifier.hasAuth(parts)).toBe(true);
    const v = await verifier.verify(parts, lookup, new Date(NOW.getTime() + 899_000));
    expect(v).toMatchObject({ accessKeyId: AKID, presigned: true, signedHeaders: ['content-type', 'host'], expiresAt: new Date(NOW.getTime() + 900_000) });
  });

  it('accepts presigned requests for up to X-Amz-Expires, beyond the 15-minute window', async () => {
    const parts = await presigned({ expiresIn: 604_800 });
    await expect(verifier.verify(parts, lookup, new Date(NOW.getTime() + 604_000_000))).resolves.toMatchObject({ presigned: true });
  });

  it('accepts temporary credentials with their session token (header and presigned)', async () => {
    const parts = await signed({ creds: TEMPORARY });
    expect(parts.headers['x-amz-security-token']).toBe(TOKEN);
    await expect(verifier.verify(parts, lookup, NOW)).resolves.toMatchObject({ accessKeyId: TEMP_AKID, sessionToken: TOKEN });
    const pre = await presigned({ creds: TEMPORARY });
    expect(pre.query).toContain('X-Amz-Security-Token=');
    await expect(verifier.verify(pre, lookup, NOW)).resolves.toMatchObject({ sessionToken: TOKEN, presigned: true });
  });

  it('accepts query parameters in any order, with repeated keys', async () => {
    const query = { Zeta: 'z', alpha: ['b 2', 'a/1', 'a+3'], 'Key With Space': 'v=1&x', Mid: '' };
    const orders = [
      (k: string[]) => k,
      (k: string[]) => [...k].reverse(),
      (k: string[]) => [...k].sort(),
    ];
    for (const order of orders) {
      const parts = await signed({ method: 'GET', body: '', query }, order);
      await expect(verifier.verify(parts, lookup, NOW)).resolves.toMatchObject({ accessKeyId: AKID });
    }
    // Repeated values arriving in a different order than the signer sorted them.
    const parts = await signed({ method: 'GET', body: '', query: { k: ['2', '1', '3'] } });
    expect(parts.query).toBe('k=2&k=1&k=3');
    await expect(verifier.verify({ ...parts, query: 'k=3&k=1&k=2' }, lookup, NOW)).resolves.toBeDefined();
    // The same parameters with a non-canonical spelling (lower-case escapes, escaped unreserved).
    await expect(verifier.verify({ ...parts, query: 'k=%33&%6b=1&k=2' }, lookup, NOW)).resolves.toBeDefined();
  });

  it('verifies paths with encoded characters exactly as the SDK signs them (double-encoded)', async () => {
    for (const path of ['/detector/abc%20d', '/a%2Fb/c%25d/%E2%82%AC', '/x/./y/../z//w/', '/key/a%3Ab:c~d_e.f-g']) {
      const parts = await signed({ method: 'GET', body: '', path });
      await expect(verifier.verify(parts, lookup, NOW), path).resolves.toMatchObject({ accessKeyId: AKID });
    }
    expect(canonicalUri('/detector/abc%20d')).toBe('/detector/abc%2520d');
    expect(canonicalUri('/x/./y/../z//w/')).toBe('/x/z/w/');
    expect(canonicalUri('/')).toBe('/');
  });

  it('accepts repeated header values (headersDistinct arrays) joined with commas', async () => {
    const parts = await signed({ headers: { 'x-amz-meta-tags': 'a,b' } });
    await expect(verifier.verify(withHeaders(parts, {}), lookup, NOW)).resolves.toBeDefined();
    const distinct = { ...parts, headers: { ...parts.headers, 'x-amz-meta-tags': ['a', ' b '] } };
    await expect(verifier.verify(distinct, lookup, NOW)).resolves.toBeDefined();
  });

  it('accepts the Date header instead of X-Amz-Date', async () => {
    // The SDK always writes X-Amz-Date; rebuild its canonical request with the date moved to Date.
    const parts = await signed({ applyChecksum: false });
    const amzDate = parts.headers['x-amz-date'] as string;
    const names = ['content-type', 'date', 'host'];
    const headers = withHeaders(parts, { 'x-amz-date': undefined, date: 'Sun, 29 Nov 2026 11:00:00 GMT' }).headers;
    const canonical = buildCanonicalRequest('POST', '/', '', headers, names, sha256hex(parts.body))!;
    const key = deriveSigningKey(SECRET, '20261129', 'us-east-1', 'sts');
    const sig = (await import('node:crypto')).createHmac('sha256', key)
      .update(stringToSign(amzDate, '20261129/us-east-1/sts/aws4_request', canonical)).digest('hex');
    const auth = `AWS4-HMAC-SHA256 Credential=${AKID}/20261129/us-east-1/sts/aws4_request, SignedHeaders=${names.join(';')}, Signature=${sig}`;
    await expect(verifier.verify({ ...parts, headers: { ...headers, authorization: auth } }, lookup, NOW)).resolves.toMatchObject({ requestTime: NOW });
  });

  it('caches derived signing keys in a bounded map', async () => {
    const v = new SigV4Verifier({ signingKeyCacheSize: 2 });
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'us-east-1']) {
      await v.verify(await signed({ region }), lookup, NOW);
    }
    expect(v.cachedKeyCount).toBe(2);
    const none = new SigV4Verifier({ signingKeyCacheSize: 0 });
    await none.verify(await signed(), lookup, NOW);
    await none.verify(await signed(), lookup, NOW);
    expect(none.cachedKeyCount).toBe(0);
  });

  it('misses the cache after the secret changes (cache keyed by a hash of the secret)', async () => {
    const v = new SigV4Verifier();
    const parts = await signed();
    await v.verify(parts, lookup, NOW);
    const rotated: CredentialLookup = async () => ({ secretAccessKey: 'rotated-secret' });
    await expect(v.verify(parts, rotated, NOW)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});

describe('SigV4Verifier: per-request shortcuts', () => {
  it('hmacWithPads equals createHmac for any key and message (ASCII, Latin-1, astral, lone surrogates, too long for the scratch)', () => {
    const msg = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 800 }), fc.constantFrom('\ud800', 'x'.repeat(700), 'é'.repeat(700), ''));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), msg, (k, m) => {
        const key = Buffer.from(k);
        const pads = Buffer.alloc(160);
        pads.fill(0x36, 0, 64);
        pads.fill(0x5c, 64, 128);
        for (let i = 0; i < 32; i++) {
          pads[i] = pads[i]! ^ key[i]!;
          pads[64 + i] = pads[64 + i]! ^ key[i]!;
        }
        const got = hmacWithPads({ key, pads, outer: pads.subarray(64) }, m);
        expect(got.toString('hex')).toBe(createHmac('sha256', key).update(m, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('verifies interleaved requests of different keys, scopes, dates and signed headers (the one-entry memos)', async () => {
    const v = new SigV4Verifier({ signingKeyCacheSize: 3 });
    const later = new Date(NOW.getTime() + 1000);
    const variants: RequestSpec[] = [
      {},
      { region: 'eu-west-1' },
      { creds: TEMPORARY, headers: { 'x-amz-target': 'TrentService.Encrypt' } },
      { date: later },
      { service: 'iam' },
      { headers: { 'x-extra': 'a' } },
    ];
    const parts = await Promise.all(variants.map((s) => signed(s)));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < parts.length; i++) {
        const ok = await v.verify(parts[i]!, lookup, NOW);
        expect(ok.scope.region).toBe(variants[i]!.region ?? 'us-east-1');
        expect(ok.requestTime.getTime()).toBe((variants[i]!.date ?? NOW).getTime());
        // The same request with one byte of the signature changed fails right after it passed.
        const auth = parts[i]!.headers.authorization as string;
        const bad = withHeaders(parts[i]!, { authorization: auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0') });
        await expect(v.verify(bad, lookup, NOW)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      }
    }
  });
});

describe('SigV4Verifier: rejected requests', () => {
  it('no auth at all → MissingAuthenticationToken', async () => {
    const parts = withHeaders(await signed(), { authorization: undefined });
    expect(SigV4Verifier.hasAuth(parts)).toBe(false);
    const e = await expectCode(parts, 'MissingAuthenticationToken');
    expect(e.message).toBe('Request is missing Authentication Token');
    expect(e.accessKeyId).toBeUndefined();
    expect(e).toBeInstanceOf(AwsError);
    expect(e.status).toBe(403);
  });

  it('tampered signature → SignatureDoesNotMatch', async () => {
    const parts = await signed();
    const auth = parts.headers.authorization as string;
    const last = auth.at(-1) === '0' ? '1' : '0';
    const e = await expectCode(withAuth(parts, auth.slice(0, -1) + last), 'SignatureDoesNotMatch');
    expect(e.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    expect(e.accessKeyId).toBe(AKID);
    await expectCode(withAuth(parts, auth.slice(0, -1)), 'SignatureDoesNotMatch');
    await expectCode(withAuth(parts, auth.toUpperCase().replace('AWS4-HMAC-SHA256 CREDENTIAL', 'AWS4-HMAC-SHA256 Credential')), 'IncompleteSignature');
  });

  it('wrong secret → SignatureDoesNotMatch', async () => {
    const e = await expectCode(await signed({ creds: { accessKeyId: AKID, secretAccessKey: 'not-the-secret' } }), 'SignatureDoesNotMatch');
    expect(e.accessKeyId).toBe(AKID);
  });

  it('unknown access key → InvalidClientTokenId', async () => {
    const e = await expectCode(await signed({ creds: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: SECRET } }), 'InvalidClientTokenId');
    expect(e.message).toBe('The security token included in the request is invalid.');
    expect(e.accessKeyId).toBe('AKIAUNKNOWNUNKNOWN00');
  });

  it('request time 16 minutes off → RequestExpired (both directions); 15 minutes is accepted', async () => {
    const old = await signed({ date: new Date(NOW.getTime() - 16 * 60_000) });
    const e = await expectCode(old, 'RequestExpired');
    expect(e.message).toBe('Signature expired: 20261129T104400Z is now earlier than 20261129T104500Z (20261129T110000Z - 15 min.)');
    expect(e.accessKeyId).toBe(AKID);
    const future = await signed({ date: new Date(NOW.getTime() + 16 * 60_000) });
    const f = await expectCode(future, 'RequestExpired');
    expect(f.message).toBe('Signature not yet current: 20261129T111600Z is still later than 20261129T111500Z (20261129T110000Z + 15 min.)');
    await expect(verifier.verify(await signed({ date: new Date(NOW.getTime() - 15 * 60_000) }), lookup, NOW)).resolves.toBeDefined();
    await expect(verifier.verify(await signed({ date: new Date(NOW.getTime() + 15 * 60_000) }), lookup, NOW)).resolves.toBeDefined();
  });

  it('honours a configured clock skew', async () => {
    const strict = new SigV4Verifier({ clockSkewMs: 60_000 });
    const e = await failure(await signed({ date: new Date(NOW.getTime() - 2 * 60_000) }), NOW, strict);
    expect(e.code).toBe('RequestExpired');
    expect(e.message).toContain('(20261129T110000Z - 1 min.)');
  });

  it('credential scope date ≠ request date → SignatureDoesNotMatch', async () => {
    const parts = await signed();
    const auth = (parts.headers.authorization as string).replace('/20261129/', '/20261128/');
    const e = await expectCode(withAuth(parts, auth), 'SignatureDoesNotMatch');
    expect(e.message).toBe(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261128' != '20261129', from '20261129T110000Z'.",
    );
  });

  it('presigned past expiry → RequestExpired', async () => {
    const parts = await presigned({ expiresIn: 60 });
    const e = await expectCode(parts, 'RequestExpired', new Date(NOW.getTime() + 61_000));
    expect(e.message).toBe('Signature expired: 20261129T110100Z is now earlier than 20261129T110101Z (20261129T110000Z + 60 sec.)');
    await expectCode(await presigned({ date: new Date(NOW.getTime() + 16 * 60_000) }), 'RequestExpired');
  });

  it('presigned X-Amz-Expires out of 1..604800 → IncompleteSignature', async () => {
    const parts = await presigned({ expiresIn: 60 });
    for (const bad of ['0', '604801', '-1', 'abc', '']) {
      await expectCode({ ...parts, query: parts.query.replace('X-Amz-Expires=60', `X-Amz-Expires=${bad}`) }, 'IncompleteSignature');
    }
  });

  it('presigned with a tampered query → SignatureDoesNotMatch; missing parameter → IncompleteSignature', async () => {
    const parts = await presigned({ query: { Action: 'GetCallerIdentity' } });
    await expectCode({ ...parts, query: parts.query.replace('GetCallerIdentity', 'GetSessionToken') }, 'SignatureDoesNotMatch');
    await expectCode({ ...parts, query: parts.query + '&Extra=1' }, 'SignatureDoesNotMatch');
    await expectCode({ ...parts, query: parts.query.replace(/X-Amz-SignedHeaders=[^&]*&?/, '') }, 'IncompleteSignature');
    await expectCode({ ...parts, query: parts.query.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA1') }, 'IncompleteSignature');
    await expectCode({ ...parts, query: parts.query + '&X-Amz-Date=20261129T110000Z' }, 'IncompleteSignature');
    // Both an Authorization header and a presigned query.
    const both = withAuth(parts, `AWS4-HMAC-SHA256 Credential=${AKID}/20261129/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`);
    await expectCode(both, 'IncompleteSignature');
  });

  it('signed header missing from the request → SignatureDoesNotMatch', async () => {
    const parts = await signed({ headers: { 'x-amz-meta-extra': 'value' } });
    const e = await expectCode(withHeaders(parts, { 'x-amz-meta-extra': undefined }), 'SignatureDoesNotMatch');
    expect(e.accessKeyId).toBe(AKID);
  });

  it('host not signed → IncompleteSignature', async () => {
    const parts = await signed();
    const auth = (parts.headers.authorization as string).replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;');
    const e = await expectCode(withAuth(parts, auth), 'IncompleteSignature');
    expect(e.message).toBe("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('the Host header including its port is signed as sent', async () => {
    const parts = await signed();
    await expectCode(withHeaders(parts, { host: 'bulwark.example.com' }), 'SignatureDoesNotMatch');
    await expectCode(withHeaders(parts, { host: 'bulwark.example.com:443' }), 'SignatureDoesNotMatch');
  });

  it('tampered body → SignatureDoesNotMatch, with and without x-amz-content-sha256', async () => {
    const withSha = await signed();
    const e = await expectCode({ ...withSha, body: Buffer.from('Action=GetSessionToken&Version=2011-06-15') }, 'SignatureDoesNotMatch');
    expect(e.message).toBe("The provided 'x-amz-content-sha256' header does not match what was computed.");
    // The attacker also rewrites the declared hash: the signature then fails.
    const evil = Buffer.from('Action=GetSessionToken&Version=2011-06-15');
    await expectCode({ ...withHeaders(withSha, { 'x-amz-content-sha256': sha256hex(evil) }), body: evil }, 'SignatureDoesNotMatch');
    const without = await signed({ applyChecksum: false });
    await expectCode({ ...without, body: evil }, 'SignatureDoesNotMatch');
  });

  it('UNSIGNED-PAYLOAD is not honoured: the canonical request always uses the body hash', async () => {
    const parts = await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await expectCode(parts, 'SignatureDoesNotMatch');
  });

  it('tampered header value → SignatureDoesNotMatch', async () => {
    const parts = await signed({ headers: { 'x-amz-target': 'TrentService.Encrypt' } });
    await expect(verifier.verify(parts, lookup, NOW)).resolves.toBeDefined();
    await expectCode(withHeaders(parts, { 'x-amz-target': 'TrentService.Decrypt' }), 'SignatureDoesNotMatch');
    await expectCode(withHeaders(parts, { 'content-type': 'application/json' }), 'SignatureDoesNotMatch');
    // Whitespace differences the canonical form erases are fine.
    await expect(verifier.verify(withHeaders(parts, { 'x-amz-target': '  TrentService.Encrypt ' }), lookup, NOW)).resolves.toBeDefined();
  });

  it('tampered method or path → SignatureDoesNotMatch', async () => {
    const parts = await signed({ path: '/detector/abc%20d' });
    await expectCode({ ...parts, method: 'PUT' }, 'SignatureDoesNotMatch');
    await expectCode({ ...parts, path: '/detector/abc d' }, 'SignatureDoesNotMatch');
    await expectCode({ ...parts, path: '/detector/abc%2520d' }, 'SignatureDoesNotMatch');
  });

  it('an unsigned X-Amz-Target → AccessDenied', async () => {
    const parts = await signed();
    const e = await expectCode(withHeaders(parts, { 'x-amz-target': 'TrentService.Decrypt' }), 'AccessDenied');
    expect(e.message).toBe('There were headers present in the request which were not signed: x-amz-target');
  });

  it('wrong or missing session token → InvalidClientTokenId', async () => {
    const parts = await signed({ creds: TEMPORARY });
    const missing = await expectCode(withHeaders(parts, { 'x-amz-security-token': undefined }), 'InvalidClientTokenId');
    expect(missing.message).toBe('The security token included in the request is invalid.');
    expect(missing.accessKeyId).toBe(TEMP_AKID);
    await expectCode(withHeaders(parts, { 'x-amz-security-token': TOKEN + 'x' }), 'InvalidClientTokenId');
    await expectCode(await signed({ creds: { ...TEMPORARY, sessionToken: 'forged' } }), 'InvalidClientTokenId');
    // A long-term key presented with a token.
    await expectCode(await signed({ creds: { ...LONG_TERM, sessionToken: 'anything' } }), 'InvalidClientTokenId');
    const pre = await presigned({ creds: TEMPORARY });
    await expectCode({ ...pre, query: pre.query.replace(/X-Amz-Security-Token=[^&]*/, 'X-Amz-Security-Token=forged') }, 'InvalidClientTokenId');
  });

  it('expired temporary credentials → ExpiredToken', async () => {
    const e = await expectCode(await signed({ creds: { ...TEMPORARY, accessKeyId: EXPIRED_AKID } }), 'ExpiredToken');
    expect(e.message).toBe('The security token included in the request is expired');
    expect(e.accessKeyId).toBe(EXPIRED_AKID);
  });

  it('malformed Authorization headers → IncompleteSignature', async () => {
    const parts = await signed();
    const good = parts.headers.authorization as string;
    const sig = /Signature=([0-9a-f]{64})/.exec(good)![1]!;
    const cred = `${AKID}/20261129/us-east-1/sts/aws4_request`;
    const sh = 'content-type;host;x-amz-content-sha256;x-amz-date';
    const cases: [string, string | undefined][] = [
      [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}`, "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential="],
      [`AWS4-HMAC-SHA256 Credential=${cred}, Signature=${sig}`, "Authorization header requires 'SignedHeaders' parameter."],
      [`AWS4-HMAC-SHA256 SignedHeaders=${sh}, Signature=${sig}`, "Authorization header requires 'Credential' parameter."],
      [`AWS4-HMAC-SHA256`, "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter."],
      [`AWS4-HMAC-SHA1 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}`, "requires 'AWS4-HMAC-SHA256'"],
      [`AWS ${AKID}:c2lnbmF0dXJl`, undefined],
      [`Bearer abc`, undefined],
      [`AWS4-HMAC-SHA256 Credential=${AKID}/20261129/us-east-1/aws4_request, SignedHeaders=${sh}, Signature=${sig}`, 'Credential must have exactly 5 slash-delimited elements'],
      [`AWS4-HMAC-SHA256 Credential=${AKID}/20261129/us-east-1/sts/aws5_request, SignedHeaders=${sh}, Signature=${sig}`, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."],
      [`AWS4-HMAC-SHA256 Credential=${AKID}/2026-11-29/us-east-1/sts/aws4_request, SignedHeaders=${sh}, Signature=${sig}`, undefined],
      [`AWS4-HMAC-SHA256 Credential=${AKID}/20261129//sts/aws4_request, SignedHeaders=${sh}, Signature=${sig}`, undefined],
      [`AWS4-HMAC-SHA256 Credential=/20261129/us-east-1/sts/aws4_request, SignedHeaders=${sh}, Signature=${sig}`, undefined],
      [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}, Signature=${sig}`, 'duplicate'],
      [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders, Signature=${sig}`, 'not a valid key=value pair'],
      [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=Host;X-Amz-Date, Signature=${sig}`, undefined],
      [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host;;x-amz-date, Signature=${sig}`, undefined],
    ];
    for (const [auth, message] of cases) {
      const e = await failure(withAuth(parts, auth));
      expect(e.code, auth).toBe('IncompleteSignature');
      if (message) expect(e.message, auth).toContain(message);
      expect(e.message).not.toContain(sig);
    }
    // The access key id is kept for auditing whenever it could be parsed.
    const e = await failure(withAuth(parts, `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}`));
    expect(e.accessKeyId).toBe(AKID);
  });

  it('bad or missing request date → IncompleteSignature', async () => {
    const parts = await signed();
    for (const d of ['2026-11-29T11:00:00Z', '20261129T110000', '20261329T110000Z', '20261129T250000Z', 'yesterday']) {
      const e = await expectCode(withHeaders(parts, { 'x-amz-date': d }), 'IncompleteSignature');
      expect(e.message).toContain("Date must be in ISO-8601 'basic format'");
    }
    const e = await expectCode(withHeaders(parts, { 'x-amz-date': undefined }), 'IncompleteSignature');
    expect(e.message).toContain("requires existence of either a 'X-Amz-Date' or a 'Date' header");
  });
});

describe('SigV4Verifier: robustness', () => {
  it('propagates errors from the credential lookup unchanged (storage failures are not auth failures)', async () => {
    const boom = new Error('storage down');
    await expect(verifier.verify(await signed(), async () => { throw boom; }, NOW)).rejects.toBe(boom);
  });

  it('rejects junk where the types promise strings with a SigV4Error, not a TypeError', async () => {
    const junk = { method: 1, path: null, query: undefined, headers: null, body: 'x' } as unknown as SignedRequestParts;
    await expectCode(junk, 'MissingAuthenticationToken');
    const good = await signed();
    await expectCode({ ...good, body: 'not a buffer' as unknown as Buffer }, 'SignatureDoesNotMatch');
  });
});

describe('known-answer vectors (AWS documentation and aws-sig-v4-test-suite)', () => {
  const creds: CredentialLookup = async (id) =>
    id === 'AKIDEXAMPLE' ? { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } : undefined;
  const at = new Date('2015-08-30T12:36:00Z');

  it('IAM ListUsers example: canonical request hash, signing key and signature', async () => {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: 'iam.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
    };
    const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const canonical = buildCanonicalRequest('GET', '/', canonicalQuery('Action=ListUsers&Version=2010-05-08', false), headers,
      ['content-type', 'host', 'x-amz-date'], emptyHash)!;
    expect(canonical).toBe(
      'GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n' +
        'host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n' + emptyHash,
    );
    expect(sha256hex(canonical)).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    expect(stringToSign('20150830T123600Z', '20150830/us-east-1/iam/aws4_request', canonical)).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59',
    );
    expect(deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
    const parts: SignedRequestParts = {
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        ...headers,
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
          'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      },
      body: Buffer.alloc(0),
    };
    await expect(verifier.verify(parts, creds, at)).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE', scope: { service: 'iam' } });
    const wrong = { ...parts, query: 'Action=ListUsers&Version=2010-05-09' };
    await expect(verifier.verify(wrong, creds, at)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it.each([
    ['get-vanilla', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['get-vanilla-query-order-key-case', 'Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
  ])('%s', async (_name, query, signature) => {
    const parts: SignedRequestParts = {
      method: 'GET',
      path: '/',
      query,
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      },
      body: Buffer.alloc(0),
    };
    await expect(verifier.verify(parts, creds, at)).resolves.toMatchObject({ scope: { region: 'us-east-1', service: 'service' } });
  });
});

describe('canonicalisation helpers', () => {
  it('canonicalQuery decodes then re-encodes, sorts by key then value, drops X-Amz-Signature only when presigned', () => {
    expect(canonicalQuery('b=2&a=%7e&a=1&c', false)).toBe('a=1&a=~&b=2&c=');
    expect(canonicalQuery('k=a+b&k=a%20b&%zz=%', false)).toBe('%25zz=%25&k=a%20b&k=a%2Bb');
    expect(canonicalQuery('X-Amz-Signature=abc&A=1', true)).toBe('A=1');
    expect(canonicalQuery('X-Amz-Signature=abc&A=1', false)).toBe('A=1&X-Amz-Signature=abc');
    expect(canonicalQuery('', false)).toBe('');
    expect(canonicalQuery('&&a=1&', false)).toBe('a=1');
  });

  it('canonicalUri encodes each segment of the raw path once more', () => {
    expect(canonicalUri('/a b/ü')).toBe('/a%20b/%C3%BC');
    expect(canonicalUri("/!'()*")).toBe('/%21%27%28%29%2A');
    expect(canonicalUri('/..')).toBe('/');
    expect(canonicalUri('')).toBe('/');
  });
});

describe('authErrorForJsonProtocol', () => {
  it('maps query-protocol auth codes to JSON-protocol spellings', () => {
    expect(authErrorForJsonProtocol('MissingAuthenticationToken')).toBe('MissingAuthenticationTokenException');
    expect(authErrorForJsonProtocol('IncompleteSignature')).toBe('IncompleteSignatureException');
    expect(authErrorForJsonProtocol('InvalidClientTokenId')).toBe('UnrecognizedClientException');
    expect(authErrorForJsonProtocol('SignatureDoesNotMatch')).toBe('InvalidSignatureException');
    expect(authErrorForJsonProtocol('ExpiredToken')).toBe('ExpiredTokenException');
    expect(authErrorForJsonProtocol('RequestExpired')).toBe('InvalidSignatureException');
    expect(authErrorForJsonProtocol('AccessDenied')).toBe('AccessDeniedException');
    expect(authErrorForJsonProtocol('NoSuchEntity')).toBeUndefined();
  });
});

describe('hasAuth', () => {
  it('detects header and presigned auth cheaply', () => {
    const base: SignedRequestParts = { method: 'GET', path: '/', query: '', headers: {}, body: Buffer.alloc(0) };
    expect(SigV4Verifier.hasAuth(base)).toBe(false);
    expect(SigV4Verifier.hasAuth({ ...base, headers: { authorization: '' } })).toBe(false);
    expect(SigV4Verifier.hasAuth({ ...base, headers: { authorization: 'AWS4-HMAC-SHA256 x' } })).toBe(true);
    expect(SigV4Verifier.hasAuth({ ...base, query: 'Action=X&X-Amz-Credential=a' })).toBe(true);
    expect(SigV4Verifier.hasAuth({ ...base, query: 'Action=X' })).toBe(false);
  });
});

describe('fuzzing: verify() only ever throws SigV4Error', () => {
  const fragment = fc.constantFrom(
    'AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 ', 'Credential=', 'SignedHeaders=', 'Signature=', ', ', ',', '=', ';', '/', ' ',
    AKID, TEMP_AKID, '20261129', '20261129T110000Z', 'us-east-1', 'sts', 'aws4_request', 'host', 'x-amz-date',
    'constructor', '__proto__', 'toString', '%', '%zz', '%E2%82', '\uD800', 'é', '0'.repeat(64), 'X-Amz-Expires=', '&',
  );
  const text = fc.oneof(fc.string(), fc.array(fragment, { maxLength: 14 }).map((a) => a.join('')));
  const headerName = fc.constantFrom(
    'host', 'x-amz-date', 'date', 'x-amz-security-token', 'x-amz-content-sha256', 'x-amz-target', 'content-type',
    'constructor', '__proto__', 'authorization',
  );
  const headerVal = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined));

  it('random Authorization headers, query strings, paths and headers', async () => {
    const good = await signed({ creds: TEMPORARY });
    await fc.assert(
      fc.asyncProperty(
        fc.option(text, { nil: undefined }),
        text,
        text,
        fc.dictionary(headerName, headerVal, { maxKeys: 5 }),
        fc.boolean(),
        async (auth, query, path, extra, keepGood) => {
          const headers: Record<string, string | string[] | undefined> = keepGood ? { ...good.headers } : {};
          Object.assign(headers, extra);
          if (auth !== undefined) headers.authorization = auth;
          const parts: SignedRequestParts = { method: 'POST', path, query, headers, body: good.body };
          try {
            await verifier.verify(parts, lookup, NOW);
          } catch (e) {
            if (!(e instanceof SigV4Error)) throw e;
          }
          SigV4Verifier.hasAuth(parts);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('mutations of a valid presigned query', async () => {
    const pre = await presigned({ creds: TEMPORARY, query: { Action: 'GetCallerIdentity' } });
    await fc.assert(
      fc.asyncProperty(fc.nat(pre.query.length), fc.nat(pre.query.length), text, async (from, len, insert) => {
        const query = pre.query.slice(0, from) + insert + pre.query.slice(from + len);
        try {
          await verifier.verify({ ...pre, query }, lookup, NOW);
        } catch (e) {
          if (!(e instanceof SigV4Error)) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });
});
