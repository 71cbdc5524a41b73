/**
 * unusual-traffic: per-instance network baselines from VPC flow logs. For each instance (or
 * interface) it learns the remote ports it connects out to and its hourly outbound volume.
 * Once an instance has a history (a day of flows), fires `Behavior:EC2/NetworkPortUnusual` on the
 * first outbound connection to a new remote port (High for LDAP 389/1389, the Log4j callback),
 * `Backdoor:EC2/Spambot` on first SMTP (25) traffic to public hosts, and
 * `Behavior:EC2/TrafficVolumeUnusual` when an hour's outbound bytes exceed ten times its largest
 * hour so far. Public DNS resolvers / DoH / DoT never used before → `DefenseEvasion:EC2/Unusual*`.
 * State per instance is a small port set and a few numbers, LRU-bounded over instances.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, resourceIdOf, type FlowView } from './flow-util.js';
import type { FlowRecord } from '../types.js';
import { LruMap } from './util.js';

const NAME = 'unusual-traffic';
const LEARN_MS = 24 * 3600_000;
const LEARN_FLOWS = 200;
const MAX_PORTS = 64;
/** Volume: an hour above this multiple of the largest hour so far (and above the floor) is unusual. */
export const VOLUME_FACTOR = 10;
const VOLUME_FLOOR = 500 * 1024 * 1024;
/** Well-known public resolvers (DNS on 53, DoT on 853, DoH on 443). */
const PUBLIC_RESOLVERS: ReadonlySet<string> = new Set(['8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '149.112.112.112', '208.67.222.222', '208.67.220.220', '94.140.14.14', '76.76.2.0']);

interface Profile { first: number; flows: number; ports: Set<number>; resolvers: Set<string>; hour: number; hourBytes: number; maxHour: number; volumeFired: boolean }

class UnusualTrafficInstance implements DetectionInstance {
  private readonly profiles = new LruMap<string, Profile>(50_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    if (r.action === 'REJECT') return;
    const v = orient(r);
    if (!v || v.direction !== 'OUTBOUND' || this.ctx.trustedIp(v.remoteIp)) return;
    const id = resourceIdOf(r, v.localIp);
    const t = r.start * 1000;
    let p = this.profiles.get(id);
    if (!p) { p = { first: t, flows: 0, ports: new Set(), resolvers: new Set(), hour: Math.floor(t / 3600_000), hourBytes: 0, maxHour: 0, volumeFired: false }; this.profiles.set(id, p); }
    const established = p.flows >= LEARN_FLOWS && t - p.first >= LEARN_MS;
    const port = v.remotePort;
    if (established && !p.ports.has(port)) {
      if (port === 25) this.emit(emit, r, v, id, 'Backdoor:EC2/Spambot', undefined, `${id} sent SMTP (port 25) traffic to ${v.remoteIp} for the first time: it may be sending spam.`);
      else if (PUBLIC_RESOLVERS.has(v.remoteIp) && (port === 53 || port === 853 || port === 443)) {
        if (!p.resolvers.has(v.remoteIp)) {
          const type = port === 53 ? 'DefenseEvasion:EC2/UnusualDNSResolver' : port === 853 ? 'DefenseEvasion:EC2/UnusualDoTActivity' : 'DefenseEvasion:EC2/UnusualDoHActivity';
          this.emit(emit, r, v, id, type, undefined, `${id} used the public resolver ${v.remoteIp} (port ${port}) for the first time, bypassing the VPC resolver and its query log.`);
        }
      } else if (port < 32768) {
        this.emit(emit, r, v, id, 'Behavior:EC2/NetworkPortUnusual', port === 389 || port === 1389 ? 8 : undefined, `${id} connected to ${v.remoteIp} on port ${port}, a remote port it has not used before.`);
      }
    }
    if (PUBLIC_RESOLVERS.has(v.remoteIp)) p.resolvers.add(v.remoteIp);
    if (p.ports.size < MAX_PORTS && port < 32768) p.ports.add(port);
    p.flows++;
    // Hourly volume.
    const hour = Math.floor(t / 3600_000);
    if (hour !== p.hour) { if (hour > p.hour) { p.maxHour = Math.max(p.maxHour, p.hourBytes); p.hourBytes = 0; p.hour = hour; p.volumeFired = false; } }
    p.hourBytes += r.bytes ?? 0;
    if (established && !p.volumeFired && p.maxHour > 0 && p.hourBytes > VOLUME_FLOOR && p.hourBytes > VOLUME_FACTOR * p.maxHour) {
      p.volumeFired = true;
      this.emit(emit, r, v, id, 'Behavior:EC2/TrafficVolumeUnusual', undefined, `${id} sent ${Math.round(p.hourBytes / 1048576)} MiB this hour, over ${VOLUME_FACTOR}× its largest hour before (${Math.round(p.maxHour / 1048576)} MiB).`);
    }
  }

  private emit(emit: (c: FindingCandidate) => void, r: FlowRecord, v: FlowView, id: string, type: string, severity: number | undefined, description: string): void {
    emit({
      type,
      ...(severity !== undefined ? { severity } : {}),
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      action: connectionAction(this.ctx, r, v),
      title: description.split(':')[0] ?? description,
      description,
      dedupKey: `${type}|${id}|${type === 'Behavior:EC2/TrafficVolumeUnusual' ? '' : `${v.remoteIp}:${v.remotePort}`}`,
      eventTime: flowTime(r),
      remoteIp: v.remoteIp,
      resourceRole: 'ACTOR',
      detection: NAME,
    });
  }

  snapshot(): unknown {
    return [...this.profiles.entries()].map(([k, p]) => [k, p.first, p.flows, [...p.ports], [...p.resolvers], Math.max(p.maxHour, p.hourBytes)]);
  }
  restore(state: unknown): void {
    if (!Array.isArray(state)) return;
    for (const s of state) {
      if (!Array.isArray(s) || typeof s[0] !== 'string') continue;
      this.profiles.set(s[0], {
        first: Number(s[1]), flows: Number(s[2]), ports: new Set(Array.isArray(s[3]) ? s[3].map(Number).slice(0, MAX_PORTS) : []),
        resolvers: new Set(Array.isArray(s[4]) ? s[4].map(String).slice(0, 16) : []), hour: 0, hourBytes: 0, maxHour: Number(s[5]) || 0, volumeFired: false,
      });
    }
  }
}

/** The per-instance network baseline module. */
export const unusualTraffic: Detection = {
  name: NAME,
  description: `Per-instance outbound baselines (remote ports, public resolvers, hourly bytes) after ${LEARN_FLOWS}+ flows over a day: new remote port → NetworkPortUnusual (High for 389/1389), first port 25 → Spambot, new public resolver → UnusualDNSResolver/DoT/DoH, an hour over ${VOLUME_FACTOR}× the largest → TrafficVolumeUnusual.`,
  inputs: ['vpcflow'],
  findingTypes: ['Behavior:EC2/NetworkPortUnusual', 'Backdoor:EC2/Spambot', 'Behavior:EC2/TrafficVolumeUnusual', 'DefenseEvasion:EC2/UnusualDNSResolver', 'DefenseEvasion:EC2/UnusualDoTActivity', 'DefenseEvasion:EC2/UnusualDoHActivity'],
  create: (ctx) => new UnusualTrafficInstance(ctx),
};
