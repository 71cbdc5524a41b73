/**
 * dns-rebind: metadata DNS rebinding. Sees Resolver query answers; fires
 * `UnauthorizedAccess:EC2/MetadataDNSRebind` when a public name resolves to the instance metadata
 * service address (169.254.169.254 or fd00:ec2::254): an application that fetches user-supplied
 * URLs can be tricked into reading the instance's role credentials.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { dnsCandidate, normName } from './dns-util.js';

const NAME = 'dns-rebind';
const IMDS: ReadonlySet<string> = new Set(['169.254.169.254', 'fd00:ec2::254']);

class DnsRebindInstance implements DetectionInstance {
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'dns') return;
    const r = input.record;
    const raw: unknown = r.answers;
    const answers = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
    let hit = false;
    for (const a of answers as { Rdata?: unknown }[]) if (typeof a?.Rdata === 'string' && IMDS.has(a.Rdata.trim().toLowerCase())) { hit = true; break; }
    if (!hit) return;
    const name = normName(r.query_name);
    if (name.endsWith('.internal') || name === 'instance-data' || this.ctx.trustedDomain(name)) return;
    emit(dnsCandidate(this.ctx, r, {
      type: 'UnauthorizedAccess:EC2/MetadataDNSRebind',
      title: `${r.srcids?.instance ?? 'An instance'} queried a domain that resolves to the instance metadata service.`,
      description: `${name} resolved to 169.254.169.254: DNS rebinding aimed at the instance's metadata and role credentials.`,
      key: name,
      domain: name,
      detection: NAME,
    }));
  }
}

/** The metadata DNS rebinding module. */
export const dnsRebind: Detection = {
  name: NAME,
  description: 'Resolver answers where a public name resolves to the metadata service (169.254.169.254, fd00:ec2::254) → UnauthorizedAccess:EC2/MetadataDNSRebind.',
  inputs: ['dns'],
  findingTypes: ['UnauthorizedAccess:EC2/MetadataDNSRebind'],
  create: (ctx) => new DnsRebindInstance(ctx),
};
