/**
 * The audit trail end to end: CloudTrail records for KMS and IAM calls through LookupEvents (SDK
 * and CLI), denied calls recorded, no secret anywhere, trail delivery and `bulwark trail
 * validate` catching a changed file, and no answered call lost to kill -9.
 */
import { CloudTrailClient, LookupEventsCommand, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, type Creds } from './helpers/clients.js';
import { BIN, ROOT_KEY, removeDir, startServer, tempDataDir, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
let server: TestServer;

const ct = (c: Creds = ROOT_KEY): CloudTrailClient => new CloudTrailClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });
const iam = (c: Creds = ROOT_KEY): IAMClient => new IAMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });
const kms = (c: Creds = ROOT_KEY): KMSClient => new KMSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });

async function lookup(key: LookupAttributeKey, value: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const r = await ct().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: key, AttributeValue: value }], MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
    for (const e of r.Events ?? []) out.push(JSON.parse(e.CloudTrailEvent as string) as Record<string, unknown>);
    token = r.NextToken;
  } while (token);
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey };
}

const PLAINTEXT = 'AUDIT-CANARY-PLAINTEXT-7f3a9c';
let userSecret = '';

beforeAll(async () => {
  server = await startServer();
  mkdirSync(join(server.dataDir, 'buckets', 'audit-bucket'), { recursive: true });
  const create = await awsCli(server.endpoint, ROOT_KEY, ['cloudtrail', 'create-trail', '--name', 'main', '--s3-bucket-name', 'audit-bucket', '--enable-log-file-validation']);
  expect(create.stderr).toBe('');
  expect((await awsCli(server.endpoint, ROOT_KEY, ['cloudtrail', 'start-logging', '--name', 'main'])).code).toBe(0);
  const key = await kms().send(new CreateKeyCommand({ Description: 'audited' }));
  await kms().send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId, Plaintext: Buffer.from(PLAINTEXT) }));
  await iam().send(new CreateUserCommand({ UserName: 'audited-user' }));
  const ak = await iam().send(new CreateAccessKeyCommand({ UserName: 'audited-user' }));
  userSecret = ak.AccessKey!.SecretAccessKey!;
  // A denied call by the new user.
  await expect(
    iam({ accessKeyId: ak.AccessKey!.AccessKeyId!, secretAccessKey: userSecret }).send(new CreateUserCommand({ UserName: 'not-allowed' })),
  ).rejects.toMatchObject({ name: 'AccessDenied' });
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('LookupEvents', () => {
  it('records KMS calls with the CloudTrail fields and no crypto response', async () => {
    const [create] = await lookup('EventName', 'CreateKey');
    expect(create).toMatchObject({
      eventVersion: '1.11',
      eventSource: 'kms.amazonaws.com',
      eventName: 'CreateKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      eventType: 'AwsApiCall',
      managementEvent: true,
      eventCategory: 'Management',
      recipientAccountId: '000000000000',
      readOnly: false,
      userIdentity: { type: 'Root', arn: 'arn:aws:iam::000000000000:root', accountId: '000000000000', accessKeyId: ROOT_KEY.accessKeyId },
    });
    expect(create!.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [enc] = await lookup('EventName', 'Encrypt');
    expect(enc!.responseElements).toBeNull();
    expect(JSON.stringify(enc)).not.toContain(Buffer.from(PLAINTEXT).toString('base64'));
  });

  it('filters by every attribute kind the CLI offers, and pages', async () => {
    const cli = await awsCli(server.endpoint, ROOT_KEY, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventSource,AttributeValue=iam.amazonaws.com']);
    expect(cli.stderr).toBe('');
    const names = (JSON.parse(cli.stdout).Events as { EventName: string }[]).map((e) => e.EventName);
    expect(names).toContain('CreateUser');
    expect(names).toContain('CreateAccessKey');
    expect(new Set(names).has('CreateKey')).toBe(false);
    expect((await lookup('AccessKeyId', ROOT_KEY.accessKeyId)).length).toBeGreaterThan(3);
    expect((await lookup('ReadOnly', 'false')).every((r) => r.readOnly === false)).toBe(true);
    expect((await lookup('ResourceName', 'arn:aws:iam::000000000000:user/audited-user')).map((r) => r.eventName)).toContain('CreateUser');
    // Pagination: one event per page.
    const first = await ct().send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(first.Events).toHaveLength(1);
    const second = await ct().send(new LookupEventsCommand({ MaxResults: 1, NextToken: first.NextToken }));
    expect(second.Events![0]!.EventId).not.toBe(first.Events![0]!.EventId);
    await expect(ct().send(new LookupEventsCommand({ NextToken: 'forged-token' }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' });
  });

  it('records denied calls with their error code', async () => {
    const denied = (await lookup('EventName', 'CreateUser')).filter((r) => r.errorCode);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ errorCode: 'AccessDenied', userIdentity: { type: 'IAMUser', userName: 'audited-user' } });
  });
});

describe('delivery and validation', () => {
  it('flushes log files and digests, validates, and names a changed file', async () => {
    const flush = await run(process.execPath, [BIN, 'trail', 'flush', '--trail', 'main', '--address', server.endpoint], { env: cliEnv() });
    expect(flush.stdout).toMatch(/delivered .*AWSLogs\/000000000000\/CloudTrail\/us-east-1\/\d{4}\/\d\d\/\d\d\/000000000000_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz/);
    expect(flush.stdout).toMatch(/digest .*CloudTrail-Digest/);
    const ok = await run(process.execPath, [BIN, 'trail', 'validate', '--trail', 'main', '--address', server.endpoint], { env: cliEnv() });
    expect(ok.stdout).toMatch(/valid/i);
    // No secret or plaintext anywhere: the database, its WAL and the delivered files.
    const needles = [PLAINTEXT, userSecret, ROOT_KEY.secretAccessKey].flatMap((s) => [Buffer.from(s), Buffer.from(Buffer.from(s).toString('base64'))]);
    const { gunzipSync } = await import('node:zlib');
    for (const f of filesUnder(server.dataDir)) {
      const raw = readFileSync(f);
      const bytes = f.endsWith('.gz') ? gunzipSync(raw) : raw;
      for (const n of needles) expect(bytes.includes(n), `${f} holds a secret`).toBe(false);
    }
    // Change one byte of a delivered log file: validate exits 1 and names it.
    const logFile = filesUnder(join(server.dataDir, 'buckets', 'audit-bucket')).find((f) => f.includes('/CloudTrail/') && f.endsWith('.json.gz')) as string;
    const bytes = readFileSync(logFile);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
    writeFileSync(logFile, bytes);
    const bad = await run(process.execPath, [BIN, 'trail', 'validate', '--trail', 'main', '--address', server.endpoint, '--verbose'], { env: cliEnv() }).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(1);
    const name = logFile.split('/').pop() as string;
    expect((bad as { stdout: string }).stdout).toContain(name);
    expect((bad as { stdout: string }).stdout).toMatch(/invalid/i);
  });
});

describe('crash safety of the audit record', () => {
  it('every answered call has its record after kill -9', async () => {
    const dir = tempDataDir();
    const answered: string[] = [];
    let s = await startServer({ dataDir: dir });
    const client = new IAMClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    let stop = false;
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          await client.send(new CreateUserCommand({ UserName: `crash-${w}-${i}` }));
          answered.push(`crash-${w}-${i}`);
        } catch {
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 700));
    await s.kill();
    stop = true;
    await Promise.all(writers);
    expect(answered.length).toBeGreaterThan(5);
    s = await startServer({ dataDir: dir });
    const trail = new CloudTrailClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    const recorded = new Set<string>();
    let token: string | undefined;
    do {
      const r = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }], MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
      for (const e of r.Events ?? []) {
        const rec = JSON.parse(e.CloudTrailEvent as string) as { requestParameters?: { userName?: string }; errorCode?: string };
        if (!rec.errorCode && rec.requestParameters?.userName) recorded.add(rec.requestParameters.userName);
      }
      token = r.NextToken;
    } while (token);
    for (const a of answered) expect(recorded.has(a), `no record for answered CreateUser ${a}`).toBe(true);
    expect(await s.stop()).toBe(0);
    removeDir(dir);
  });
});
