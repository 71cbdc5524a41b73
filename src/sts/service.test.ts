import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.js';
import { IamStore, iamService } from '../iam/index.js';
import { call, rootPrincipal } from '../iam/testing.js';
import type { Principal } from '../iam/index.js';
import type { ServiceDefinition } from '../http/service.js';
import { stsService } from './service.js';

const ACCT = '123456789012';
const doc = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/app/Deploy`;

let now: Date;
let store: IamStore;
let sts: ServiceDefinition;
let iam: ServiceDefinition;
let root: Principal;
let alice: Principal;

interface AssumeOut {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
}

async function principalOf(accessKeyId: string): Promise<Principal> {
  return (await store.resolveCredential(accessKeyId))!.principal;
}

beforeEach(async () => {
  now = new Date('2030-01-01T00:00:00Z');
  store = new IamStore(new MemoryBackend(), { accountId: ACCT, now: () => now });
  await store.load();
  sts = stsService(store);
  iam = iamService(store);
  root = rootPrincipal(store);
  const u = await store.createUser('alice', '/', [{ Key: 'dept', Value: 'eng' }]);
  alice = await principalOf((await store.createAccessKey(u.id)).id);
  await store.createRole({
    name: 'Deploy', path: '/app/', maxSessionDuration: 7200, tags: [{ Key: 'env', Value: 'prod' }],
    trustPolicy: doc([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } },
    ]),
  });
  await store.putInlinePolicy('role', 'Deploy', 'all', doc([{ Effect: 'Allow', Action: ['iam:*', 's3:*'], Resource: '*' }]));
});

describe('stsService', () => {
  it('GetCallerIdentity for root, user and role session', async () => {
    expect(sts.operations.GetCallerIdentity?.authorization).toBe('none');
    expect(await call(sts, store, root, 'GetCallerIdentity')).toEqual({ UserId: ACCT, Account: ACCT, Arn: `arn:aws:iam::${ACCT}:root` });
    expect(await call(sts, store, alice, 'GetCallerIdentity')).toEqual({ UserId: store.getUser('alice')!.id, Account: ACCT, Arn: `arn:aws:iam::${ACCT}:user/alice` });
    const out = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1' })) as unknown as AssumeOut;
    const session = await principalOf(out.Credentials.AccessKeyId);
    const roleId = store.getRole('Deploy')!.id;
    expect(await call(sts, store, session, 'GetCallerIdentity')).toEqual({ UserId: `${roleId}:ci`, Account: ACCT, Arn: `arn:aws:sts::${ACCT}:assumed-role/Deploy/ci` });
  });

  it('AssumeRole issues ASIA credentials when the trust policy allows the caller', async () => {
    const out = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', DurationSeconds: 1800 })) as unknown as AssumeOut;
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials.SessionToken).toMatch(/^IQoJb3JpZ2luX2Vj[A-Za-z0-9+/=]{160,}$/);
    expect(out.Credentials.Expiration).toEqual(new Date('2030-01-01T00:30:00Z'));
    const roleId = store.getRole('Deploy')!.id;
    expect(out.AssumedRoleUser).toEqual({ AssumedRoleId: `${roleId}:ci`, Arn: `arn:aws:sts::${ACCT}:assumed-role/Deploy/ci` });
    expect(out.PackedPolicySize).toBeUndefined();
    const cred = await store.resolveCredential(out.Credentials.AccessKeyId);
    expect(cred?.sessionToken).toBe(out.Credentials.SessionToken);
    expect(cred?.principal).toMatchObject({ type: 'AssumedRole', roleArn: ROLE_ARN, roleName: 'Deploy', sessionName: 'ci', temporary: true, tags: { env: 'prod' } });
    expect(cred?.principal.tokenIssueTime).toEqual(now);
    expect(sts.operations.AssumeRole?.hideResponse).toBe(true);
  });

  it('AssumeRole is denied without the trust policy allowing it, for root, and for unknown roles', async () => {
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci' })).rejects.toMatchObject({ code: 'AccessDenied' }); // no ExternalId
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'wrong' })).rejects.toMatchObject({ code: 'AccessDenied' });
    const bob = await store.createUser('bob');
    const bobP = await principalOf((await store.createAccessKey(bob.id)).id);
    await expect(call(sts, store, bobP, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1' })).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(call(sts, store, root, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci' })).rejects.toMatchObject({ code: 'AccessDenied', message: 'Roles may not be assumed by root accounts.' });
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCT}:role/Nope`, RoleSessionName: 'ci' })).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCT}:role/Deploy`, RoleSessionName: 'ci', ExternalId: 'ext-1' })).rejects.toMatchObject({ code: 'AccessDenied' }); // wrong path
  });

  it('a trust policy naming the account defers to identity policies', async () => {
    await store.createRole({ name: 'Acct', trustPolicy: doc([{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }]) });
    const arn = `arn:aws:iam::${ACCT}:role/Acct`;
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: arn, RoleSessionName: 's1' })).rejects.toMatchObject({ code: 'AccessDenied' });
    await store.putInlinePolicy('user', 'alice', 'assume', doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn }]));
    await call(sts, store, alice, 'AssumeRole', { RoleArn: arn, RoleSessionName: 's1' });
  });

  it('validates DurationSeconds against MaxSessionDuration and role chaining', async () => {
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', DurationSeconds: 7201 }))
      .rejects.toMatchObject({ code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'bad name', ExternalId: 'ext-1' })).rejects.toMatchObject({ code: 'ValidationError' });
    // Chaining: the role may assume itself when its trust policy allows the role.
    await store.updateRole('Deploy', { trustPolicy: doc([{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCT}:user/alice`, ROLE_ARN] }, Action: 'sts:AssumeRole' }]) });
    const first = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'one', DurationSeconds: 7200 })) as unknown as AssumeOut;
    const session = await principalOf(first.Credentials.AccessKeyId);
    await expect(call(sts, store, session, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'two', DurationSeconds: 3601 }))
      .rejects.toMatchObject({ code: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' });
    await call(sts, store, session, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'two' });
  });

  it('session policies intersect with the role policies; malformed and oversized ones are rejected', async () => {
    const onlyIamList = doc([{ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }]);
    const out = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', Policy: onlyIamList })) as unknown as AssumeOut;
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThan(100);
    const session = await principalOf(out.Credentials.AccessKeyId);
    const pol = await store.policiesFor(session);
    expect(pol.session.map((p) => p.text)).toEqual([onlyIamList]);
    await call(iam, store, session, 'ListUsers');
    await expect(call(iam, store, session, 'CreateUser', { UserName: 'x' })).rejects.toMatchObject({ code: 'AccessDenied' });

    const mp = await store.createPolicy({ name: 'S3Only', document: doc([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]) });
    const out2 = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci2', ExternalId: 'ext-1', PolicyArns: [{ arn: mp.arn }] })) as unknown as AssumeOut;
    const s2 = await principalOf(out2.Credentials.AccessKeyId);
    await expect(call(iam, store, s2, 'ListUsers')).rejects.toMatchObject({ code: 'AccessDenied' });

    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}' }))
      .rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
    const arns = Array.from({ length: 11 }, () => ({ arn: mp.arn }));
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', PolicyArns: arns })).rejects.toMatchObject({ code: 'ValidationError' });
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: randomBytes(64).toString('hex') }));
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', Tags: tags })).rejects.toMatchObject({ code: 'PackedPolicyTooLarge' });
  });

  it('session tags overlay role tags and need sts:TagSession', async () => {
    const out = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'who', Value: 'alice' }] })) as unknown as AssumeOut;
    expect((await principalOf(out.Credentials.AccessKeyId)).tags).toEqual({ env: 'dev', who: 'alice' });
    await store.updateRole('Deploy', { trustPolicy: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 'sts:AssumeRole' }]) });
    await expect(call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', Tags: [{ Key: 'a', Value: 'b' }] })).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('expired role sessions carry their expiration, then stop resolving after a day', async () => {
    const out = (await call(sts, store, alice, 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: 'ci', ExternalId: 'ext-1', DurationSeconds: 900 })) as unknown as AssumeOut;
    expect(await store.resolveCredential(out.Credentials.AccessKeyId)).toBeDefined();
    now = new Date(now.getTime() + 900_000);
    expect((await store.resolveCredential(out.Credentials.AccessKeyId))?.expiration?.getTime()).toBeLessThanOrEqual(now.getTime());
    now = new Date(now.getTime() + 24 * 3600_000);
    expect(await store.resolveCredential(out.Credentials.AccessKeyId)).toBeUndefined();
  });

  it('GetSessionToken for users and root; refused with session credentials', async () => {
    const u = (await call(sts, store, alice, 'GetSessionToken')) as unknown as AssumeOut;
    expect(u.Credentials.Expiration).toEqual(new Date(now.getTime() + 43200_000));
    const up = await principalOf(u.Credentials.AccessKeyId);
    expect(up).toMatchObject({ type: 'IAMUser', userName: 'alice', arn: alice.arn, principalId: alice.principalId, temporary: true, tags: { dept: 'eng' } });
    expect(await call(sts, store, up, 'GetCallerIdentity')).toEqual({ UserId: alice.principalId, Account: ACCT, Arn: alice.arn });
    await expect(call(sts, store, up, 'GetSessionToken')).rejects.toMatchObject({ code: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials' });
    const r = (await call(sts, store, root, 'GetSessionToken', { DurationSeconds: 7200 })) as unknown as AssumeOut;
    expect(r.Credentials.Expiration).toEqual(new Date(now.getTime() + 3600_000));
    expect(await principalOf(r.Credentials.AccessKeyId)).toMatchObject({ type: 'Root', temporary: true, arn: `arn:aws:iam::${ACCT}:root` });
    // User sessions carry the user's current policies.
    await store.putInlinePolicy('user', 'alice', 'p', doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]));
    await call(iam, store, up, 'ListUsers');
  });

  it('sessions survive a restart (new IamStore on the same KV)', async () => {
    const kv = new MemoryBackend();
    const s1 = new IamStore(kv, { accountId: ACCT, now: () => now });
    await s1.load();
    const u = await s1.createUser('carol');
    const p = (await s1.resolveCredential((await s1.createAccessKey(u.id)).id))!.principal;
    const out = (await call(stsService(s1), s1, p, 'GetSessionToken', { DurationSeconds: 900 })) as unknown as AssumeOut;
    const s2 = new IamStore(kv, { accountId: ACCT, now: () => now });
    await s2.load();
    const c = await s2.resolveCredential(out.Credentials.AccessKeyId);
    expect(c?.sessionToken).toBe(out.Credentials.SessionToken);
    expect(c?.principal).toMatchObject({ type: 'IAMUser', userName: 'carol', temporary: true });
  });
});
