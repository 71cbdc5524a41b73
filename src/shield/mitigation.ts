/**
 * Automatic application-layer mitigation: derives a signature that isolates the attack traffic
 * (hot sources, grouped into /24s where the baseline shows no legitimate traffic from them; a URL or
 * user agent that dominates the attack and is rare in the baseline), checks it would match at most
 * a tiny share of baseline traffic, and places it in the site's web ACL as AWS Shield does: a
 * Shield-owned rule group `ShieldMitigationRuleGroup_<account>_<webaclid>_<uuid>` referenced at
 * priority 10,000,000 with OverrideAction None, its rules acting Block or Count per the protection's
 * automatic response configuration. Removed when the attack ends.
 */
import type { IPSet, Rule, RuleGroup, WebACL } from '../waf/index.js';
import { randomUUID } from 'node:crypto';
import { dimIndex, topN } from './baseline.js';
import type { AttackView } from './detector.js';

/** The rule priority AWS Shield uses for its mitigation rule group. */
export const SHIELD_RULE_PRIORITY = 10_000_000;
/** Prefix of the mitigation rule group's (and its web ACL rule's) name. */
export const SHIELD_GROUP_PREFIX = 'ShieldMitigationRuleGroup_';

/** Limits of signature derivation. */
export interface SignatureOptions {
  /** Largest share of baseline traffic the signature may match. */
  readonly maxBaselineShare: number;
  /** Hot sources in one /24 before the whole /24 is matched (only when the baseline has none of its traffic). */
  readonly minPrefixSources: number;
  /** Share of the attack a URL or user agent must carry to be used. */
  readonly dominantShare: number;
  /** Most addresses in the signature (AWS's IP set limit). */
  readonly maxAddresses: number;
}

/** Defaults: at most 0.5% of baseline traffic, /24 from 8 hot sources, 10,000 addresses. */
export const DEFAULT_SIGNATURE: SignatureOptions = { maxBaselineShare: 0.005, minPrefixSources: 8, dominantShare: 0.6, maxAddresses: 10_000 };

/** What a mitigation matches. */
export interface MitigationSignature {
  /** CIDRs (/32, /24, /128, /48). */
  readonly addresses: readonly string[];
  readonly uriPath?: string;
  readonly userAgent?: string;
  /** Estimated share of baseline traffic it matches. */
  readonly baselineShare: number;
}

/**
 * The signature for an attack view, grown from `previous` (a signature only grows while its attack
 * lasts). Undefined when nothing isolates the attack.
 */
export function deriveSignature(view: AttackView, o: SignatureOptions = DEFAULT_SIGNATURE, previous?: MitigationSignature): MitigationSignature | undefined {
  const w = view.window;
  const b = view.baseline;
  const ips = w.counts[dimIndex('ip')] as Map<string, number>;
  const hot = view.hotSourceRequests;
  let budget = o.maxBaselineShare - (previous?.baselineShare ?? 0);
  const chosen = new Set(previous?.addresses ?? []);
  const hotIps: string[] = [];
  for (const [ip, n] of ips) if (n > hot) hotIps.push(ip);
  // Whole /24s: many hot sources in one, or the /24 as a whole sending like many hot sources, when the
  // baseline has (almost) no traffic from it.
  if (view.warm) {
    const byPrefix = new Map<string, number>();
    for (const ip of hotIps) {
      const p = prefixCidr(ip);
      byPrefix.set(p, (byPrefix.get(p) ?? 0) + 1);
    }
    const prefixHot = hot * o.minPrefixSources;
    for (const [p, n] of w.counts[dimIndex('prefix24')] as Map<string, number>) {
      if (chosen.has(p) || ((byPrefix.get(p) ?? 0) < o.minPrefixSources && n <= prefixHot)) continue;
      const share = b.share('prefix24', p);
      if (share <= budget / 4) {
        chosen.add(p);
        budget -= share;
      }
    }
  }
  // Single sources, least known first, while the baseline budget lasts.
  const singles = hotIps
    .filter((ip) => !chosen.has(prefixCidr(ip)) && !chosen.has(hostCidr(ip)))
    .map((ip) => ({ ip, share: b.share('ip', ip) }))
    .sort((x, y) => x.share - y.share || (x.ip < y.ip ? -1 : 1));
  for (const s of singles) {
    if (chosen.size >= o.maxAddresses) break;
    if (s.share > budget) continue;
    chosen.add(hostCidr(s.ip));
    budget -= s.share;
  }
  // A URL or user agent that dominates the attack and is rare in the baseline (only with a baseline to check against).
  let uriPath = previous?.uriPath;
  let userAgent = previous?.userAgent;
  if (view.warm) {
    uriPath ??= dominantRare(view, 'url', o, budget);
    if (uriPath !== undefined && previous?.uriPath === undefined) budget -= b.share('url', uriPath);
    userAgent ??= dominantRare(view, 'userAgent', o, budget);
    if (userAgent !== undefined && previous?.userAgent === undefined) budget -= b.share('userAgent', userAgent);
  }
  if (userAgent === '-') userAgent = undefined;
  if (chosen.size === 0 && uriPath === undefined && userAgent === undefined) return undefined;
  return {
    addresses: [...chosen].sort(),
    ...(uriPath !== undefined ? { uriPath } : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
    baselineShare: Math.max(0, o.maxBaselineShare - budget),
  };
}

function dominantRare(view: AttackView, d: 'url' | 'userAgent', o: SignatureOptions, budget: number): string | undefined {
  const w = view.window;
  const top = topN(w.counts[dimIndex(d)] as Map<string, number>, 1)[0];
  if (!top || w.total === 0 || top[1] / w.total < o.dominantShare) return undefined;
  return view.baseline.share(d, top[0]) <= budget ? top[0] : undefined;
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function prefixCidr(ip: string): string {
  if (!ip.includes(':')) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  return `${ip.split(':').slice(0, 3).join(':')}::/48`;
}

/** What the placer uses of the wafv2 configuration store (WafConfigStore satisfies it). */
export interface WafStoreLike {
  readonly resolvers: unknown;
  webAclArnFor(resourceArn: string): string | undefined;
  webAcl(arn: string): unknown;
  record(arn: string): { readonly type: string; readonly entity: unknown } | undefined;
  all(): Iterable<{ readonly type: string; readonly entity: unknown }>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  putEntity(r: any): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  setServiceOwned(arn: string, type: 'rulegroup' | 'ipset', entity: any): void;
}

/** What the placer needs from the WAF. */
export interface MitigationDeps {
  readonly store: WafStoreLike;
  /** Compiles a web ACL (throws when invalid) and returns its WCU; the WAF runtime's validateWebAcl hook. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly validateWebAcl: (acl: any, resolvers: any) => { capacity: number };
  readonly accountId: string;
  readonly region: string;
}

/** A mitigation in place. */
export interface PlacedMitigation {
  readonly siteArn: string;
  readonly webAclArn: string;
  readonly groupName: string;
  readonly groupArn: string;
  readonly ipSetArns: readonly [string, string];
  signature: MitigationSignature;
  action: 'Block' | 'Count';
}

/** Places, updates and removes Shield mitigation rule groups in web ACLs. */
export class MitigationPlacer {
  private readonly placed = new Map<string, PlacedMitigation>();

  constructor(private readonly d: MitigationDeps) {}

  /** The mitigation in place for a site, if any. */
  get(siteArn: string): PlacedMitigation | undefined {
    return this.placed.get(siteArn);
  }

  /** Places (or updates) the mitigation of a site; undefined when the site has no web ACL. */
  async place(siteArn: string, signature: MitigationSignature, action: 'Block' | 'Count'): Promise<PlacedMitigation | undefined> {
    const store = this.d.store;
    const webAclArn = store.webAclArnFor(siteArn);
    if (webAclArn === undefined || !store.webAcl(webAclArn)) return undefined;
    let p = this.placed.get(siteArn);
    if (p && p.webAclArn !== webAclArn) {
      await this.remove(siteArn);
      p = undefined;
    }
    if (!p) {
      const acl = store.webAcl(webAclArn) as WebACL;
      const uuid = randomUUID();
      const groupName = `${SHIELD_GROUP_PREFIX}${this.d.accountId}_${acl.Id}_${uuid}`;
      const base = `arn:aws:wafv2:${this.d.region}:${this.d.accountId}:regional`;
      p = {
        siteArn, webAclArn, groupName,
        groupArn: `${base}/rulegroup/${groupName}/${randomUUID()}`,
        ipSetArns: [`${base}/ipset/ShieldMitigationIPSetV4_${uuid}/${randomUUID()}`, `${base}/ipset/ShieldMitigationIPSetV6_${uuid}/${randomUUID()}`],
        signature, action,
      };
    }
    p.signature = signature;
    p.action = action;
    this.register(p);
    this.placed.set(siteArn, p);
    await this.ensureReference(p, true);
    return p;
  }

  /** Removes the mitigation of a site (no-op when none). */
  async remove(siteArn: string): Promise<PlacedMitigation | undefined> {
    const p = this.placed.get(siteArn);
    if (!p) return undefined;
    this.placed.delete(siteArn);
    await this.ensureReference(p, false);
    this.d.store.setServiceOwned(p.groupArn, 'rulegroup', undefined);
    this.d.store.setServiceOwned(p.ipSetArns[0], 'ipset', undefined);
    this.d.store.setServiceOwned(p.ipSetArns[1], 'ipset', undefined);
    return p;
  }

  /** Removes Shield mitigation rules left in web ACLs whose rule group is not registered (after a restart). */
  async removeStale(): Promise<number> {
    let n = 0;
    for (const r of [...this.d.store.all()]) {
      if (r.type !== 'webacl') continue;
      const acl = r.entity as WebACL;
      const stale = acl.Rules.some((rule) => rule.Name.startsWith(SHIELD_GROUP_PREFIX) && ![...this.placed.values()].some((p) => p.groupName === rule.Name));
      if (!stale) continue;
      await this.writeAcl(acl.ARN, (rules) => rules.filter((rule) => !rule.Name.startsWith(SHIELD_GROUP_PREFIX) || [...this.placed.values()].some((p) => p.groupName === rule.Name)));
      n++;
    }
    return n;
  }

  private register(p: PlacedMitigation): void {
    const s = p.signature;
    const v4 = s.addresses.filter((a) => !a.includes(':'));
    const v6 = s.addresses.filter((a) => a.includes(':'));
    const ipSet = (arn: string, version: 'IPV4' | 'IPV6', addresses: string[]): IPSet => {
      const [, , , , , rest] = arn.split(':');
      const parts = (rest ?? '').split('/');
      return { Name: parts[2] as string, Id: parts[3] as string, ARN: arn, IPAddressVersion: version, Addresses: addresses, Description: 'Shield automatic mitigation' };
    };
    this.d.store.setServiceOwned(p.ipSetArns[0], 'ipset', ipSet(p.ipSetArns[0], 'IPV4', v4));
    this.d.store.setServiceOwned(p.ipSetArns[1], 'ipset', ipSet(p.ipSetArns[1], 'IPV6', v6));
    const action = p.action === 'Block' ? { Block: {} } : { Count: {} };
    const vis = (m: string): Rule['VisibilityConfig'] => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: m });
    const rules: Rule[] = [];
    let prio = 0;
    if (v4.length > 0) rules.push({ Name: 'ShieldMitigationRule_SourceIPv4', Priority: prio++, Action: action, VisibilityConfig: vis('ShieldMitigationRule_SourceIPv4'), Statement: { IPSetReferenceStatement: { ARN: p.ipSetArns[0] } } });
    if (v6.length > 0) rules.push({ Name: 'ShieldMitigationRule_SourceIPv6', Priority: prio++, Action: action, VisibilityConfig: vis('ShieldMitigationRule_SourceIPv6'), Statement: { IPSetReferenceStatement: { ARN: p.ipSetArns[1] } } });
    if (s.uriPath !== undefined) {
      rules.push({
        Name: 'ShieldMitigationRule_URI', Priority: prio++, Action: action, VisibilityConfig: vis('ShieldMitigationRule_URI'),
        Statement: { ByteMatchStatement: { SearchString: Buffer.from(s.uriPath, 'utf8'), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'EXACTLY' } },
      });
    }
    if (s.userAgent !== undefined) {
      rules.push({
        Name: 'ShieldMitigationRule_UserAgent', Priority: prio++, Action: action, VisibilityConfig: vis('ShieldMitigationRule_UserAgent'),
        Statement: { ByteMatchStatement: { SearchString: Buffer.from(s.userAgent, 'utf8'), FieldToMatch: { SingleHeader: { Name: 'user-agent' } }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'EXACTLY' } },
      });
    }
    const group: RuleGroup = {
      Name: p.groupName,
      Id: p.groupArn.slice(p.groupArn.lastIndexOf('/') + 1),
      ARN: p.groupArn,
      Capacity: 1 + rules.length * 2,
      Description: 'AWS Shield automatic application layer DDoS mitigation',
      Rules: rules,
      VisibilityConfig: vis(p.groupName),
      LabelNamespace: `awswaf:managed:shield:${p.groupName}:`,
      AvailableLabels: [],
      ConsumedLabels: [],
    };
    this.d.store.setServiceOwned(p.groupArn, 'rulegroup', group);
  }

  private async ensureReference(p: PlacedMitigation, present: boolean): Promise<void> {
    const acl = this.d.store.webAcl(p.webAclArn) as WebACL | undefined;
    if (!acl) return;
    const has = acl.Rules.some((r) => r.Name === p.groupName);
    if (has === present) return;
    await this.writeAcl(p.webAclArn, (rules) => {
      const others = rules.filter((r) => r.Name !== p.groupName);
      if (!present) return others;
      return [
        ...others,
        {
          Name: p.groupName,
          Priority: SHIELD_RULE_PRIORITY,
          Statement: { RuleGroupReferenceStatement: { ARN: p.groupArn } },
          OverrideAction: { None: {} },
          VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: p.groupName },
        },
      ];
    });
  }

  private async writeAcl(webAclArn: string, change: (rules: readonly Rule[]) => Rule[]): Promise<void> {
    const store = this.d.store;
    await store.exclusive(async () => {
      const rec = store.record(webAclArn);
      if (!rec || rec.type !== 'webacl') return;
      const acl = rec.entity as WebACL;
      const next = { ...acl, Rules: change(acl.Rules) } as WebACL;
      const { capacity } = this.d.validateWebAcl(next, store.resolvers);
      await store.putEntity({ ...rec, entity: { ...next, Capacity: capacity }, lockToken: randomUUID() });
    });
  }
}
