/**
 * Node lifecycle with the real binary: first start prints credentials, graceful shutdown, the
 * Shamir seal through `bulwark operator`, no plaintext secret in the data directory, and crash
 * safety under kill -9 during writes.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, paginateListUsers } from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/clients.js';
import { BIN, ROOT_KEY, removeDir, startServer, tempDataDir, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)();
});

function iam(endpoint: string): IAMClient {
  return new IAMClient({ endpoint, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
}

async function health(s: TestServer): Promise<{ sealed: boolean; initialized: boolean; status: string }> {
  return (await (await fetch(s.endpoint + '/_bulwark/health')).json()) as { sealed: boolean; initialized: boolean; status: string };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('first start', () => {
  it('generates root credentials, prints the AWS CLI lines once, saves them 0600, and they work', async () => {
    const s = await startServer({ rootKey: false });
    cleanup.push(async () => {
      await s.stop();
      removeDir(s.dataDir);
    });
    const out = s.output();
    const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)?.[1];
    expect(out).toContain(`export AWS_ENDPOINT_URL=${s.endpoint}`);
    expect(id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const file = join(s.dataDir, 'root-credentials');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(secret as string);
    const who = await awsCli(s.endpoint, { accessKeyId: id as string, secretAccessKey: secret as string }, ['sts', 'get-caller-identity']);
    expect(JSON.parse(who.stdout).Arn).toBe('arn:aws:iam::000000000000:root');
    // A second start keeps the same key and prints no credentials.
    expect(await s.stop()).toBe(0);
    const again = await startServer({ rootKey: false, dataDir: s.dataDir });
    cleanup.push(async () => void (await again.stop()));
    expect(again.output()).not.toContain('AWS_SECRET_ACCESS_KEY');
    const who2 = await awsCli(again.endpoint, { accessKeyId: id as string, secretAccessKey: secret as string }, ['sts', 'get-caller-identity']);
    expect(who2.code).toBe(0);
  });

  it('refuses plain HTTP on a non-loopback address', async () => {
    const dir = tempDataDir();
    const r = await run(process.execPath, [BIN, 'start', '--data-dir', dir, '--api-listen', '0.0.0.0:0']).catch((e: { code: number; stderr: string }) => e);
    removeDir(dir);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toContain('refusing to serve the API over plain HTTP');
  });
});

describe('the Shamir seal', () => {
  it('init, sealed restarts answer 503, unseal with a threshold of shares, BULWARK_UNSEAL_KEY', async () => {
    const dir = tempDataDir();
    let s: TestServer = await startServer({ dataDir: dir, args: ['--seal', 'shamir'] });
    cleanup.push(async () => {
      await s.stop();
      removeDir(dir);
    });
    expect(await health(s)).toMatchObject({ sealed: true, initialized: false });
    const sealedCall = await awsCli(s.endpoint, ROOT_KEY, ['sts', 'get-caller-identity']);
    expect(sealedCall.stderr).toContain('ServiceUnavailable');

    const init = await run(process.execPath, [BIN, 'operator', 'init', '--address', s.endpoint, '--key-shares', '3', '--key-threshold', '2']);
    const shares = [...init.stdout.matchAll(/Unseal Key \d: (\S+)/g)].map((m) => m[1] as string);
    expect(shares).toHaveLength(3);
    expect((await awsCli(s.endpoint, ROOT_KEY, ['sts', 'get-caller-identity'])).code).toBe(0);
    expect(await s.stop()).toBe(0);

    s = await startServer({ dataDir: dir, args: ['--seal', 'shamir'] });
    expect((await health(s)).sealed).toBe(true);
    const denied = await awsCli(s.endpoint, ROOT_KEY, ['sts', 'get-caller-identity']);
    expect(denied.stderr).toContain('(ServiceUnavailable)');
    const one = await run(process.execPath, [BIN, 'operator', 'unseal', '--address', s.endpoint, shares[2] as string]);
    expect(one.stdout).toContain('Sealed: true (progress 1)');
    const two = await run(process.execPath, [BIN, 'operator', 'unseal', '--address', s.endpoint, shares[0] as string]);
    expect(two.stdout).toContain('Sealed: false');
    expect((await awsCli(s.endpoint, ROOT_KEY, ['sts', 'get-caller-identity'])).code).toBe(0);
    expect(await s.stop()).toBe(0);

    s = await startServer({ dataDir: dir, args: ['--seal', 'shamir'], env: { BULWARK_UNSEAL_KEY: `${shares[1]},${shares[2]}` } });
    expect((await health(s)).sealed).toBe(false);

    // Sealing needs the root user's signature; afterwards every API call answers 503.
    const env = { ...process.env, AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey };
    const badEnv = { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-root-secret-000000000000' };
    const refused = await run(process.execPath, [BIN, 'operator', 'seal', '--address', s.endpoint], { env: badEnv }).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(1);
    expect((await health(s)).sealed).toBe(false);
    const sealed = await run(process.execPath, [BIN, 'operator', 'seal', '--address', s.endpoint], { env });
    expect(sealed.stdout).toContain('Sealed: true');
    expect((await health(s)).sealed).toBe(true);
    expect((await awsCli(s.endpoint, ROOT_KEY, ['sts', 'get-caller-identity'])).stderr).toContain('(ServiceUnavailable)');
  });
});

describe('secrets at rest', () => {
  it('no secret access key appears in any file of the data directory', async () => {
    const s = await startServer();
    const client = iam(s.endpoint);
    await client.send(new CreateUserCommand({ UserName: 'canary' }));
    const key = await client.send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    const secret = key.AccessKey?.SecretAccessKey as string;
    expect(await s.stop()).toBe(0);
    const needles = [secret, ROOT_KEY.secretAccessKey].flatMap((x) => [Buffer.from(x), Buffer.from(Buffer.from(x).toString('base64')), Buffer.from(Buffer.from(x).toString('hex'))]);
    const files = filesUnder(s.dataDir);
    expect(files.some((f) => f.endsWith('.db'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) expect(bytes.includes(n), `${f} contains a secret`).toBe(false);
    }
    removeDir(s.dataDir);
  });
});

describe('crash safety', () => {
  it('kill -9 during writes, in a loop: every acknowledged write survives and the store opens', async () => {
    const dir = tempDataDir();
    cleanup.push(async () => removeDir(dir));
    const acked: string[] = [];
    for (let round = 0; round < 4; round++) {
      const s = await startServer({ dataDir: dir });
      const client = iam(s.endpoint);
      // Everything acknowledged before earlier kills is still there.
      const names = new Set<string>();
      for await (const page of paginateListUsers({ client }, {})) for (const u of page.Users ?? []) names.add(u.UserName as string);
      for (const a of acked) expect(names.has(a), `user ${a} lost after kill -9`).toBe(true);
      // Writers run until the kill; only answered calls count as acknowledged.
      let stop = false;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const name = `u-${round}-${w}-${i}`;
          try {
            await client.send(new CreateUserCommand({ UserName: name }));
            acked.push(name);
          } catch {
            return;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 300 + round * 150));
      await s.kill();
      stop = true;
      await Promise.all(writers);
    }
    expect(acked.length).toBeGreaterThan(10);
    const s = await startServer({ dataDir: dir });
    const client = iam(s.endpoint);
    const names = new Set<string>();
    for await (const page of paginateListUsers({ client }, {})) for (const u of page.Users ?? []) names.add(u.UserName as string);
    for (const a of acked) expect(names.has(a), `user ${a} lost`).toBe(true);
    expect(await s.stop()).toBe(0);
  });
});
