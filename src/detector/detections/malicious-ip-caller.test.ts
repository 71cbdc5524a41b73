import { describe, expect, it } from 'vitest';
import { maliciousIpCaller } from './malicious-ip-caller.js';
import { ct, ctInputs, fakeContext, run } from './testing.js';

describe('malicious-ip-caller', () => {
  const ctx = fakeContext();
  ctx.threatIps.set('203.0.113.66', { listName: 'my-list', custom: true });
  ctx.threatIps.set('198.51.100.5', { listName: 'feed', custom: false, threatName: 'Tor exit node' });
  ctx.threatIps.set('198.51.100.6', { listName: 'feed', custom: false });

  it('Recon for list/describe, UnauthorizedAccess otherwise, .Custom for customer lists', () => {
    const out = run(maliciousIpCaller, ctInputs([
      ct({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', sourceIPAddress: '203.0.113.66' }),
      ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', sourceIPAddress: '203.0.113.66' }),
      ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', sourceIPAddress: '198.51.100.6' }),
      ct({ eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', sourceIPAddress: '198.51.100.5' }),
    ]), ctx);
    expect(out.map((c) => c.type)).toEqual(['Recon:IAMUser/MaliciousIPCaller.Custom', 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', 'UnauthorizedAccess:IAMUser/MaliciousIPCaller', 'Recon:IAMUser/TorIPCaller']);
    expect(out[0]).toMatchObject({ remoteIp: '203.0.113.66', additionalInfo: { threatListName: 'my-list' }, dedupKey: 'Recon:IAMUser/MaliciousIPCaller.Custom|arn:aws:iam::111122223333:user/alice|203.0.113.66' });
  });

  it('trusted wins over threat; unlisted IPs are silent', () => {
    const c2 = fakeContext();
    c2.threatIps.set('203.0.113.66', { listName: 'l', custom: true });
    c2.trustedIps.add('203.0.113.66');
    expect(run(maliciousIpCaller, ctInputs([ct({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', sourceIPAddress: '203.0.113.66' })]), c2)).toEqual([]);
    expect(run(maliciousIpCaller, ctInputs([ct({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', sourceIPAddress: '203.0.113.67' })]), ctx)).toEqual([]);
  });
});
