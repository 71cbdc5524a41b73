import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.js';
import { IamStore } from './store.js';
import type { AwsError } from '../errors/index.js';

const ACCT = '123456789012';
const ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
const TRUST_ACCOUNT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });

async function fresh(kv = new MemoryBackend(), now?: () => Date): Promise<IamStore> {
  const s = new IamStore(kv, { accountId: ACCT, ...(now ? { now } : {}) });
  await s.load();
  return s;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as AwsError).code;
  }
  return 'no error';
}

describe('IamStore', () => {
  it('creates users with IAM-shaped ids and ARNs; names clash case-insensitively', async () => {
    const s = await fresh();
    const u = await s.createUser('alice', '/eng/');
    expect(u.id).toMatch(/^AIDA[A-Z2-7]{16}$/);
    expect(s.arn('user', u.path, u.name)).toBe(`arn:aws:iam::${ACCT}:user/eng/alice`);
    await expect(s.createUser('ALICE')).rejects.toMatchObject({ code: 'EntityAlreadyExists', message: 'User with name ALICE already exists.' });
    expect(s.getUser('Alice')?.id).toBe(u.id);
    await expect(s.deleteUser('bob')).rejects.toMatchObject({ code: 'NoSuchEntity', message: 'The user with name bob cannot be found.' });
  });

  it('limits access keys to 2 per user and resolves only Active keys', async () => {
    const s = await fresh();
    const u = await s.createUser('alice', '/', [{ Key: 'team', Value: 'red' }]);
    const k1 = await s.createAccessKey(u.id);
    expect(k1.id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k1.secret).toHaveLength(40);
    await s.createAccessKey(u.id);
    await expect(s.createAccessKey(u.id)).rejects.toMatchObject({ code: 'LimitExceeded', message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
    const r = await s.resolveCredential(k1.id);
    expect(r?.secretAccessKey).toBe(k1.secret);
    expect(r?.principal).toMatchObject({ type: 'IAMUser', userName: 'alice', principalId: u.id, arn: `arn:aws:iam::${ACCT}:user/alice`, temporary: false, tags: { team: 'red' } });
    await s.updateAccessKey(u.id, k1.id, 'Inactive');
    expect(await s.resolveCredential(k1.id)).toBeUndefined();
    expect(await s.resolveCredential('AKIAUNKNOWN000000000')).toBeUndefined();
  });

  it('deleting a user conflicts while it has keys, policies or groups', async () => {
    const s = await fresh();
    const u = await s.createUser('alice');
    const k = await s.createAccessKey(u.id);
    expect(await code(s.deleteUser('alice'))).toBe('DeleteConflict');
    await s.deleteAccessKey(u.id, k.id);
    await s.putInlinePolicy('user', 'alice', 'p', ALLOW_ALL);
    await expect(s.deleteUser('alice')).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete entity, must delete policies first.' });
    await s.deleteInlinePolicy('user', 'alice', 'p');
    await s.createGroup('devs');
    await s.addUserToGroup('devs', 'alice');
    expect(await code(s.deleteUser('alice'))).toBe('DeleteConflict');
    expect(await code(s.deleteGroup('devs'))).toBe('DeleteConflict');
    await s.removeUserFromGroup('devs', 'alice');
    await s.deleteUser('alice');
    await s.deleteGroup('devs');
    expect(s.getUser('alice')).toBeUndefined();
  });

  it('enforces 5 versions per policy, 10 attached policies and inline size limits', async () => {
    const s = await fresh();
    const p = await s.createPolicy({ name: 'p0', document: ALLOW_ALL });
    expect(p.arn).toBe(`arn:aws:iam::${ACCT}:policy/p0`);
    expect(p.id).toMatch(/^ANPA/);
    for (let i = 0; i < 4; i++) await s.createPolicyVersion(p.arn, ALLOW_ALL, false);
    expect(await code(s.createPolicyVersion(p.arn, ALLOW_ALL, false))).toBe('LimitExceeded');
    await s.deletePolicyVersion(p.arn, 'v2');
    const v = await s.createPolicyVersion(p.arn, ALLOW_ALL, true);
    expect(v.id).toBe('v6');
    expect(s.getPolicy(p.arn)?.defaultVersion).toBe('v6');
    await expect(s.deletePolicyVersion(p.arn, 'v6')).rejects.toMatchObject({ code: 'DeleteConflict' });

    await s.createRole({ name: 'r', trustPolicy: TRUST_ACCOUNT });
    for (let i = 1; i <= 10; i++) {
      const q = await s.createPolicy({ name: `p${i}`, document: ALLOW_ALL });
      if (i <= 10) await s.attachPolicy('role', 'r', q.arn);
    }
    const extra = await s.createPolicy({ name: 'p11', document: ALLOW_ALL });
    await expect(s.attachPolicy('role', 'r', extra.arn)).rejects.toMatchObject({ code: 'LimitExceeded', message: 'Cannot exceed quota for PoliciesPerRole: 10' });
    await expect(s.deletePolicy(`arn:aws:iam::${ACCT}:policy/p1`)).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.' });

    await s.createUser('alice');
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(2100)}` }] });
    await expect(s.putInlinePolicy('user', 'alice', 'big', big)).rejects.toMatchObject({ code: 'LimitExceeded' });
    await s.putInlinePolicy('role', 'r', 'big', big); // roles allow 10240
    await expect(s.putInlinePolicy('user', 'alice', 'bad', '{"Statement":[]')).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
  });

  it('policiesFor includes group policies and the boundary, and reflects changes', async () => {
    const s = await fresh();
    const u = await s.createUser('alice');
    const k = await s.createAccessKey(u.id);
    const principal = (await s.resolveCredential(k.id))!.principal;
    expect((await s.policiesFor(principal)).identity).toHaveLength(0);
    await s.createGroup('g');
    await s.addUserToGroup('g', 'alice');
    await s.putInlinePolicy('group', 'g', 'gp', ALLOW_ALL);
    const bp = await s.createPolicy({ name: 'boundary', document: ALLOW_ALL });
    await s.setUserBoundary('alice', bp.arn);
    const pol = await s.policiesFor(principal);
    expect(pol.identity.map((p) => p.source)).toEqual(['inline:group:g:gp']);
    expect(pol.boundary?.source).toBe(bp.arn);
    expect(await s.policiesFor(principal)).toBe(pol); // cached
  });

  it('ensureRootAccessKey is idempotent and honours configured keys', async () => {
    const kv = new MemoryBackend();
    const s = await fresh(kv);
    const a = await s.ensureRootAccessKey();
    expect(a.created).toBe(true);
    expect(a.accessKeyId).toMatch(/^AKIA/);
    const b = await s.ensureRootAccessKey();
    expect(b).toEqual({ ...a, created: false });
    const r = await s.resolveCredential(a.accessKeyId);
    expect(r?.principal).toMatchObject({ type: 'Root', principalId: ACCT, arn: `arn:aws:iam::${ACCT}:root` });

    const given = { accessKeyId: 'AKIAEXAMPLEEXAMPLE22', secretAccessKey: 'x'.repeat(40) };
    expect(await s.ensureRootAccessKey(given)).toEqual({ ...given, created: true });
    expect(await s.resolveCredential(a.accessKeyId)).toBeUndefined(); // bootstrap key replaced
    expect(await s.ensureRootAccessKey(given)).toEqual({ ...given, created: false });
    const changed = { ...given, secretAccessKey: 'y'.repeat(40) };
    expect(await s.ensureRootAccessKey(changed)).toEqual({ ...changed, created: false });
    expect((await s.resolveCredential(given.accessKeyId))?.secretAccessKey).toBe('y'.repeat(40));
  });

  it('persists identities and sessions across instances on the same KV', async () => {
    const kv = new MemoryBackend();
    const s = await fresh(kv);
    const u = await s.createUser('alice', '/p/', [{ Key: 'k', Value: 'v' }]);
    const k = await s.createAccessKey(u.id);
    const role = await s.createRole({ name: 'Admin', trustPolicy: TRUST_ACCOUNT, maxSessionDuration: 7200 });
    const pol = await s.createPolicy({ name: 'pol', document: ALLOW_ALL });
    await s.attachPolicy('role', 'Admin', pol.arn);
    const creds = await s.createRoleSession({ role, sessionName: 'sess', durationSeconds: 900, tags: {}, transitiveTagKeys: [], sessionPolicies: [], chained: false, issuerArn: 'x' });

    const t = await fresh(kv);
    expect(t.getUser('ALICE')).toEqual(u);
    expect((await t.resolveCredential(k.id))?.secretAccessKey).toBe(k.secret);
    expect(t.getRole('admin')?.attached).toEqual([pol.arn]);
    const rc = await t.resolveCredential(creds.accessKeyId);
    expect(rc?.sessionToken).toBe(creds.sessionToken);
    expect(rc?.principal).toMatchObject({ type: 'AssumedRole', principalId: `${role.id}:sess`, arn: `arn:aws:sts::${ACCT}:assumed-role/Admin/sess`, temporary: true });
    expect((await t.policiesFor(rc!.principal)).identity.map((p) => p.source)).toEqual([pol.arn]);
    // Secrets never appear in plaintext outside the barrier-protected value (the KV here is the barrier).
    expect((await kv.list('sts/sessions/'))).toEqual([`sts/sessions/${creds.accessKeyId}`]);
  });

  it('keeps expired sessions resolvable (for ExpiredToken) for a day, then purges them', async () => {
    const kv = new MemoryBackend();
    let now = new Date('2030-01-01T00:00:00Z');
    const s = await fresh(kv, () => now);
    const role = await s.createRole({ name: 'r', trustPolicy: TRUST_ACCOUNT });
    const c = await s.createRoleSession({ role, sessionName: 's1', durationSeconds: 900, tags: {}, transitiveTagKeys: [], sessionPolicies: [], chained: false, issuerArn: 'x' });
    expect(c.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.sessionToken.length).toBeGreaterThan(128);
    expect(c.expiration.toISOString()).toBe('2030-01-01T00:15:00.000Z');
    expect(await s.resolveCredential(c.accessKeyId)).toBeDefined();
    now = new Date('2030-01-01T00:15:00Z');
    // Expired, but still known: the SigV4 layer answers ExpiredToken from its expiration.
    expect((await s.resolveCredential(c.accessKeyId))?.expiration?.toISOString()).toBe('2030-01-01T00:15:00.000Z');
    now = new Date('2030-01-02T00:15:00Z');
    expect(await s.resolveCredential(c.accessKeyId)).toBeUndefined();
    const t = await fresh(kv, () => now);
    expect(await t.resolveCredential(c.accessKeyId)).toBeUndefined();
    expect(await kv.list('sts/sessions/')).toEqual([]);
  });

  it('session policies are compiled into policiesFor().session', async () => {
    const s = await fresh();
    const role = await s.createRole({ name: 'r', trustPolicy: TRUST_ACCOUNT });
    await s.putInlinePolicy('role', 'r', 'all', ALLOW_ALL);
    const sp = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}';
    const c = await s.createRoleSession({ role, sessionName: 's', durationSeconds: 900, tags: { a: 'b' }, transitiveTagKeys: [], sessionPolicies: [sp], chained: false, issuerArn: 'x' });
    const p = (await s.resolveCredential(c.accessKeyId))!.principal;
    expect(p.tags).toEqual({ a: 'b' });
    const pol = await s.policiesFor(p);
    expect(pol.identity).toHaveLength(1);
    expect(pol.session.map((x) => x.text)).toEqual([sp]);
  });
});
