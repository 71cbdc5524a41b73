/**
 * Test support for the detection modules: a fake DetectionContext with settable threat/trusted
 * lists and a geo table, record builders, and a runner that feeds inputs through one module.
 */
import type { CloudTrailRecord, Detection, DetectionContext, DetectorInput, DnsQueryRecord, FindingCandidate, FlowRecord, ListMatch } from '../types.js';

/** A DetectionContext whose lists and geo answers are plain maps. */
export interface FakeContext extends DetectionContext {
  readonly threatIps: Map<string, ListMatch>;
  readonly threatDomains: Map<string, ListMatch>;
  readonly trustedIps: Set<string>;
  readonly trustedDomains: Set<string>;
  readonly geoTable: Map<string, { countryCode?: string; countryName?: string; asn?: string; asnOrg?: string }>;
}

/** A fake context for account 111122223333 in us-east-1. */
export function fakeContext(): FakeContext {
  const threatIps = new Map<string, ListMatch>();
  const threatDomains = new Map<string, ListMatch>();
  const trustedIps = new Set<string>();
  const trustedDomains = new Set<string>();
  const geoTable = new Map<string, { countryCode?: string; countryName?: string; asn?: string; asnOrg?: string }>();
  return {
    accountId: '111122223333', region: 'us-east-1', threatIps, threatDomains, trustedIps, trustedDomains, geoTable,
    threatIp: (ip) => threatIps.get(ip),
    threatDomain: (d) => {
      for (let x = d.toLowerCase().replace(/\.$/, ''); x.length > 0; x = x.slice(x.indexOf('.') + 1 || x.length)) {
        const m = threatDomains.get(x);
        if (m) return m;
        if (!x.includes('.')) break;
      }
      return undefined;
    },
    trustedIp: (ip) => trustedIps.has(ip),
    trustedDomain: (d) => trustedDomains.has(d.toLowerCase().replace(/\.$/, '')),
    geo: (ip) => geoTable.get(ip),
  };
}

let seq = 0;
/** A CloudTrail record with sensible defaults (an IAM user 'alice' calling from 203.0.113.10). */
export function ct(over: Partial<CloudTrailRecord> & { eventName: string; eventSource: string }): CloudTrailRecord {
  seq++;
  return {
    eventVersion: '1.08',
    eventTime: '2026-01-05T10:00:00Z',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    eventID: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEALICE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEALICE', userName: 'alice' },
    requestParameters: null,
    responseElements: null,
    ...over,
  };
}

/** A flow record (TCP, ACCEPT, one packet) from src to dst:port at unix second t. */
export function flow(src: string, dst: string, dstPort: number, t: number, over: Partial<FlowRecord> = {}): FlowRecord {
  return { version: 2, accountId: '111122223333', interfaceId: 'eni-0a1b2c3d', srcAddr: src, dstAddr: dst, srcPort: 40000 + (dstPort % 20000), dstPort, protocol: 6, packets: 1, bytes: 60, start: t, end: t + 1, action: 'ACCEPT', logStatus: 'OK', ...over };
}

/** A Route 53 Resolver query record for a name at ISO time t from instance i-0abc. */
export function dnsq(name: string, t: string, over: Partial<DnsQueryRecord> = {}): DnsQueryRecord {
  return { version: '1.100000', account_id: '111122223333', region: 'us-east-1', vpc_id: 'vpc-0abc', query_timestamp: t, query_name: name.endsWith('.') ? name : `${name}.`, query_type: 'A', query_class: 'IN', rcode: 'NOERROR', answers: [], srcaddr: '10.0.0.5', srcport: '53000', transport: 'UDP', srcids: { instance: 'i-0abc1234' }, ...over };
}

/** Feeds inputs through a fresh instance of one module; returns every candidate emitted. */
export function run(d: Detection, inputs: readonly DetectorInput[], ctx: DetectionContext = fakeContext()): FindingCandidate[] {
  const inst = d.create(ctx);
  const out: FindingCandidate[] = [];
  for (const i of inputs) inst.observe(i, (c) => out.push(c));
  return out;
}

/** Wraps CloudTrail records as ingested inputs. */
export function ctInputs(recs: readonly CloudTrailRecord[]): DetectorInput[] {
  return recs.map((record) => ({ kind: 'cloudtrail', record, source: 'ingest' }));
}
