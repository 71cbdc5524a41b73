/**
 * malicious-ip-caller: CloudTrail calls from an IP on a threat list. Sees every API call's source
 * IP; fires `Recon:IAMUser/MaliciousIPCaller` for list/describe calls and
 * `UnauthorizedAccess:IAMUser/MaliciousIPCaller` for any other call, with `.Custom` when the match
 * is the customer's own ThreatIntelSet/ThreatEntitySet; `...TorIPCaller` when the list says the IP
 * is a Tor exit. A trusted list wins: a trusted IP never fires.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { tacticOf } from './tactics.js';
import { apiCandidate, isPublicIp } from './util.js';

const NAME = 'malicious-ip-caller';

class MaliciousIpCallerInstance implements DetectionInstance {
  constructor(private readonly ctx: DetectionContext) {}
  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail') return;
    const rec = input.record;
    const ip = rec.sourceIPAddress;
    if (!isPublicIp(ip)) return;
    const m = this.ctx.threatIp(ip);
    if (!m || this.ctx.trustedIp(ip)) return;
    const recon = tacticOf(rec.eventName, rec.readOnly) === 'Discovery';
    const tor = !m.custom && /\btor\b/i.test(m.threatName ?? '');
    const purpose = recon ? 'Recon' : 'UnauthorizedAccess';
    const type = tor ? `${purpose}:IAMUser/TorIPCaller` : `${purpose}:IAMUser/MaliciousIPCaller${m.custom ? '.Custom' : ''}`;
    const threat = { threatListName: m.listName, threatNames: m.threatName ? [m.threatName] : [] };
    emit(apiCandidate(this.ctx, rec, {
      type,
      title: tor ? `API ${rec.eventName} was invoked from a Tor exit node.` : `API ${rec.eventName} was invoked from an IP address on ${m.custom ? 'a custom threat list' : 'a threat list'}.`,
      description: `${rec.eventName} (${rec.eventSource}) was called from ${ip}, which is on the threat list ${m.listName}${m.threatName ? ` (${m.threatName})` : ''}.`,
      key: ip,
      detection: NAME,
      evidence: { threatIntelligenceDetails: [threat] },
      additionalInfo: { threatListName: m.listName, ...(m.threatName ? { threatName: m.threatName } : {}) },
    }));
  }
}

/** The threat-list caller module. */
export const maliciousIpCaller: Detection = {
  name: NAME,
  description: 'CloudTrail API calls whose source IP is on a threat list (built-in feeds or the customer\'s: .Custom); list/describe calls are Recon, the rest UnauthorizedAccess; Tor exits per the list. Trusted IPs never fire.',
  inputs: ['cloudtrail'],
  findingTypes: [
    'Recon:IAMUser/MaliciousIPCaller', 'Recon:IAMUser/MaliciousIPCaller.Custom', 'Recon:IAMUser/TorIPCaller',
    'UnauthorizedAccess:IAMUser/MaliciousIPCaller', 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', 'UnauthorizedAccess:IAMUser/TorIPCaller',
  ],
  create: (ctx) => new MaliciousIpCallerInstance(ctx),
};
