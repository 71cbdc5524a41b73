/**
 * IP address matching for IP sets: IPv4 CIDRs compile into sorted, merged uint32 ranges searched
 * by bisection; IPv6 CIDRs into a node:net BlockList. Also the forwarded-IP header parsing shared by
 * IPSetReference, GeoMatch, AsnMatch and rate-based statements.
 */
import { BlockList, isIP } from 'node:net';
import { WafConfigError } from '../errors.js';
import type { InspectedRequest } from '../types.js';

/** Parses dotted-quad IPv4 to an unsigned 32-bit integer, or -1. */
export function ipv4ToInt(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** A compiled set of CIDRs. */
export class IpMatcher {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly v6: BlockList | null;

  constructor(cidrs: readonly string[], path: string) {
    const ranges: [number, number][] = [];
    let v6: BlockList | null = null;
    for (let i = 0; i < cidrs.length; i++) {
      const c = cidrs[i]!;
      const slash = c.indexOf('/');
      const addr = slash < 0 ? c : c.slice(0, slash);
      const fam = isIP(addr);
      const bits = slash < 0 ? (fam === 6 ? 128 : 32) : Number(c.slice(slash + 1));
      if (fam === 0 || !Number.isInteger(bits) || (slash >= 0 && !/^\d{1,3}$/.test(c.slice(slash + 1)))) {
        throw new WafConfigError('IP_ADDRESS', `${path}[${i}]`, `invalid CIDR ${JSON.stringify(c)}`);
      }
      // AWS WAF supports every prefix length except /0.
      if (bits < 1 || bits > (fam === 4 ? 32 : 128)) throw new WafConfigError('IP_ADDRESS', `${path}[${i}]`, `unsupported prefix length in ${c}`);
      if (fam === 4) {
        const a = ipv4ToInt(addr);
        if (a < 0) throw new WafConfigError('IP_ADDRESS', `${path}[${i}]`, `invalid IPv4 address ${addr}`);
        const size = 2 ** (32 - bits);
        const start = Math.floor(a / size) * size;
        ranges.push([start, start + size - 1]);
      } else {
        v6 ??= new BlockList();
        v6.addSubnet(addr, bits, 'ipv6');
      }
    }
    ranges.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.starts = Float64Array.from(merged, (r) => r[0]);
    this.ends = Float64Array.from(merged, (r) => r[1]);
    this.v6 = v6;
  }

  /** True when `ip` (IPv4 or IPv6 text) is in the set; false for anything unparsable. */
  has(ip: string): boolean {
    const a = ipv4ToInt(ip);
    if (a >= 0) {
      let lo = 0;
      let hi = this.starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (this.starts[mid]! > a) hi = mid - 1;
        else if (this.ends[mid]! < a) lo = mid + 1;
        else return true;
      }
      return false;
    }
    if (this.v6 === null || isIP(ip) !== 6) return false;
    return this.v6.check(ip, 'ipv6');
  }
}

/** A compiled ForwardedIPConfig / IPSetForwardedIPConfig. */
export interface ForwardedIpSpec {
  /** Lower-case header name. */
  readonly header: string;
  readonly fallbackMatch: boolean;
  readonly position: 'FIRST' | 'LAST' | 'ANY';
}

/** Outcome of reading a forwarded-IP header. */
export type ForwardedIps =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ips'; readonly ips: readonly string[]; readonly invalid: boolean };

/** The header's comma-separated list, parsed; `max` keeps the last entries (ANY inspects the last 10). */
export function forwardedIps(req: InspectedRequest, spec: ForwardedIpSpec): ForwardedIps {
  const h = req.headers;
  let value: string | undefined;
  for (let i = 0; i < h.length; i++) {
    const e = h[i]!;
    if (e[0].length === spec.header.length && e[0].toLowerCase() === spec.header) {
      value = value === undefined ? e[1] : `${value},${e[1]}`;
    }
  }
  if (value === undefined) return { kind: 'absent' };
  const parts = value.split(',');
  let sel: string[];
  if (spec.position === 'FIRST') sel = [parts[0]!];
  else if (spec.position === 'LAST') sel = [parts[parts.length - 1]!];
  else sel = parts.length > 10 ? parts.slice(parts.length - 10) : parts;
  const ips: string[] = [];
  let invalid = false;
  for (const p of sel) {
    const ip = normalizeIp(p.trim());
    if (ip === undefined) invalid = true;
    else ips.push(ip);
  }
  return { kind: 'ips', ips, invalid };
}

/** Validates an IP text, strips brackets/ports conservatively and the ::ffff: IPv4 prefix. */
export function normalizeIp(s: string): string | undefined {
  if (isIP(s) === 4) return s;
  if (isIP(s) === 6) {
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
    return m ? m[1] : s;
  }
  return undefined;
}

/** The single forwarded IP used by Geo/ASN/rate statements (AWS uses the first address). */
export function firstForwardedIp(req: InspectedRequest, spec: ForwardedIpSpec): string | null | undefined {
  const f = forwardedIps(req, { header: spec.header, fallbackMatch: spec.fallbackMatch, position: 'FIRST' });
  if (f.kind === 'absent') return undefined; // header absent: the statement doesn't apply
  return f.ips.length > 0 ? f.ips[0]! : null; // null: invalid, fallback applies
}

/** Compiles ForwardedIPConfig (position FIRST) or IPSetForwardedIPConfig (with Position). */
export function compileForwardedIp(v: unknown, path: string, withPosition: boolean): ForwardedIpSpec {
  const field = withPosition ? 'IP_SET_FORWARDED_IP_CONFIG' : 'FORWARDED_IP_CONFIG';
  if (typeof v !== 'object' || v === null) throw new WafConfigError(field, path, 'must be an object');
  const o = v as Record<string, unknown>;
  const header = o['HeaderName'];
  if (typeof header !== 'string' || !/^[a-zA-Z0-9-]{1,255}$/.test(header)) throw new WafConfigError('HEADER_NAME', `${path}.HeaderName`, 'HeaderName must match ^[a-zA-Z0-9-]+$');
  const fb = o['FallbackBehavior'];
  if (fb !== 'MATCH' && fb !== 'NO_MATCH') throw new WafConfigError('FALLBACK_BEHAVIOR', `${path}.FallbackBehavior`, 'FallbackBehavior must be MATCH or NO_MATCH');
  let position: 'FIRST' | 'LAST' | 'ANY' = 'FIRST';
  if (withPosition) {
    const p = o['Position'];
    if (p !== 'FIRST' && p !== 'LAST' && p !== 'ANY') throw new WafConfigError('POSITION', `${path}.Position`, 'Position must be FIRST, LAST or ANY');
    position = p;
  }
  return { header: header.toLowerCase(), fallbackMatch: fb === 'MATCH', position };
}
