/**
 * dns-exfiltration: data tunnelled out in DNS query names. Sees Resolver queries; a tunnel
 * encodes data in long, high-entropy labels under one attacker domain, each query a new name.
 * Per (instance, registrable domain) it counts distinct such names in a sliding window and fires
 * `Trojan:EC2/DNSDataExfiltration` past the threshold. CDNs and AWS endpoints with hashed names
 * stay under it: they repeat the same few names.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { baseDomain, dnsCandidate, isInfrastructure, normName, querier } from './dns-util.js';
import { DistinctWindow, entropy, LruMap } from './util.js';

const NAME = 'dns-exfiltration';
/** Distinct encoded names under one domain within the window. */
export const TUNNEL_NAMES = 20;
const WINDOW_MS = 10 * 60_000;
const MIN_PAYLOAD = 24;

/** The encoded part of a name under its base domain (labels joined), if it looks like data. */
export function encodedPayload(name: string, base: string): string | undefined {
  if (name.length <= base.length + 1) return undefined;
  const sub = name.slice(0, name.length - base.length - 1).replace(/\./g, '');
  if (sub.length < MIN_PAYLOAD) return undefined;
  if (!/^[a-z0-9_-]+$/.test(sub)) return undefined;
  return entropy(sub) >= 3.5 ? sub : undefined;
}

class DnsExfiltrationInstance implements DetectionInstance {
  private readonly windows = new LruMap<string, DistinctWindow>(20_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'dns') return;
    const r = input.record;
    const name = normName(r.query_name);
    if (isInfrastructure(name)) return;
    const base = baseDomain(name);
    const payload = encodedPayload(name, base);
    if (!payload || this.ctx.trustedDomain(base)) return;
    const key = `${querier(r)}|${base}`;
    let w = this.windows.get(key);
    if (!w) { w = new DistinctWindow(WINDOW_MS, TUNNEL_NAMES + 4); this.windows.set(key, w); }
    const n = w.add(payload.slice(0, 64), Date.parse(r.query_timestamp.replace(' ', 'T')) || 0);
    if (n < TUNNEL_NAMES) return;
    emit(dnsCandidate(this.ctx, r, {
      type: 'Trojan:EC2/DNSDataExfiltration',
      title: `${querier(r)} is exfiltrating data through DNS queries to ${base}.`,
      description: `${querier(r)} sent ${n} distinct queries with long high-entropy labels under ${base} within 10 minutes: data encoded in DNS names.`,
      key: base,
      domain: base,
      detection: NAME,
      additionalInfo: { distinctNames: n },
    }));
  }
}

/** The DNS tunnelling module. */
export const dnsExfiltration: Detection = {
  name: NAME,
  description: `Resolver queries carrying ${MIN_PAYLOAD}+ characters of high-entropy (≥ 3.5 bits/char) subdomain labels; ${TUNNEL_NAMES}+ distinct such names under one domain from one instance in 10 minutes → Trojan:EC2/DNSDataExfiltration.`,
  inputs: ['dns'],
  findingTypes: ['Trojan:EC2/DNSDataExfiltration'],
  create: (ctx) => new DnsExfiltrationInstance(ctx),
};
