/**
 * flow-threat-intel: instances talking to listed IPs, from VPC flow logs. Sees every flow with a
 * public end; fires when that IP is on a threat list and not on a trusted list. The list's threat
 * name picks the type: C&C → `Backdoor:EC2/C&CActivity.B`, Tor → `UnauthorizedAccess:EC2/TorClient`,
 * mining → `CryptoCurrency:EC2/BitcoinTool.B`, drop point → `Trojan:EC2/DropPoint`, sinkhole →
 * `Trojan:EC2/BlackholeTraffic`; a customer list → `UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`.
 * An accepted inbound flow from a listed scanner to an open port → `Recon:EC2/PortProbeUnprotectedPort`
 * (High for Elasticsearch 9200/9300, EMR ports → `Recon:EC2/PortProbeEMRUnprotectedPort`).
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate, ListMatch } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, portProbeAction, resourceIdOf } from './flow-util.js';

const NAME = 'flow-threat-intel';
const EMR_PORTS: ReadonlySet<number> = new Set([8088, 8042, 8080, 8890, 18080, 20888]);

/** The EC2 flow type for a threat-list match. */
export function flowThreatType(m: ListMatch): string {
  if (m.custom) return 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom';
  const n = (m.threatName ?? '').toLowerCase();
  if (/\btor\b/.test(n)) return /relay/.test(n) ? 'UnauthorizedAccess:EC2/TorRelay' : 'UnauthorizedAccess:EC2/TorClient';
  if (/bitcoin|crypto|mining|miner|coin/.test(n)) return 'CryptoCurrency:EC2/BitcoinTool.B';
  if (/drop ?point|dropzone/.test(n)) return 'Trojan:EC2/DropPoint';
  if (/blackhole|sinkhole/.test(n)) return 'Trojan:EC2/BlackholeTraffic';
  return 'Backdoor:EC2/C&CActivity.B';
}

class FlowThreatIntelInstance implements DetectionInstance {
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    const v = orient(r);
    if (!v) return;
    const m = this.ctx.threatIp(v.remoteIp);
    if (!m || this.ctx.trustedIp(v.remoteIp)) return;
    const id = resourceIdOf(r, v.localIp);
    const base = {
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      eventTime: flowTime(r),
      remoteIp: v.remoteIp,
      detection: NAME,
      evidence: { threatIntelligenceDetails: [{ threatListName: m.listName, threatNames: m.threatName ? [m.threatName] : [] }] },
      additionalInfo: { threatListName: m.listName, ...(m.threatName ? { threatName: m.threatName } : {}) },
    };
    // An inbound flow from a low remote port to a higher local one is the reply half of an outbound connection.
    if (v.direction === 'INBOUND' && v.localPort <= v.remotePort) {
      if (r.action === 'REJECT') return;
      const emr = EMR_PORTS.has(v.localPort);
      const type = emr ? 'Recon:EC2/PortProbeEMRUnprotectedPort' : 'Recon:EC2/PortProbeUnprotectedPort';
      emit({
        ...base, type,
        ...(v.localPort === 9200 || v.localPort === 9300 ? { severity: 8 } : {}),
        action: portProbeAction(this.ctx, r, v, [v.localPort]),
        title: `Unprotected port on ${id} is being probed.`,
        description: `${v.remoteIp}, a known scanner on ${m.listName}, reached open port ${v.localPort} of ${id}.`,
        dedupKey: `${type}|${id}|${v.localPort}`,
      });
      return;
    }
    const type = flowThreatType(m);
    emit({
      ...base, type,
      action: connectionAction(this.ctx, r, v),
      title: `${id} is communicating with ${v.remoteIp}, an IP address on ${m.custom ? 'a custom threat list' : 'a threat list'}.`,
      description: `${id} connected to ${v.remoteIp}:${v.remotePort}, listed in ${m.listName}${m.threatName ? ` as ${m.threatName}` : ''}.`,
      dedupKey: `${type}|${id}|${v.remoteIp}`,
      resourceRole: 'ACTOR',
    });
  }
}

/** The VPC-flow threat-list module. */
export const flowThreatIntel: Detection = {
  name: NAME,
  description: 'VPC flows whose public end is on a threat list (trusted lists win): outbound → C&C / Tor / mining / drop point / sinkhole per the list\'s threat name, or MaliciousIPCaller.Custom for customer lists; accepted inbound from a listed scanner → PortProbeUnprotectedPort.',
  inputs: ['vpcflow'],
  findingTypes: [
    'Backdoor:EC2/C&CActivity.B', 'UnauthorizedAccess:EC2/TorClient', 'UnauthorizedAccess:EC2/TorRelay', 'CryptoCurrency:EC2/BitcoinTool.B', 'Trojan:EC2/DropPoint',
    'Trojan:EC2/BlackholeTraffic', 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', 'Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/PortProbeEMRUnprotectedPort',
  ],
  create: (ctx) => new FlowThreatIntelInstance(ctx),
};
