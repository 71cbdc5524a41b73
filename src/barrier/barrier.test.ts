import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsError } from '../errors/index.js';
import { MemoryBackend } from '../storage/index.js';
import { HEADER_LEN } from './envelope.js';
import { Barrier, BarrierError, SealManager } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-barrier-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function unsealed(backend = new MemoryBackend()): Promise<{ backend: MemoryBackend; seal: SealManager; barrier: Barrier }> {
  const seal = await SealManager.open(backend, { dataDir: join(root, `d${n++}`) });
  await seal.initDev();
  return { backend, seal, barrier: seal.barrier };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof BarrierError && e.code === code);
}

async function expectSealed(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toSatisfy(
    (e: unknown) => e instanceof AwsError && e.code === 'ServiceUnavailable' && e.message === 'Bulwark is sealed',
  );
}

describe('Barrier', () => {
  it('round-trips values and stores only ciphertext in the format version|term|nonce|ct|tag', async () => {
    const { backend, barrier } = await unsealed();
    const values = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(1 << 20, 0xab)];
    for (let i = 0; i < values.length; i++) await barrier.put(`v/${i}`, values[i] as Buffer);
    for (let i = 0; i < values.length; i++) expect((await barrier.get(`v/${i}`))?.equals(values[i] as Buffer)).toBe(true);
    const raw = (await backend.get('v/1')) as Buffer;
    expect(raw.length).toBe(1 + 4 + 12 + 5 + 16);
    expect(raw[0]).toBe(1);
    expect(raw.readUInt32BE(1)).toBe(1);
    expect(raw.includes(Buffer.from('hello'))).toBe(false);
    // Same plaintext twice gives different ciphertexts (random nonce).
    await barrier.put('v/again', Buffer.from('hello'));
    expect((await backend.get('v/again'))?.subarray(HEADER_LEN).equals(raw.subarray(HEADER_LEN))).toBe(false);
    expect(await barrier.get('missing')).toBeUndefined();
  });

  it('supports list, delete and batch, hiding core/ paths', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.batch([
      { op: 'put', key: 'a/1', value: Buffer.from('1') },
      { op: 'put', key: 'a/2', value: Buffer.from('2') },
      { op: 'put', key: 'cored', value: Buffer.from('c') },
      { op: 'delete', key: 'a/1' },
    ]);
    expect(await barrier.list('a/')).toEqual(['a/2']);
    expect(await barrier.list('')).toEqual(['a/2', 'cored']);
    expect(await barrier.list('core')).toEqual(['cored']);
    expect(await barrier.list('c')).toEqual(['cored']);
    expect((await backend.list('core/')).length).toBe(3);
    await barrier.delete('a/2');
    expect(await barrier.get('a/2')).toBeUndefined();
    expect((await barrier.get('cored'))?.toString()).toBe('c');
  });

  it('refuses core/ paths for every method', async () => {
    const { backend, barrier } = await unsealed();
    await expectCode(barrier.get('core/root-key'), 'ReservedPath');
    await expectCode(barrier.get('core/keyring'), 'ReservedPath');
    await expectCode(barrier.put('core/keyring', Buffer.from('x')), 'ReservedPath');
    await expectCode(barrier.delete('core/seal-config'), 'ReservedPath');
    await expectCode(barrier.list('core/'), 'ReservedPath');
    await expectCode(
      barrier.batch([{ op: 'put', key: 'ok', value: Buffer.from('x') }, { op: 'delete', key: 'core/keyring' }]),
      'ReservedPath',
    );
    expect(await backend.get('ok')).toBeUndefined();
    expect(await backend.get('core/keyring')).toBeDefined();
  });

  it('binds ciphertext to its path: a value moved to another key fails', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('secret/a', Buffer.from('alpha'));
    await backend.put('secret/b', (await backend.get('secret/a')) as Buffer);
    await expectCode(barrier.get('secret/b'), 'Integrity');
    expect((await barrier.get('secret/a'))?.toString()).toBe('alpha');
  });

  it('detects tampering anywhere in the value', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('t', Buffer.from('tamper me'));
    const good = (await backend.get('t')) as Buffer;
    // Every byte after the term (nonce, ciphertext, tag): flipping one bit fails authentication.
    for (let i = 5; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] = (bad[i] as number) ^ 0x01;
      await backend.put('t', bad);
      await expectCode(barrier.get('t'), 'Integrity');
    }
    const badVersion = Buffer.from(good);
    badVersion[0] = 2;
    await backend.put('t', badVersion);
    await expectCode(barrier.get('t'), 'Format');
    await backend.put('t', good.subarray(0, 20));
    await expectCode(barrier.get('t'), 'Format');
    await backend.put('t', Buffer.from('plaintext that was never encrypted'));
    await expectCode(barrier.get('t'), 'Format');
    const otherTerm = Buffer.from(good);
    otherTerm.writeUInt32BE(77, 1);
    await backend.put('t', otherTerm);
    await expectCode(barrier.get('t'), 'UnknownTerm');
    await backend.put('t', good);
    expect((await barrier.get('t'))?.toString()).toBe('tamper me');
  });

  it('rotation encrypts new writes under a new term and keeps old terms readable', async () => {
    const { backend, seal, barrier } = await unsealed();
    await barrier.put('old', Buffer.from('term one'));
    expect(await barrier.rotate()).toBe(2);
    expect(await seal.rotate()).toBe(3);
    expect(seal.status().termCount).toBe(3);
    await barrier.put('new', Buffer.from('term three'));
    expect((await backend.get('old'))?.readUInt32BE(1)).toBe(1);
    expect((await backend.get('new'))?.readUInt32BE(1)).toBe(3);
    expect((await barrier.get('old'))?.toString()).toBe('term one');
    expect((await barrier.get('new'))?.toString()).toBe('term three');
    // Rotation is persisted: after seal and unseal, all terms are back.
    seal.seal();
    await seal.autoUnsealDev();
    expect(seal.status().termCount).toBe(3);
    expect(barrier.activeTerm).toBe(3);
    expect((await barrier.get('old'))?.toString()).toBe('term one');
    expect((await barrier.get('new'))?.toString()).toBe('term three');
  });

  it('concurrent rotations on one node produce distinct consecutive terms', async () => {
    const { barrier } = await unsealed();
    const terms = await Promise.all([barrier.rotate(), barrier.rotate(), barrier.rotate()]);
    expect(terms.sort()).toEqual([2, 3, 4]);
    expect(barrier.termCount).toBe(4);
  });

  it('another node sharing the store reloads the keyring when it meets an unknown term', async () => {
    const backend = new MemoryBackend();
    const dir = join(root, `shared${n++}`);
    const a = await SealManager.open(backend, { dataDir: dir });
    await a.initDev();
    const b = await SealManager.open(backend, { dataDir: dir });
    await b.autoUnsealDev();
    await a.barrier.rotate();
    await a.barrier.put('from-a', Buffer.from('rotated'));
    expect(b.barrier.activeTerm).toBe(1);
    expect((await b.barrier.get('from-a'))?.toString()).toBe('rotated');
    expect(b.barrier.activeTerm).toBe(2);
    // b rotating now builds on a's keyring rather than clobbering term 2.
    expect(await b.barrier.rotate()).toBe(3);
    await b.barrier.put('from-b', Buffer.from('three'));
    expect((await a.barrier.get('from-b'))?.toString()).toBe('three');
    expect((await a.barrier.get('from-a'))?.toString()).toBe('rotated');
  });

  it('reloads once per unknown term, not on every read', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('x', Buffer.from('v'));
    const bad = Buffer.from((await backend.get('x')) as Buffer);
    bad.writeUInt32BE(9, 1);
    await backend.put('x', bad);
    let keyringReads = 0;
    const get = backend.get.bind(backend);
    backend.get = async (k: string) => {
      if (k === 'core/keyring') keyringReads++;
      return get(k);
    };
    for (let i = 0; i < 5; i++) await expectCode(barrier.get('x'), 'UnknownTerm');
    expect(keyringReads).toBe(1);
  });

  it('throws ServiceUnavailable for every method while sealed, and wipes keys on seal', async () => {
    const { seal, barrier } = await unsealed();
    await barrier.put('k', Buffer.from('v'));
    const internals = barrier as unknown as { rootKey: Buffer; keyring: { active: { key: Buffer } } };
    const rootKey = internals.rootKey;
    const termKey = internals.keyring.active.key;
    expect(rootKey.equals(Buffer.alloc(32))).toBe(false);
    seal.seal();
    expect(rootKey.equals(Buffer.alloc(32))).toBe(true);
    expect(termKey.equals(Buffer.alloc(32))).toBe(true);
    expect(barrier.sealed).toBe(true);
    expect(barrier.termCount).toBeUndefined();
    await expectSealed(barrier.get('k'));
    await expectSealed(barrier.put('k', Buffer.from('x')));
    await expectSealed(barrier.delete('k'));
    await expectSealed(barrier.list(''));
    await expectSealed(barrier.batch([{ op: 'put', key: 'k', value: Buffer.from('x') }]));
    await expectSealed(barrier.batch([]));
    await expectSealed(barrier.rotate());
    await expectSealed(barrier.get('core/keyring'));
  });

  it('a fresh Barrier over an uninitialised store is sealed', async () => {
    const b = new Barrier(new MemoryBackend());
    expect(b.sealed).toBe(true);
    await expectSealed(b.get('x'));
  });

});
