/**
 * instance-credential-exfiltration: EC2 instance-role session credentials used away from the
 * instance. Sees CloudTrail calls made with instance credentials (an AssumedRole session whose
 * principalId ends in ':i-…', or with sessionContext.ec2RoleDelivery); learns the networks each
 * instance's credentials are used from (the first one is the instance's own egress) and fires
 * `UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS` when they are used from a
 * network never seen for that instance, `.InsideAWS` when that network belongs to AWS (another
 * account's instance or a VPC endpoint of another account). Credentials used from an IP address
 * the account's people use (IAM users, root, console sessions) are outside the instance however
 * early they appear: that is the attacker's workstation, not the instance's egress.
 */
import type { CloudTrailRecord, Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { apiCandidate, factsOf, LruMap } from './util.js';

const NAME = 'instance-credential-exfiltration';
const MAX_INSTANCES = 50_000;
const MAX_NETS = 8;

/** The instance id whose role credentials made the call, if any. */
export function instanceIdOf(rec: CloudTrailRecord): string | undefined {
  const u = rec.userIdentity;
  if (u?.type !== 'AssumedRole') return undefined;
  const pid = u.principalId ?? '';
  const colon = pid.indexOf(':');
  // Quick reject: instance sessions are named after the instance ('…:i-0abc…').
  if (!u.sessionContext?.ec2RoleDelivery && (colon < 0 || pid.charCodeAt(colon + 1) !== 105 || pid.charCodeAt(colon + 2) !== 45)) return undefined;
  const sid = colon >= 0 ? pid.slice(colon + 1) : u.arn?.split('/').pop();
  if (sid && /^i-[0-9a-f]{8,17}$/i.test(sid)) return sid;
  if (u.sessionContext?.ec2RoleDelivery) return sid ?? u.principalId ?? 'unknown-instance';
  return undefined;
}

class InstanceCredentialInstance implements DetectionInstance {
  private readonly nets = new LruMap<string, string[]>(MAX_INSTANCES);
  /** IPs used by people (IAM users, root, console sessions): never an instance's egress. */
  private readonly humanIps = new LruMap<string, true>(20_000);
  constructor(private readonly ctx: DetectionContext) {}

  private networkOf(ip: string): { net: string; aws: boolean } {
    const g = this.ctx.geo(ip);
    const aws = /amazon|aws/i.test(g?.asnOrg ?? '');
    if (g?.asn) return { net: `AS${g.asn}`, aws };
    if (ip.includes(':')) return { net: ip.split(':').slice(0, 3).join(':'), aws };
    return { net: ip.split('.').slice(0, 3).join('.'), aws };
  }

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail') return;
    const rec = input.record;
    const inst = instanceIdOf(rec);
    const ip = rec.sourceIPAddress;
    if (!ip || factsOf(rec).serviceCaller) return;
    if (!inst) {
      const t = rec.userIdentity?.type;
      // People's addresses: IAM users, root and console sessions calling from outside AWS's own networks
      // (an IAM user calling from an AWS address is a workload, e.g. CI on an instance behind the same NAT).
      if ((t === 'IAMUser' || t === 'Root' || rec.sessionCredentialFromConsole === true || rec.sessionCredentialFromConsole === 'true') && this.humanIps.get(ip) === undefined && !this.networkOf(ip).aws) this.humanIps.set(ip, true);
      return;
    }
    const vpce = typeof rec.vpcEndpointId === 'string' ? rec.vpcEndpointId : undefined;
    const vpceAccount = typeof rec.vpcEndpointAccountId === 'string' ? rec.vpcEndpointAccountId : undefined;
    const own = rec.recipientAccountId ?? rec.userIdentity?.accountId;
    const { net, aws } = vpce ? { net: `vpce:${vpceAccount ?? vpce}`, aws: true } : this.networkOf(ip);
    if (this.ctx.trustedIp(ip)) return;
    const key = `${rec.userIdentity?.sessionContext?.sessionIssuer?.arn ?? ''}|${inst}`;
    const human = this.humanIps.peek(ip) !== undefined;
    let seen = this.nets.get(key);
    if (!seen && !human) { this.nets.set(key, [net]); return; }
    seen ??= [];
    if (seen.includes(net)) return;
    const inside = aws || (vpceAccount !== undefined && vpceAccount !== own);
    const type = `UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.${inside ? 'InsideAWS' : 'OutsideAWS'}`;
    emit(apiCandidate(this.ctx, rec, {
      type,
      title: `Credentials for instance ${inst} were used from ${inside ? 'another AWS account' : 'outside AWS'}.`,
      description: human
        ? `Role credentials delivered to ${inst} called ${rec.eventName} from ${ip}, an address the account's users call from, not the instance.`
        : `Role credentials delivered to ${inst} called ${rec.eventName} from ${ip} (${net}); until now they were used only from ${seen.join(', ')}.`,
      key: net,
      detection: NAME,
      ...(inside && vpceAccount ? { actionExtra: { remoteAccountDetails: { accountId: vpceAccount, affiliated: false } } } : {}),
      additionalInfo: { instanceId: inst, knownNetworks: [...seen] },
    }));
    if (seen.length < MAX_NETS) { seen = [...seen, net]; this.nets.set(key, seen); }
  }

  snapshot(): unknown { return [...this.nets.entries()]; }
  restore(state: unknown): void {
    if (!Array.isArray(state)) return;
    for (const e of state) if (Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1])) this.nets.set(e[0], (e[1] as unknown[]).map(String).slice(0, MAX_NETS));
  }
}

/** The instance-credential exfiltration module. */
export const instanceCredentialExfiltration: Detection = {
  name: NAME,
  description: 'EC2 instance-role credentials (principalId ":i-…" / ec2RoleDelivery) used from a network never seen for that instance: InstanceCredentialExfiltration.OutsideAWS, or .InsideAWS when the network is AWS\'s (another account\'s instance or VPC endpoint).',
  inputs: ['cloudtrail'],
  findingTypes: ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS'],
  create: (ctx) => new InstanceCredentialInstance(ctx),
};
