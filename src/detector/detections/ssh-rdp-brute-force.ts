/**
 * ssh-rdp-brute-force: password guessing over SSH (22) and RDP (3389) in VPC flow logs. Sees TCP
 * flows to those ports; a brute force is many short connections between one remote IP and one
 * local IP on the port (each guess is a new connection). Fires
 * `UnauthorizedAccess:EC2/SSHBruteForce` / `RDPBruteForce` with resourceRole TARGET (Low) when the
 * instance is attacked from outside, ACTOR (High) when the instance attacks a public host.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, resourceIdOf } from './flow-util.js';
import { CountWindow, LruMap } from './util.js';

const NAME = 'ssh-rdp-brute-force';
/** Connections between the pair within the window that make a brute force. */
export const BRUTE_CONNECTIONS = 20;
const WINDOW_MS = 10 * 60_000;
/** A flow with more packets than this is a real session, not a guess. */
const MAX_GUESS_PACKETS = 40;

class BruteForceInstance implements DetectionInstance {
  private readonly pairs = new LruMap<string, CountWindow>(50_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    if (r.protocol !== 6 || (r.dstPort !== 22 && r.dstPort !== 3389)) return;
    if ((r.packets ?? 1) > MAX_GUESS_PACKETS) return;
    const v = orient(r);
    if (!v || this.ctx.trustedIp(v.remoteIp)) return;
    const actor = v.direction === 'OUTBOUND';
    const port = r.dstPort;
    const key = `${v.localIp}|${v.remoteIp}|${port}`;
    let w = this.pairs.get(key);
    if (!w) { w = new CountWindow(WINDOW_MS, BRUTE_CONNECTIONS); this.pairs.set(key, w); }
    if (w.add(r.start * 1000) < BRUTE_CONNECTIONS) return;
    const proto = port === 22 ? 'SSH' : 'RDP';
    const type = `UnauthorizedAccess:EC2/${proto}BruteForce`;
    const id = resourceIdOf(r, v.localIp);
    emit({
      type,
      severity: actor ? 8 : 2,
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      action: connectionAction(this.ctx, r, v),
      title: actor ? `${id} is performing ${proto} brute force attacks against ${v.remoteIp}.` : `${v.remoteIp} is performing ${proto} brute force attacks against ${id}.`,
      description: actor
        ? `${id} made ${BRUTE_CONNECTIONS}+ short ${proto} connections to ${v.remoteIp} within 10 minutes: the instance may be compromised and attacking others.`
        : `${v.remoteIp} made ${BRUTE_CONNECTIONS}+ short ${proto} connections to ${id} within 10 minutes: password guessing.`,
      dedupKey: `${type}|${id}|${v.remoteIp}|${actor ? 'ACTOR' : 'TARGET'}`,
      eventTime: flowTime(r),
      remoteIp: v.remoteIp,
      resourceRole: actor ? 'ACTOR' : 'TARGET',
      detection: NAME,
    });
  }
}

/** The SSH/RDP brute-force module. */
export const sshRdpBruteForce: Detection = {
  name: NAME,
  description: `VPC flows to TCP 22/3389: ${BRUTE_CONNECTIONS}+ short connections (≤ ${MAX_GUESS_PACKETS} packets) between one remote and one local IP within 10 minutes. Inbound → TARGET (Low), outbound → ACTOR (High).`,
  inputs: ['vpcflow'],
  findingTypes: ['UnauthorizedAccess:EC2/SSHBruteForce', 'UnauthorizedAccess:EC2/RDPBruteForce'],
  create: (ctx) => new BruteForceInstance(ctx),
};
