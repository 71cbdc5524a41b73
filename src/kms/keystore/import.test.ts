import {
  constants,
  createCipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  randomUUID,
  verify as nodeVerify,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SealManager } from '../../barrier/index.js';
import type { BatchOp, KVStore } from '../../storage/index.js';
import { MemoryBackend } from '../../storage/index.js';
import { KeyStore, type KmsKeySpec, type WrappingAlgorithm } from './index.js';
import { expectCode } from './testing.js';

const NOW = new Date('2025-01-01T00:00:00Z');
const HOUR = 3600_000;

/** Wraps `material` as a client would, with the public key GetParametersForImport returned. */
function wrap(publicKeyDer: Buffer, algorithm: WrappingAlgorithm, material: Buffer): Buffer {
  const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash };
  if (algorithm.startsWith('RSAES_OAEP')) return publicEncrypt(oaep, material);
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([publicEncrypt(oaep, aesKey), kwp.update(material), kwp.final()]);
}

async function importInto(
  ks: KeyStore,
  keyId: string,
  spec: KmsKeySpec,
  material: Buffer,
  algorithm: WrappingAlgorithm = 'RSAES_OAEP_SHA_256',
  wrappingKeySpec = 'RSA_2048',
): Promise<string> {
  const { publicKey, importToken } = await ks.getParametersForImport(keyId, algorithm, wrappingKeySpec, NOW);
  return ks.importMaterial(keyId, spec, importToken, wrap(publicKey, algorithm, material), NOW);
}

const ALGORITHMS: WrappingAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];

describe('imported key material', () => {
  const kv = new MemoryBackend();
  const ks = new KeyStore(kv);

  it('returns an SPKI wrapping key of the requested size and a token valid 24 hours', async () => {
    const keyId = randomUUID();
    for (const [spec, bits] of [['RSA_2048', 2048], ['RSA_3072', 3072], ['RSA_4096', 4096]] as const) {
      const p = await ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', spec, NOW);
      expect(createPublicKey({ key: p.publicKey, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength).toBe(bits);
      expect(p.parametersValidTo.getTime()).toBe(NOW.getTime() + 24 * HOUR);
      expect(p.importToken.length).toBeGreaterThan(32);
    }
    await expectCode(ks.getParametersForImport(keyId, 'RSAES_PKCS1_V1_5', 'RSA_2048', NOW), 'ValidationException');
    await expectCode(ks.getParametersForImport(keyId, 'SM2PKE' as WrappingAlgorithm, 'RSA_2048', NOW), 'ValidationException');
    await expectCode(ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', 'SM2', NOW), 'ValidationException');
  });

  for (const algorithm of ALGORITHMS) {
    it(`imports SYMMETRIC_DEFAULT material wrapped with ${algorithm}; the key decrypts and re-import is idempotent`, async () => {
      const keyId = randomUUID();
      const material = randomBytes(32);
      const id = await importInto(ks, keyId, 'SYMMETRIC_DEFAULT', material, algorithm, algorithm.endsWith('SHA_1') ? 'RSA_3072' : 'RSA_2048');
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(await ks.listMaterial(keyId)).toEqual([id]);
      const blob = await ks.encrypt(keyId, id, Buffer.from('imported'), { a: 'b' });
      expect((await ks.decrypt(blob, { a: 'b' })).plaintext.toString()).toBe('imported');
      // Re-importing the same bytes gives the same id.
      expect(await importInto(ks, keyId, 'SYMMETRIC_DEFAULT', material, algorithm)).toBe(id);
    });
  }

  it('encrypts with the imported bytes: AES-256-GCM under the known key decrypts our ciphertext', async () => {
    const keyId = randomUUID();
    const material = randomBytes(32);
    const id = await importInto(ks, keyId, 'SYMMETRIC_DEFAULT', material);
    const blob = await ks.encrypt(keyId, id, Buffer.from('known key'), undefined);
    const { createDecipheriv } = await import('node:crypto');
    const d = createDecipheriv('aes-256-gcm', material, blob.subarray(49, 61));
    d.setAAD(blob.subarray(0, 49));
    d.setAAD(Buffer.alloc(4));
    d.setAuthTag(blob.subarray(blob.length - 16));
    expect(Buffer.concat([d.update(blob.subarray(61, blob.length - 16)), d.final()]).toString()).toBe('known key');
  });

  it('requires re-import of the same material, also after DeleteImportedKeyMaterial', async () => {
    const keyId = randomUUID();
    const material = randomBytes(32);
    const id = await importInto(ks, keyId, 'SYMMETRIC_DEFAULT', material);
    const blob = await ks.encrypt(keyId, id, Buffer.from('survives'), undefined);
    await expectCode(importInto(ks, keyId, 'SYMMETRIC_DEFAULT', randomBytes(32)), 'IncorrectKeyMaterialException');
    await ks.destroy(keyId); // DeleteImportedKeyMaterial
    expect(await ks.listMaterial(keyId)).toEqual([]);
    await expectCode(ks.decrypt(blob, undefined), 'KMSInvalidStateException');
    await expectCode(importInto(ks, keyId, 'SYMMETRIC_DEFAULT', randomBytes(32)), 'IncorrectKeyMaterialException');
    expect(await importInto(ks, keyId, 'SYMMETRIC_DEFAULT', material)).toBe(id);
    expect((await new KeyStore(kv).decrypt(blob, undefined)).plaintext.toString()).toBe('survives');
    // Deleting the key forgets everything.
    await ks.destroy(keyId, 'key');
    expect(await kv.list(`kms/import/${keyId}/`)).toEqual([]);
    expect(await kv.get(`kms/imported/${keyId}`)).toBeUndefined();
  });

  it('imports HMAC material: generateMac equals node createHmac with the same bytes; sizes are checked', async () => {
    for (const [spec, alg, hash, min, max] of [
      ['HMAC_224', 'HMAC_SHA_224', 'sha224', 28, 64],
      ['HMAC_256', 'HMAC_SHA_256', 'sha256', 32, 64],
      ['HMAC_384', 'HMAC_SHA_384', 'sha384', 48, 128],
      ['HMAC_512', 'HMAC_SHA_512', 'sha512', 64, 128],
    ] as const) {
      for (const len of [min, max]) {
        const keyId = randomUUID();
        const material = randomBytes(len);
        const algorithm = len === max ? 'RSA_AES_KEY_WRAP_SHA_256' : 'RSAES_OAEP_SHA_256';
        const id = await importInto(ks, keyId, spec, material, algorithm);
        const msg = Buffer.from('mac me');
        expect((await ks.generateMac(keyId, id, alg, msg)).equals(createHmac(hash, material).update(msg).digest())).toBe(true);
      }
      await expectCode(importInto(ks, randomUUID(), spec, randomBytes(min - 1)), 'IncorrectKeyMaterialException');
      await expectCode(importInto(ks, randomUUID(), spec, randomBytes(max + 1), 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException');
    }
  });

  it('imports asymmetric PKCS#8 material with RSA_AES_KEY_WRAP and checks its type', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomUUID();
    const id = await importInto(ks, keyId, 'RSA_2048', rsa.privateKey.export({ format: 'der', type: 'pkcs8' }), 'RSA_AES_KEY_WRAP_SHA_256');
    const spki = rsa.publicKey.export({ format: 'der', type: 'spki' });
    expect((await ks.getPublicKey(keyId, id)).equals(spki)).toBe(true);
    const sig = await ks.sign(keyId, id, 'RSASSA_PSS_SHA_256', Buffer.from('m'), 'RAW');
    expect(nodeVerify('sha256', Buffer.from('m'), { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)).toBe(true);

    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecDer = ec.privateKey.export({ format: 'der', type: 'pkcs8' });
    const ecId = await importInto(ks, randomUUID(), 'ECC_NIST_P256', ecDer, 'RSA_AES_KEY_WRAP_SHA_1');
    expect(ecId).toMatch(/^[0-9a-f]{64}$/);
    await expectCode(importInto(ks, randomUUID(), 'ECC_NIST_P384', ecDer, 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException');
    await expectCode(importInto(ks, randomUUID(), 'RSA_3072', rsa.privateKey.export({ format: 'der', type: 'pkcs8' }), 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException');
    await expectCode(importInto(ks, randomUUID(), 'ECC_NIST_EDWARDS25519', ecDer, 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException');
    await expectCode(importInto(ks, randomUUID(), 'RSA_2048', randomBytes(100), 'RSA_AES_KEY_WRAP_SHA_256'), 'IncorrectKeyMaterialException');
    const ed = generateKeyPairSync('ed25519');
    const edId = await importInto(ks, randomUUID(), 'ECC_NIST_EDWARDS25519', ed.privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(edId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects wrong sizes of symmetric material', async () => {
    for (const len of [16, 31, 33, 64]) {
      await expectCode(importInto(ks, randomUUID(), 'SYMMETRIC_DEFAULT', randomBytes(len)), 'IncorrectKeyMaterialException');
    }
  });

  it('rejects expired, foreign, malformed and forged tokens', async () => {
    const keyId = randomUUID();
    const other = randomUUID();
    const material = randomBytes(32);
    const { publicKey, importToken } = await ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048', NOW);
    const wrapped = wrap(publicKey, 'RSAES_OAEP_SHA_256', material);
    const later = new Date(NOW.getTime() + 24 * HOUR);
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrapped, later), 'ExpiredImportTokenException');
    await expectCode(ks.importMaterial(other, 'SYMMETRIC_DEFAULT', importToken, wrapped, NOW), 'InvalidImportTokenException');
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', Buffer.from('junk'), wrapped, NOW), 'InvalidImportTokenException');
    for (const at of [1, 20, importToken.length - 1]) {
      const forged = Buffer.from(importToken);
      forged[at] = (forged[at] as number) ^ 1;
      await expect(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', forged, wrapped, NOW)).rejects.toSatisfy(
        (e: unknown) => e instanceof Error && 'code' in e && (e.code === 'InvalidImportTokenException' || e.code === 'ExpiredImportTokenException'),
      );
    }
    // Parameters of the other key do not import into this one either.
    const p2 = await ks.getParametersForImport(other, 'RSAES_OAEP_SHA_256', 'RSA_2048', NOW);
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', p2.importToken, wrap(p2.publicKey, 'RSAES_OAEP_SHA_256', material), NOW), 'InvalidImportTokenException');
    // Wrapped under another public key / with the wrong algorithm / truncated: InvalidCiphertextException.
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrap(p2.publicKey, 'RSAES_OAEP_SHA_256', material), NOW), 'InvalidCiphertextException');
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrap(publicKey, 'RSAES_OAEP_SHA_1', material), NOW), 'InvalidCiphertextException');
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrap(publicKey, 'RSA_AES_KEY_WRAP_SHA_256', material), NOW), 'InvalidCiphertextException');
    await expectCode(ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrapped.subarray(1), NOW), 'InvalidCiphertextException');
    // Still good with the right everything; the token may be used again while valid.
    const id = await ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrapped, NOW);
    expect(await ks.importMaterial(keyId, 'SYMMETRIC_DEFAULT', importToken, wrapped, new Date(later.getTime() - 1))).toBe(id);
  });

  it('prunes expired import parameters when new ones are requested', async () => {
    const keyId = randomUUID();
    await ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048', NOW);
    await ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048', NOW);
    expect((await kv.list(`kms/import/${keyId}/`)).length).toBe(2);
    await ks.getParametersForImport(keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048', new Date(NOW.getTime() + 25 * HOUR));
    expect((await kv.list(`kms/import/${keyId}/`)).length).toBe(1);
  });
});

/** A KVStore that records every value written, by path. */
class RecordingKV implements KVStore {
  readonly writes: { key: string; value: Buffer }[] = [];
  constructor(private readonly inner: KVStore) {}
  get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }
  put(key: string, value: Buffer): Promise<void> {
    this.writes.push({ key, value: Buffer.from(value) });
    return this.inner.put(key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  batch(ops: readonly BatchOp[]): Promise<void> {
    for (const op of ops) if (op.op === 'put') this.writes.push({ key: op.key, value: Buffer.from(op.value) });
    return this.inner.batch(ops);
  }
}

describe('no key material at rest', () => {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-keystore-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('over the real barrier: the physical backend never holds imported or generated key bytes', async () => {
    const backend = new MemoryBackend();
    const seal = await SealManager.open(backend, { dataDir: root });
    await seal.initDev();
    const recording = new RecordingKV(seal.barrier);
    const ks = new KeyStore(recording);

    const aes = randomBytes(32);
    const hmac = randomBytes(64);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaDer = rsa.privateKey.export({ format: 'der', type: 'pkcs8' });
    const symId = randomUUID();
    const symMaterial = await importInto(ks, symId, 'SYMMETRIC_DEFAULT', aes);
    await importInto(ks, randomUUID(), 'HMAC_512', hmac);
    await importInto(ks, randomUUID(), 'RSA_2048', rsaDer, 'RSA_AES_KEY_WRAP_SHA_256');
    const genId = randomUUID();
    await ks.generate(genId, 'ECC_NIST_P256');

    // The keystore handed the key bytes only to material records, through the barrier.
    for (const secret of [aes, hmac]) {
      const holders = recording.writes.filter((w) => w.value.includes(secret)).map((w) => w.key);
      expect(holders.length).toBeGreaterThan(0);
      for (const k of holders) expect(k).toMatch(/^kms\/material\/[0-9a-f-]{36}\/[0-9a-f]{64}$/);
    }
    // The backend holds ciphertext only: none of the secrets, nor the RSA private exponent, nor a PKCS#8 header.
    const d = Buffer.from(rsa.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const raw = await backend.list('');
    expect(raw.some((k) => k.startsWith('kms/material/'))).toBe(true);
    for (const k of raw) {
      const v = (await backend.get(k)) as Buffer;
      for (const secret of [aes, hmac, d.subarray(0, 32), rsaDer.subarray(0, 26)]) expect(v.includes(secret), k).toBe(false);
    }
    // And it all still works after a restart over the same barrier.
    const blob = await ks.encrypt(symId, symMaterial, Buffer.from('sealed'), undefined);
    expect((await new KeyStore(seal.barrier).decrypt(blob, undefined)).plaintext.toString()).toBe('sealed');
  });
});
