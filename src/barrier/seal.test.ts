import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsError } from '../errors/index.js';
import { MemoryBackend } from '../storage/index.js';
import { BarrierError, SealManager } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-seal-'));
let n = 0;
const freshDir = (): string => join(root, `d${n++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof BarrierError && e.code === code);
}

describe('SealManager: shamir', () => {
  it('inits sealed, then unseals when the threshold of shares is submitted', async () => {
    const backend = new MemoryBackend();
    const seal = await SealManager.open(backend, { dataDir: freshDir() });
    expect(seal.status()).toEqual({ initialized: false, sealed: true, type: null, threshold: 0, shares: 0, progress: 0 });
    const { shares } = await seal.init({ shares: 5, threshold: 3 });
    expect(shares).toHaveLength(5);
    expect(new Set(shares).size).toBe(5);
    for (const s of shares) expect(Buffer.from(s, 'base64')).toHaveLength(33);
    expect(seal.status()).toEqual({ initialized: true, sealed: true, type: 'shamir', threshold: 3, shares: 5, progress: 0 });
    // The seal config is plaintext JSON; the shares are stored nowhere.
    expect(JSON.parse(((await backend.get('core/seal-config')) as Buffer).toString())).toEqual({
      version: 1, type: 'shamir', shares: 5, threshold: 3,
    });
    for (const k of await backend.list('')) {
      const v = (await backend.get(k)) as Buffer;
      for (const s of shares) {
        expect(v.includes(Buffer.from(s, 'base64').subarray(0, 32))).toBe(false);
        expect(v.includes(Buffer.from(s))).toBe(false);
      }
    }
    expect(await seal.submitUnsealShare(shares[4] as string)).toEqual({ sealed: true, progress: 1 });
    expect(await seal.submitUnsealShare(shares[1] as string)).toEqual({ sealed: true, progress: 2 });
    expect(seal.status().progress).toBe(2);
    expect(await seal.submitUnsealShare(shares[2] as string)).toEqual({ sealed: false, progress: 0 });
    expect(seal.status()).toEqual({ initialized: true, sealed: false, type: 'shamir', threshold: 3, shares: 5, progress: 0, termCount: 1 });
    await seal.barrier.put('x', Buffer.from('y'));
    expect((await seal.barrier.get('x'))?.toString()).toBe('y');
    // Submitting to an unsealed store is a no-op.
    expect(await seal.submitUnsealShare(shares[0] as string)).toEqual({ sealed: false, progress: 0 });
    seal.seal();
    expect(seal.status().sealed).toBe(true);
    await expect(seal.barrier.get('x')).rejects.toBeInstanceOf(AwsError);
    await seal.unsealWithShares([shares[0] as string, shares[3] as string, shares[4] as string]);
    expect((await seal.barrier.get('x'))?.toString()).toBe('y');
  });

  it('rejects wrong shares: malformed resets progress, duplicates keep it, a wrong combination is an invalid unseal key', async () => {
    const seal = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    const { shares } = await seal.init({ shares: 3, threshold: 2 });
    const [s0, s1, s2] = shares as [string, string, string];
    await seal.submitUnsealShare(s0);
    await expectCode(seal.submitUnsealShare(s0), 'DuplicateShare');
    expect(seal.status().progress).toBe(1);
    await expectCode(seal.submitUnsealShare('not base64!!'), 'InvalidShare');
    expect(seal.status().progress).toBe(0);
    await seal.submitUnsealShare(s0);
    await expectCode(seal.submitUnsealShare(Buffer.alloc(20, 1).toString('base64')), 'InvalidShare');
    expect(seal.status().progress).toBe(0);
    // A share with a corrupted y byte combines to the wrong key: detected by the root key's GCM tag.
    const corrupt = Buffer.from(s1, 'base64');
    corrupt[3] = (corrupt[3] as number) ^ 0xff;
    await seal.submitUnsealShare(s0);
    await expectCode(seal.submitUnsealShare(corrupt.toString('base64')), 'InvalidUnsealKey');
    expect(seal.status()).toMatchObject({ sealed: true, progress: 0 });
    // Same index, different bytes.
    await seal.submitUnsealShare(s1);
    await expectCode(seal.submitUnsealShare(corrupt.toString('base64')), 'InvalidShare');
    expect(seal.status().progress).toBe(0);
    // Shares of another store's key.
    const other = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    const foreign = (await other.init({ shares: 3, threshold: 2 })).shares;
    await expectCode(seal.unsealWithShares([foreign[0] as string, foreign[1] as string]), 'InvalidUnsealKey');
    await expectCode(seal.unsealWithShares([s0]), 'InvalidShare');
    await expectCode(seal.unsealWithShares([s0, s0]), 'InvalidShare');
    expect(seal.status().sealed).toBe(true);
    await seal.submitUnsealShare(s2);
    expect(await seal.submitUnsealShare(s1)).toEqual({ sealed: false, progress: 0 });
  });

  it('rekeys: new shares work, old shares stop working, data stays readable', async () => {
    const backend = new MemoryBackend();
    const seal = await SealManager.open(backend, { dataDir: freshDir() });
    const old = (await seal.init({ shares: 3, threshold: 2 })).shares;
    await seal.unsealWithShares(old.slice(0, 2));
    await seal.barrier.put('keep', Buffer.from('me'));
    const rootBefore = await backend.get('core/root-key');
    await expectCode(seal.rekey({ shares: 4, threshold: 3 }, [old[0] as string]), 'InvalidShare');
    const { shares: fresh } = await seal.rekey({ shares: 4, threshold: 3 }, [old[1] as string, old[2] as string]);
    expect(fresh).toHaveLength(4);
    expect(seal.status()).toMatchObject({ sealed: false, shares: 4, threshold: 3 });
    expect((await backend.get('core/root-key'))?.equals(rootBefore as Buffer)).toBe(false);
    seal.seal();
    // The old shares still combine to the old key, which no longer decrypts the root key.
    await expectCode(seal.unsealWithShares(old), 'InvalidUnsealKey');
    await seal.submitUnsealShare(old[0] as string);
    await seal.submitUnsealShare(old[1] as string);
    await expectCode(seal.submitUnsealShare(old[2] as string), 'InvalidUnsealKey');
    expect(seal.status()).toMatchObject({ sealed: true, progress: 0 });
    // Two new shares are below the new threshold of 3.
    await expectCode(seal.unsealWithShares(fresh.slice(0, 2)), 'InvalidShare');
    await seal.unsealWithShares([fresh[3] as string, fresh[0] as string, fresh[2] as string]);
    expect((await seal.barrier.get('keep'))?.toString()).toBe('me');
    // Rekey again while sealed, proving authority with the current shares.
    seal.seal();
    const third = (await seal.rekey({ shares: 2, threshold: 2 }, fresh.slice(1))).shares;
    await expectCode(seal.unsealWithShares(fresh), 'InvalidUnsealKey');
    await seal.unsealWithShares(third);
    expect((await seal.barrier.get('keep'))?.toString()).toBe('me');
  });

  it('rejects bad parameters and double initialisation, and does not mix seal types', async () => {
    const seal = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    for (const p of [{ shares: 0, threshold: 0 }, { shares: 3, threshold: 1 }, { shares: 2, threshold: 3 }, { shares: 256, threshold: 2 }, { shares: 2.5, threshold: 2 }]) {
      await expectCode(seal.init(p), 'InvalidSealParameters');
    }
    expect(seal.status().initialized).toBe(false);
    await seal.init({ shares: 2, threshold: 2 });
    await expectCode(seal.init({ shares: 2, threshold: 2 }), 'AlreadyInitialized');
    await expectCode(seal.initDev(), 'AlreadyInitialized');
    await expectCode(seal.autoUnsealDev(), 'SealTypeMismatch');
    const fresh = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    await expectCode(fresh.submitUnsealShare('AAAA'), 'NotInitialized');
    await expectCode(fresh.unsealWithShares(['AAAA']), 'NotInitialized');
    await expectCode(fresh.autoUnsealDev(), 'NotInitialized');
  });

  it('supports a single unsplit key (shares = threshold = 1)', async () => {
    const seal = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    const { shares } = await seal.init({ shares: 1, threshold: 1 });
    expect(Buffer.from(shares[0] as string, 'base64')).toHaveLength(32);
    expect(await seal.submitUnsealShare(shares[0] as string)).toEqual({ sealed: false, progress: 0 });
  });

  it('a second node sees the initialisation after load() and unseals with the same shares', async () => {
    const backend = new MemoryBackend();
    const a = await SealManager.open(backend, { dataDir: freshDir() });
    const b = await SealManager.open(backend, { dataDir: freshDir() });
    const { shares } = await a.init({ shares: 3, threshold: 2 });
    await expectCode(b.init({ shares: 3, threshold: 2 }), 'AlreadyInitialized');
    await b.submitUnsealShare(shares[0] as string);
    await b.submitUnsealShare(shares[2] as string);
    expect(b.status()).toMatchObject({ initialized: true, sealed: false, type: 'shamir' });
  });
});

describe('SealManager: dev', () => {
  it('initDev writes a 0600 key file and leaves the barrier unsealed; autoUnsealDev unseals after restart', async () => {
    const dir = freshDir();
    const backend = new MemoryBackend();
    const seal = await SealManager.open(backend, { dataDir: dir });
    const { keyFile } = await seal.initDev();
    expect(keyFile).toBe(join(dir, 'unseal.key'));
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(seal.status()).toEqual({ initialized: true, sealed: false, type: 'dev', threshold: 1, shares: 1, progress: 0, termCount: 1 });
    await seal.barrier.put('a', Buffer.from('b'));

    const restarted = await SealManager.open(backend, { dataDir: dir });
    expect(restarted.status()).toMatchObject({ initialized: true, sealed: true, type: 'dev' });
    expect(await restarted.autoUnsealDev()).toEqual({ sealed: false, warnings: [] });
    expect((await restarted.barrier.get('a'))?.toString()).toBe('b');

    // The dev key also works through unsealWithShares (BULWARK_UNSEAL_KEY) and submitUnsealShare.
    restarted.seal();
    await restarted.unsealWithShares([readFileSync(keyFile, 'utf8')]);
    expect(restarted.status().sealed).toBe(false);
    restarted.seal();
    expect(await restarted.submitUnsealShare(readFileSync(keyFile, 'utf8'))).toEqual({ sealed: false, progress: 0 });
    await expectCode(restarted.rekey({ shares: 3, threshold: 2 }, [readFileSync(keyFile, 'utf8')]), 'SealTypeMismatch');
    await expectCode(restarted.init({ shares: 3, threshold: 2 }), 'AlreadyInitialized');
  });

  it('warns (but unseals) when the key file is group/world readable; fails clearly when it is missing or wrong', async () => {
    const dir = freshDir();
    const backend = new MemoryBackend();
    const seal = await SealManager.open(backend, { dataDir: dir });
    const { keyFile } = await seal.initDev();
    seal.seal();
    chmodSync(keyFile, 0o644);
    const r = await seal.autoUnsealDev();
    expect(r.sealed).toBe(false);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/group or others.*644/);
    seal.seal();
    rmSync(keyFile);
    await expectCode(seal.autoUnsealDev(), 'DevKeyMissing');
    const other = await SealManager.open(new MemoryBackend(), { dataDir: freshDir() });
    const { keyFile: otherKey } = await other.initDev();
    await expectCode(seal.unsealWithShares([readFileSync(otherKey, 'utf8')]), 'InvalidUnsealKey');
    expect(seal.status().sealed).toBe(true);
  });

  it('moves a stale key file aside instead of overwriting it', async () => {
    const dir = freshDir();
    const first = await SealManager.open(new MemoryBackend(), { dataDir: dir });
    await first.initDev();
    const oldKey = readFileSync(join(dir, 'unseal.key'), 'utf8');
    const second = await SealManager.open(new MemoryBackend(), { dataDir: dir });
    await second.initDev();
    const backups = readdirSync(dir).filter((f) => f.startsWith('unseal.key.') && f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0] as string), 'utf8')).toBe(oldKey);
    expect(readFileSync(join(dir, 'unseal.key'), 'utf8')).not.toBe(oldKey);
    expect(existsSync(join(dir, 'unseal.key'))).toBe(true);
  });
});
