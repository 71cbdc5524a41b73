/**
 * Threat lists and trusted lists: parsing GuardDuty's list formats (TXT, STIX, OTX_CSV,
 * ALIEN_VAULT, PROOF_POINT, FIRE_EYE) into IPs, CIDRs and domains, reading a set's `Location`
 * (local path, file:// URL, s3:// or S3 https URL mapped under the local buckets root), and
 * compiling entries into look-ups that are cheap on the detection path (sorted IPv4 ranges with
 * binary search, IPv6 prefixes, a domain set matched label by label from the right).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The list formats GuardDuty accepts. */
export type ListFormat = 'TXT' | 'STIX' | 'OTX_CSV' | 'ALIEN_VAULT' | 'PROOF_POINT' | 'FIRE_EYE';

/** The formats, for validation. */
export const LIST_FORMATS: readonly ListFormat[] = ['TXT', 'STIX', 'OTX_CSV', 'ALIEN_VAULT', 'PROOF_POINT', 'FIRE_EYE'];

/** What a list file holds. */
export interface ParsedList {
  /** IPv4/IPv6 addresses and CIDRs as written (normalised). */
  readonly cidrs: string[];
  /** Lower-cased domain names without a trailing dot. */
  readonly domains: string[];
  /** Lines or values that were neither (counted, first few kept for the error detail). */
  readonly rejected: number;
}

/** Largest list file read (AWS: 35 MB). */
export const MAX_LIST_BYTES = 35 * 1024 * 1024;

const DOMAIN = /^(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** Normalises one token to a CIDR/IP or a domain, or undefined. */
function classify(raw: string): { ip?: string; domain?: string } | undefined {
  let t = raw.trim().replace(/^["']|["']$/g, '');
  if (t === '') return undefined;
  // Defanged indicators as feeds often write them: 1.2.3[.]4, evil[.]com, hxxp://
  t = t.replace(/\[\.\]/g, '.');
  const slash = t.indexOf('/');
  if (slash !== -1 && !t.includes('://')) {
    const ip = t.slice(0, slash);
    const bits = Number(t.slice(slash + 1));
    const v = isIP(ip);
    if (v !== 0 && Number.isInteger(bits) && bits >= 0 && bits <= (v === 4 ? 32 : 128)) return { ip: `${ip.toLowerCase()}/${bits}` };
    return undefined;
  }
  if (isIP(t) !== 0) return { ip: t.toLowerCase() };
  let d = t.toLowerCase();
  const scheme = /^[a-z]+:\/\//.exec(d);
  if (scheme) {
    d = d.slice(scheme[0].length);
    d = d.split(/[/:?#]/)[0] ?? '';
    if (isIP(d) !== 0) return { ip: d };
  }
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.startsWith('*.')) d = d.slice(2);
  return DOMAIN.test(d) ? { domain: d } : undefined;
}

function push(out: { cidrs: string[]; domains: string[]; rejected: number }, token: string): boolean {
  const c = classify(token);
  if (!c) return false;
  if (c.ip) out.cidrs.push(c.ip);
  else if (c.domain) out.domains.push(c.domain);
  return true;
}

/** Splits one CSV line (RFC 4180 quoting). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('//'));
}

/** CSV with a header: values of the columns whose names look like indicators; else every cell. */
function parseCsv(text: string, out: { cidrs: string[]; domains: string[]; rejected: number }, wanted: RegExp): void {
  const rows = lines(text);
  if (rows.length === 0) return;
  const header = csvFields(rows[0] as string).map((h) => h.toLowerCase());
  const cols = header.map((h, i) => (wanted.test(h) ? i : -1)).filter((i) => i >= 0);
  const hasHeader = cols.length > 0 || header.every((h) => classify(h) === undefined);
  for (let r = hasHeader ? 1 : 0; r < rows.length; r++) {
    const f = csvFields(rows[r] as string);
    let any = false;
    if (cols.length > 0) for (const i of cols) any = push(out, f[i] ?? '') || any;
    else for (const cell of f) if (push(out, cell)) { any = true; break; }
    if (!any) out.rejected++;
  }
}

/**
 * Parses a list file's text. TXT: one IP, CIDR or domain per line. STIX: STIX 1.x XML
 * (AddressObj Address_Value, DomainNameObj/URIObj Value) or STIX 2.x JSON (`[ipv4-addr:value = '…']`
 * patterns). OTX_CSV: AlienVault OTX export (`Indicator type,Indicator,…`). ALIEN_VAULT: the
 * reputation feed (`ip#risk#reliability#activity#…`). PROOF_POINT: ET Intelligence CSV
 * (`ip,category,score` or `domain,…`). FIRE_EYE: iSIGHT CSV (columns ip, domain, networkIdentifier…).
 */
export function parseList(format: ListFormat, text: string): ParsedList {
  const out = { cidrs: [] as string[], domains: [] as string[], rejected: 0 };
  switch (format) {
    case 'TXT':
      for (const l of lines(text)) if (!push(out, l.split(/\s+/)[0] ?? '')) out.rejected++;
      break;
    case 'STIX': {
      const trimmed = text.trimStart();
      if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        // STIX 2.x: indicator patterns and cyber-observable objects.
        for (const m of text.matchAll(/(ipv4-addr|ipv6-addr|domain-name|url):value\s*=\s*\\?'([^'\\]+)\\?'/g)) push(out, m[2] as string);
        for (const m of text.matchAll(/"type"\s*:\s*"(?:ipv4-addr|ipv6-addr|domain-name)"[^{}]*?"value"\s*:\s*"([^"]+)"/g)) push(out, m[1] as string);
      } else {
        const tag = /<(?:[A-Za-z]+:)?(Address_Value|Value)\b[^>]*>([^<]+)<\/(?:[A-Za-z]+:)?\1>/g;
        for (const m of text.matchAll(tag)) {
          for (const v of (m[2] as string).split('##comma##')) if (!push(out, v.replace(/&amp;/g, '&'))) out.rejected++;
        }
      }
      break;
    }
    case 'OTX_CSV':
      parseCsv(text, out, /^indicator$/);
      break;
    case 'ALIEN_VAULT':
      for (const l of lines(text)) if (!push(out, l.split('#')[0] ?? '')) out.rejected++;
      break;
    case 'PROOF_POINT':
      parseCsv(text, out, /^(ip|domain|ip_address|hostname)$/);
      break;
    case 'FIRE_EYE':
      parseCsv(text, out, /^(ip|ipaddress|ip_address|domain|hostname|networkidentifier|url)$/);
      break;
  }
  out.cidrs = [...new Set(out.cidrs)];
  out.domains = [...new Set(out.domains)];
  return out;
}

/**
 * Maps a set's Location to a local file: an absolute path, a file:// URL, `s3://bucket/key`, or
 * an S3 https URL (path or virtual-hosted style), the S3 forms under `<bucketsRoot>/<bucket>/<key>`.
 * Returns undefined for anything else (or a key escaping its bucket).
 */
export function resolveLocation(location: string, bucketsRoot: string): string | undefined {
  const l = location.trim();
  if (l.startsWith('file://')) {
    try {
      return fileURLToPath(l);
    } catch {
      return undefined;
    }
  }
  if (l.startsWith('/')) return l;
  let bucket: string | undefined;
  let key: string | undefined;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(l);
  if (m) [bucket, key] = [m[1], m[2]];
  if (!bucket) {
    const u = /^https:\/\/([^/]+)\/(.*)$/.exec(l);
    if (u) {
      const host = (u[1] as string).toLowerCase();
      const path = decodeURIComponent(u[2] as string);
      const virt = /^(.+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com$/.exec(host);
      if (virt) [bucket, key] = [virt[1], path];
      else if (/^s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com$/.test(host) || host === 's3.amazonaws.com') {
        const slash = path.indexOf('/');
        if (slash > 0) [bucket, key] = [path.slice(0, slash), path.slice(slash + 1)];
      }
    }
  }
  if (!bucket || !key || !/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) return undefined;
  const root = normalize(join(bucketsRoot, bucket));
  const file = normalize(join(root, key));
  return file.startsWith(root + sep) ? file : undefined;
}

/** Reads and parses a list; throws an Error with a user-facing message when it cannot. */
export function loadList(format: ListFormat, location: string, bucketsRoot: string): ParsedList {
  const file = resolveLocation(location, bucketsRoot);
  if (!file) throw new Error(`The location ${location} is not a local path, file:// URL or S3 URL`);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    throw new Error(`The file at ${location} could not be read`);
  }
  if (buf.length > MAX_LIST_BYTES) throw new Error(`The file at ${location} is larger than 35 MB`);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf, { maxOutputLength: MAX_LIST_BYTES });
  return parseList(format, buf.toString('utf8'));
}

// ---- compiled look-ups ----

function ipv4ToInt(ip: string): number {
  const p = ip.split('.');
  return (((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3])) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint {
  let s = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1] as string);
    s = s.slice(0, -(v4[1] as string).length) + ((n >>> 16) & 0xffff).toString(16) + ':' + (n & 0xffff).toString(16);
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) n = (n << 16n) + BigInt(parseInt(g || '0', 16));
  return n;
}

/** A set of IPv4/IPv6 addresses and CIDRs with O(log n) membership. */
export class IpMatcher<T> {
  private starts = new Uint32Array(0);
  private ends = new Uint32Array(0);
  private values: T[] = [];
  private readonly v6: { net: bigint; mask: bigint; value: T }[] = [];

  constructor(entries: Iterable<readonly [string, T]>) {
    const v4: { s: number; e: number; value: T }[] = [];
    for (const [cidr, value] of entries) {
      const slash = cidr.indexOf('/');
      const ip = slash === -1 ? cidr : cidr.slice(0, slash);
      const kind = isIP(ip);
      if (kind === 4) {
        const bits = slash === -1 ? 32 : Number(cidr.slice(slash + 1));
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const s = (ipv4ToInt(ip) & mask) >>> 0;
        v4.push({ s, e: (s | (~mask >>> 0)) >>> 0, value });
      } else if (kind === 6) {
        const bits = BigInt(slash === -1 ? 128 : Number(cidr.slice(slash + 1)));
        const mask = bits === 0n ? 0n : ((1n << 128n) - 1n) ^ ((1n << (128n - bits)) - 1n);
        this.v6.push({ net: ipv6ToBigInt(ip) & mask, mask, value });
      }
    }
    // Sorted by start; overlapping ranges are kept (the search walks back over covering ranges).
    v4.sort((a, b) => a.s - b.s || b.e - a.e);
    this.starts = Uint32Array.from(v4, (r) => r.s);
    this.ends = Uint32Array.from(v4, (r) => r.e);
    this.values = v4.map((r) => r.value);
    this.maxSpan = v4.reduce((m, r) => Math.max(m, r.e - r.s), 0);
  }

  private maxSpan = 0;

  /** Number of entries. */
  get size(): number {
    return this.values.length + this.v6.length;
  }

  /** The value of an entry containing `ip`, or undefined. */
  get(ip: string): T | undefined {
    // An empty list (the usual trusted list) answers without parsing the address.
    if (this.values.length === 0 && this.v6.length === 0) return undefined;
    const kind = isIP(ip);
    if (kind === 4) {
      if (this.values.length === 0) return undefined;
      const n = ipv4ToInt(ip);
      // Last range starting at or before n, then walk back while a range could still cover n.
      let lo = 0;
      let hi = this.starts.length - 1;
      let idx = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if ((this.starts[mid] as number) <= n) {
          idx = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      for (let i = idx; i >= 0 && n - (this.starts[i] as number) <= this.maxSpan; i--) {
        if ((this.ends[i] as number) >= n) return this.values[i];
      }
      return undefined;
    }
    if (kind === 6) {
      // IPv4-mapped addresses (::ffff:a.b.c.d, as dual-stack sockets report them) match IPv4 entries.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
      if (mapped) return this.get(mapped[1] as string);
      if (this.v6.length === 0) return undefined;
      const n = ipv6ToBigInt(ip);
      for (const r of this.v6) if ((n & r.mask) === r.net) return r.value;
    }
    return undefined;
  }
}

/** A set of domains; a listed domain also matches its subdomains. */
export class DomainMatcher<T> {
  private readonly map = new Map<string, T>();

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [d, v] of entries) if (!this.map.has(d)) this.map.set(d, v);
  }

  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }

  /** The value of the listed domain `name` is, or is under, or undefined. */
  get(name: string): T | undefined {
    if (this.map.size === 0) return undefined;
    let d = name.toLowerCase();
    if (d.endsWith('.')) d = d.slice(0, -1);
    for (;;) {
      const v = this.map.get(d);
      if (v !== undefined) return v;
      const dot = d.indexOf('.');
      if (dot === -1) return undefined;
      d = d.slice(dot + 1);
    }
  }
}
