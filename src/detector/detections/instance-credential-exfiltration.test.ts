import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../types.js';
import { instanceCredentialExfiltration, instanceIdOf } from './instance-credential-exfiltration.js';
import { ct, ctInputs, fakeContext, run } from './testing.js';

const role = (ip: string, t = '2026-01-05T10:00:00Z'): CloudTrailRecord => ct({
  eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', sourceIPAddress: ip, eventTime: t,
  userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:i-0abc1234def567890', arn: 'arn:aws:sts::111122223333:assumed-role/web/i-0abc1234def567890', accountId: '111122223333', accessKeyId: 'ASIAEXAMPLE', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/web' }, ec2RoleDelivery: '2.0' } },
});

describe('instance-credential-exfiltration', () => {
  it('recognises instance sessions', () => {
    expect(instanceIdOf(role('1.1.1.1'))).toBe('i-0abc1234def567890');
    expect(instanceIdOf(ct({ eventSource: 's3.amazonaws.com', eventName: 'x' }))).toBeUndefined();
  });

  it('learns the instance network, fires OutsideAWS on a new one, once per network', () => {
    const out = run(instanceCredentialExfiltration, ctInputs([role('54.1.2.3'), role('54.1.2.9'), role('198.51.100.7'), role('198.51.100.7')]));
    expect(out.map((c) => c.type)).toEqual(['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS']);
    expect(out[0]?.remoteIp).toBe('198.51.100.7');
  });

  it('InsideAWS when the new network is AWS\'s', () => {
    const ctx = fakeContext();
    ctx.geoTable.set('3.5.6.7', { countryCode: 'US', asn: '16509', asnOrg: 'AMAZON-02' });
    const out = run(instanceCredentialExfiltration, ctInputs([role('54.1.2.3'), role('3.5.6.7')]), ctx);
    expect(out.map((c) => c.type)).toEqual(['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS']);
  });

  it('fires at first use from an address the account\'s people use', () => {
    const user = ct({ eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', sourceIPAddress: '203.0.113.50' });
    expect(run(instanceCredentialExfiltration, ctInputs([user, role('203.0.113.50')])).map((c) => c.type)).toEqual(['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS']);
    expect(run(instanceCredentialExfiltration, ctInputs([user, role('54.1.2.3')]))).toEqual([]);
  });

  it('an IAM user calling from an AWS address (a workload behind the same NAT) does not mark it as a person\'s', () => {
    const ctx = fakeContext();
    ctx.geoTable.set('52.95.110.2', { countryCode: 'GB', asn: '16509', asnOrg: 'AMAZON-02' });
    const ci = ct({ eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', sourceIPAddress: '52.95.110.2' });
    expect(run(instanceCredentialExfiltration, ctInputs([ci, role('52.95.110.2')]), ctx)).toEqual([]);
  });

  it('snapshot/restore keeps learned networks', () => {
    const a = instanceCredentialExfiltration.create(fakeContext());
    a.observe({ kind: 'cloudtrail', source: 'ingest', record: role('54.1.2.3') }, () => undefined);
    const b = instanceCredentialExfiltration.create(fakeContext());
    b.restore?.(JSON.parse(JSON.stringify(a.snapshot?.())));
    const out: unknown[] = [];
    b.observe({ kind: 'cloudtrail', source: 'ingest', record: role('54.1.2.99') }, (c) => out.push(c));
    b.observe({ kind: 'cloudtrail', source: 'ingest', record: role('198.51.100.1') }, (c) => out.push(c));
    expect(out.length).toBe(1);
  });
});
