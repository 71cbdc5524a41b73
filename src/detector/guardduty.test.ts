import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/index.js';
import type { RequestContext } from '../http/index.js';
import { GuardDuty, validateRecord } from './guardduty.js';
import { Responder, parseGuardDutyConfig, type ActionRecord } from './response.js';
import { guardDutyService } from './service.js';
import { CountingEngine, code } from './testing.js';


const dir = mkdtempSync(join(tmpdir(), 'bulwark-gd-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(kv = new MemoryBackend(), now = () => new Date('2026-03-01T00:00:00Z')): { gd: GuardDuty; svc: ReturnType<typeof guardDutyService>; call: (op: string, input?: Record<string, unknown>) => Promise<Record<string, unknown>>; kv: MemoryBackend } {
  const gd = new GuardDuty({ kv, accountId: '000000000000', region: 'us-east-1', bucketsRoot: join(dir, 'buckets'), engine: (ctx) => new CountingEngine(ctx), typeInfo: () => ({ severity: 5, resourceType: 'AccessKey' }), now });
  const svc = guardDutyService({ gd, accountId: '000000000000', region: 'us-east-1', now });
  const ctx = { accountId: '000000000000', region: 'us-east-1', addResource: () => {} } as unknown as RequestContext;
  const call = async (op: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> => (await svc.operations[op]?.handler(input, ctx)) as Record<string, unknown>;
  return { gd, svc, call, kv };
}

const rec = (eventID: string, eventName: string, ip = '198.51.100.1', eventTime = '2026-02-28T00:00:00Z'): Record<string, unknown> => ({
  eventID, eventName, eventTime, eventSource: 'iam.amazonaws.com', awsRegion: 'eu-west-1', sourceIPAddress: ip, recipientAccountId: '111122223333',
});

describe('GuardDuty runtime and API', () => {
  it('one detector per account and Region; unknown ids are BadRequestException', async () => {
    const { call } = setup();
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    expect(DetectorId).toMatch(/^[0-9a-f]{32}$/);
    expect(await code(call('CreateDetector', { Enable: true }))).toBe('BadRequestException');
    expect(await code(call('GetDetector', { DetectorId: 'f'.repeat(32) }))).toBe('BadRequestException');
    expect((await call('GetDetector', { DetectorId })).Status).toBe('ENABLED');
    await call('UpdateDetector', { DetectorId, Enable: false, FindingPublishingFrequency: 'FIFTEEN_MINUTES' });
    const d = await call('GetDetector', { DetectorId });
    expect([d.Status, d.FindingPublishingFrequency]).toEqual(['DISABLED', 'FIFTEEN_MINUTES']);
  });

  it('ingestion is idempotent per eventID, dedups repeats into one finding, skips bad records with reasons', async () => {
    const { gd, call } = setup();
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    const r1 = gd.ingest('cloudtrail', [rec('e1', 'ListUsers'), rec('e2', 'ListUsers'), { eventID: 'x' }, 'nope'], '000000000000', 'us-east-1');
    expect(r1).toEqual({ accepted: 2, duplicates: 0, skipped: [{ index: 2, reason: 'missing eventTime' }, { index: 3, reason: 'not a JSON object' }], findingsCreated: 1, findingsUpdated: 1 });
    const r2 = gd.ingest('cloudtrail', [rec('e1', 'ListUsers'), rec('e3', 'ListUsers')], '000000000000', 'us-east-1');
    expect([r2.accepted, r2.duplicates, r2.findingsUpdated]).toEqual([1, 1, 1]);
    const ids = (await call('ListFindings', { DetectorId })).FindingIds as string[];
    expect(ids).toHaveLength(1);
    const f = ((await call('GetFindings', { DetectorId, FindingIds: ids })).Findings as Record<string, Record<string, unknown>>[])[0];
    expect(f?.AccountId).toBe('111122223333');
    expect(f?.Service?.Count).toBe(3);
    expect(await code(Promise.resolve().then(() => gd.ingest('cloudtrail', [], '000000000000', 'eu-west-1')))).toBe('BadRequestException');
  });

  it('ARCHIVE filters suppress new and repeated findings; quotas and names are checked', async () => {
    const { gd, call } = setup();
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    gd.ingest('cloudtrail', [rec('a1', 'GetUser')], '000000000000', 'us-east-1');
    await call('CreateFilter', { DetectorId, Name: 'quiet', Action: 'ARCHIVE', FindingCriteria: { Criterion: { type: { Eq: ['Test:IAMUser/GetUser', 'Test:IAMUser/ListRoles'] } } } });
    gd.ingest('cloudtrail', [rec('a2', 'ListRoles'), rec('a3', 'GetUser'), rec('a4', 'ListGroups')], '000000000000', 'us-east-1');
    const open = (await call('ListFindings', { DetectorId, FindingCriteria: { Criterion: { 'service.archived': { Eq: ['false'] } } } })).FindingIds as string[];
    const got = (await call('GetFindings', { DetectorId, FindingIds: open })).Findings as { Type: string }[];
    expect(got.map((f) => f.Type)).toEqual(['Test:IAMUser/ListGroups']);
    expect(await code(call('CreateFilter', { DetectorId, Name: 'quiet', FindingCriteria: { Criterion: { type: { Eq: ['x'] } } } }))).toBe('BadRequestException');
    expect(await code(call('CreateFilter', { DetectorId, Name: 'a b', FindingCriteria: { Criterion: { type: { Eq: ['x'] } } } }))).toBe('BadRequestException');
    expect(await code(call('CreateFilter', { DetectorId, Name: 'empty', FindingCriteria: { Criterion: {} } }))).toBe('BadRequestException');
    for (let i = 1; i < 100; i++) await call('CreateFilter', { DetectorId, Name: `f-${i}`, FindingCriteria: { Criterion: { severity: { Gte: i % 10 } } } });
    expect(await code(call('CreateFilter', { DetectorId, Name: 'f-100', FindingCriteria: { Criterion: { type: { Eq: ['x'] } } } }))).toBe('BadRequestException');
    const page1 = await call('ListFilters', { DetectorId, MaxResults: 50 });
    const page2 = await call('ListFilters', { DetectorId, MaxResults: 50, NextToken: page1.NextToken });
    expect([(page1.FilterNames as string[]).length, (page2.FilterNames as string[]).length, page2.NextToken]).toEqual([50, 50, undefined]);
    expect(await code(call('ListFilters', { DetectorId, NextToken: 'garbage' }))).toBe('BadRequestException');
  });

  it('threat lists give .Custom findings; trusted lists win over threat lists; list quotas', async () => {
    const { gd, call } = setup();
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    const threats = join(dir, 'threats.txt');
    const trusted = join(dir, 'trusted.txt');
    writeFileSync(threats, '203.0.113.0/24\n');
    writeFileSync(trusted, '203.0.113.9\n');
    await call('CreateThreatIntelSet', { DetectorId, Name: 't', Format: 'TXT', Location: threats, Activate: true });
    gd.ingest('cloudtrail', [rec('t1', 'ListUsers', '203.0.113.5')], '000000000000', 'us-east-1');
    const ipset = await call('CreateIPSet', { DetectorId, Name: 'ok', Format: 'TXT', Location: `file://${trusted}`, Activate: true });
    expect(await code(call('CreateIPSet', { DetectorId, Name: 'two', Format: 'TXT', Location: trusted, Activate: true }))).toBe('BadRequestException');
    const r = gd.ingest('cloudtrail', [rec('t2', 'ListUsers', '203.0.113.9')], '000000000000', 'us-east-1');
    expect(r.findingsCreated + r.findingsUpdated).toBe(0);
    const ids = (await call('ListFindings', { DetectorId })).FindingIds as string[];
    const types = ((await call('GetFindings', { DetectorId, FindingIds: ids })).Findings as { Type: string }[]).map((f) => f.Type);
    expect(types).toEqual(['UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom']);
    expect((await call('GetIPSet', { DetectorId, IpSetId: ipset.IpSetId })).Status).toBe('ACTIVE');
    expect(await code(call('CreateThreatIntelSet', { DetectorId, Name: 'x', Format: 'TXT', Location: join(dir, 'missing'), Activate: true }))).toBe('BadRequestException');
    for (let i = 0; i < 5; i++) await call('CreateThreatIntelSet', { DetectorId, Name: `t${i}`, Format: 'TXT', Location: threats, Activate: false });
    expect(await code(call('CreateThreatIntelSet', { DetectorId, Name: 't7', Format: 'TXT', Location: threats, Activate: false }))).toBe('BadRequestException');
    expect(((await call('ListThreatIntelSets', { DetectorId })).ThreatIntelSetIds as string[]).length).toBe(6);
  });

  it('persists detectors, filters, findings, ingestion memory and baselines across a reload', async () => {
    const a = setup();
    const { DetectorId } = await a.call('CreateDetector', { Enable: true, Tags: { team: 'sec' } });
    a.gd.ingest('cloudtrail', [rec('p1', 'ListUsers'), rec('p2', 'ListRoles')], '000000000000', 'us-east-1');
    await a.call('CreateFilter', { DetectorId, Name: 'keep', FindingCriteria: { Criterion: { severity: { Gte: 1 } } } });
    await a.gd.unload();
    const b = setup(a.kv);
    await b.gd.load();
    expect(((await b.call('ListFindings', { DetectorId })).FindingIds as string[]).length).toBe(2);
    expect((await b.call('ListFilters', { DetectorId })).FilterNames).toEqual(['keep']);
    expect(b.gd.ingest('cloudtrail', [rec('p1', 'ListUsers')], '000000000000', 'us-east-1').duplicates).toBe(1);
    expect((await b.call('ListTagsForResource', { ResourceArn: `arn:aws:guardduty:us-east-1:000000000000:detector/${DetectorId}` })).Tags).toEqual({ team: 'sec' });
  });

  it('purges findings not updated for 90 days', async () => {
    let t = new Date('2026-03-01T00:00:00Z');
    const { gd, call } = setup(new MemoryBackend(), () => t);
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    gd.ingest('cloudtrail', [rec('o1', 'ListUsers')], '000000000000', 'us-east-1');
    t = new Date('2026-05-29T00:00:00Z');
    gd.purge();
    expect(((await call('ListFindings', { DetectorId })).FindingIds as string[]).length).toBe(1);
    t = new Date('2026-06-01T00:00:00Z');
    gd.purge();
    expect(((await call('ListFindings', { DetectorId })).FindingIds as string[]).length).toBe(0);
  });

  it('statistics by severity and grouped; archive, unarchive and feedback', async () => {
    const { gd, call } = setup();
    const { DetectorId } = await call('CreateDetector', { Enable: true });
    gd.ingest('cloudtrail', [rec('s1', 'A'), rec('s2', 'B'), rec('s3', 'B', '198.51.100.2')], '000000000000', 'us-east-1');
    const s = (await call('GetFindingsStatistics', { DetectorId, FindingStatisticTypes: ['COUNT_BY_SEVERITY'] })).FindingStatistics as Record<string, unknown>;
    expect(s.CountBySeverity).toEqual({ '5.0': 3 });
    const g = (await call('GetFindingsStatistics', { DetectorId, GroupBy: 'FINDING_TYPE', OrderBy: 'DESC' })).FindingStatistics as { GroupedByFindingType: { FindingType: string; TotalFindings: number }[] };
    expect(g.GroupedByFindingType.map((x) => [x.FindingType, x.TotalFindings])).toEqual([['Test:IAMUser/B', 2], ['Test:IAMUser/A', 1]]);
    expect(await code(call('GetFindingsStatistics', { DetectorId }))).toBe('BadRequestException');
    const ids = (await call('ListFindings', { DetectorId })).FindingIds as string[];
    await call('ArchiveFindings', { DetectorId, FindingIds: ids.slice(0, 2) });
    await call('UpdateFindingsFeedback', { DetectorId, FindingIds: ids, Feedback: 'USEFUL' });
    const arch = (await call('ListFindings', { DetectorId, FindingCriteria: { Criterion: { 'service.archived': { Eq: ['true'] } } } })).FindingIds as string[];
    expect(arch.sort()).toEqual(ids.slice(0, 2).sort());
    await call('UnarchiveFindings', { DetectorId, FindingIds: ids });
    expect(((await call('ListFindings', { DetectorId, FindingCriteria: { Criterion: { 'service.userFeedback': { Eq: ['USEFUL'] }, 'service.archived': { Eq: ['false'] } } } })).FindingIds as string[]).length).toBe(3);
  });
});

describe('response', () => {
  it('validates the guardduty config section', () => {
    expect(parseGuardDutyConfig({ response: [{ action: 'block-ip', ipSet: 'x', minSeverity: 5 }] }).response?.[0]).toMatchObject({ action: 'block-ip' });
    expect(() => parseGuardDutyConfig({ response: [{ action: 'explode' }] })).toThrow(/guardduty/);
    expect(() => parseGuardDutyConfig({ response: [{ action: 'webhook', url: 'not a url' }] })).toThrow(/url/);
  });

  it('blocks the remote IP in the named IP set, posts an EventBridge event, and audits both', async () => {
    const { gd, call } = setup();
    await call('CreateDetector', { Enable: true });
    const sets: { entity: { Name: string; Id: string; ARN: string; IPAddressVersion: 'IPV4'; Addresses: string[] }; lockToken: string; scope: string; type: string }[] = [
      { entity: { Name: 'blocked', Id: 'id1', ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/ipset/blocked/id1', IPAddressVersion: 'IPV4', Addresses: [] }, lockToken: 'l', scope: 'REGIONAL', type: 'ipset' },
    ];
    const waf = {
      exclusive: <T>(fn: () => Promise<T>): Promise<T> => fn(),
      list: () => sets,
      putEntity: async (r: (typeof sets)[number]) => {
        sets[0] = r;
      },
    };
    const bodies: Record<string, unknown>[] = [];
    let fail = 1;
    const hook = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        if (fail-- > 0) {
          res.statusCode = 503;
          return res.end();
        }
        bodies.push(JSON.parse(b) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const audits: ActionRecord[] = [];
    const rules = parseGuardDutyConfig({
      response: [
        { action: 'block-ip', ipSet: 'blocked', types: ['Test:IAMUser/Attack'] },
        { action: 'webhook', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, minSeverity: 5, retries: 2 },
      ],
    }).response ?? [];
    const responder = new Responder({ gd, rules, accountId: '000000000000', region: 'us-east-1', waf, audit: async (r) => void audits.push(r) });
    responder.start();
    gd.ingest('cloudtrail', [rec('r1', 'Attack', '203.0.113.50'), rec('r2', 'Attack', '203.0.113.50'), rec('r3', 'Other', '203.0.113.51')], '000000000000', 'us-east-1');
    await responder.idle();
    await new Promise((r) => setTimeout(r, 50));
    await responder.idle();
    await responder.close();
    hook.close();
    expect(sets[0]?.entity.Addresses).toEqual(['203.0.113.50/32']);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatchObject({ version: '0', 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', account: '111122223333', region: 'eu-west-1', resources: [] });
    expect((bodies[0]?.detail as { schemaVersion: string }).schemaVersion).toBe('2.0');
    const names = audits.map((a) => `${a.eventSource} ${a.eventName}`).sort();
    expect(names).toEqual(['events.amazonaws.com PutEvents', 'events.amazonaws.com PutEvents', 'wafv2.amazonaws.com UpdateIPSet']);
    expect(audits[0]?.userIdentity).toEqual({ type: 'AWSService', invokedBy: 'guardduty.amazonaws.com' });
  });
});

describe('record validation', () => {
  it('takes CloudTrail times in ISO and space-separated forms, and rejects what is not a time', () => {
    const ct = (eventTime: unknown): unknown => ({ eventID: 'e', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', eventTime });
    const ok = ['2026-01-05T10:00:00Z', '2026-01-05T10:00', '2025-01-21 17:39:10.000000000', '2026-01-05T10:00:00.123+02:00'];
    const bad = ['2026-01-05', '2026-01-05X10:00:00Z', '2026/01/05T10:00:00Z', '2026-1-05T10:00:00Z', '2026-01-05T10-00:00Z', 'x2026-01-05T10:00:00Z', '２０２６-01-05T10:00:00Z', 'yesterday'];
    expect(ok.map((t) => validateRecord('cloudtrail', ct(t)))).toEqual(Array(ok.length).fill(undefined));
    expect(bad.map((t) => validateRecord('cloudtrail', ct(t)))).toEqual(Array(bad.length).fill('eventTime is not a time'));
    expect(validateRecord('cloudtrail', ct(''))).toBe('missing eventTime');
    expect(validateRecord('cloudtrail', ct(20260105))).toBe('missing eventTime');
  });
});
