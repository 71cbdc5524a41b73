// A generated benign week of CloudTrail for the GuardDuty detection benchmark: administrators and
// applications using KMS, IAM, WAF and STS for seven days (Mon 2026-01-05 to Sun 2026-01-11, UTC),
// with daily rhythms (office hours for people, day/night load for applications, a nightly batch),
// plus a few new-but-legitimate behaviours. Records are generated directly (not through the server).
import { rng } from './guardduty-lib.mjs';

const ACCT = '111122223333';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

/** The people and applications of the account, with their networks (all in one country). */
export const GEO = new Map([
  ['203.0.113.10', { countryCode: 'GB', countryName: 'United Kingdom', asn: '64500', asnOrg: 'Example Office ISP' }],
  ['203.0.113.11', { countryCode: 'GB', countryName: 'United Kingdom', asn: '64500', asnOrg: 'Example Office ISP' }],
  ['198.51.100.20', { countryCode: 'GB', countryName: 'United Kingdom', asn: '64501', asnOrg: 'Home Broadband' }],
  ['198.51.100.21', { countryCode: 'GB', countryName: 'United Kingdom', asn: '64501', asnOrg: 'Home Broadband' }],
  ['192.0.2.50', { countryCode: 'GB', countryName: 'United Kingdom', asn: '64502', asnOrg: 'Hotel Wifi' }],
  ['52.95.110.1', { countryCode: 'GB', countryName: 'United Kingdom', asn: '16509', asnOrg: 'AMAZON-02' }],
  ['52.95.110.2', { countryCode: 'GB', countryName: 'United Kingdom', asn: '16509', asnOrg: 'AMAZON-02' }],
]);

const CLI = 'aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off';
const CONSOLE = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SDK = 'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.15 lang/js md/nodejs#20.11.1';
const BOTO = 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 lang/python#3.12.2';

const user = (name) => ({ type: 'IAMUser', principalId: `AIDA${name.toUpperCase().padEnd(16, 'X')}`, arn: `arn:aws:iam::${ACCT}:user/${name}`, accountId: ACCT, accessKeyId: `AKIA${name.toUpperCase().padEnd(16, 'K')}`, userName: name });
const role = (name, session) => ({
  type: 'AssumedRole', principalId: `AROA${name.toUpperCase().slice(0, 12).padEnd(16, 'R')}:${session}`, arn: `arn:aws:sts::${ACCT}:assumed-role/${name}/${session}`, accountId: ACCT, accessKeyId: 'ASIAEXAMPLEAPPKEY000',
  sessionContext: { sessionIssuer: { type: 'Role', principalId: `AROA${name.toUpperCase().slice(0, 12).padEnd(16, 'R')}`, arn: `arn:aws:iam::${ACCT}:role/${name}`, accountId: ACCT, userName: name }, attributes: { creationDate: new Date(T0).toISOString(), mfaAuthenticated: 'false' } },
});

const KEY = (n) => `arn:aws:kms:eu-west-2:${ACCT}:key/0000000${n}-aaaa-bbbb-cccc-0123456789ab`;
const ADMIN_READS = [
  ['iam.amazonaws.com', 'ListUsers'], ['iam.amazonaws.com', 'GetUser'], ['iam.amazonaws.com', 'ListRoles'], ['iam.amazonaws.com', 'GetRole'], ['iam.amazonaws.com', 'ListAttachedRolePolicies'],
  ['kms.amazonaws.com', 'ListKeys'], ['kms.amazonaws.com', 'DescribeKey'], ['kms.amazonaws.com', 'ListAliases'], ['kms.amazonaws.com', 'GetKeyRotationStatus'],
  ['wafv2.amazonaws.com', 'ListWebACLs'], ['wafv2.amazonaws.com', 'GetWebACL'], ['wafv2.amazonaws.com', 'ListIPSets'], ['sts.amazonaws.com', 'GetCallerIdentity'],
];
const ADMIN_WRITES = [
  ['kms.amazonaws.com', 'TagResource', { keyId: KEY(1) }], ['kms.amazonaws.com', 'EnableKeyRotation', { keyId: KEY(2) }], ['iam.amazonaws.com', 'TagRole', { roleName: 'app-web' }],
  ['wafv2.amazonaws.com', 'UpdateIPSet', { Name: 'blocked', Scope: 'REGIONAL' }], ['iam.amazonaws.com', 'UpdateRoleDescription', { roleName: 'app-batch' }],
];

/** The benign week's records, sorted by time, and a description of its new-but-legitimate behaviours. */
export function benignWeek(seed = 2026) {
  const r = rng(seed);
  const out = [];
  let id = 0;
  const rec = (t, identity, ip, ua, src, name, params = null, extra = {}) => out.push({
    eventVersion: '1.09', userIdentity: identity, eventTime: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'), eventSource: src, eventName: name, awsRegion: 'eu-west-2',
    sourceIPAddress: ip, userAgent: ua, requestParameters: params, responseElements: null, eventID: `bbbbbbbb-0000-4000-8000-${String(++id).padStart(12, '0')}`,
    readOnly: /^(Get|List|Describe)/.test(name), eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCT, ...extra,
  });
  const admins = [
    { name: 'alice', office: '203.0.113.10', home: '198.51.100.20' },
    { name: 'bob', office: '203.0.113.11', home: '198.51.100.21' },
    { name: 'carol', office: '203.0.113.10', home: '198.51.100.20' },
  ];
  for (let d = 0; d < 7; d++) {
    const weekend = d >= 5;
    // People: office hours on weekdays, a little from home at the weekend.
    for (const a of admins) {
      if (weekend && r() < 0.7) continue;
      const ip = weekend ? a.home : (a.name === 'bob' && d === 3 ? '192.0.2.50' : a.office); // bob travels on Thursday (same country, usual tools)
      const start = T0 + d * DAY + (8 + Math.floor(r() * 2)) * 3_600_000;
      rec(start, user(a.name), ip, CONSOLE, 'signin.amazonaws.com', 'ConsoleLogin', null, { eventType: 'AwsConsoleSignIn', responseElements: { ConsoleLogin: 'Success' }, additionalEventData: { MFAUsed: 'Yes' } });
      const n = weekend ? 8 : 40 + Math.floor(r() * 30);
      for (let i = 0; i < n; i++) {
        const t = start + Math.floor(r() * 9 * 3_600_000);
        const viaConsole = r() < 0.4;
        // carol starts looking after the WAF on Wednesday (new for her, from the office, with her usual tools).
        const reads = a.name === 'carol' && d < 2 ? ADMIN_READS.filter(([s]) => s !== 'wafv2.amazonaws.com') : ADMIN_READS;
        if (r() < 0.85) { const [s, nm] = reads[Math.floor(r() * reads.length)]; rec(t, user(a.name), ip, viaConsole ? CONSOLE : CLI, s, nm, { maxResults: 50 }); }
        else { const w = ADMIN_WRITES[Math.floor(r() * ADMIN_WRITES.length)]; if (a.name === 'carol' && d < 2 && w[0] === 'wafv2.amazonaws.com') continue; rec(t, user(a.name), ip, viaConsole ? CONSOLE : CLI, w[0], w[1], w[2]); }
        if (r() < 0.01) rec(t + 500, user(a.name), ip, CLI, 'iam.amazonaws.com', 'GetAccountAuthorizationDetails', null, { errorCode: 'AccessDenied', errorMessage: 'not authorized' });
      }
    }
    // Applications: day/night rhythm, from their NAT addresses.
    for (let h = 0; h < 24; h++) {
      const t = T0 + d * DAY + h * 3_600_000;
      const load = (h >= 8 && h <= 20 ? 30 : 6) * (weekend ? 0.5 : 1);
      for (let i = 0; i < load; i++) {
        const ti = t + Math.floor(r() * 3_600_000);
        rec(ti, role('app-web', 'i-0a1b2c3d4e5f60718'), '52.95.110.1', SDK, 'kms.amazonaws.com', r() < 0.7 ? 'Decrypt' : 'GenerateDataKey', { keyId: KEY(1), encryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      }
      if (h % 1 === 0) rec(t + 60_000, role('app-web', 'i-0a1b2c3d4e5f60718'), '52.95.110.1', SDK, 'sts.amazonaws.com', 'GetCallerIdentity');
      if (h === 2) for (let i = 0; i < 200; i++) rec(t + i * 5_000, role('app-batch', 'batch-nightly'), '52.95.110.2', BOTO, 'kms.amazonaws.com', i % 4 ? 'GenerateDataKey' : 'Encrypt', { keyId: KEY(3) });
      for (let m = 0; m < 60; m += 5) rec(t + m * 60_000, role('app-monitor', 'monitor'), '52.95.110.2', BOTO, 'wafv2.amazonaws.com', m % 10 ? 'GetSampledRequests' : 'ListWebACLs', { Scope: 'REGIONAL', MaxItems: 100 });
      if (!weekend && (h === 11 || h === 15)) {
        rec(t, user('ci-deployer'), '52.95.110.2', BOTO, 'sts.amazonaws.com', 'AssumeRole', { roleArn: `arn:aws:iam::${ACCT}:role/deploy`, roleSessionName: 'deploy' });
        for (const [s, nm] of [['wafv2.amazonaws.com', 'GetWebACL'], ['wafv2.amazonaws.com', 'UpdateWebACL'], ['iam.amazonaws.com', 'GetRole'], ['kms.amazonaws.com', 'DescribeKey']]) rec(t + 30_000, role('deploy', 'deploy'), '52.95.110.2', BOTO, s, nm, { Name: 'site-acl', Scope: 'REGIONAL' });
      }
    }
    // A new reporting application goes live on Wednesday: decrypts from its first call.
    if (d >= 2) for (let i = 0; i < 120; i++) rec(T0 + d * DAY + 6 * 3_600_000 + i * 60_000, role('app-reporting', 'i-0fedcba987654321f'), '52.95.110.2', SDK, 'kms.amazonaws.com', i === 0 ? 'DescribeKey' : 'Decrypt', { keyId: KEY(4) });
  }
  // Tuesday: alice onboards a new developer (password reset required) and adds them to the developers group.
  const tue = T0 + DAY + 14 * 3_600_000;
  rec(tue, user('alice'), '203.0.113.10', CLI, 'iam.amazonaws.com', 'CreateUser', { userName: 'dave' });
  rec(tue + 10_000, user('alice'), '203.0.113.10', CLI, 'iam.amazonaws.com', 'CreateLoginProfile', { userName: 'dave', passwordResetRequired: true });
  rec(tue + 20_000, user('alice'), '203.0.113.10', CLI, 'iam.amazonaws.com', 'AddUserToGroup', { groupName: 'developers', userName: 'dave' });
  // Friday: bob creates a KMS key and an alias for the reporting app, and rotates the CI user's access key.
  const fri = T0 + 4 * DAY + 10 * 3_600_000;
  rec(fri, user('bob'), '203.0.113.11', CLI, 'kms.amazonaws.com', 'CreateKey', { keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT', description: 'reporting' });
  rec(fri + 5_000, user('bob'), '203.0.113.11', CLI, 'kms.amazonaws.com', 'CreateAlias', { aliasName: 'alias/reporting', targetKeyId: KEY(4) });
  rec(fri + 60_000, user('bob'), '203.0.113.11', CLI, 'iam.amazonaws.com', 'CreateAccessKey', { userName: 'ci-deployer' });
  rec(fri + 120_000, user('bob'), '203.0.113.11', CLI, 'iam.amazonaws.com', 'UpdateAccessKey', { userName: 'ci-deployer', accessKeyId: 'AKIAOLDKEY', status: 'Inactive' });
  out.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
  return {
    records: out,
    behaviours: [
      'app-reporting: a new application principal that decrypts from its first call (Wed)',
      'bob works from a hotel network in the same country with his usual tools (Thu)',
      'carol starts administering the WAF (new API family) from the office (Wed)',
      'alice onboards a developer: CreateUser, CreateLoginProfile with reset required, AddUserToGroup (Tue)',
      'bob creates a KMS key and alias, and rotates the CI user\'s access key: CreateAccessKey for another user (Fri)',
    ],
  };
}
