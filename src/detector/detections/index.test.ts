import { describe, expect, it } from 'vitest';
import { DetectionEngine, DetectionRuleError, detections, findingTypeInfo } from './index.js';
import { ct, dnsq, fakeContext, flow } from './testing.js';

describe('registry', () => {
  it('has one module per name, each documented, with inputs and known finding types', () => {
    expect(detections.size).toBeGreaterThanOrEqual(17);
    for (const [name, d] of detections) {
      expect(d.name).toBe(name);
      expect(d.description.length).toBeGreaterThan(40);
      expect(d.inputs.length).toBeGreaterThan(0);
      for (const t of d.findingTypes) expect(findingTypeInfo(t), `${name}: ${t}`).toBeDefined();
    }
  });

  it('knows AWS default severities and resource types', () => {
    expect(findingTypeInfo('Policy:IAMUser/RootCredentialUsage')).toEqual({ severity: 2, resourceType: 'AccessKey' });
    expect(findingTypeInfo('Backdoor:EC2/C&CActivity.B!DNS')).toEqual({ severity: 8, resourceType: 'Instance' });
    expect(findingTypeInfo('Recon:EC2/Portscan')).toEqual({ severity: 5, resourceType: 'Instance' });
    expect(findingTypeInfo('Policy:S3/BucketAnonymousAccessGranted')).toEqual({ severity: 8, resourceType: 'S3Bucket' });
    expect(findingTypeInfo('Discovery:IAMUser/AnomalousBehavior')?.severity).toBe(2);
    expect(findingTypeInfo('Nope:Nothing/Here')).toBeUndefined();
  });
});

describe('DetectionEngine', () => {
  it('dispatches by kind and returns the candidates (a shared empty array when none)', () => {
    const e = new DetectionEngine(fakeContext());
    const none1 = e.observe({ kind: 'cloudtrail', record: ct({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity' }), source: 'live' });
    const none2 = e.observe({ kind: 'dns', record: dnsq('example.com', '2026-01-05T10:00:00Z') });
    expect(none1).toEqual([]);
    expect(none1).toBe(none2);
    const out = e.observe({ kind: 'cloudtrail', record: ct({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', requestParameters: { name: 'main' } }), source: 'live' });
    expect(out.map((c) => c.type)).toEqual(['Stealth:IAMUser/CloudTrailLoggingDisabled']);
    expect(out[0]?.detection).toBe('cloudtrail-rules');
    expect(e.observe({ kind: 'vpcflow', record: flow('10.0.0.5', '93.184.216.34', 443, 1_767_600_000) })).toEqual([]);
  });

  it('runs only the named modules; unknown names throw', () => {
    const e = new DetectionEngine(fakeContext(), { only: ['dns-rebind'] });
    expect(e.observe({ kind: 'cloudtrail', record: ct({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }), source: 'live' })).toEqual([]);
    expect(() => new DetectionEngine(fakeContext(), { only: ['no-such-module'] })).toThrow(/no-such-module/);
  });

  it('adds extra rules, and rejects bad ones at construction', () => {
    const rule = { id: 'my-rule', findingType: 'Impact:IAMUser/AnomalousBehavior', title: 'Queue purged.', description: 'PurgeQueue empties a queue.', match: { eventSource: 'sqs.amazonaws.com', eventName: 'PurgeQueue' } };
    const e = new DetectionEngine(fakeContext(), { extraRules: [rule] });
    const out = e.observe({ kind: 'cloudtrail', record: ct({ eventSource: 'sqs.amazonaws.com', eventName: 'PurgeQueue' }), source: 'ingest' });
    expect(out.map((c) => c.type)).toEqual(['Impact:IAMUser/AnomalousBehavior']);
    expect(() => new DetectionEngine(fakeContext(), { extraRules: [{ ...rule, match: { all: [{ field: 'x', op: 'bogus' }] } }] })).toThrow(DetectionRuleError);
    expect(() => new DetectionEngine(fakeContext(), { extraRules: [{ ...rule, id: 'root-credential-usage' }] })).toThrow(/duplicate rule id/);
  });

  it('skips CloudTrail records without eventName/eventSource and survives malformed fields', () => {
    const e = new DetectionEngine(fakeContext());
    expect(e.observe({ kind: 'cloudtrail', record: { eventTime: 'x', eventID: '1' } as never, source: 'ingest' })).toEqual([]);
    const weird = ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', requestParameters: 'oops' as never, userIdentity: 5 as never });
    e.observe({ kind: 'cloudtrail', record: weird, source: 'ingest' });
    expect(e.errors).toBe(0);
  });

  it('snapshots baselines as JSON and restores them into a new engine', () => {
    const ctx = fakeContext();
    const a = new DetectionEngine(ctx);
    for (let i = 0; i < 5; i++) a.observe({ kind: 'cloudtrail', record: ct({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', eventTime: `2026-01-0${i + 1}T10:00:00Z` }), source: 'live' });
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as { v: number; modules: Record<string, unknown> };
    expect(snap.v).toBe(1);
    expect(Object.keys(snap.modules)).toContain('anomalous-behavior');
    const b = new DetectionEngine(ctx);
    b.restore(snap);
    expect(JSON.parse(JSON.stringify(b.snapshot()))).toEqual(snap);
    b.restore('garbage');
    b.restore({ modules: { 'anomalous-behavior': 'not-an-array' } });
  });
});
