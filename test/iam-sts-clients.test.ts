/**
 * End to end with real clients: AWS SDK for JavaScript v3, the AWS CLI and boto3 against the real
 * `bulwark` binary. Root creates a user with a policy; the user is allowed and denied exactly as the
 * policy says; a role is assumed and its session credentials are used.
 */
import { CreateAccessKeyCommand, GetAccessKeyLastUsedCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListRolesCommand, ListUsersCommand, PutRolePolicyCommand, AttachUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, type Creds } from './helpers/clients.js';
import { ROOT_KEY, removeDir, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
const ACCOUNT = '000000000000';

function sts(c: Creds): STSClient {
  return new STSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });
}
function iam(c: Creds): IAMClient {
  return new IAMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });
}

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('root user', () => {
  it('aws sts get-caller-identity returns the root ARN (CLI)', async () => {
    const r = await awsCli(server.endpoint, ROOT_KEY, ['sts', 'get-caller-identity']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it('GetCallerIdentity with the JS SDK v3 and boto3', async () => {
    const out = await sts(ROOT_KEY).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    const r = await boto3(server.endpoint, ROOT_KEY, "import boto3;print(boto3.client('sts').get_caller_identity()['Arn'])");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`arn:aws:iam::${ACCOUNT}:root`);
  });

  it('a wrong secret is rejected with SignatureDoesNotMatch (CLI) and InvalidClientTokenId for an unknown key', async () => {
    const bad = await awsCli(server.endpoint, { ...ROOT_KEY, secretAccessKey: 'wrong-secret-0000000000000000000000000' }, ['sts', 'get-caller-identity']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('(SignatureDoesNotMatch)');
    const unknown = await awsCli(server.endpoint, { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) }, ['sts', 'get-caller-identity']);
    expect(unknown.stderr).toContain('(InvalidClientTokenId)');
  });
});

describe('an IAM user with a policy', () => {
  let alice: Creds;

  beforeAll(async () => {
    const create = await awsCli(server.endpoint, ROOT_KEY, ['iam', 'create-user', '--user-name', 'alice']);
    expect(create.stderr).toBe('');
    expect(JSON.parse(create.stdout).User.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    const key = await awsCli(server.endpoint, ROOT_KEY, ['iam', 'create-access-key', '--user-name', 'alice']);
    expect(key.code).toBe(0);
    const ak = JSON.parse(key.stdout).AccessKey;
    expect(ak.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    alice = { accessKeyId: ak.AccessKeyId, secretAccessKey: ak.SecretAccessKey };
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser'], Resource: '*' },
        { Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:ListRoles', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    });
    const pol = await iam(ROOT_KEY).send(new CreatePolicyCommand({ PolicyName: 'alice-read', PolicyDocument: doc }));
    await iam(ROOT_KEY).send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: pol.Policy!.Arn! }));
  });

  it('GetCallerIdentity names alice', async () => {
    const out = await sts(alice).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(out.UserId).toMatch(/^AIDA[A-Z2-7]{16}$/);
  });

  it('GetAccessKeyLastUsed reports the last use of a key: service and region of the last signed call', async () => {
    const before = await iam(ROOT_KEY).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: alice.accessKeyId }));
    expect(before.UserName).toBe('alice');
    await sts(alice).send(new GetCallerIdentityCommand({}));
    const after = await iam(ROOT_KEY).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: alice.accessKeyId }));
    expect(after.AccessKeyLastUsed?.ServiceName).toBe('sts');
    expect(after.AccessKeyLastUsed?.Region).toBe('us-east-1');
    expect(Math.abs(after.AccessKeyLastUsed!.LastUsedDate!.getTime() - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('is allowed what the policy allows (SDK, CLI, boto3)', async () => {
    const users = await iam(alice).send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toContain('alice');
    const cli = await awsCli(server.endpoint, alice, ['iam', 'list-users']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).Users.map((u: { UserName: string }) => u.UserName)).toContain('alice');
    const py = await boto3(server.endpoint, alice, "import boto3;print(len(boto3.client('iam').list_users()['Users']))");
    expect(py.stderr).toBe('');
    expect(Number(py.stdout.trim())).toBeGreaterThanOrEqual(1);
  });

  it('is denied what the policy does not allow, and an explicit deny wins', async () => {
    await expect(iam(alice).send(new CreateUserCommand({ UserName: 'mallory' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const cli = await awsCli(server.endpoint, alice, ['iam', 'create-user', '--user-name', 'mallory']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('(AccessDenied)');
    expect(cli.stderr).toContain(`User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:CreateUser`);
    const py = await boto3(
      server.endpoint,
      alice,
      "import boto3,botocore\ntry:\n  boto3.client('iam').create_user(UserName='mallory')\nexcept botocore.exceptions.ClientError as e:\n  print(e.response['Error']['Code'])",
    );
    expect(py.stdout.trim()).toBe('AccessDenied');
    // ListRoles is allowed but denied over plain HTTP by the explicit Deny on aws:SecureTransport.
    await expect(iam(alice).send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    // alice cannot create access keys for others.
    await expect(iam(alice).send(new CreateAccessKeyCommand({ UserName: 'alice' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('assumes a role whose trust policy names her and uses the session credentials', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'sts:AssumeRole' }],
    });
    await iam(ROOT_KEY).send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust }));
    await iam(ROOT_KEY).send(
      new PutRolePolicyCommand({
        RoleName: 'deployer',
        PolicyName: 'create-users',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' }] }),
      }),
    );
    const assumed = await sts(alice).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, RoleSessionName: 'ci', DurationSeconds: 900 }));
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const session: Creds = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    const who = await sts(session).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    // The role may create users; alice herself may not.
    const created = await iam(session).send(new CreateUserCommand({ UserName: 'bob' }));
    expect(created.User?.UserName).toBe('bob');
    await expect(iam(session).send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    // The CLI and boto3 with the session token.
    const cli = await awsCli(server.endpoint, session, ['sts', 'get-caller-identity']);
    expect(JSON.parse(cli.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    const py = await boto3(server.endpoint, session, "import boto3;print(boto3.client('sts').get_caller_identity()['Arn'])");
    expect(py.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    // Without the token the key is unknown.
    const noToken = await awsCli(server.endpoint, { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }, ['sts', 'get-caller-identity']);
    expect(noToken.stderr).toContain('(InvalidClientTokenId)');
  });

  it('a role whose trust policy does not name the caller cannot be assumed', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/carol` }, Action: 'sts:AssumeRole' }],
    });
    await awsCli(server.endpoint, ROOT_KEY, ['iam', 'create-user', '--user-name', 'carol']);
    await iam(ROOT_KEY).send(new CreateRoleCommand({ RoleName: 'carols', AssumeRolePolicyDocument: trust }));
    await expect(
      sts(alice).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/carols`, RoleSessionName: 'probe' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
