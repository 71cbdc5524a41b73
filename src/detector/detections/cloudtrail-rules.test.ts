import { describe, expect, it } from 'vitest';
import { cloudTrailRules } from './cloudtrail-rules.js';
import { ct, ctInputs, run } from './testing.js';

const types = (recs: Parameters<typeof ct>[0][]) => run(cloudTrailRules, ctInputs(recs.map(ct))).map((c) => c.type);

describe('cloudtrail-rules', () => {
  it('root credential use', () => {
    const root = { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
    expect(types([{ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: root }])).toEqual(['Policy:IAMUser/RootCredentialUsage']);
    expect(types([{ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets' }])).toEqual([]);
    // Calls AWS makes on root's behalf are not root usage.
    expect(types([{ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: { ...root, invokedBy: 'cloudtrail.amazonaws.com' }, sourceIPAddress: 'cloudtrail.amazonaws.com' }])).toEqual([]);
  });

  it('trail stopped, deleted or narrowed; a trail created or widened is silent', () => {
    expect(types([{ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', requestParameters: { name: 't' } }])).toEqual(['Stealth:IAMUser/CloudTrailLoggingDisabled']);
    const sel = (s: Record<string, unknown>) => ({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'PutEventSelectors', requestParameters: { trailName: 't', eventSelectors: [s] } });
    expect(types([sel({ includeManagementEvents: false, readWriteType: 'All' })])).toEqual(['Stealth:IAMUser/CloudTrailLoggingDisabled']);
    expect(types([sel({ includeManagementEvents: true, readWriteType: 'ReadOnly' })])).toEqual(['Stealth:IAMUser/CloudTrailLoggingDisabled']);
    expect(types([sel({ includeManagementEvents: true, readWriteType: 'All' })])).toEqual([]);
    expect(types([{ eventSource: 'cloudtrail.amazonaws.com', eventName: 'CreateTrail' }])).toEqual([]);
    expect(types([{ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', errorCode: 'AccessDenied' }])).toEqual([]);
  });

  it('pentest user agents', () => {
    expect(types([{ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', userAgent: 'aws-cli/2.13 Python/3.11 Linux/6.5.0-kali3-amd64 botocore/2.0' }])).toEqual(['PenTest:IAMUser/KaliLinux']);
    expect(types([{ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', userAgent: 'Boto3/1.28 Python/3.11 Linux/6.1.0-parrot1-amd64' }])).toEqual(['PenTest:IAMUser/ParrotLinux']);
    expect(types([{ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', userAgent: 'aws-cli/2.13 Python/3.11 Linux/6.1 Pentoo' }])).toEqual(['PenTest:IAMUser/PentooLinux']);
    expect(types([{ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', userAgent: 'aws-cli/2.13 Python/3.11 Linux/6.5.0-1-amd64 (debian)' }])).toEqual([]);
  });

  it('ATT&CK techniques as API semantics', () => {
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'AttachUserPolicy', requestParameters: { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' } }])).toEqual(['PrivilegeEscalation:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'AttachUserPolicy', requestParameters: { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } }])).toEqual([]);
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', requestParameters: { userName: 'bob' } }])).toEqual(['Persistence:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', requestParameters: { userName: 'alice' } }])).toEqual([]);
    const trust = (acct: string) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'r', policyDocument: trust('999988887777') } }])).toEqual(['Persistence:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'iam.amazonaws.com', eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'r', policyDocument: trust('111122223333') } }])).toEqual([]);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-1', createVolumePermission: { add: { items: [{ group: 'all' }] } } } }])).toEqual(['Exfiltration:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-1', createVolumePermission: { remove: { items: [{ group: 'all' }] } } } }])).toEqual([]);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } } }])).toEqual(['Persistence:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } } }])).toEqual([]);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', errorCode: 'Client.UnauthorizedOperation', requestParameters: { instanceType: 'p4d.24xlarge' } }])).toEqual(['Impact:IAMUser/AnomalousBehavior']);
    expect(types([{ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', requestParameters: { instanceType: 't3.micro' } }])).toEqual([]);
  });

  it('Bulwark defences tampered with', () => {
    expect(types([{ eventSource: 'kms.amazonaws.com', eventName: 'ScheduleKeyDeletion', requestParameters: { keyId: 'k1', pendingWindowInDays: 7 } }])).toEqual(['Impact:KMS/KeyScheduledForDeletion']);
    expect(types([{ eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: 'k1', policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] }) } }])).toEqual(['Policy:KMS/KeyPolicyPublic']);
    expect(types([{ eventSource: 'guardduty.amazonaws.com', eventName: 'UpdateDetector', requestParameters: { detectorId: 'd', enable: false } }])).toEqual(['Stealth:Bulwark/DetectorDisabled']);
    expect(types([{ eventSource: 'guardduty.amazonaws.com', eventName: 'UpdateDetector', requestParameters: { detectorId: 'd', findingPublishingFrequency: 'SIX_HOURS' } }])).toEqual([]);
    expect(types([{ eventSource: 'wafv2.amazonaws.com', eventName: 'DisassociateWebACL', requestParameters: { resourceArn: 'arn:x' } }])).toEqual(['Stealth:WAF/WebACLDetached']);
    expect(types([{ eventSource: 'guardduty.amazonaws.com', eventName: 'CreateIPSet', requestParameters: {} }])).toEqual(['Stealth:Bulwark/TrustedListChanged']);
  });

  it('threshold rules count per principal in a window, with a stable dedup key', () => {
    const reads = (n: number, minute = 0) => Array.from({ length: n }, (_, i) => ({ eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue', eventTime: `2026-01-05T10:${String(minute + i).padStart(2, '0')}:00Z`, requestParameters: { secretId: `s${i}` } }));
    expect(types(reads(9))).toEqual([]);
    const out = run(cloudTrailRules, ctInputs([...reads(12)].map(ct)));
    expect(out.map((c) => c.type)).toEqual(['CredentialAccess:IAMUser/AnomalousBehavior', 'CredentialAccess:IAMUser/AnomalousBehavior', 'CredentialAccess:IAMUser/AnomalousBehavior']);
    expect(new Set(out.map((c) => c.dedupKey)).size).toBe(1);
    // Spread over hours, the same reads stay under the window.
    expect(types(Array.from({ length: 12 }, (_, i) => ({ eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue', eventTime: `2026-01-05T${String(i + 1).padStart(2, '0')}:00:00Z`, requestParameters: { secretId: `s${i}` } })))).toEqual([]);
  });

  it('candidates carry GuardDuty shapes and the record\'s own account and region', () => {
    const [c] = run(cloudTrailRules, ctInputs([ct({ eventSource: 'iam.amazonaws.com', eventName: 'DeleteAccountPasswordPolicy', awsRegion: 'eu-west-3', recipientAccountId: '444455556666', sourceIPAddress: '198.51.100.7' })]));
    expect(c).toMatchObject({
      type: 'Stealth:IAMUser/PasswordPolicyChange', accountId: '444455556666', region: 'eu-west-3', remoteIp: '198.51.100.7',
      resource: { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: 'AKIAEXAMPLEALICE', userName: 'alice', userType: 'IAMUser' } },
      action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'DeleteAccountPasswordPolicy', serviceName: 'iam.amazonaws.com', callerType: 'Remote IP', remoteIpDetails: { ipAddressV4: '198.51.100.7' } } },
    });
    expect(c?.dedupKey).toBe('Stealth:IAMUser/PasswordPolicyChange|arn:aws:iam::111122223333:user/alice|');
  });
});
