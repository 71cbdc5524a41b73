import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_FILES, loadCatalogue } from '../catalogue.js';
import { fakeSources, NOW, passingState, type FakeState } from '../testing.js';
import type { CheckOutcome } from '../types.js';
import { CHECKS } from './index.js';

const catalogue = loadCatalogue(CATALOGUE_FILES, CHECKS);

/** Runs the check of control `id` against a state. */
async function run(id: string, s: FakeState, endpoint?: string, now = NOW): Promise<CheckOutcome> {
  const control = catalogue.find((c) => c.id === id);
  if (!control) throw new Error(`no control ${id}`);
  return CHECKS.get(control.check)!({ sources: fakeSources(s, endpoint), now, control });
}

/** A loopback server answering every request with `status` and `body`. */
async function fakeApi(status: number, body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('every control passes on a well-configured node', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  beforeAll(async () => (api = await fakeApi(403, '{"__type":"MissingAuthenticationTokenException","message":"x"}')));
  afterAll(() => api.close());
  it.each(catalogue.map((c) => c.id))('%s', async (id) => {
    const r = await run(id, passingState(), api.url);
    const expected = ['BULWARK.12', 'IAM.5', 'IAM.6', 'IAM.7', 'IAM.9'].includes(id) ? 'NOT_APPLICABLE' : 'PASS';
    expect({ id, status: r.status, evidence: r.evidence }).toEqual({ id, status: expected, evidence: r.evidence });
  });
});

describe('KMS', () => {
  it('KMS.3 fails for a key pending deletion, with cancel and enable commands', async () => {
    const s = passingState();
    s.kmsKeys[0] = { ...s.kmsKeys[0]!, state: 'PendingDeletion', deletionDate: '2026-12-06T00:00:00.000Z' };
    const r = await run('KMS.3', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands).toEqual(['aws kms cancel-key-deletion --key-id 11111111-2222-3333-4444-555555555555', 'aws kms enable-key --key-id 11111111-2222-3333-4444-555555555555']);
  });
  it('KMS.4 fails without rotation and ignores asymmetric and imported keys', async () => {
    const s = passingState();
    s.kmsKeys[0] = { ...s.kmsKeys[0]!, rotationEnabled: false };
    s.kmsKeys.push({ ...s.kmsKeys[0]!, keyId: 'k2', arn: 'arn:k2', keySpec: 'RSA_2048' }, { ...s.kmsKeys[0]!, keyId: 'k3', arn: 'arn:k3', origin: 'EXTERNAL' });
    const r = await run('KMS.4', s);
    expect(r.status).toBe('FAIL');
    expect(r.resources).toEqual([{ id: s.kmsKeys[0]!.arn, status: 'FAIL', detail: 'automatic rotation disabled' }]);
    expect(r.commands).toEqual(['aws kms enable-key-rotation --key-id 11111111-2222-3333-4444-555555555555']);
  });
  it('KMS.4 is not applicable without keys', async () => {
    const s = passingState();
    s.kmsKeys = [];
    expect((await run('KMS.4', s)).status).toBe('NOT_APPLICABLE');
  });
  it('KMS.5 fails for Principal "*" without a condition, passes with one', async () => {
    const s = passingState();
    const open = { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' };
    s.kmsKeys[0] = { ...s.kmsKeys[0]!, policy: JSON.stringify({ Statement: [open] }) };
    const r = await run('KMS.5', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands?.[0]).toMatch(/^aws kms put-key-policy --key-id 11111111-2222-3333-4444-555555555555 --policy-name default --policy '\{"Version":"2012-10-17"/);
    s.kmsKeys[0] = { ...s.kmsKeys[0]!, policy: JSON.stringify({ Statement: [{ ...open, Condition: { StringEquals: { 'kms:CallerAccount': '000000000000' } } }] }) };
    expect((await run('KMS.5', s)).status).toBe('PASS');
  });
});

describe('IAM', () => {
  const star = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  it('IAM.1 fails for a customer managed "*:*" policy with detach and delete commands; AWS managed ones are out of scope', async () => {
    const s = passingState();
    s.policies.push({ id: 'arn:aws:iam::aws:policy/AdministratorAccess', name: 'AdministratorAccess', kind: 'managed', awsManaged: true, attachedTo: ['group/admins'], document: star });
    expect((await run('IAM.1', s)).status).toBe('PASS');
    s.policies.push({ id: 'arn:aws:iam::000000000000:policy/god', name: 'god', kind: 'managed', awsManaged: false, attachedTo: ['user/bob', 'role/app'], document: star });
    const r = await run('IAM.1', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands).toEqual([
      'aws iam detach-user-policy --user-name bob --policy-arn arn:aws:iam::000000000000:policy/god',
      'aws iam detach-role-policy --role-name app --policy-arn arn:aws:iam::000000000000:policy/god',
      'aws iam delete-policy --policy-arn arn:aws:iam::000000000000:policy/god',
    ]);
  });
  it('IAM.1 catches inline "*" in a list and ignores NotAction', async () => {
    const s = passingState();
    s.policies.push({ id: 'group/ops/all', name: 'all', kind: 'inline', awsManaged: false, attachedTo: ['group/ops'], document: JSON.stringify({ Statement: { Effect: 'Allow', Action: ['s3:Get*', '*'], Resource: ['*'] } }) });
    expect((await run('IAM.1', s)).commands).toEqual(['aws iam delete-group-policy --group-name ops --policy-name all']);
    s.policies[1] = { ...s.policies[1]!, document: JSON.stringify({ Statement: { Effect: 'Allow', NotAction: 'iam:*', Action: '*', Resource: '*' } }) };
    expect((await run('IAM.1', s)).status).toBe('PASS');
  });
  it('IAM.2 fails for policies on users', async () => {
    const s = passingState();
    s.users[0] = { ...s.users[0]!, attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], inlinePolicyNames: ['mine'] };
    const r = await run('IAM.2', s);
    expect(r.commands).toEqual(['aws iam detach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess', 'aws iam delete-user-policy --user-name alice --policy-name mine']);
  });
  it('IAM.3 fails for a key older than 90 days; IAM.8 for one unused 90 days', async () => {
    const s = passingState();
    s.keys[1] = { ...s.keys[1]!, createDate: '2026-08-01T00:00:00Z' };
    expect((await run('IAM.3', s)).status).toBe('FAIL');
    expect((await run('IAM.8', s)).status).toBe('PASS');
    s.keys[1] = { id: 'AKIAALICE00000000001', userName: 'alice', status: 'Active', createDate: '2026-08-01T00:00:00Z' };
    const r = await run('IAM.8', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands).toEqual(['aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive']);
    s.keys[1] = { ...s.keys[1], status: 'Inactive' };
    expect((await run('IAM.8', s)).status).toBe('NOT_APPLICABLE');
  });
  it('IAM.4 fails while the root key is active and names it in the deactivation command', async () => {
    const s = passingState();
    s.keys[0] = { ...s.keys[0]!, status: 'Active', lastUsedDate: '2026-11-29T11:00:00Z' };
    const r = await run('IAM.4', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands?.at(-1)).toBe('aws iam update-access-key --access-key-id AKIAROOT0000000000001 --status Inactive');
    expect(r.resources).toEqual([{ id: 'AKIAROOT0000000000001', status: 'FAIL', detail: 'Active, last used 2026-11-29T11:00:00Z' }]);
  });
  it('IAM.5/6/7/9 are not applicable without console sign-in, and check MFA devices when a provider exists', async () => {
    const s = passingState();
    for (const id of ['IAM.5', 'IAM.6', 'IAM.7', 'IAM.9']) expect((await run(id, s)).evidence).toMatch(/no console sign-in/);
    const src = { ...fakeSources(s), iamMfaDevices: async () => [{ userName: 'root', serial: 'arn:mfa/root', hardware: false }] };
    const control = catalogue.find((c) => c.id === 'IAM.6')!;
    expect((await CHECKS.get(control.check)!({ sources: src, now: NOW, control })).status).toBe('FAIL');
    const c9 = catalogue.find((c) => c.id === 'IAM.9')!;
    expect((await CHECKS.get(c9.check)!({ sources: src, now: NOW, control: c9 })).status).toBe('PASS');
  });
});

describe('CloudTrail', () => {
  it('CloudTrail.1 fails without trails (with create commands) and when the only trail is stopped', async () => {
    const s = passingState();
    s.trails = [];
    const r = await run('CloudTrail.1', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands).toEqual(['mkdir -p -m 700 /data/buckets/audit', 'aws cloudtrail create-trail --name main --s3-bucket-name audit --enable-log-file-validation', 'aws cloudtrail start-logging --name main']);
    s.trails = [{ ...passingState().trails[0]!, isLogging: false }];
    expect((await run('CloudTrail.1', s)).commands).toEqual(['aws cloudtrail start-logging --name main']);
  });
  it('CloudTrail.2 fails for a group-readable or missing bucket directory', async () => {
    const s = passingState();
    s.trails[0] = { ...s.trails[0]!, bucketMode: 0o755 };
    expect((await run('CloudTrail.2', s)).commands).toEqual(['chmod -R go-rwx /data/buckets/audit']);
    const { bucketMode: _m, ...rest } = s.trails[0];
    s.trails[0] = rest;
    expect((await run('CloudTrail.2', s)).commands).toEqual(['mkdir -p -m 700 /data/buckets/audit']);
  });
  it('CloudTrail.4 fails without log file validation; CloudTrail.5 on a delivery error', async () => {
    const s = passingState();
    s.trails[0] = { ...s.trails[0]!, logFileValidationEnabled: false, latestDeliveryError: 'EACCES' };
    expect((await run('CloudTrail.4', s)).commands).toEqual(['aws cloudtrail update-trail --name main --enable-log-file-validation']);
    const r = await run('CloudTrail.5', s);
    expect(r.status).toBe('FAIL');
    expect(r.resources?.[0]?.detail).toBe('EACCES');
  });
});

describe('WAF', () => {
  it('WAF.10 fails for an empty web ACL, keeping its default action', async () => {
    const s = passingState();
    s.webAcls[0] = { ...s.webAcls[0]!, ruleNames: [], defaultAction: 'Block' };
    const r = await run('WAF.10', s);
    expect(r.status).toBe('FAIL');
    expect(r.commands?.[0]).toContain('aws wafv2 update-web-acl --name shop-acl --scope REGIONAL --id a1b2c3 --lock-token "$(aws wafv2 get-web-acl --name shop-acl --scope REGIONAL --id a1b2c3 --query LockToken --output text)" --default-action Block={}');
  });
  it('WAF.11 fails without logging; WAF.12 with a rule lacking metrics', async () => {
    const s = passingState();
    s.webAcls[0] = { ...s.webAcls[0]!, loggingEnabled: false, rulesWithoutMetrics: ['common'] };
    expect((await run('WAF.11', s)).commands).toEqual([
      'aws wafv2 put-logging-configuration --logging-configuration ResourceArn=arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop-acl/a1b2c3,LogDestinationConfigs=arn:aws:s3:::aws-waf-logs-shop-acl',
    ]);
    const r = await run('WAF.12', s);
    expect(r.resources?.[0]?.detail).toBe('metrics disabled: common');
  });
  it('BULWARK.10 fails for a site without a web ACL and associates the only one', async () => {
    const s = passingState();
    const { webAclArn: _a, ...site } = s.sites[0]!;
    s.sites[0] = site;
    const r = await run('BULWARK.10', s);
    expect(r.commands).toEqual([`aws wafv2 associate-web-acl --web-acl-arn ${s.webAcls[0]!.arn} --resource-arn ${site.arn}`]);
    s.webAcls = [];
    expect((await run('BULWARK.10', s)).commands?.[0]).toMatch(/^aws wafv2 create-web-acl --name shop-acl /);
  });
});

describe('Shield and GuardDuty', () => {
  it('report NOT_APPLICABLE when the service is not in the build', async () => {
    const s = passingState();
    delete s.shield;
    delete s.guardDuty;
    expect(await run('BULWARK.9', s)).toEqual({ status: 'NOT_APPLICABLE', evidence: 'service not available in this build' });
    expect(await run('GuardDuty.1', s)).toEqual({ status: 'NOT_APPLICABLE', evidence: 'service not available in this build' });
  });
  it('fail for an unprotected site and a missing or disabled detector', async () => {
    const s = passingState();
    s.shield = [];
    expect((await run('BULWARK.9', s)).commands).toEqual(['aws shield create-protection --name shop --resource-arn arn:aws:bulwark:us-east-1:000000000000:site/shop']);
    s.guardDuty = [];
    expect((await run('GuardDuty.1', s)).commands).toEqual(['aws guardduty create-detector --enable']);
    s.guardDuty = [{ id: 'd1', status: 'DISABLED' }];
    expect((await run('GuardDuty.1', s)).commands).toEqual(['aws guardduty update-detector --detector-id d1 --enable']);
  });
});

describe('configuration', () => {
  it('BULWARK.6 fails for plain HTTP off loopback and is not applicable on loopback', async () => {
    const s = passingState();
    s.config = { ...s.config, listeners: [{ name: 'api', host: '0.0.0.0', port: 4599, tls: false }] };
    expect((await run('BULWARK.6', s)).status).toBe('FAIL');
    s.config = { ...s.config, listeners: [{ name: 'api', host: '127.0.0.1', port: 4599, tls: false }] };
    expect((await run('BULWARK.6', s)).status).toBe('NOT_APPLICABLE');
  });
  it('BULWARK.7 fails with the dev seal', async () => {
    const s = passingState();
    s.config = { ...s.config, sealType: 'dev' };
    expect((await run('BULWARK.7', s)).status).toBe('FAIL');
  });
  it('BULWARK.8 fails without a backups section, with an empty directory and with a stale backup', async () => {
    const s = passingState();
    const { backups: _b, ...noBackups } = s.config;
    s.config = noBackups;
    expect((await run('BULWARK.8', s)).evidence).toBe('no backups section in the config file');
    s.config = { ...noBackups, backups: { path: '/b', maxAgeHours: 26 } };
    expect((await run('BULWARK.8', s)).evidence).toBe('no backup file in /b');
    s.config = { ...noBackups, backups: { path: '/b', maxAgeHours: 26, newestBackupTime: '2026-11-27T00:00:00Z' } };
    expect((await run('BULWARK.8', s)).evidence).toBe('newest backup in /b is 60 hours old (limit 26)');
    s.config = { ...noBackups, backupsInvalid: 'path: Required' };
    expect(await run('BULWARK.8', s)).toEqual({ status: 'ERROR', evidence: "the config file's backups section is invalid: path: Required" });
  });
});

describe('platform self-tests', () => {
  it('BULWARK.1 and BULWARK.2 fail when the barrier stores plaintext', async () => {
    const s = passingState();
    s.encrypt = (b) => Buffer.from(b);
    s.physical.set('iam/access-keys/AKIAALICE00000000001', Buffer.from('{"id":"AKIAALICE00000000001","secret":"s3cr3t-value-xyz"}'));
    expect((await run('BULWARK.1', s)).status).toBe('FAIL');
    const r = await run('BULWARK.2', s);
    expect(r.status).toBe('FAIL');
    expect(r.resources).toEqual([{ id: 'iam/access-keys/AKIAALICE00000000001', status: 'FAIL', detail: 'physical row contains its plaintext' }]);
  });
  it('BULWARK.1 removes its canary', async () => {
    const s = passingState();
    await run('BULWARK.1', s);
    expect([...s.physical.keys()].filter((k) => k.startsWith('posture/'))).toEqual([]);
  });
  it('BULWARK.3 fails when a route answers an unsigned request', async () => {
    const open = await fakeApi(200, '{}');
    try {
      const r = await run('BULWARK.3', passingState(), open.url);
      expect(r.status).toBe('FAIL');
      expect(r.resources?.every((x) => x.status === 'FAIL' && x.detail === 'HTTP 200')).toBe(true);
    } finally {
      await open.close();
    }
  });
  it('BULWARK.4 fails when a trail does not validate; not applicable without digests', async () => {
    const s = passingState();
    s.validations.set('main', { ok: false, summary: 'Results: 1 digest file INVALID' });
    expect((await run('BULWARK.4', s)).commands).toEqual(['bulwark trail validate --trail main --verbose']);
    s.trails[0] = { ...s.trails[0]!, hasDigest: false };
    expect((await run('BULWARK.4', s)).status).toBe('NOT_APPLICABLE');
  });
  it('BULWARK.5 fails past end of life and outside engines', async () => {
    const s = passingState();
    s.nodeVersion = 'v20.20.2';
    expect((await run('BULWARK.5', s)).evidence).toBe('Node.js v20.20.2: the 20.x line reached end of life on 2026-04-30 and gets no security fixes');
    expect((await run('BULWARK.5', s, undefined, new Date('2026-01-01T00:00:00Z'))).status).toBe('PASS');
    s.nodeVersion = 'v20.11.0';
    expect((await run('BULWARK.5', s, undefined, new Date('2026-01-01T00:00:00Z'))).status).toBe('FAIL');
  });
  it('BULWARK.11 fails when the last periodic run is older than two intervals', async () => {
    const s = passingState();
    s.monitor = { lastRun: new Date('2026-11-29T11:00:00Z'), intervalMs: 300_000, startedAt: new Date('2026-11-29T10:00:00Z') };
    expect((await run('BULWARK.11', s)).status).toBe('FAIL');
  });
});
