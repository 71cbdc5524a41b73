import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/index.js';
import { AuditTrail } from './index.js';
import { ACCOUNT, REGION, ROLE_IDENTITY, ROOT_IDENTITY, USER_IDENTITY, apiEvent, callOperation } from './testing.js';
import type { ServiceDefinition } from '../http/service.js';

let dir: string;
let audit: AuditTrail;
let svc: ServiceDefinition;
let clock: Date;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-svc-'));
  mkdirSync(join(dir, 'my-bucket'));
  clock = new Date('2024-05-01T12:00:00Z');
  audit = new AuditTrail({ kv: new MemoryBackend(), accountId: ACCOUNT, region: REGION, bucketsRoot: dir, now: () => clock });
  await audit.load();
  svc = audit.service();
});
afterEach(async () => {
  await audit.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (op: string, input: Record<string, unknown>, now = clock) => callOperation(svc, audit.sink, op, input, now);
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('LookupEvents', () => {
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111aaaa-12ab-34cd-56ef-1234567890ab`;
  beforeEach(async () => {
    const base = Date.parse('2024-05-01T10:00:00Z');
    const events = [
      apiEvent({ time: new Date(base), identity: USER_IDENTITY, operation: 'CreateKey', resources: [{ arn: keyArn, type: 'AWS::KMS::Key' }] }),
      apiEvent({ time: new Date(base + 1000), identity: ROLE_IDENTITY, operation: 'Encrypt', resources: [{ arn: keyArn, type: 'AWS::KMS::Key' }] }),
      apiEvent({ time: new Date(base + 2000), identity: ROOT_IDENTITY, operation: 'ListKeys', readOnly: true }),
      apiEvent({ time: new Date(base + 3000), identity: USER_IDENTITY, service: 'iam', eventSource: 'iam.amazonaws.com', operation: 'CreateUser', resources: [{ arn: `arn:aws:iam::${ACCOUNT}:user/Carol`, type: 'AWS::IAM::User' }] }),
      apiEvent({ time: new Date(base + 4000), identity: { type: 'Unknown', accessKeyId: 'AKIAWRONGSIG00000001' }, authenticated: false, operation: 'DescribeKey', readOnly: true, errorCode: 'InvalidSignatureException', errorMessage: 'bad', requestParameters: null, responseElements: null }),
    ];
    for (const e of events) await audit.sink(e);
  });

  const lookup = async (input: Record<string, unknown>) => (await call('LookupEvents', input)) as { Events: { EventName: string; CloudTrailEvent: string; Username?: string; Resources: unknown[]; ReadOnly: string; AccessKeyId?: string; EventTime: Date }[]; NextToken?: string };
  const names = async (attr?: [string, string], extra: Record<string, unknown> = {}) =>
    (await lookup({ ...(attr ? { LookupAttributes: [{ AttributeKey: attr[0], AttributeValue: attr[1] }] } : {}), ...extra })).Events.map((e) => e.EventName);

  it('returns events newest first with the Event fields', async () => {
    const r = await lookup({ EndTime: new Date('2024-05-01T11:00:00Z') });
    expect(r.Events.map((e) => e.EventName)).toEqual(['DescribeKey', 'CreateUser', 'ListKeys', 'Encrypt', 'CreateKey']);
    const create = r.Events[4]!;
    expect(create).toMatchObject({ ReadOnly: 'false', Username: 'Alice', AccessKeyId: 'AKIAALICEALICE000001', EventSource: 'kms.amazonaws.com' });
    expect(create.EventTime).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(create.Resources).toEqual([{ ResourceType: 'AWS::KMS::Key', ResourceName: keyArn }]);
    expect(JSON.parse(create.CloudTrailEvent).eventName).toBe('CreateKey');
  });

  it('filters by each lookup attribute', async () => {
    const end = { EndTime: new Date('2024-05-01T11:00:00Z') };
    const all = await lookup(end);
    const encryptId = JSON.parse(all.Events.find((e) => e.EventName === 'Encrypt')!.CloudTrailEvent).eventID as string;
    expect(await names(['EventId', encryptId], end)).toEqual(['Encrypt']);
    expect(await names(['EventName', 'CreateUser'], end)).toEqual(['CreateUser']);
    expect(await names(['ReadOnly', 'true'], end)).toEqual(['DescribeKey', 'ListKeys']);
    expect(await names(['ReadOnly', 'false'], end)).toEqual(['CreateUser', 'Encrypt', 'CreateKey']);
    expect(await names(['Username', 'Alice'], end)).toEqual(['CreateUser', 'CreateKey']);
    expect(await names(['Username', 'bob-session'], end)).toEqual(['Encrypt']);
    expect(await names(['Username', 'root'], end)).toEqual(['ListKeys']);
    expect(await names(['ResourceType', 'AWS::KMS::Key'], end)).toEqual(['Encrypt', 'CreateKey']);
    expect(await names(['ResourceName', keyArn], end)).toEqual(['Encrypt', 'CreateKey']);
    expect(await names(['ResourceName', 'Carol'], end)).toEqual(['CreateUser']);
    expect(await names(['EventSource', 'iam.amazonaws.com'], end)).toEqual(['CreateUser']);
    expect(await names(['AccessKeyId', 'AKIAWRONGSIG00000001'], end)).toEqual(['DescribeKey']);
    expect(await names(['EventName', 'NoSuchThing'], end)).toEqual([]);
  });

  it('honours StartTime and EndTime', async () => {
    expect(await names(undefined, { StartTime: new Date('2024-05-01T10:00:01Z'), EndTime: new Date('2024-05-01T10:00:03Z') })).toEqual(['CreateUser', 'ListKeys', 'Encrypt']);
    expect(await codeOf(lookup({ StartTime: new Date('2024-05-02T00:00:00Z'), EndTime: new Date('2024-05-01T00:00:00Z') }))).toBe('InvalidTimeRangeException');
  });

  it('paginates with NextToken and rejects a foreign or forged token', async () => {
    const q = { EndTime: new Date('2024-05-01T11:00:00Z'), MaxResults: 2 };
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await lookup({ ...q, ...(token ? { NextToken: token } : {}) });
      seen.push(...r.Events.map((e) => e.EventName));
      token = r.NextToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['DescribeKey', 'CreateUser', 'ListKeys', 'Encrypt', 'CreateKey']);
    expect(pages).toBe(3);
    const first = await lookup(q);
    expect(await codeOf(lookup({ ...q, StartTime: new Date(0), NextToken: first.NextToken }))).toBe('InvalidNextTokenException');
    expect(await codeOf(lookup({ ...q, NextToken: 'garbage!' }))).toBe('InvalidNextTokenException');
    expect(await codeOf(lookup({ ...q, NextToken: Buffer.from('{"v":1,"k":"../../x","q":"y"}').toString('base64url') }))).toBe('InvalidNextTokenException');
  });

  it('allows one lookup attribute at most and MaxResults 1..50', async () => {
    expect(await codeOf(lookup({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'a' }, { AttributeKey: 'Username', AttributeValue: 'b' }] }))).toBe('InvalidLookupAttributesException');
    expect(await codeOf(lookup({ MaxResults: 51 }))).toBe('InvalidMaxResultsException');
  });

  it('defaults to the retention window ending now', async () => {
    clock = new Date('2024-05-01T10:00:02.500Z');
    expect(await names()).toEqual(['ListKeys', 'Encrypt', 'CreateKey']);
    clock = new Date('2024-09-01T00:00:00Z');
    expect(await names()).toEqual([]);
  });
});

describe('trails', () => {
  it('creates, gets, describes, lists, updates and deletes a trail', async () => {
    const created = await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket', S3KeyPrefix: 'audit' });
    const arn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/main`;
    expect(created).toMatchObject({ Name: 'main', S3BucketName: 'my-bucket', S3KeyPrefix: 'audit', TrailARN: arn, LogFileValidationEnabled: true, IsMultiRegionTrail: false });
    expect(await call('GetTrail', { Name: arn })).toEqual({
      Trail: { Name: 'main', S3BucketName: 'my-bucket', S3KeyPrefix: 'audit', IncludeGlobalServiceEvents: true, IsMultiRegionTrail: false, HomeRegion: REGION, TrailARN: arn, LogFileValidationEnabled: true, HasCustomEventSelectors: false, HasInsightSelectors: false, IsOrganizationTrail: false },
    });
    expect(((await call('DescribeTrails', {})) as { trailList: unknown[] }).trailList).toHaveLength(1);
    expect(((await call('DescribeTrails', { trailNameList: ['nope', 'main'] })) as { trailList: unknown[] }).trailList).toHaveLength(1);
    expect(await call('ListTrails', {})).toEqual({ Trails: [{ TrailARN: arn, Name: 'main', HomeRegion: REGION }] });
    const updated = await call('UpdateTrail', { Name: 'main', S3KeyPrefix: '', EnableLogFileValidation: false });
    expect(updated.S3KeyPrefix).toBeUndefined();
    expect(updated.LogFileValidationEnabled).toBe(false);
    await call('DeleteTrail', { Name: 'main' });
    expect(await codeOf(call('GetTrail', { Name: 'main' }))).toBe('TrailNotFoundException');
  });

  it('answers CloudTrail error codes', async () => {
    await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket' });
    expect(await codeOf(call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket' }))).toBe('TrailAlreadyExistsException');
    expect(await codeOf(call('CreateTrail', { Name: 'other', S3BucketName: 'no-such-bucket' }))).toBe('S3BucketDoesNotExistException');
    expect(await codeOf(call('CreateTrail', { Name: 'other', S3BucketName: '../etc' }))).toBe('InvalidS3BucketNameException');
    expect(await codeOf(call('CreateTrail', { Name: 'other', S3BucketName: 'my-bucket', S3KeyPrefix: 'a/../../x' }))).toBe('InvalidS3PrefixException');
    expect(await codeOf(call('CreateTrail', { Name: 'other', S3BucketName: 'my-bucket', KmsKeyId: 'alias/x' }))).toBe('UnsupportedOperationException');
    expect(await codeOf(call('GetTrail', { Name: 'arn:aws:cloudtrail:bad' }))).toBe('CloudTrailARNInvalidException');
    expect(await codeOf(call('GetTrail', { Name: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/main` }))).toBe('TrailNotFoundException');
    expect(await codeOf(call('StartLogging', { Name: 'missing' }))).toBe('TrailNotFoundException');
    for (let i = 2; i <= 5; i++) await call('CreateTrail', { Name: `t${i}x`, S3BucketName: 'my-bucket' });
    expect(await codeOf(call('CreateTrail', { Name: 'sixth', S3BucketName: 'my-bucket' }))).toBe('MaximumNumberOfTrailsExceededException');
  });

  it('enforces the trail name rules', async () => {
    const bad = ['ab', 'a'.repeat(129), '-abc', 'abc-', 'my--trail', 'my-_trail', 'my..trail', '192.168.5.4', 'has space', 'slash/name'];
    for (const Name of bad) expect(await codeOf(call('CreateTrail', { Name, S3BucketName: 'my-bucket' })), Name).toBe('InvalidTrailNameException');
    for (const Name of ['abc', 'My_Trail.v2-x', 'a'.repeat(128), '1.2.3']) {
      expect(await codeOf(call('CreateTrail', { Name, S3BucketName: 'my-bucket' })), Name).toBeUndefined();
      await call('DeleteTrail', { Name });
    }
  });

  it('starts and stops logging with GetTrailStatus times', async () => {
    await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket' });
    expect(await call('GetTrailStatus', { Name: 'main' })).toEqual({ IsLogging: false });
    const t1 = new Date('2024-05-01T12:01:00Z');
    await call('StartLogging', { Name: 'main' }, t1);
    const t2 = new Date('2024-05-01T12:02:00Z');
    await call('StopLogging', { Name: 'main' }, t2);
    expect(await call('GetTrailStatus', { Name: 'main' })).toMatchObject({ IsLogging: false, StartLoggingTime: t1, StopLoggingTime: t2, TimeLoggingStarted: t1.toISOString() });
  });

  it('puts and gets basic event selectors; advanced ones are unsupported', async () => {
    await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket' });
    expect(await call('GetEventSelectors', { TrailName: 'main' })).toMatchObject({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });
    const put = await call('PutEventSelectors', { TrailName: 'main', EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] });
    expect(put).toEqual({ TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/main`, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: ['kms.amazonaws.com'] }] });
    expect(((await call('GetTrail', { Name: 'main' })) as { Trail: { HasCustomEventSelectors: boolean } }).Trail.HasCustomEventSelectors).toBe(true);
    expect(await codeOf(call('PutEventSelectors', { TrailName: 'main', AdvancedEventSelectors: [{ FieldSelectors: [] }] }))).toBe('UnsupportedOperationException');
    expect(await codeOf(call('PutEventSelectors', { TrailName: 'main', EventSelectors: [{}], AdvancedEventSelectors: [] }))).toBe('InvalidEventSelectorsException');
    expect(await codeOf(call('PutEventSelectors', { TrailName: 'main', EventSelectors: [{ ExcludeManagementEventSources: ['iam.amazonaws.com'] }] }))).toBe('InvalidEventSelectorsException');
    expect(await codeOf(call('PutEventSelectors', { TrailName: 'main', EventSelectors: Array(6).fill({}) }))).toBe('InvalidEventSelectorsException');
  });

  it('adds, lists and removes tags', async () => {
    const arn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/main`;
    await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket', TagsList: [{ Key: 'env', Value: 'prod' }] });
    await call('AddTags', { ResourceId: arn, TagsList: [{ Key: 'team', Value: 'sec' }, { Key: 'env', Value: 'dev' }] });
    expect(await call('ListTags', { ResourceIdList: [arn] })).toEqual({ ResourceTagList: [{ ResourceId: arn, TagsList: [{ Key: 'env', Value: 'dev' }, { Key: 'team', Value: 'sec' }] }] });
    await call('RemoveTags', { ResourceId: arn, TagsList: [{ Key: 'env' }] });
    expect(await call('ListTags', { ResourceIdList: [arn] })).toEqual({ ResourceTagList: [{ ResourceId: arn, TagsList: [{ Key: 'team', Value: 'sec' }] }] });
    expect(await codeOf(call('AddTags', { ResourceId: arn, TagsList: [{ Key: 'aws:x', Value: 'y' }] }))).toBe('InvalidTagParameterException');
    expect(await codeOf(call('AddTags', { ResourceId: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/other`, TagsList: [{ Key: 'a' }] }))).toBe('ResourceNotFoundException');
    expect(await codeOf(call('AddTags', { ResourceId: arn, TagsList: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}` })) }))).toBe('TagsLimitExceededException');
  });

  it('records trail calls, including failed ones, in the event history', async () => {
    await call('CreateTrail', { Name: 'main', S3BucketName: 'my-bucket' });
    clock = new Date(clock.getTime() + 1000);
    await codeOf(call('StopLogging', { Name: 'ghost' }));
    const r = (await call('LookupEvents', { LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'cloudtrail.amazonaws.com' }] })) as { Events: { EventName: string; CloudTrailEvent: string; Resources: unknown[] }[] };
    expect(r.Events.map((e) => e.EventName)).toEqual(['StopLogging', 'CreateTrail']);
    expect(JSON.parse(r.Events[0]!.CloudTrailEvent).errorCode).toBe('TrailNotFoundException');
    expect(r.Events[1]!.Resources).toEqual([{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/main` }]);
  });

  it('is registered with the CloudTrail model and answers UnsupportedOperationException for the rest', () => {
    expect(svc.eventSource).toBe('cloudtrail.amazonaws.com');
    expect(svc.signingName).toBe('cloudtrail');
    for (const op of Object.keys(svc.operations)) expect(svc.model.operations[op], op).toBeDefined();
    expect(svc.unimplementedError?.code).toBe('UnsupportedOperationException');
  });
});
