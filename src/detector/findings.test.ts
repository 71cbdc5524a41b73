import { describe, expect, it } from 'vitest';
import { isAwsError } from '../errors/index.js';
import { buildFinding, compileCriteria, repeatFinding, severityKey, sortFindings, valuesAt, type Finding } from './findings.js';
import type { FindingCandidate } from './types.js';

const det = { id: 'a'.repeat(32), accountId: '000000000000', region: 'us-east-1' };

function cand(over: Partial<FindingCandidate> = {}): FindingCandidate {
  return {
    type: 'Policy:IAMUser/RootCredentialUsage',
    accountId: '111122223333',
    region: 'eu-west-1',
    resource: { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: 'AKIA1', userName: 'alice', userType: 'IAMUser', principalId: 'AIDA1' } },
    action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'ListUsers', serviceName: 'iam.amazonaws.com', remoteIpDetails: { ipAddressV4: '198.51.100.7' } } },
    title: 't',
    description: 'd',
    dedupKey: 'k',
    eventTime: new Date('2026-01-02T03:04:05Z'),
    detection: 'test',
    ...over,
  };
}

function finding(over: Partial<FindingCandidate> = {}, sev = 2): Finding {
  return buildFinding(cand(over), det, sev, new Date('2026-01-02T03:04:06Z'));
}

describe('buildFinding', () => {
  it('has GuardDuty’s exact shape', () => {
    const f = finding({ additionalInfo: { threatListName: 'x' } });
    expect(f.schemaVersion).toBe('2.0');
    expect(f.id).toMatch(/^[0-9a-f]{32}$/);
    expect(f.arn).toBe(`arn:aws:guardduty:us-east-1:000000000000:detector/${det.id}/finding/${f.id}`);
    expect(f.accountId).toBe('111122223333');
    expect(f.region).toBe('eu-west-1');
    expect(f.partition).toBe('aws');
    expect(f.service).toMatchObject({
      serviceName: 'guardduty', detectorId: det.id, archived: false, count: 1, resourceRole: 'TARGET', featureName: 'CloudTrail',
      eventFirstSeen: '2026-01-02T03:04:05.000Z', eventLastSeen: '2026-01-02T03:04:05.000Z', additionalInfo: { threatListName: 'x', type: 'default' },
    });
    expect(f.createdAt).toBe('2026-01-02T03:04:06.000Z');
    expect(f.severity).toBe(2);
  });

  it('takes the candidate’s resourceRole (ACTOR for an instance attacking others)', () => {
    expect(finding({ resourceRole: 'ACTOR' }).service.resourceRole).toBe('ACTOR');
  });

  it('clamps severity to 1.0–10.0 with one decimal', () => {
    expect(finding({}, 0).severity).toBe(1);
    expect(finding({}, 12).severity).toBe(10);
    expect(finding({}, 5.55).severity).toBe(5.6);
  });

  it('counts repeats, moves eventLastSeen and updatedAt, keeps the first sighting', () => {
    const f = finding();
    repeatFinding(f, cand({ eventTime: new Date('2026-01-03T00:00:00Z') }), 2, new Date('2026-01-03T00:00:01Z'));
    repeatFinding(f, cand({ eventTime: new Date('2026-01-01T00:00:00Z') }), 2, new Date('2026-01-03T00:00:02Z'));
    expect(f.service.count).toBe(3);
    expect(f.service.eventFirstSeen).toBe('2026-01-01T00:00:00.000Z');
    expect(f.service.eventLastSeen).toBe('2026-01-03T00:00:00.000Z');
    expect(f.updatedAt).toBe('2026-01-03T00:00:02.000Z');
  });
});

describe('FindingCriteria', () => {
  const a = finding({}, 2);
  const b = finding({ type: 'Recon:EC2/Portscan', action: { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '203.0.113.1' } } }, resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-1', networkInterfaces: [{ privateIpAddress: '10.0.0.1' }, { privateIpAddress: '10.0.0.2' }] } } }, 8);
  b.updatedAt = '2026-02-01T00:00:00.000Z';
  b.service.archived = true;
  const match = (c: Record<string, unknown>): string[] => [a, b].filter(compileCriteria({ Criterion: c as never })).map((f) => f.type);

  it('Eq / Equals match any listed value; Neq / NotEquals none', () => {
    expect(match({ type: { Eq: ['Recon:EC2/Portscan', 'x'] } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ type: { Equals: ['Policy:IAMUser/RootCredentialUsage'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ type: { Neq: ['Recon:EC2/Portscan'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ type: { NotEquals: ['Recon:EC2/Portscan', 'Policy:IAMUser/RootCredentialUsage'] } })).toEqual([]);
  });

  it('numeric operators on severity, both spellings', () => {
    expect(match({ severity: { Gt: 2 } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ severity: { Gte: 2 } })).toHaveLength(2);
    expect(match({ severity: { Lt: 8 } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ severity: { Lte: 8, Gte: 8 } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ severity: { GreaterThan: 2 } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ severity: { GreaterThanOrEqual: 9 } })).toEqual([]);
    expect(match({ severity: { LessThan: 3 } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ severity: { LessThanOrEqual: 2 } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ severity: { Eq: ['8'] } })).toEqual(['Recon:EC2/Portscan']);
  });

  it('timestamps compare as epoch milliseconds', () => {
    const t = Date.parse('2026-01-15T00:00:00Z');
    expect(match({ updatedAt: { GreaterThan: t } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ updatedAt: { Lt: t } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ 'service.eventLastSeen': { Gte: Date.parse('2026-01-02T03:04:05Z') } })).toHaveLength(2);
  });

  it('booleans, nested paths, arrays, several criteria ANDed, Matches', () => {
    expect(match({ 'service.archived': { Eq: ['true'] } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ 'service.archived': { Eq: ['false'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ 'resource.accessKeyDetails.userName': { Eq: ['alice'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ 'resource.instanceDetails.networkInterfaces.privateIpAddress': { Eq: ['10.0.0.2'] } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ 'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4': { Eq: ['198.51.100.7'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(match({ severity: { Gte: 1 }, type: { Eq: ['Recon:EC2/Portscan'] } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ type: { Matches: ['Recon:*'] } })).toEqual(['Recon:EC2/Portscan']);
    expect(match({ type: { NotMatches: ['Recon:*'] } })).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(valuesAt(b, 'resource.instanceDetails.networkInterfaces.privateIpAddress')).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('rejects bad attribute names and empty conditions with BadRequestException', () => {
    for (const c of [{ 'bad name': { Eq: ['x'] } }, { type: {} }]) {
      try {
        compileCriteria({ Criterion: c as never });
        expect.unreachable();
      } catch (e) {
        expect(isAwsError(e) && e.code).toBe('BadRequestException');
        expect(isAwsError(e) && e.fields).toEqual({ type: 'InvalidInputException' });
      }
    }
  });

  it('sorts by an attribute either way, default updatedAt descending', () => {
    expect(sortFindings([a, b], { AttributeName: 'severity', OrderBy: 'DESC' }).map((f) => f.severity)).toEqual([8, 2]);
    expect(sortFindings([b, a], { AttributeName: 'severity', OrderBy: 'ASC' }).map((f) => f.severity)).toEqual([2, 8]);
    expect(sortFindings([a, b], undefined)[0]).toBe(b);
    expect(severityKey(8)).toBe('8.0');
    expect(severityKey(5.5)).toBe('5.5');
  });
});
