import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.js';
import { IamStore } from './store.js';
import { encodePolicyDocument, iamService } from './service.js';
import { call, fakeContext, rootPrincipal } from './testing.js';
import type { Principal } from './principal.js';
import type { ServiceDefinition } from '../http/service.js';

const ACCT = '123456789012';
const doc = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALLOW_ALL = doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]);

let store: IamStore;
let svc: ServiceDefinition;
let root: Principal;
const asRoot = (op: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> => call(svc, store, root, op, input);

async function userPrincipal(name: string): Promise<Principal> {
  const u = store.getUser(name)!;
  const k = store.listAccessKeys(u.id)[0] ?? (await store.createAccessKey(u.id));
  return (await store.resolveCredential(k.id))!.principal;
}

beforeEach(async () => {
  store = new IamStore(new MemoryBackend(), { accountId: ACCT });
  await store.load();
  svc = iamService(store);
  root = rootPrincipal(store);
});

describe('iamService', () => {
  it('declares the model, event source and handler metadata', () => {
    expect(svc.name).toBe('iam');
    expect(svc.eventSource).toBe('iam.amazonaws.com');
    for (const op of Object.keys(svc.operations)) expect(svc.model.operations[op], op).toBeDefined();
    expect(svc.operations.CreateAccessKey?.hideResponse).toBe(true);
    expect(svc.operations.CreateUser?.readOnly).toBe(false);
    expect(svc.operations.ListUsers?.readOnly).toBe(true);
    expect(svc.operations.CreateUser?.resources?.({ UserName: 'bob', Path: '/x/' }, fakeContext(store, root))).toEqual([`arn:aws:iam::${ACCT}:user/x/bob`]);
  });

  it('user lifecycle: create, get, list with pagination, update, delete', async () => {
    const out = await asRoot('CreateUser', { UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'red' }] });
    expect(out.User).toMatchObject({ UserName: 'alice', Path: '/eng/', Arn: `arn:aws:iam::${ACCT}:user/eng/alice`, Tags: [{ Key: 'team', Value: 'red' }] });
    expect((out.User as { CreateDate: unknown }).CreateDate).toBeInstanceOf(Date);
    await expect(asRoot('CreateUser', { UserName: 'Alice' })).rejects.toMatchObject({ code: 'EntityAlreadyExists', message: 'User with name Alice already exists.' });
    for (const n of ['bob', 'carol', 'dave']) await asRoot('CreateUser', { UserName: n });
    const p1 = await asRoot('ListUsers', { MaxItems: 2 });
    expect((p1.Users as { UserName: string }[]).map((u) => u.UserName)).toEqual(['alice', 'bob']);
    expect(p1.IsTruncated).toBe(true);
    const p2 = await asRoot('ListUsers', { MaxItems: 2, Marker: p1.Marker });
    expect((p2.Users as { UserName: string }[]).map((u) => u.UserName)).toEqual(['carol', 'dave']);
    expect(p2.IsTruncated).toBe(false);
    expect(((await asRoot('ListUsers', { PathPrefix: '/eng/' })).Users as unknown[]).length).toBe(1);
    await asRoot('UpdateUser', { UserName: 'bob', NewUserName: 'robert' });
    expect(((await asRoot('GetUser', { UserName: 'ROBERT' })).User as { UserName: string }).UserName).toBe('robert');
    await asRoot('DeleteUser', { UserName: 'robert' });
    await expect(asRoot('GetUser', { UserName: 'robert' })).rejects.toMatchObject({ code: 'NoSuchEntity', message: 'The user with name robert cannot be found.' });
  });

  it('GetUser without a name returns the caller, or the root user as AWS shows it', async () => {
    expect((await asRoot('GetUser')).User).toEqual({ UserId: ACCT, Arn: `arn:aws:iam::${ACCT}:root`, CreateDate: store.accountCreateDate });
    await asRoot('CreateUser', { UserName: 'alice' });
    await asRoot('PutUserPolicy', { UserName: 'alice', PolicyName: 'self', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:GetUser', Resource: `arn:aws:iam::${ACCT}:user/alice` }]) });
    const alice = await userPrincipal('alice');
    expect(((await call(svc, store, alice, 'GetUser')).User as { UserName: string }).UserName).toBe('alice');
    await expect(call(svc, store, alice, 'GetUser', { UserName: 'other' })).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('access keys: create for self/root, 2-key limit, list, update, delete, last used', async () => {
    const rk = await asRoot('CreateAccessKey');
    expect(rk.AccessKey).toMatchObject({ Status: 'Active' });
    expect((rk.AccessKey as Record<string, unknown>).UserName).toBeUndefined();
    await asRoot('CreateUser', { UserName: 'alice' });
    const k1 = (await asRoot('CreateAccessKey', { UserName: 'alice' })).AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    expect(k1.SecretAccessKey).toHaveLength(40);
    await asRoot('CreateAccessKey', { UserName: 'alice' });
    await expect(asRoot('CreateAccessKey', { UserName: 'alice' })).rejects.toMatchObject({ code: 'LimitExceeded', message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
    const list = await asRoot('ListAccessKeys', { UserName: 'alice' });
    expect((list.AccessKeyMetadata as { UserName: string }[]).map((k) => k.UserName)).toEqual(['alice', 'alice']);
    await asRoot('UpdateAccessKey', { UserName: 'alice', AccessKeyId: k1.AccessKeyId, Status: 'Inactive' });
    expect(await store.resolveCredential(k1.AccessKeyId)).toBeUndefined();
    await expect(asRoot('DeleteUser', { UserName: 'alice' })).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete entity, must delete access keys first.' });
    expect(await asRoot('GetAccessKeyLastUsed', { AccessKeyId: k1.AccessKeyId })).toEqual({ UserName: 'alice', AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    store.recordAccessKeyUse(k1.AccessKeyId, 'iam', 'us-east-1');
    expect(((await asRoot('GetAccessKeyLastUsed', { AccessKeyId: k1.AccessKeyId })).AccessKeyLastUsed as { ServiceName: string }).ServiceName).toBe('iam');
    await expect(asRoot('DeleteAccessKey', { UserName: 'alice', AccessKeyId: 'AKIANOPE000000000000' })).rejects.toMatchObject({ code: 'NoSuchEntity' });
    await asRoot('DeleteAccessKey', { UserName: 'alice', AccessKeyId: k1.AccessKeyId });
  });

  it('groups: membership, GetGroup users, ListGroupsForUser, DeleteConflict', async () => {
    await asRoot('CreateUser', { UserName: 'alice' });
    expect(((await asRoot('CreateGroup', { GroupName: 'devs' })).Group as { GroupId: string }).GroupId).toMatch(/^AGPA/);
    await expect(asRoot('CreateGroup', { GroupName: 'DEVS' })).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
    await asRoot('AddUserToGroup', { GroupName: 'devs', UserName: 'alice' });
    const g = await asRoot('GetGroup', { GroupName: 'devs' });
    expect((g.Users as { UserName: string }[]).map((u) => u.UserName)).toEqual(['alice']);
    expect(((await asRoot('ListGroupsForUser', { UserName: 'alice' })).Groups as { GroupName: string }[])[0]?.GroupName).toBe('devs');
    await expect(asRoot('DeleteGroup', { GroupName: 'devs' })).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete entity, must remove users from group first.' });
    await asRoot('RemoveUserFromGroup', { GroupName: 'devs', UserName: 'alice' });
    await asRoot('DeleteGroup', { GroupName: 'devs' });
    expect((await asRoot('ListGroups')).Groups).toEqual([]);
  });

  it('roles: trust policy URL-encoded, update, tags, delete conflict', async () => {
    const trust = doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }]);
    const r = await asRoot('CreateRole', { RoleName: 'Admin', AssumeRolePolicyDocument: trust, Description: 'd', Tags: [{ Key: 'a', Value: '1' }] });
    expect(r.Role).toMatchObject({ RoleName: 'Admin', MaxSessionDuration: 3600, AssumeRolePolicyDocument: encodePolicyDocument(trust) });
    expect((r.Role as { RoleId: string }).RoleId).toMatch(/^AROA/);
    const got = (await asRoot('GetRole', { RoleName: 'admin' })).Role as Record<string, unknown>;
    expect(decodeURIComponent(got.AssumeRolePolicyDocument as string)).toBe(trust);
    expect(got.RoleLastUsed).toEqual({});
    await asRoot('UpdateRole', { RoleName: 'Admin', MaxSessionDuration: 7200 });
    await asRoot('TagRole', { RoleName: 'Admin', Tags: [{ Key: 'b', Value: '2' }] });
    await asRoot('UntagRole', { RoleName: 'Admin', TagKeys: ['a'] });
    expect((await asRoot('ListRoleTags', { RoleName: 'Admin' })).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    expect(((await asRoot('ListRoles')).Roles as { MaxSessionDuration: number }[])[0]?.MaxSessionDuration).toBe(7200);
    await asRoot('AttachRolePolicy', { RoleName: 'Admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    await expect(asRoot('DeleteRole', { RoleName: 'Admin' })).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete entity, must detach all policies first.' });
    await asRoot('DetachRolePolicy', { RoleName: 'Admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    await expect(asRoot('UpdateAssumeRolePolicy', { RoleName: 'Admin', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}' })).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
    await asRoot('DeleteRole', { RoleName: 'Admin' });
  });

  it('managed policies: versions, URL-encoded documents, scope, attachments, delete conflicts', async () => {
    const text = doc([{ Effect: 'Allow', Action: ['s3:Get*'], Resource: "arn:aws:s3:::b/it's (a) *" }]);
    const c = await asRoot('CreatePolicy', { PolicyName: 'Read', PolicyDocument: text, Description: 'x' });
    const arn = (c.Policy as { Arn: string }).Arn;
    expect(arn).toBe(`arn:aws:iam::${ACCT}:policy/Read`);
    expect(c.Policy).toMatchObject({ DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    await expect(asRoot('CreatePolicy', { PolicyName: 'read', PolicyDocument: text })).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
    const v1 = (await asRoot('GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' })).PolicyVersion as { Document: string };
    // RFC 3986: !'()* are percent-encoded too; the CLI/boto3 unquote it back to the exact text.
    expect(v1.Document).not.toMatch(/[!'()*{}":]/);
    expect(v1.Document).toContain('it%27s%20%28a%29%20%2A');
    expect(decodeURIComponent(v1.Document)).toBe(text);
    for (let i = 0; i < 4; i++) await asRoot('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: ALLOW_ALL, SetAsDefault: i === 3 });
    await expect(asRoot('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: ALLOW_ALL })).rejects.toMatchObject({ code: 'LimitExceeded' });
    const versions = (await asRoot('ListPolicyVersions', { PolicyArn: arn })).Versions as { VersionId: string; IsDefaultVersion: boolean }[];
    expect(versions.map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
    expect(versions[0]?.IsDefaultVersion).toBe(true);
    await asRoot('SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: 'v1' });
    await expect(asRoot('DeletePolicyVersion', { PolicyArn: arn, VersionId: 'v1' })).rejects.toMatchObject({ code: 'DeleteConflict' });

    await asRoot('CreateUser', { UserName: 'alice' });
    await asRoot('AttachUserPolicy', { UserName: 'alice', PolicyArn: arn });
    expect(((await asRoot('GetPolicy', { PolicyArn: arn })).Policy as { AttachmentCount: number }).AttachmentCount).toBe(1);
    expect((await asRoot('ListAttachedUserPolicies', { UserName: 'alice' })).AttachedPolicies).toEqual([{ PolicyName: 'Read', PolicyArn: arn }]);
    expect((await asRoot('ListEntitiesForPolicy', { PolicyArn: arn })).PolicyUsers).toEqual([{ UserName: 'alice', UserId: store.getUser('alice')!.id }]);
    const local = (await asRoot('ListPolicies', { Scope: 'Local' })).Policies as { PolicyName: string }[];
    expect(local.map((p) => p.PolicyName)).toEqual(['Read']);
    expect(((await asRoot('ListPolicies', { Scope: 'AWS' })).Policies as unknown[]).length).toBeGreaterThan(0);
    expect(((await asRoot('ListPolicies', { OnlyAttached: true })).Policies as unknown[]).length).toBe(1);
    await expect(asRoot('DeletePolicy', { PolicyArn: arn })).rejects.toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.' });
    await asRoot('DetachUserPolicy', { UserName: 'alice', PolicyArn: arn });
    await expect(asRoot('DeletePolicy', { PolicyArn: arn })).rejects.toMatchObject({ code: 'DeleteConflict' }); // non-default versions
    for (const v of ['v2', 'v3', 'v4', 'v5']) await asRoot('DeletePolicyVersion', { PolicyArn: arn, VersionId: v });
    await asRoot('DeletePolicy', { PolicyArn: arn });
    await expect(asRoot('GetPolicy', { PolicyArn: arn })).rejects.toMatchObject({ code: 'NoSuchEntity', message: `Policy ${arn} was not found.` });
    await expect(asRoot('AttachUserPolicy', { UserName: 'alice', PolicyArn: arn })).rejects.toMatchObject({ code: 'NoSuchEntity' });
  });

  it('inline policies for users, groups and roles', async () => {
    await asRoot('CreateUser', { UserName: 'alice' });
    await asRoot('CreateGroup', { GroupName: 'g' });
    await asRoot('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]) });
    for (const [K, key, name] of [['User', 'UserName', 'alice'], ['Group', 'GroupName', 'g'], ['Role', 'RoleName', 'r']] as const) {
      await asRoot(`Put${K}Policy`, { [key]: name, PolicyName: 'p', PolicyDocument: ALLOW_ALL });
      const got = await asRoot(`Get${K}Policy`, { [key]: name, PolicyName: 'P' });
      expect(got).toEqual({ [key]: name, PolicyName: 'p', PolicyDocument: encodePolicyDocument(ALLOW_ALL) });
      expect((await asRoot(`List${K}Policies`, { [key]: name })).PolicyNames).toEqual(['p']);
      await asRoot(`Delete${K}Policy`, { [key]: name, PolicyName: 'p' });
      await expect(asRoot(`Get${K}Policy`, { [key]: name, PolicyName: 'p' })).rejects.toMatchObject({ code: 'NoSuchEntity', message: `The ${K.toLowerCase()} policy with name p cannot be found.` });
    }
    await expect(asRoot('PutUserPolicy', { UserName: 'alice', PolicyName: 'bad', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}' })).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
  });

  it('permissions boundaries limit identity policies', async () => {
    const b = await asRoot('CreatePolicy', { PolicyName: 'Boundary', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }]) });
    const barn = (b.Policy as { Arn: string }).Arn;
    await asRoot('CreateUser', { UserName: 'alice', PermissionsBoundary: barn });
    expect(((await asRoot('GetUser', { UserName: 'alice' })).User as Record<string, unknown>).PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: barn });
    await asRoot('AttachUserPolicy', { UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    const alice = await userPrincipal('alice');
    await call(svc, store, alice, 'ListUsers');
    await expect(call(svc, store, alice, 'CreateUser', { UserName: 'bob' })).rejects.toMatchObject({ code: 'AccessDenied' });
    await asRoot('DeleteUserPermissionsBoundary', { UserName: 'alice' });
    await call(svc, store, await userPrincipal('alice'), 'CreateUser', { UserName: 'bob' });
    await expect(asRoot('DeleteUserPermissionsBoundary', { UserName: 'alice' })).rejects.toMatchObject({ code: 'NoSuchEntity' });
  });

  it('iam:PermissionsBoundary and iam:PolicyARN condition keys are available to policies', async () => {
    const b = (await asRoot('CreatePolicy', { PolicyName: 'B', PolicyDocument: ALLOW_ALL })).Policy as { Arn: string };
    await asRoot('CreateUser', { UserName: 'admin' });
    await asRoot('PutUserPolicy', {
      UserName: 'admin', PolicyName: 'p',
      PolicyDocument: doc([
        { Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': b.Arn } } },
        { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: '*', Condition: { ArnEquals: { 'iam:PolicyARN': b.Arn } } },
      ]),
    });
    const admin = await userPrincipal('admin');
    await expect(call(svc, store, admin, 'CreateUser', { UserName: 'x' })).rejects.toMatchObject({ code: 'AccessDenied' });
    await call(svc, store, admin, 'CreateUser', { UserName: 'x', PermissionsBoundary: b.Arn });
    await call(svc, store, admin, 'AttachUserPolicy', { UserName: 'x', PolicyArn: b.Arn });
    await expect(call(svc, store, admin, 'AttachUserPolicy', { UserName: 'x', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('SimulatePrincipalPolicy and SimulateCustomPolicy', async () => {
    await asRoot('CreateUser', { UserName: 'alice' });
    await asRoot('PutUserPolicy', {
      UserName: 'alice', PolicyName: 'p',
      PolicyDocument: doc([
        { Sid: 'AllowGet', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Sid: 'DenySecret', Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::secret/*' },
      ]),
    });
    const out = await asRoot('SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${ACCT}:user/alice`,
      ActionNames: ['s3:GetObject', 's3:PutObject'],
      ResourceArns: ['arn:aws:s3:::public/a', 'arn:aws:s3:::secret/b'],
    });
    const r = out.EvaluationResults as { EvalActionName: string; EvalResourceName: string; EvalDecision: string; MatchedStatements: { SourcePolicyId: string; SourcePolicyType: string }[] }[];
    expect(r.map((x) => [x.EvalActionName, x.EvalResourceName, x.EvalDecision])).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::public/a', 'allowed'],
      ['s3:GetObject', 'arn:aws:s3:::secret/b', 'explicitDeny'],
      ['s3:PutObject', 'arn:aws:s3:::public/a', 'implicitDeny'],
      ['s3:PutObject', 'arn:aws:s3:::secret/b', 'implicitDeny'],
    ]);
    expect(r[0]?.MatchedStatements).toEqual([{ SourcePolicyId: 'p', SourcePolicyType: 'user' }]);
    const ctxOut = await asRoot('SimulateCustomPolicy', {
      PolicyInputList: [doc([{ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }])],
      ActionNames: ['ec2:RunInstances'],
      ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyType: 'ip', ContextKeyValues: ['10.1.2.3'] }],
    });
    expect((ctxOut.EvaluationResults as { EvalDecision: string; MatchedStatements: unknown[] }[])[0]).toMatchObject({ EvalDecision: 'allowed', MatchedStatements: [{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none' }] });
    await expect(asRoot('SimulatePrincipalPolicy', { PolicySourceArn: `arn:aws:iam::${ACCT}:user/nobody`, ActionNames: ['s3:GetObject'] })).rejects.toMatchObject({ code: 'NoSuchEntity' });
  });

  it('GetAccountSummary and GetAccountAuthorizationDetails', async () => {
    await asRoot('CreateUser', { UserName: 'alice' });
    await asRoot('CreateGroup', { GroupName: 'g' });
    await asRoot('CreatePolicy', { PolicyName: 'p', PolicyDocument: ALLOW_ALL });
    const m = (await asRoot('GetAccountSummary')).SummaryMap as Record<string, number>;
    expect(m).toMatchObject({ Users: 1, Groups: 1, Roles: 0, Policies: 1, UsersQuota: 5000, RolesQuota: 1000, GroupsQuota: 300, AccessKeysPerUserQuota: 2 });
    const d = await asRoot('GetAccountAuthorizationDetails', { Filter: ['User', 'LocalManagedPolicy'] });
    expect((d.UserDetailList as unknown[]).length).toBe(1);
    expect((d.GroupDetailList as unknown[]).length).toBe(0);
    expect((d.Policies as { PolicyVersionList: { Document: string }[] }[])[0]?.PolicyVersionList[0]?.Document).toBe(encodePolicyDocument(ALLOW_ALL));
  });
});
