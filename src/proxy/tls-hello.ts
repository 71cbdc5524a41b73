/**
 * TLS ClientHello reading and the JA3 / JA4 client fingerprints of TLS sites.
 *
 * Node does not expose the raw ClientHello, so the site's listener reads the first TLS record(s)
 * itself before handing the connection to the TLS server (tls-front.ts). This module holds the
 * pure part: {@link ClientHelloReader} reassembles the ClientHello handshake message from the TLS
 * records as they arrive (split over several records and several TCP reads, bounded in bytes), and
 * {@link parseClientHello} extracts the fields the fingerprints use.
 *
 * The parser is written here by hand (no library parses it), from RFC 8446 §4.1.2 / §4.2 (and RFC
 * 5246 for the optional extensions block of older clients). It never throws, never loops more than
 * once per byte, and allocates only the field arrays; every length is checked against what is
 * left, and anything inconsistent gives `undefined` (no fingerprint; the TLS server then fails the
 * handshake as it would have). It is fuzzed in tls-hello.test.ts.
 *
 * Fingerprints, as their authors publish them:
 * - JA3 (Salesforce): MD5 hex of `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
 *   decimal values joined by '-', GREASE values removed (empty fields stay empty).
 * - JA4 (FoxIO, TLS client part `a_b_c`): `t` + version (highest of supported_versions, else the
 *   legacy version) + `d`/`i` (SNI present or not) + 2-digit cipher and extension counts (GREASE
 *   removed, capped at 99) + first and last character of the first ALPN value; then the first 12
 *   hex characters of SHA-256 over the sorted cipher list, and over the sorted extension list
 *   without SNI and ALPN followed by `_` and the signature algorithms in their order.
 */
import crypto from 'node:crypto';

/** Largest ClientHello buffered by default (records included); larger ones get no fingerprint. */
export const MAX_HELLO_BYTES = 16 * 1024;

/** {@link ClientHelloReader.push}: more bytes are needed. */
export const HELLO_MORE = 0;
/** {@link ClientHelloReader.push}: the ClientHello is complete and parsed (`reader.hello`). */
export const HELLO_DONE = 1;
/** {@link ClientHelloReader.push}: not a (well-formed, small enough) ClientHello; give up. */
export const HELLO_INVALID = 2;

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
/** A plaintext record carries at most 2^14 bytes (RFC 8446 §5.1). */
const MAX_RECORD = 16384;

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_ALPN = 0x0010;
const EXT_SUPPORTED_VERSIONS = 0x002b;

/** The fields of a ClientHello the fingerprints use (GREASE values still in, wire order). */
export interface ClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3 clients). */
  readonly version: number;
  readonly ciphers: readonly number[];
  /** Extension types in the order sent. */
  readonly extensions: readonly number[];
  /** supported_groups (JA3's "elliptic curves"). */
  readonly groups: readonly number[];
  readonly pointFormats: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  readonly supportedVersions: readonly number[];
  /** The first ALPN protocol name, when the extension carries one. */
  readonly alpn: Uint8Array | undefined;
  /** True when the server_name extension is present. */
  readonly serverName: boolean;
}

/** The fingerprints of one TLS connection. */
export interface TlsFingerprints {
  /** JA3: 32 lower-case hex characters. */
  readonly ja3: string;
  /** JA4: `t13d1516h2_8daaf6152771_e5627efa2ab1` form. */
  readonly ja4: string;
}

/** Hex digest of a short string: the one-shot crypto.hash (Node ≥ 20.12, about twice as fast) when present. */
const digestHex: (algorithm: 'md5' | 'sha256', s: string) => string =
  typeof crypto.hash === 'function' ? (a, s) => crypto.hash(a, s, 'hex') : (a, s) => crypto.createHash(a).update(s).digest('hex');

/** GREASE (RFC 8701): 0x?a?a with both bytes equal (0x0a0a, 0x1a1a … 0xfafa). */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

/** Reads `n / 2` big-endian uint16 values from b[at, at + n); n must be even and in bounds. */
function u16List(b: Uint8Array, at: number, n: number): number[] {
  const out = new Array<number>(n >> 1);
  for (let k = 0; k < out.length; k++) out[k] = u16(b, at + 2 * k);
  return out;
}

/**
 * Parses a ClientHello message body (the handshake message without its 4-byte header): b[start, end).
 * Returns undefined when anything is inconsistent. Never throws.
 */
export function parseClientHello(b: Uint8Array, start = 0, end = b.length): ClientHello | undefined {
  if (start < 0 || end > b.length || start > end) return undefined;
  let p = start;
  // legacy_version (2) + random (32) + session id length (1)
  if (end - p < 35) return undefined;
  const version = u16(b, p);
  p += 34;
  const sid = b[p] as number;
  p += 1;
  if (sid > 32 || end - p < sid) return undefined;
  p += sid;
  if (end - p < 2) return undefined;
  const cl = u16(b, p);
  p += 2;
  if (cl % 2 !== 0 || end - p < cl) return undefined;
  const ciphers = u16List(b, p, cl);
  p += cl;
  if (end - p < 1) return undefined;
  const compression = b[p] as number;
  p += 1;
  if (compression < 1 || end - p < compression) return undefined;
  p += compression;
  const extensions: number[] = [];
  let groups: number[] = [];
  let pointFormats: number[] = [];
  let signatureAlgorithms: number[] = [];
  let supportedVersions: number[] = [];
  let alpn: Uint8Array | undefined;
  let serverName = false;
  // Before TLS 1.3 the extensions block is optional (RFC 5246 §7.4.1.2).
  if (p < end) {
    if (end - p < 2) return undefined;
    const el = u16(b, p);
    p += 2;
    if (end - p !== el) return undefined;
    while (p < end) {
      if (end - p < 4) return undefined;
      const type = u16(b, p);
      const len = u16(b, p + 2);
      p += 4;
      if (end - p < len) return undefined;
      const d = p;
      p += len;
      extensions.push(type);
      switch (type) {
        case EXT_SERVER_NAME:
          serverName = true;
          break;
        case EXT_SUPPORTED_GROUPS: {
          if (len < 2) return undefined;
          const n = u16(b, d);
          if (n % 2 !== 0 || n !== len - 2) return undefined;
          groups = u16List(b, d + 2, n);
          break;
        }
        case EXT_EC_POINT_FORMATS: {
          if (len < 1) return undefined;
          const n = b[d] as number;
          if (n !== len - 1) return undefined;
          pointFormats = Array.from(b.subarray(d + 1, d + 1 + n));
          break;
        }
        case EXT_SIGNATURE_ALGORITHMS: {
          if (len < 2) return undefined;
          const n = u16(b, d);
          if (n % 2 !== 0 || n !== len - 2) return undefined;
          signatureAlgorithms = u16List(b, d + 2, n);
          break;
        }
        case EXT_ALPN: {
          if (len < 2) return undefined;
          const n = u16(b, d);
          if (n !== len - 2) return undefined;
          if (n > 0) {
            const first = b[d + 2] as number;
            if (first + 1 > n) return undefined;
            alpn = new Uint8Array(b.subarray(d + 3, d + 3 + first));
          }
          break;
        }
        case EXT_SUPPORTED_VERSIONS: {
          if (len < 1) return undefined;
          const n = b[d] as number;
          if (n % 2 !== 0 || n !== len - 1) return undefined;
          supportedVersions = u16List(b, d + 1, n);
          break;
        }
        default:
          break;
      }
    }
  }
  return { version, ciphers, extensions, groups, pointFormats, signatureAlgorithms, supportedVersions, alpn, serverName };
}

function withoutGrease(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (!isGrease(v)) out.push(v);
  }
  return out;
}

/** The JA3 string (before hashing) of a ClientHello. */
export function ja3String(h: ClientHello): string {
  return `${h.version},${withoutGrease(h.ciphers).join('-')},${withoutGrease(h.extensions).join('-')},${withoutGrease(h.groups).join('-')},${h.pointFormats.join('-')}`;
}

/** The JA3 fingerprint (MD5 hex of {@link ja3String}). */
export function ja3(h: ClientHello): string {
  return digestHex('md5', ja3String(h));
}

const JA4_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'],
  [0x0303, '12'],
  [0x0302, '11'],
  [0x0301, '10'],
  [0x0300, 's3'],
  [0x0002, 's2'],
  [0xfeff, 'd1'],
  [0xfefd, 'd2'],
  [0xfefc, 'd3'],
]);

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function count2(n: number): string {
  return n > 99 ? '99' : n < 10 ? `0${n}` : String(n);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** JA4's two ALPN characters: first and last of the first value, or of its hex form when either is not alphanumeric. */
export function ja4Alpn(alpn: Uint8Array | undefined): string {
  if (alpn === undefined || alpn.length === 0) return '00';
  const first = alpn[0] as number;
  const last = alpn[alpn.length - 1] as number;
  if (isAlnum(first) && isAlnum(last)) return String.fromCharCode(first, last);
  const hex = Buffer.from(alpn.buffer, alpn.byteOffset, alpn.length).toString('hex');
  return hex.charAt(0) + hex.charAt(hex.length - 1);
}

/** First 12 hex characters of SHA-256, or twelve zeros for an empty list (as JA4 specifies). */
function hash12(s: string): string {
  return s === '' ? '000000000000' : digestHex('sha256', s).slice(0, 12);
}

/** The JA4 TLS client version part: highest non-GREASE supported_versions entry, else legacy_version. */
function ja4Version(h: ClientHello): string {
  let v = -1;
  const sv = h.supportedVersions;
  for (let i = 0; i < sv.length; i++) {
    const x = sv[i] as number;
    if (!isGrease(x) && x > v) v = x;
  }
  if (v < 0) v = h.version;
  return JA4_VERSIONS.get(v) ?? '00';
}

/** The JA4 fingerprint (TLS over TCP) of a ClientHello. */
export function ja4(h: ClientHello): string {
  const ciphers = withoutGrease(h.ciphers);
  const exts = withoutGrease(h.extensions);
  const a = `t${ja4Version(h)}${h.serverName ? 'd' : 'i'}${count2(ciphers.length)}${count2(exts.length)}${ja4Alpn(h.alpn)}`;
  const b = hash12(ciphers.sort(byNumber).map(hex4).join(','));
  const sorted = exts.filter(notSniOrAlpn).sort(byNumber).map(hex4).join(',');
  const sigs = withoutGrease(h.signatureAlgorithms).map(hex4).join(',');
  const c = sorted === '' ? '000000000000' : hash12(sigs === '' ? sorted : `${sorted}_${sigs}`);
  return `${a}_${b}_${c}`;
}

function byNumber(x: number, y: number): number {
  return x - y;
}

function notSniOrAlpn(e: number): boolean {
  return e !== EXT_SERVER_NAME && e !== EXT_ALPN;
}

/** Both fingerprints of a ClientHello. */
export function fingerprints(h: ClientHello): TlsFingerprints {
  return { ja3: ja3(h), ja4: ja4(h) };
}

/** A byte buffer that grows by doubling (amortised O(n) appends). */
class Bytes {
  data: Buffer = Buffer.alloc(0);
  length = 0;

  append(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    if (this.length + n > this.data.length) {
      const next = Buffer.allocUnsafe(Math.max(this.length + n, this.data.length * 2, 512));
      this.data.copy(next, 0, 0, this.length);
      this.data = next;
    }
    this.data.set(src.subarray(from, to), this.length);
    this.length += n;
  }

  view(): Buffer {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Reassembles the ClientHello from the first bytes of a TLS connection, fed as they arrive.
 * Memory is bounded by `maxBytes` (plus the last chunk pushed); each byte is looked at a bounded
 * number of times however the bytes are split.
 */
export class ClientHelloReader {
  /** The parsed ClientHello once {@link push} returned HELLO_DONE. */
  hello: ClientHello | undefined;
  /** Everything pushed so far, when more than one chunk arrived. */
  private all: Bytes | undefined;
  /** The first chunk while it is the only one (no copy in the common case). */
  private first: Buffer | undefined;
  private total = 0;
  /** Offset of the next record header not processed yet. */
  private next = 0;
  /** The handshake bytes of the records processed (only when the message spans records). */
  private hs: Bytes | undefined;
  /** Where the handshake message lies in the received bytes while it is in one record. */
  private hsAt = -1;
  private hsLen = 0;
  private state = HELLO_MORE;

  constructor(readonly maxBytes = MAX_HELLO_BYTES) {}

  /** Everything received so far (to hand back to the TLS server). */
  received(): Buffer {
    if (this.all !== undefined) return this.all.view();
    return this.first ?? Buffer.alloc(0);
  }

  /** Bytes received so far. */
  get size(): number {
    return this.total;
  }

  /** Feeds the next bytes read from the connection; HELLO_MORE, HELLO_DONE or HELLO_INVALID. */
  push(chunk: Buffer): number {
    if (this.state !== HELLO_MORE) return this.state;
    if (this.total === 0 && this.all === undefined) this.first = chunk;
    else {
      if (this.all === undefined) {
        this.all = new Bytes();
        if (this.first !== undefined) this.all.append(this.first);
        this.first = undefined;
      }
      this.all.append(chunk);
    }
    this.total += chunk.length;
    this.state = this.scan();
    if (this.state === HELLO_MORE && this.total >= this.maxBytes) this.state = HELLO_INVALID;
    return this.state;
  }

  private scan(): number {
    const buf = this.received();
    // Not a TLS handshake record (plain HTTP on the TLS port, SSLv2-style hello): decide on the first byte.
    if (this.next < buf.length && buf[this.next] !== RECORD_HANDSHAKE) return HELLO_INVALID;
    while (buf.length - this.next >= RECORD_HEADER) {
      const r = this.next;
      // Handshake record, protocol major version 3, a non-empty plaintext fragment.
      if (buf[r] !== RECORD_HANDSHAKE || buf[r + 1] !== 3) return HELLO_INVALID;
      const len = u16(buf, r + 3);
      if (len === 0 || len > MAX_RECORD) return HELLO_INVALID;
      if (buf.length - r - RECORD_HEADER < len) return this.hsLen === 0 ? this.early(buf, r + RECORD_HEADER) : HELLO_MORE;
      this.next = r + RECORD_HEADER + len;
      const from = r + RECORD_HEADER;
      if (this.hsLen === 0 && this.hs === undefined) {
        this.hsAt = from;
        this.hsLen = len;
      } else {
        if (this.hs === undefined) {
          this.hs = new Bytes();
          this.hs.append(buf, this.hsAt, this.hsAt + this.hsLen);
        }
        this.hs.append(buf, from, from + len);
        this.hsLen += len;
      }
      const hs = this.hs !== undefined ? this.hs.view() : buf.subarray(this.hsAt, this.hsAt + this.hsLen);
      if (hs.length < HANDSHAKE_HEADER) {
        if (hs.length >= 1 && hs[0] !== HANDSHAKE_CLIENT_HELLO) return HELLO_INVALID;
        continue;
      }
      if (hs[0] !== HANDSHAKE_CLIENT_HELLO) return HELLO_INVALID;
      const msgLen = ((hs[1] as number) << 16) | ((hs[2] as number) << 8) | (hs[3] as number);
      if (msgLen + HANDSHAKE_HEADER > this.maxBytes) return HELLO_INVALID;
      if (hs.length < msgLen + HANDSHAKE_HEADER) continue;
      this.hello = parseClientHello(hs, HANDSHAKE_HEADER, HANDSHAKE_HEADER + msgLen);
      return this.hello === undefined ? HELLO_INVALID : HELLO_DONE;
    }
    return HELLO_MORE;
  }

  /** The first record is still incomplete: refuse from its handshake header when it is not a ClientHello or too large. */
  private early(buf: Buffer, at: number): number {
    const n = buf.length - at;
    if (n >= 1 && buf[at] !== HANDSHAKE_CLIENT_HELLO) return HELLO_INVALID;
    if (n >= HANDSHAKE_HEADER) {
      const msgLen = ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number);
      if (msgLen + HANDSHAKE_HEADER > this.maxBytes) return HELLO_INVALID;
    }
    return HELLO_MORE;
  }
}
