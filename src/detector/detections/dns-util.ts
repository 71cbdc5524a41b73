/**
 * Shared helpers of the DNS modules: name normalisation, the registrable ("base") domain, the
 * Instance resource and DNS_REQUEST action of a Route 53 Resolver query.
 */
import type { DetectionContext, DnsQueryRecord, FindingCandidate } from '../types.js';
import { timeMs } from './util.js';

/** Second-level labels under which registrations happen one level deeper (co.uk, com.au, ...). */
const SECOND_LEVEL: ReadonlySet<string> = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil']);

/** The query name lower-cased without the trailing dot. */
export function normName(q: string): string {
  const l = q.toLowerCase();
  return l.endsWith('.') ? l.slice(0, -1) : l;
}

/** The registrable domain of a name: the last two labels, or three under a two-letter ccTLD's co/com/... */
export function baseDomain(name: string): string {
  const labels = name.split('.');
  const n = labels.length;
  if (n <= 2) return name;
  const tld = labels[n - 1] as string;
  const sld = labels[n - 2] as string;
  const keep = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(n - keep).join('.');
}

/** Names that are infrastructure, never findings (AWS service endpoints, reverse lookups, local zones). */
export function isInfrastructure(name: string): boolean {
  return name.endsWith('.amazonaws.com') || name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa') || name.endsWith('.internal') || name.endsWith('.local') || name.endsWith('.aws') || name.endsWith('.amazonaws.com.cn');
}

/** The querying instance (or source address when the query came through a resolver endpoint). */
export function querier(r: DnsQueryRecord): string {
  return r.srcids?.instance ?? r.srcaddr ?? 'unknown';
}

/** A DNS_REQUEST candidate for a query. */
export function dnsCandidate(ctx: DetectionContext, r: DnsQueryRecord, spec: { type: string; severity?: number; title: string; description: string; key: string; detection: string; domain: string; additionalInfo?: Record<string, unknown>; evidence?: Record<string, unknown> }): FindingCandidate {
  const inst = r.srcids?.instance;
  return {
    type: spec.type,
    ...(spec.severity !== undefined ? { severity: spec.severity } : {}),
    accountId: r.account_id ?? ctx.accountId,
    region: r.region ?? ctx.region,
    resource: {
      resourceType: 'Instance',
      instanceDetails: { instanceId: inst ?? 'unknown', networkInterfaces: [{ privateIpAddress: r.srcaddr ?? 'unknown', ...(r.vpc_id ? { vpcId: r.vpc_id } : {}) }] },
    },
    action: {
      actionType: 'DNS_REQUEST',
      dnsRequestAction: { domain: spec.domain, protocol: r.transport ?? 'UDP', blocked: false, domainWithSuffix: spec.domain },
    },
    ...(spec.evidence ? { evidence: spec.evidence } : {}),
    title: spec.title,
    description: spec.description,
    dedupKey: `${spec.type}|${querier(r)}|${spec.key}`,
    eventTime: new Date(timeMs(r.query_timestamp) || Date.now()),
    ...(spec.additionalInfo ? { additionalInfo: spec.additionalInfo } : {}),
    resourceRole: 'ACTOR',
    detection: spec.detection,
  };
}
