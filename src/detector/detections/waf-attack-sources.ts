/**
 * waf-attack-sources: attackers seen by Bulwark's WAF and Shield. Sees WAF log records (blocked
 * requests) and Shield attack events. Fires `Recon:WAF/SourceAttackingManySites` when one client IP
 * is blocked on several different sites (web ACLs or Host names) within 10 minutes,
 * `Impact:WAF/SustainedAttackSource` when one IP keeps being blocked for 5+ minutes at volume, and
 * `Impact:Shield/DDoSAttackSource` for each top source of a Shield attack. All carry the remote IP,
 * so the response step can put it in a WAF IP set.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate, ShieldAttackEvent, WafLogRecord } from '../types.js';
import { DistinctWindow, LruMap, remoteIpDetails } from './util.js';

const NAME = 'waf-attack-sources';
/** Distinct sites blocking one IP within 10 minutes. */
export const SITES = 3;
/** Blocks from one IP, spread over at least SUSTAIN_MS, with no gap longer than GAP_MS. */
export const SUSTAINED_BLOCKS = 100;
const SUSTAIN_MS = 5 * 60_000;
const GAP_MS = 2 * 60_000;
/** Requests a Shield top source must have sent to be named. */
const SHIELD_MIN_REQUESTS = 100;

interface Run { first: number; last: number; blocks: number; fired: boolean }

function siteOf(r: WafLogRecord): string {
  const host = r.httpRequest.headers?.find((h) => h.name.toLowerCase() === 'host')?.value;
  return host ? `${r.webaclId}|${host.toLowerCase()}` : r.webaclId;
}

class WafAttackSourcesInstance implements DetectionInstance {
  private readonly sites = new LruMap<string, DistinctWindow>(50_000);
  private readonly runs = new LruMap<string, Run>(50_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind === 'shield') { this.shield(input.event, emit); return; }
    if (input.kind !== 'waf') return;
    const r = input.record;
    if (r.action !== 'BLOCK') return;
    const ip = r.httpRequest.clientIp;
    if (!ip || this.ctx.trustedIp(ip)) return;
    const t = r.timestamp;
    let w = this.sites.get(ip);
    if (!w) { w = new DistinctWindow(10 * 60_000, SITES * 2); this.sites.set(ip, w); }
    const n = w.add(siteOf(r), t);
    if (n >= SITES) emit(this.candidate(r, 'Recon:WAF/SourceAttackingManySites', `${ip} is attacking several sites.`, `${ip} was blocked by the WAF on ${n} different sites within 10 minutes.`));
    let run = this.runs.get(ip);
    if (!run || t - run.last > GAP_MS) { run = { first: t, last: t, blocks: 0, fired: false }; this.runs.set(ip, run); }
    run.blocks++;
    if (t > run.last) run.last = t;
    if (!run.fired && run.blocks >= SUSTAINED_BLOCKS && run.last - run.first >= SUSTAIN_MS) {
      run.fired = true;
      emit(this.candidate(r, 'Impact:WAF/SustainedAttackSource', `${ip} is a sustained attack source.`, `${ip} has been blocked ${run.blocks} times over ${Math.round((run.last - run.first) / 60_000)} minutes without pause.`));
    }
  }

  private candidate(r: WafLogRecord, type: string, title: string, description: string): FindingCandidate {
    const ip = r.httpRequest.clientIp;
    return {
      type,
      accountId: this.ctx.accountId,
      region: this.ctx.region,
      resource: { resourceType: 'WebACL', webAclDetails: { webAclId: r.webaclId, httpSourceId: r.httpSourceId ?? 'unknown' } },
      action: {
        actionType: 'NETWORK_CONNECTION',
        networkConnectionAction: { connectionDirection: 'INBOUND', blocked: true, protocol: 'TCP', remoteIpDetails: remoteIpDetails(this.ctx, ip), localPortDetails: { port: 443, portName: 'HTTPS' } },
      },
      title,
      description,
      dedupKey: `${type}|${ip}`,
      eventTime: new Date(r.timestamp),
      additionalInfo: { terminatingRuleId: r.terminatingRuleId, uri: r.httpRequest.uri },
      remoteIp: ip,
      detection: NAME,
    };
  }

  private shield(e: ShieldAttackEvent, emit: (c: FindingCandidate) => void): void {
    if (e.phase !== 'start') return;
    for (const s of e.topSources) {
      if (s.count < SHIELD_MIN_REQUESTS || this.ctx.trustedIp(s.ip)) continue;
      emit({
        type: 'Impact:Shield/DDoSAttackSource',
        accountId: this.ctx.accountId,
        region: this.ctx.region,
        resource: { resourceType: 'WebACL', shieldDetails: { resourceArn: e.resourceArn, attackId: e.attackId } },
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: { connectionDirection: 'INBOUND', blocked: false, protocol: 'TCP', remoteIpDetails: remoteIpDetails(this.ctx, s.ip) },
        },
        title: `${s.ip} is a top source of a DDoS attack.`,
        description: `Shield attack ${e.attackId} on ${e.resourceArn} (${e.vectors.join(', ')}): ${s.ip} sent ${s.count} requests.`,
        dedupKey: `Impact:Shield/DDoSAttackSource|${s.ip}|${e.resourceArn}`,
        eventTime: new Date(Date.parse(e.startTime) || Date.now()),
        additionalInfo: { attackId: e.attackId, vectors: [...e.vectors], requests: s.count },
        remoteIp: s.ip,
        detection: NAME,
      });
    }
  }
}

/** The WAF/Shield attack-source module. */
export const wafAttackSources: Detection = {
  name: NAME,
  description: `WAF blocks and Shield attacks: one IP blocked on ${SITES}+ sites in 10 minutes → Recon:WAF/SourceAttackingManySites; ${SUSTAINED_BLOCKS}+ blocks over 5+ minutes without a 2-minute pause → Impact:WAF/SustainedAttackSource; each Shield top source with ${SHIELD_MIN_REQUESTS}+ requests → Impact:Shield/DDoSAttackSource (Bulwark types).`,
  inputs: ['waf', 'shield'],
  findingTypes: ['Recon:WAF/SourceAttackingManySites', 'Impact:WAF/SustainedAttackSource', 'Impact:Shield/DDoSAttackSource'],
  create: (ctx) => new WafAttackSourcesInstance(ctx),
};
