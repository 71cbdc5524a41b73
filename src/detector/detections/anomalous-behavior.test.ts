import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../types.js';
import { anomalousBehavior, BURST_DISTINCT, DENIED_DISTINCT, LEARN_DAYS, LEARN_EVENTS } from './anomalous-behavior.js';
import { ct, ctInputs, fakeContext, run } from './testing.js';

/** A principal's routine: KMS and S3 from its office network with the CLI, over several days. */
function history(days = LEARN_DAYS + 1, perDay = Math.ceil(LEARN_EVENTS / LEARN_DAYS) + 5): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const t = new Date(Date.UTC(2026, 0, 1 + d, 9, 0, i * 7)).toISOString();
      out.push(ct({ eventSource: i % 2 ? 'kms.amazonaws.com' : 's3.amazonaws.com', eventName: i % 2 ? 'Encrypt' : 'ListBuckets', eventTime: t }));
    }
  }
  return out;
}

const at = (day: number, over: Partial<CloudTrailRecord> & { eventName: string; eventSource: string }) => ct({ eventTime: new Date(Date.UTC(2026, 0, day, 12)).toISOString(), ...over });

describe('anomalous-behavior', () => {
  it('fires for an established principal using a new sensitive family from a new network and client', () => {
    const out = run(anomalousBehavior, ctInputs([...history(), at(10, { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', sourceIPAddress: '198.51.100.99', userAgent: 'Boto3/1.34 Python/3.12' })]));
    expect(out.map((c) => c.type)).toEqual(['Persistence:IAMUser/AnomalousBehavior']);
    expect(out[0]?.additionalInfo).toMatchObject({ unusual: { apiFamily: 'iam:Persistence', network: '198.51', userAgent: 'boto3' } });
  });

  it('stays silent when only one dimension is new, or during learning', () => {
    const h = history();
    expect(run(anomalousBehavior, ctInputs([...h, at(10, { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' })]))).toEqual([]);
    expect(run(anomalousBehavior, ctInputs([...h, at(10, { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', sourceIPAddress: '198.51.100.99', userAgent: 'Boto3/1.34' })]))).toEqual([]);
    expect(run(anomalousBehavior, ctInputs([...history(1), at(2, { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', sourceIPAddress: '198.51.100.99', userAgent: 'Boto3/1.34' })]))).toEqual([]);
  });

  it('uses the tactic of the API', () => {
    const out = run(anomalousBehavior, ctInputs([...history(), at(10, { eventSource: 'ec2.amazonaws.com', eventName: 'DeleteFlowLogs', sourceIPAddress: '198.51.100.99', userAgent: 'Boto3/1.34' })]));
    expect(out.map((c) => c.type)).toEqual(['DefenseEvasion:IAMUser/AnomalousBehavior']);
  });

  it('flags a discovery burst across services by a new principal, not a console page load', () => {
    const apis = ['iam:ListUsers', 'iam:ListRoles', 'iam:ListPolicies', 'iam:GetAccountAuthorizationDetails', 'iam:ListGroups', 'iam:ListAccessKeys', 'ec2:DescribeInstances', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSnapshots', 'ec2:DescribeVolumes', 's3:ListBuckets', 's3:GetBucketPolicy', 's3:GetBucketAcl', 'lambda:ListFunctions20150331', 'rds:DescribeDBInstances', 'kms:ListKeys', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters', 'sts:GetCallerIdentity', 'cloudtrail:DescribeTrails'];
    const recs = apis.map((a, i) => { const [s, n] = a.split(':') as [string, string]; return ct({ eventSource: `${s}.amazonaws.com`, eventName: n, eventTime: `2026-01-05T10:00:${String(i * 2).padStart(2, '0')}Z` }); });
    expect(recs.length).toBeGreaterThanOrEqual(BURST_DISTINCT);
    const out = run(anomalousBehavior, ctInputs(recs));
    expect(out.length).toBeGreaterThan(0);
    expect(new Set(out.map((c) => c.type))).toEqual(new Set(['Discovery:IAMUser/AnomalousBehavior']));
    expect(new Set(out.map((c) => c.dedupKey)).size).toBe(1);
    expect(run(anomalousBehavior, ctInputs(recs.map((r) => ({ ...r, userAgent: 'console.amazonaws.com' }))))).toEqual([]);
    // Spread over a day it is not a burst.
    expect(run(anomalousBehavior, ctInputs(recs.map((r, i) => ({ ...r, eventTime: `2026-01-05T${String(i).padStart(2, '0')}:00:00Z` }))))).toEqual([]);
  });

  it('flags many denied APIs in a short window', () => {
    const names = ['ListUsers', 'ListRoles', 'GetUser', 'ListPolicies', 'ListGroups', 'GetAccountSummary', 'ListAccessKeys', 'ListMFADevices', 'GetRole'];
    const recs = names.map((n, i) => ct({ eventSource: 'iam.amazonaws.com', eventName: n, errorCode: 'AccessDenied', eventTime: `2026-01-05T10:0${Math.floor(i / 2)}:00Z` }));
    const out = run(anomalousBehavior, ctInputs(recs));
    expect(out.length).toBe(names.length - DENIED_DISTINCT + 1);
    expect(out[0]?.additionalInfo).toEqual({ deniedApis: DENIED_DISTINCT });
    expect(run(anomalousBehavior, ctInputs(recs.slice(0, DENIED_DISTINCT - 1)))).toEqual([]);
  });

  it('keeps bounded state: 60k principals fit in the LRU cap', () => {
    const inst = anomalousBehavior.create(fakeContext());
    for (let i = 0; i < 60_000; i++) inst.observe({ kind: 'cloudtrail', source: 'ingest', record: ct({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/u${i}` } }) }, () => undefined);
    const size = (inst as unknown as { size: number }).size;
    expect(size).toBeLessThanOrEqual(50_000);
    expect(size).toBeGreaterThan(25_000);
    expect((inst.snapshot?.() as unknown[]).length).toBe(size);
  });

  it('keeps first/last seen and active days exactly, with events out of order, and restores them', () => {
    const inst = anomalousBehavior.create(fakeContext());
    const times = ['2026-01-05T10:00:00Z', '2026-01-05T09:00:00Z', '2026-01-05T23:59:59Z', '2026-01-04T12:00:00Z', '2026-01-07T00:00:01Z', '2026-01-06T18:00:00Z', '2026-01-07T00:00:00Z'];
    for (const t of times) inst.observe({ kind: 'cloudtrail', source: 'ingest', record: ct({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', eventTime: t }) }, () => undefined);
    const snap = inst.snapshot?.() as unknown[][];
    expect(snap).toHaveLength(1);
    const day = (t: string) => Math.floor(Date.parse(t) / 86_400_000);
    // [key, firstSeen, lastSeen, events, days, lastDay, ...]: days counts each later day once (Jan 5, then 7).
    expect(snap[0]?.slice(0, 6)).toEqual(['arn:aws:iam::111122223333:user/alice', Date.parse(times[0] as string), Date.parse('2026-01-07T00:00:01Z'), times.length, 2, day('2026-01-07T00:00:00Z')]);
    const copy = anomalousBehavior.create(fakeContext());
    copy.restore?.(JSON.parse(JSON.stringify(snap)));
    expect(copy.snapshot?.()).toEqual(snap);
    copy.observe({ kind: 'cloudtrail', source: 'ingest', record: ct({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', eventTime: '2026-01-08T03:00:00Z' }) }, () => undefined);
    expect((copy.snapshot?.() as unknown[][])[0]?.slice(2, 6)).toEqual([Date.parse('2026-01-08T03:00:00Z'), times.length + 1, 3, day('2026-01-08T03:00:00Z')]);
  });
});
