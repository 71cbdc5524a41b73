/**
 * AWS Signature Version 4 verification on the server side: parses the Authorization header or the
 * presigned query, rebuilds the canonical request exactly as the AWS SDK signers do, and checks the
 * signature, the clock, the credential scope and session tokens. Runs on every API request, so the
 * per-request path avoids regex compilation and caches derived signing keys. See docs/sigv4.md.
 */
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { AwsError, type AwsErrorCode } from '../errors/index.js';

/** The parts of an HTTP request that SigV4 covers, as received on the wire. */
export interface SignedRequestParts {
  /** HTTP method, e.g. 'POST'. */
  method: string;
  /** Raw request path as received, without the query, e.g. '/' or '/detector/abc%20d'. */
  path: string;
  /** Raw query string without '?', '' if none. */
  query: string;
  /** Request headers with lower-cased names (Node's IncomingMessage.headers or headersDistinct). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body bytes. */
  body: Buffer;
}

/** What the credential store knows about an access key. */
export interface CredentialSecret {
  secretAccessKey: string;
  /** Set for temporary credentials: the request must carry exactly this token. */
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiration?: Date;
}

/** Resolves an access key id to its secret; undefined when the key is unknown. */
export type CredentialLookup<C extends CredentialSecret = CredentialSecret> = (accessKeyId: string) => Promise<C | undefined>;

/** The facts a verified signature establishes. */
export interface VerifiedRequest<C extends CredentialSecret = CredentialSecret> {
  accessKeyId: string;
  /** What the lookup returned for the access key (so callers need not look it up again). */
  credential: C;
  /** From the credential scope; the caller checks region and service against its own. */
  scope: { date: string; region: string; service: string };
  /** X-Amz-Date (or Date) of the request. */
  requestTime: Date;
  presigned: boolean;
  signedHeaders: readonly string[];
  sessionToken?: string;
  /** Presigned requests only: when the presigned URL stops being valid. */
  expiresAt?: Date;
}

/** The error codes SigV4 verification produces (query-protocol spellings). */
export type SigV4ErrorCode =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'RequestExpired'
  | 'ExpiredToken'
  | 'AccessDenied';

/** A SigV4 verification failure; carries the access key id whenever it could be parsed, for auditing. */
export class SigV4Error extends AwsError {
  declare readonly code: SigV4ErrorCode;
  readonly accessKeyId?: string;

  constructor(code: SigV4ErrorCode, message: string, accessKeyId?: string) {
    super(code, message);
    this.name = 'SigV4Error';
    if (accessKeyId !== undefined) this.accessKeyId = accessKeyId;
  }
}

const JSON_PROTOCOL_AUTH_CODES: Readonly<Partial<Record<AwsErrorCode, AwsErrorCode>>> = {
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  ExpiredToken: 'ExpiredTokenException',
  // KMS and other JSON services answer "Signature expired" with InvalidSignatureException.
  RequestExpired: 'InvalidSignatureException',
  AccessDenied: 'AccessDeniedException',
};

/** The JSON-protocol spelling of an authentication error code; undefined for codes it does not rename. */
export function authErrorForJsonProtocol(code: AwsErrorCode): AwsErrorCode | undefined {
  return Object.hasOwn(JSON_PROTOCOL_AUTH_CODES, code) ? JSON_PROTOCOL_AUTH_CODES[code] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Constants and precompiled patterns.

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_PRESIGNED_EXPIRES = 604_800;
const DEFAULT_CLOCK_SKEW_MS = 15 * 60 * 1000;
const DEFAULT_KEY_CACHE_SIZE = 1024;
const MAX_ECHO = 512;

const MSG_MISSING = 'Request is missing Authentication Token';
const MSG_INVALID_TOKEN = 'The security token included in the request is invalid.';
const MSG_EXPIRED_TOKEN = 'The security token included in the request is expired';
const MSG_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HTTP_DATE_RE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const SCOPE_DATE_RE = /^\d{8}$/;
const SIGNATURE_RE = /^[0-9a-f]{64}$/;
const EXPIRES_RE = /^\d{1,7}$/;
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const HEADER_WS_RE = /[ \t\r\n]+/g;
const SIGNATURE_ECHO_RE = /Signature=[^,\s]*/g;
const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};
const PRESIGN_MARKERS = ['X-Amz-Algorithm=', 'X-Amz-Credential=', 'X-Amz-Signature='] as const;
const HEX = '0123456789ABCDEF';

// ---------------------------------------------------------------------------------------------
// Encoding.

/** RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~ */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * The UTF-8 bytes of `s`; with `decodePercent`, valid %XX escapes become the byte they denote
 * (invalid ones stay literal). Lone surrogates become U+FFFD, so this never throws.
 */
function toBytes(s: string, decodePercent: boolean): number[] {
  const out: number[] = [];
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && decodePercent && i + 2 < n) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) {
      out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    } else {
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    }
  }
  return out;
}

/**
 * RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX upper-case).
 * With `decodePercent`, existing escapes are decoded first, so any spelling of a value encodes the same.
 */
function uriEncode(s: string, decodePercent: boolean): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    if (!isUnreserved(s.charCodeAt(i))) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const bytes = toBytes(s, decodePercent);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += isUnreserved(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Percent-decodes a query component to a string (invalid escapes stay literal, '+' stays '+'). */
function uriDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  return Buffer.from(toBytes(s, true)).toString('utf8');
}

/**
 * The canonical URI the AWS SDK signers produce for non-S3 services (`uriEscapePath: true`):
 * remove empty and '.' segments, resolve '..', then URI-encode each segment of the path *as sent*
 * (so an escape like %20 on the wire is signed as %2520).
 */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  let start = 0;
  const n = path.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || path.charCodeAt(i) === 0x2f) {
      const seg = path.slice(start, i);
      start = i + 1;
      if (seg === '' || seg === '.') continue;
      if (seg === '..') segments.pop();
      else segments.push(uriEncode(seg, false));
    }
  }
  if (segments.length === 0) return '/';
  const lead = path.charCodeAt(0) === 0x2f ? '/' : '';
  const trail = path.charCodeAt(n - 1) === 0x2f ? '/' : '';
  return lead + segments.join('/') + trail;
}

interface QueryParam {
  /** Canonically encoded key and value. */
  key: string;
  value: string;
  rawValue: string;
}

/** Splits a raw query string into canonically encoded parameters, in arrival order. */
function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (query === '') return params;
  let start = 0;
  const n = query.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || query.charCodeAt(i) === 0x26) {
      if (i > start) {
        const pair = query.slice(start, i);
        const eq = pair.indexOf('=');
        const rawKey = eq === -1 ? pair : pair.slice(0, eq);
        const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
        params.push({ key: uriEncode(rawKey, true), value: uriEncode(rawValue, true), rawValue });
      }
      start = i + 1;
    }
  }
  return params;
}

function compareParams(a: QueryParam, b: QueryParam): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/** The canonical query string of a raw query: decoded, re-encoded, sorted by key then value. */
export function canonicalQuery(rawQuery: string, excludeSignature: boolean): string {
  return canonicalQueryOf(parseQuery(rawQuery), excludeSignature);
}

/** The canonical query string: sorted by key then value, X-Amz-Signature left out when presigned. */
function canonicalQueryOf(params: readonly QueryParam[], excludeSignature: boolean): string {
  const kept: QueryParam[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (excludeSignature && p.key === 'X-Amz-Signature') continue;
    kept.push(p);
  }
  kept.sort(compareParams);
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i]!;
    out += (i === 0 ? '' : '&') + p.key + '=' + p.value;
  }
  return out;
}

/** Trims a header value and collapses runs of whitespace, as the SDK signers do. */
function canonicalHeaderValue(v: string): string {
  // Fast path (nearly every header): no tab, CR, LF or double space, and no edge spaces, so the
  // value is already canonical and the regex replace would allocate a copy for nothing.
  const n = v.length;
  if (n > 0 && v.charCodeAt(0) !== 0x20 && v.charCodeAt(n - 1) !== 0x20) {
    let clean = true;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x09 || c === 0x0a || c === 0x0d || (c === 0x20 && v.charCodeAt(i + 1) === 0x20)) {
        clean = false;
        break;
      }
    }
    if (clean) return v;
  }
  const collapsed = v.replace(HEADER_WS_RE, ' ');
  const from = collapsed.charCodeAt(0) === 0x20 ? 1 : 0;
  const to = collapsed.length > from && collapsed.charCodeAt(collapsed.length - 1) === 0x20 ? collapsed.length - 1 : collapsed.length;
  return from === 0 && to === collapsed.length ? collapsed : collapsed.slice(from, to);
}

/** A header's value; an array (repeated header) is joined with ','. Non-string junk counts as absent. */
function headerValue(headers: SignedRequestParts['headers'], name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const v: unknown = headers[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    let out: string | undefined;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'string') out = out === undefined ? e : out + ',' + e;
    }
    return out;
  }
  return undefined;
}

/** The canonical value of a signed header: each value trimmed, repeated values joined with ','. */
function canonicalHeader(headers: SignedRequestParts['headers'], name: string): string | undefined {
  let key = name;
  if (!Object.hasOwn(headers, key) && name === 'host' && Object.hasOwn(headers, ':authority')) key = ':authority';
  if (!Object.hasOwn(headers, key)) return undefined;
  const v: unknown = headers[key];
  if (typeof v === 'string') return canonicalHeaderValue(v);
  if (Array.isArray(v)) {
    let out: string | undefined;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'string') out = out === undefined ? canonicalHeaderValue(e) : out + ',' + canonicalHeaderValue(e);
    }
    return out;
  }
  return undefined;
}

/** Builds the canonical request; undefined when a signed header is absent from the request. */
export function buildCanonicalRequest(
  method: string,
  path: string,
  canonicalQueryString: string,
  headers: SignedRequestParts['headers'],
  signedHeaders: readonly string[],
  payloadHash: string,
): string | undefined {
  return canonicalRequest(method, path, canonicalQueryString, headers, signedHeaders, signedHeaders.join(';'), payloadHash);
}

/** buildCanonicalRequest with the SignedHeaders text already at hand (`signedHeaders` joined with ';'). */
function canonicalRequest(
  method: string,
  path: string,
  canonicalQueryString: string,
  headers: SignedRequestParts['headers'],
  signedHeaders: readonly string[],
  signedHeadersText: string,
  payloadHash: string,
): string | undefined {
  let out = method + '\n' + (path === '/' ? '/' : canonicalUri(path)) + '\n' + canonicalQueryString + '\n';
  for (let i = 0; i < signedHeaders.length; i++) {
    const name = signedHeaders[i]!;
    const v = canonicalHeader(headers, name);
    if (v === undefined) return undefined;
    out += name + ':' + v + '\n';
  }
  return out + '\n' + signedHeadersText + '\n' + payloadHash;
}

/** The string to sign for a canonical request. */
export function stringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  // One-shot crypto.hash: no Hash object per call (the canonical request is small).
  return ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + hash('sha256', canonicalRequest, 'hex');
}

/** HMAC chain kSecret → kDate → kRegion → kService → kSigning; intermediates are wiped. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const secret = Buffer.from('AWS4' + secretAccessKey, 'utf8');
  const kDate = createHmac('sha256', secret).update(date, 'utf8').digest();
  secret.fill(0);
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest();
  kDate.fill(0);
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest();
  kRegion.fill(0);
  const kSigning = createHmac('sha256', kService).update(TERMINATOR, 'utf8').digest();
  kService.fill(0);
  return kSigning;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

interface ParsedAuth {
  presigned: boolean;
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: readonly string[];
  /** The SignedHeaders value as sent (the names joined with ';'). */
  signedHeadersText: string;
  signature: string;
  amzDate: string;
  requestTime: Date;
  /** Presigned only; undefined when X-Amz-Expires is absent (then the normal clock window applies). */
  expiresSeconds: number | undefined;
  params: QueryParam[];
}

function incomplete(message: string, accessKeyId?: string): SigV4Error {
  return new SigV4Error('IncompleteSignature', message, accessKeyId);
}

/** Echoes a client value in an error message: truncated, signature redacted. */
function echo(v: string): string {
  const s = v.length > MAX_ECHO ? v.slice(0, MAX_ECHO) + '...' : v;
  return s.replace(SIGNATURE_ECHO_RE, 'Signature=<redacted>');
}

// One-entry memos of the last successful parse of a credential scope, SignedHeaders list and
// request date: a client's consecutive requests repeat them (the date changes once a second), and a
// string comparison is cheaper than splitting and checking them again. Only valid values are kept.
let lastDateText: string | undefined;
let lastDateAmz = '';
let lastDateMs = 0;
let lastCredText: string | undefined;
let lastCred: { accessKeyId: string; date: string; region: string; service: string } | undefined;
let lastSignedText: string | undefined;
let lastSigned: readonly string[] = [];

/** Parses YYYYMMDDTHHMMSSZ, or an RFC 7231 Date header; returns the basic-format string and instant. */
function parseRequestDate(v: string): { amzDate: string; time: Date } | undefined {
  if (v === lastDateText) return { amzDate: lastDateAmz, time: new Date(lastDateMs) };
  const d = parseRequestDateUncached(v);
  if (d !== undefined) {
    lastDateText = v;
    lastDateAmz = d.amzDate;
    lastDateMs = d.time.getTime();
  }
  return d;
}

function parseRequestDateUncached(v: string): { amzDate: string; time: Date } | undefined {
  let m = AMZ_DATE_RE.exec(v);
  if (m) {
    const y = Number(m[1]), mo = Number(m[2]) - 1, d = Number(m[3]), h = Number(m[4]), mi = Number(m[5]), s = Number(m[6]);
    const time = new Date(Date.UTC(y, mo, d, h, mi, s));
    if (time.getUTCFullYear() !== y || time.getUTCMonth() !== mo || time.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
    return { amzDate: v, time };
  }
  m = HTTP_DATE_RE.exec(v);
  if (m) {
    const mo = MONTHS[m[2]!];
    if (mo === undefined) return undefined;
    const y = Number(m[3]), d = Number(m[1]), h = Number(m[4]), mi = Number(m[5]), s = Number(m[6]);
    const time = new Date(Date.UTC(y, mo, d, h, mi, s));
    if (time.getUTCMonth() !== mo || time.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
    return { amzDate: basicIso(time), time };
  }
  return undefined;
}

/** Formats an instant as YYYYMMDDTHHMMSSZ. */
function basicIso(t: Date): string {
  const iso = t.toISOString();
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}

/** Splits and validates `AKID/date/region/service/aws4_request` (the result is shared: read only). */
function parseCredential(cred: string, where: string): { readonly accessKeyId: string; readonly date: string; readonly region: string; readonly service: string } {
  if (cred === lastCredText) return lastCred!;
  const out = parseCredentialUncached(cred, where);
  lastCredText = cred;
  lastCred = out;
  return out;
}

function parseCredentialUncached(cred: string, where: string): { accessKeyId: string; date: string; region: string; service: string } {
  const parts = cred.split('/');
  const accessKeyId = parts[0] !== undefined && parts[0] !== '' ? parts[0] : undefined;
  if (parts.length !== 5) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${echo(cred)}'`,
      accessKeyId,
    );
  }
  const [, date, region, service, term] = parts as [string, string, string, string, string];
  if (accessKeyId === undefined) throw incomplete(`${where} requires a non-empty access key id in 'Credential'.`);
  if (term !== TERMINATOR) {
    throw incomplete(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${echo(term)}'.`, accessKeyId);
  }
  if (!SCOPE_DATE_RE.test(date)) {
    throw incomplete(`Date in Credential scope must be in YYYYMMDD format, got '${echo(date)}'.`, accessKeyId);
  }
  if (region === '') throw incomplete('Credential should be scoped to a valid region.', accessKeyId);
  if (service === '') throw incomplete('Credential should be scoped to a valid service.', accessKeyId);
  return { accessKeyId, date, region, service };
}

/** Splits SignedHeaders; names must be lower-case header tokens and include host (the list is shared: read only). */
function parseSignedHeaders(v: string, accessKeyId: string, where: string): readonly string[] {
  if (v === lastSignedText) return lastSigned;
  const names = parseSignedHeadersUncached(v, accessKeyId, where);
  lastSignedText = v;
  lastSigned = Object.freeze(names);
  return lastSigned;
}

function parseSignedHeadersUncached(v: string, accessKeyId: string, where: string): string[] {
  const names = v.split(';');
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (!HEADER_NAME_RE.test(n)) {
      throw incomplete(`${where}: SignedHeaders must be a ';'-separated list of lower-case header names, got '${echo(v)}'.`, accessKeyId);
    }
  }
  if (!names.includes('host')) {
    throw incomplete(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`, accessKeyId);
  }
  return names;
}

function parseHeaderAuth(auth: string, parts: SignedRequestParts, params: QueryParam[]): ParsedAuth {
  const sp = auth.indexOf(' ');
  const algorithm = sp === -1 ? auth : auth.slice(0, sp);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Authorization header requires '${ALGORITHM}' as the algorithm. Authorization=${echo(auth)}`);
  }
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  // The comma-separated components after the algorithm, each trimmed (walked with indexOf: no
  // array of parts per request).
  const n = auth.length;
  let start = sp === -1 ? n : sp + 1;
  for (;;) {
    let end = auth.indexOf(',', start);
    if (end === -1) end = n;
    const c = auth.slice(start, end).trim();
    if (c !== '') {
      const eq = c.indexOf('=');
      if (eq === -1) {
        throw incomplete(`'${echo(c)}' not a valid key=value pair (missing equal-sign) in Authorization header: '${echo(auth)}'.`);
      }
      const k = c.slice(0, eq);
      if (k === 'Credential' || k === 'SignedHeaders' || k === 'Signature') {
        const v = c.slice(eq + 1);
        const seen = k === 'Credential' ? credential : k === 'SignedHeaders' ? signedHeaders : signature;
        if (seen !== undefined) throw incomplete(`Authorization header has a duplicate '${k}' parameter. Authorization=${echo(auth)}`);
        if (k === 'Credential') credential = v;
        else if (k === 'SignedHeaders') signedHeaders = v;
        else signature = v;
      }
    }
    if (end === n) break;
    start = end + 1;
  }
  let missing = '';
  if (credential === undefined) missing += "Authorization header requires 'Credential' parameter. ";
  if (signedHeaders === undefined) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (signature === undefined) missing += "Authorization header requires 'Signature' parameter. ";
  const cred = credential === undefined ? undefined : parseCredentialOrAkid(credential);
  if (missing !== '') throw incomplete(missing + 'Authorization=' + echo(auth), cred);
  const scope = parseCredential(credential!, 'Authorization header');
  const names = parseSignedHeaders(signedHeaders!, scope.accessKeyId, 'Authorization header');

  const xAmzDate = headerValue(parts.headers, 'x-amz-date');
  const dateHeader = xAmzDate ?? headerValue(parts.headers, 'date');
  if (dateHeader === undefined) {
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + echo(auth), scope.accessKeyId);
  }
  const d = parseRequestDate(dateHeader);
  if (!d) {
    throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${echo(dateHeader)}'. See http://en.wikipedia.org/wiki/ISO_8601`, scope.accessKeyId);
  }
  return {
    presigned: false,
    accessKeyId: scope.accessKeyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    signedHeaders: names,
    signedHeadersText: signedHeaders!,
    signature: signature!,
    amzDate: d.amzDate,
    requestTime: d.time,
    expiresSeconds: undefined,
    params,
  };
}

/** Best-effort access key id from a credential string, for auditing malformed requests. */
function parseCredentialOrAkid(cred: string): string | undefined {
  const slash = cred.indexOf('/');
  const akid = slash === -1 ? cred : cred.slice(0, slash);
  return akid === '' ? undefined : akid;
}

function parsePresigned(params: QueryParam[]): ParsedAuth {
  let algorithm: string | undefined;
  let credential: string | undefined;
  let date: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  let expires: string | undefined;
  let duplicate: string | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p.key.length < 6 || !p.key.startsWith('X-Amz-')) continue;
    const v = uriDecode(p.rawValue);
    switch (p.key) {
      case 'X-Amz-Algorithm': if (algorithm !== undefined) duplicate = p.key; algorithm = v; break;
      case 'X-Amz-Credential': if (credential !== undefined) duplicate = p.key; credential = v; break;
      case 'X-Amz-Date': if (date !== undefined) duplicate = p.key; date = v; break;
      case 'X-Amz-SignedHeaders': if (signedHeaders !== undefined) duplicate = p.key; signedHeaders = v; break;
      case 'X-Amz-Signature': if (signature !== undefined) duplicate = p.key; signature = v; break;
      case 'X-Amz-Expires': if (expires !== undefined) duplicate = p.key; expires = v; break;
      default: break;
    }
  }
  const akid = credential === undefined ? undefined : parseCredentialOrAkid(credential);
  if (duplicate !== undefined) throw incomplete(`AWS query-string parameter '${duplicate}' must appear only once.`, akid);
  if (algorithm === undefined || credential === undefined || date === undefined || signedHeaders === undefined || signature === undefined) {
    throw incomplete(
      "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
      akid,
    );
  }
  if (algorithm !== ALGORITHM) {
    throw incomplete(`X-Amz-Algorithm only supports '${ALGORITHM}', got '${echo(algorithm)}'.`, akid);
  }
  const scope = parseCredential(credential, 'X-Amz-Credential');
  const names = parseSignedHeaders(signedHeaders, scope.accessKeyId, 'X-Amz-SignedHeaders');
  const d = AMZ_DATE_RE.test(date) ? parseRequestDate(date) : undefined;
  if (!d) {
    throw incomplete(`X-Amz-Date must be in ISO-8601 'basic format'. Got '${echo(date)}'. See http://en.wikipedia.org/wiki/ISO_8601`, scope.accessKeyId);
  }
  let expiresSeconds: number | undefined;
  if (expires !== undefined) {
    const n = EXPIRES_RE.test(expires) ? Number(expires) : NaN;
    if (!(n >= 1 && n <= MAX_PRESIGNED_EXPIRES)) {
      throw incomplete(
        `X-Amz-Expires must be an integer between 1 and ${MAX_PRESIGNED_EXPIRES} (one week, in seconds), got '${echo(expires)}'.`,
        scope.accessKeyId,
      );
    }
    expiresSeconds = n;
  }
  return {
    presigned: true,
    ...scope,
    signedHeaders: names,
    signedHeadersText: signedHeaders,
    signature,
    amzDate: d.amzDate,
    requestTime: d.time,
    expiresSeconds,
    params,
  };
}

const EMPTY_BODY = Buffer.alloc(0);
/** The parameters of an empty query string (shared: never modified). */
const NO_PARAMS: QueryParam[] = [];

/** Guards against callers passing junk where the types promise strings (verify never throws a TypeError). */
function sanitize(p: SignedRequestParts): SignedRequestParts {
  const ok =
    typeof p.method === 'string' && typeof p.path === 'string' && typeof p.query === 'string' &&
    p.headers !== null && typeof p.headers === 'object' && Buffer.isBuffer(p.body);
  if (ok) return p;
  return {
    method: typeof p.method === 'string' ? p.method : '',
    path: typeof p.path === 'string' ? p.path : '/',
    query: typeof p.query === 'string' ? p.query : '',
    headers: p.headers !== null && typeof p.headers === 'object' ? p.headers : {},
    body: Buffer.isBuffer(p.body) ? p.body : EMPTY_BODY,
  };
}

function hasPresignMarker(query: string): boolean {
  for (let i = 0; i < PRESIGN_MARKERS.length; i++) {
    if (query.includes(PRESIGN_MARKERS[i]!)) return true;
  }
  return false;
}

/** Bytes-equal comparison of two strings in time independent of where they differ. */
function safeEqualStrings(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a === b;
}

// ---------------------------------------------------------------------------------------------
// Cached signing keys and HMAC.

/** A cached signing key for one access key and scope, with its HMAC-SHA256 padded keys. */
interface SigningKey {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  /** The secret the key was derived from (a rotated secret misses). */
  readonly secret: string;
  readonly key: Buffer;
  /** key ⊕ ipad (64 bytes), key ⊕ opad (64 bytes), then room for the inner digest (32 bytes). */
  readonly pads: Buffer;
  /** pads[64..160): the outer hash's input. */
  readonly outer: Buffer;
}

const SHA256_BLOCK = 64;
/** Inner-hash input: the ipad block then the string to sign (a few hundred bytes; longer ones use createHmac). */
const HMAC_SCRATCH = Buffer.alloc(2048);

function newSigningKey(accessKeyId: string, date: string, region: string, service: string, secret: string, key: Buffer): SigningKey {
  const pads = Buffer.alloc(2 * SHA256_BLOCK + 32);
  pads.fill(0x36, 0, SHA256_BLOCK);
  pads.fill(0x5c, SHA256_BLOCK, 2 * SHA256_BLOCK);
  // The signing key is a 32-byte HMAC output: shorter than the block, so it is used as is.
  for (let i = 0; i < key.length; i++) {
    pads[i] = pads[i]! ^ key[i]!;
    pads[SHA256_BLOCK + i] = pads[SHA256_BLOCK + i]! ^ key[i]!;
  }
  return { accessKeyId, date, region, service, secret, key, pads, outer: pads.subarray(SHA256_BLOCK) };
}

function wipe(k: SigningKey): void {
  k.key.fill(0);
  k.pads.fill(0);
}

/**
 * HMAC-SHA256 (RFC 2104: H(K⊕opad ‖ H(K⊕ipad ‖ m))) from the key's precomputed padded blocks, as
 * two one-shot hashes: about half the cost of an Hmac object per request. Equal to
 * createHmac('sha256', key).update(message, 'utf8').digest().
 */
export function hmacWithPads(k: Pick<SigningKey, 'key' | 'pads' | 'outer'>, message: string): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; a longer message does not fit the scratch.
  if (SHA256_BLOCK + message.length * 3 > HMAC_SCRATCH.length) return createHmac('sha256', k.key).update(message, 'utf8').digest();
  k.pads.copy(HMAC_SCRATCH, 0, 0, SHA256_BLOCK);
  const n = HMAC_SCRATCH.write(message, SHA256_BLOCK, 'utf8');
  const inner = hash('sha256', HMAC_SCRATCH.subarray(0, SHA256_BLOCK + n), 'binary');
  HMAC_SCRATCH.fill(0, 0, SHA256_BLOCK);
  k.pads.write(inner, 2 * SHA256_BLOCK, 'latin1');
  return Buffer.from(hash('sha256', k.outer, 'binary'), 'latin1');
}

// ---------------------------------------------------------------------------------------------
// The verifier.

/** Verifies SigV4-signed requests (header and presigned-query forms). Stateless apart from a signing-key cache. */
export class SigV4Verifier {
  private readonly clockSkewMs: number;
  private readonly skewText: string;
  private readonly cacheSize: number;
  /** accessKeyId and scope → the secret it was derived from and the signing key; Map order gives LRU eviction. */
  private readonly keyCache = new Map<string, SigningKey>();
  /** The key cache's most recently used entry (the last in Map order). */
  private newest: SigningKey | undefined;

  constructor(opts: { clockSkewMs?: number; signingKeyCacheSize?: number } = {}) {
    this.clockSkewMs = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.skewText = `${this.clockSkewMs / 60_000} min.`;
    this.cacheSize = Math.max(0, Math.floor(opts.signingKeyCacheSize ?? DEFAULT_KEY_CACHE_SIZE));
  }

  /** Cheap, synchronous: does this request carry SigV4 auth (an Authorization header or presigned query)? */
  static hasAuth(parts: SignedRequestParts): boolean {
    const auth = headerValue(parts.headers, 'authorization');
    if (auth !== undefined && auth !== '') return true;
    return hasPresignMarker(parts.query);
  }

  /**
   * Verifies the request's signature against the secret `lookup` returns. Throws SigV4Error for
   * every authentication failure; errors thrown by `lookup` itself propagate unchanged.
   */
  async verify<C extends CredentialSecret>(request: SignedRequestParts, lookup: CredentialLookup<C>, now: Date = new Date()): Promise<VerifiedRequest<C>> {
    const parts = sanitize(request);
    const a = this.parse(parts);
    const akid = a.accessKeyId;
    const nowMs = now.getTime();

    // Clock and scope checks need no secret, so they run before the credential lookup.
    const scopeDate = a.amzDate.slice(0, 8);
    if (a.date !== scopeDate) {
      throw new SigV4Error(
        'SignatureDoesNotMatch',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${a.date}' != '${scopeDate}', from '${a.amzDate}'.`,
        akid,
      );
    }
    const t = a.requestTime.getTime();
    let expiresAt: Date | undefined;
    if (t > nowMs + this.clockSkewMs) {
      throw new SigV4Error(
        'RequestExpired',
        `Signature not yet current: ${a.amzDate} is still later than ${basicIso(new Date(nowMs + this.clockSkewMs))} (${basicIso(now)} + ${this.skewText})`,
        akid,
      );
    }
    if (a.expiresSeconds !== undefined) {
      expiresAt = new Date(t + a.expiresSeconds * 1000);
      if (nowMs > expiresAt.getTime()) {
        throw new SigV4Error(
          'RequestExpired',
          `Signature expired: ${basicIso(expiresAt)} is now earlier than ${basicIso(now)} (${a.amzDate} + ${a.expiresSeconds} sec.)`,
          akid,
        );
      }
    } else if (t < nowMs - this.clockSkewMs) {
      throw new SigV4Error(
        'RequestExpired',
        `Signature expired: ${a.amzDate} is now earlier than ${basicIso(new Date(nowMs - this.clockSkewMs))} (${basicIso(now)} - ${this.skewText})`,
        akid,
      );
    }

    const secret = await lookup(akid);
    if (secret === undefined) throw new SigV4Error('InvalidClientTokenId', MSG_INVALID_TOKEN, akid);

    // Session token: temporary credentials need exactly their token; long-term keys take none.
    let token = headerValue(parts.headers, 'x-amz-security-token');
    if (token === undefined) {
      for (let i = 0; i < a.params.length; i++) {
        const p = a.params[i]!;
        if (p.key === 'X-Amz-Security-Token') {
          token = uriDecode(p.rawValue);
          break;
        }
      }
    }
    if (secret.sessionToken !== undefined && secret.sessionToken !== '') {
      if (token === undefined || !safeEqualStrings(token, secret.sessionToken)) {
        throw new SigV4Error('InvalidClientTokenId', MSG_INVALID_TOKEN, akid);
      }
    } else if (token !== undefined && token !== '') {
      throw new SigV4Error('InvalidClientTokenId', MSG_INVALID_TOKEN, akid);
    }

    // X-Amz-Target selects the operation of a JSON-protocol call; an unsigned one could be swapped.
    if (Object.hasOwn(parts.headers, 'x-amz-target') && !a.signedHeaders.includes('x-amz-target')) {
      throw new SigV4Error('AccessDenied', 'There were headers present in the request which were not signed: x-amz-target', akid);
    }

    const payloadHash = hash('sha256', parts.body, 'hex');
    const declared = headerValue(parts.headers, 'x-amz-content-sha256');
    if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && declared !== payloadHash) {
      throw new SigV4Error('SignatureDoesNotMatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", akid);
    }

    const canonical = canonicalRequest(
      parts.method,
      parts.path,
      a.params.length === 0 ? '' : canonicalQueryOf(a.params, a.presigned),
      parts.headers,
      a.signedHeaders,
      a.signedHeadersText,
      payloadHash,
    );
    if (canonical === undefined || !SIGNATURE_RE.test(a.signature)) {
      throw new SigV4Error('SignatureDoesNotMatch', MSG_MISMATCH, akid);
    }
    const scope = a.date + '/' + a.region + '/' + a.service + '/' + TERMINATOR;
    const sts = stringToSign(a.amzDate, scope, canonical);
    const expected = this.expectedSignature(akid, secret.secretAccessKey, a.date, a.region, a.service, sts);
    const provided = Buffer.from(a.signature, 'hex');
    if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
      throw new SigV4Error('SignatureDoesNotMatch', MSG_MISMATCH, akid);
    }

    if (secret.expiration !== undefined && secret.expiration.getTime() <= nowMs) {
      throw new SigV4Error('ExpiredToken', MSG_EXPIRED_TOKEN, akid);
    }

    const out: VerifiedRequest<C> = {
      accessKeyId: akid,
      credential: secret,
      scope: { date: a.date, region: a.region, service: a.service },
      requestTime: a.requestTime,
      presigned: a.presigned,
      signedHeaders: a.signedHeaders,
    };
    if (token !== undefined && token !== '') out.sessionToken = token;
    if (expiresAt !== undefined) out.expiresAt = expiresAt;
    return out;
  }

  /** Parses header or presigned auth; throws MissingAuthenticationToken / IncompleteSignature. */
  private parse(parts: SignedRequestParts): ParsedAuth {
    const { headers, query } = parts;
    const auth = headerValue(headers, 'authorization');
    // Most requests (every JSON and form POST) have no query string: nothing to scan or split.
    const presignMarker = query !== '' && hasPresignMarker(query);
    const params = query === '' ? NO_PARAMS : parseQuery(query);
    if (auth !== undefined && auth !== '') {
      if (presignMarker) {
        throw incomplete(
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        );
      }
      return parseHeaderAuth(auth, parts, params);
    }
    if (presignMarker) return parsePresigned(params);
    throw new SigV4Error('MissingAuthenticationToken', MSG_MISSING);
  }

  /** HMAC-SHA256 of the string to sign under the scope's signing key (cached when the cache is on). */
  private expectedSignature(accessKeyId: string, secretAccessKey: string, date: string, region: string, service: string, sts: string): Buffer {
    if (this.cacheSize === 0) {
      const key = deriveSigningKey(secretAccessKey, date, region, service);
      const mac = createHmac('sha256', key).update(sts, 'utf8').digest();
      key.fill(0);
      return mac;
    }
    // No await between fetching the cached key and using it: eviction wipes keys.
    return hmacWithPads(this.signingKey(accessKeyId, secretAccessKey, date, region, service), sts);
  }

  /** The derived signing key (with its HMAC pads), from the bounded LRU cache. */
  private signingKey(accessKeyId: string, secretAccessKey: string, date: string, region: string, service: string): SigningKey {
    // The most recently used entry is compared field by field: one busy key (the common case)
    // costs no cache-key string and no Map lookup.
    const newest = this.newest;
    if (newest !== undefined && newest.accessKeyId === accessKeyId && newest.date === date && newest.region === region && newest.service === service && newest.secret === secretAccessKey) {
      return newest;
    }
    // Keyed by access key and scope; the entry remembers the secret it was derived from, so a
    // rotated secret misses the cache. (Both secrets come from our own store, not the client, so a
    // plain comparison leaks nothing an attacker controls.)
    const cacheKey = accessKeyId + '\n' + date + '\n' + region + '\n' + service;
    const hit = this.keyCache.get(cacheKey);
    if (hit !== undefined && hit.secret === secretAccessKey) {
      // Move to the most-recent end.
      this.keyCache.delete(cacheKey);
      this.keyCache.set(cacheKey, hit);
      this.newest = hit;
      return hit;
    }
    if (hit !== undefined) {
      wipe(hit);
      this.keyCache.delete(cacheKey);
      if (this.newest === hit) this.newest = undefined;
    }
    const entry = newSigningKey(accessKeyId, date, region, service, secretAccessKey, deriveSigningKey(secretAccessKey, date, region, service));
    if (this.keyCache.size >= this.cacheSize) {
      const oldest = this.keyCache.keys().next();
      if (oldest.done !== true) {
        const old = this.keyCache.get(oldest.value);
        if (old !== undefined) wipe(old);
        this.keyCache.delete(oldest.value);
      }
    }
    this.keyCache.set(cacheKey, entry);
    this.newest = entry;
    return entry;
  }

  /** Number of cached signing keys (for tests and metrics). */
  get cachedKeyCount(): number {
    return this.keyCache.size;
  }
}
