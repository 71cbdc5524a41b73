import {
  constants,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomUUID,
  verify as nodeVerify,
} from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import { MemoryBackend } from '../../storage/index.js';
import { HEADER_BYTES, OVERHEAD_BYTES } from './ciphertext.js';
import { KEY_SPECS, KeyStore, type KmsKeySpec } from './index.js';
import { expectCode, expectCodeSync } from './testing.js';

const CURVE: Partial<Record<KmsKeySpec, string>> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
  ECC_SECG_P256K1: 'secp256k1',
};

describe('KeyStore', () => {
  const kv = new MemoryBackend();
  const ks = new KeyStore(kv);
  const keys = new Map<KmsKeySpec, { keyId: string; materialId: string }>();

  beforeAll(async () => {
    await Promise.all(
      KEY_SPECS.map(async (spec) => {
        const keyId = randomUUID();
        keys.set(spec, { keyId, materialId: await ks.generate(keyId, spec) });
      }),
    );
  });
  const key = (spec: KmsKeySpec): { keyId: string; materialId: string } => keys.get(spec) as { keyId: string; materialId: string };

  it('generates material for every key spec, with 64-hex ids stored under kms/material/', async () => {
    for (const spec of KEY_SPECS) {
      const { keyId, materialId } = key(spec);
      expect(materialId).toMatch(/^[0-9a-f]{64}$/);
      expect(await ks.listMaterial(keyId)).toEqual([materialId]);
      expect(await kv.get(`kms/material/${keyId}/${materialId}`)).toBeDefined();
    }
  });

  it('rejects bad key ids and specs', async () => {
    await expectCode(ks.generate('../etc', 'SYMMETRIC_DEFAULT'), 'ValidationException');
    await expectCode(ks.generate(randomUUID().toUpperCase(), 'SYMMETRIC_DEFAULT'), 'ValidationException');
    await expectCode(ks.generate(randomUUID(), 'SM2' as KmsKeySpec), 'ValidationException');
    const { keyId } = key('SYMMETRIC_DEFAULT');
    await expectCode(ks.generate(keyId, 'HMAC_256'), 'ValidationException');
  });

  describe('symmetric', () => {
    it('round-trips with and without context, and the header names key and material', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const contexts: (Record<string, string> | undefined)[] = [undefined, {}, { a: '1' }, { b: 'x', a: 'y', 'ü': '' }];
      for (const ctx of contexts) {
        for (const len of [0, 1, 100, 4096]) {
          const pt = KeyStore.randomBytes(len);
          const blob = await ks.encrypt(keyId, materialId, pt, ctx);
          expect(blob.length).toBe(len + OVERHEAD_BYTES);
          expect(ks.inspectCiphertext(blob)).toEqual({ keyId, materialId });
          const out = await ks.decrypt(blob, ctx);
          expect(out).toEqual({ keyId, materialId, plaintext: pt });
        }
      }
      const big = await ks.encrypt(keyId, materialId, Buffer.alloc(4096), undefined);
      expect(big.length).toBeLessThanOrEqual(6144);
      await expectCode(ks.encrypt(keyId, materialId, Buffer.alloc(4097), undefined), 'ValidationException');
    });

    it('encodes the documented layout', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('hi'), undefined);
      expect(blob[0]).toBe(1);
      expect(blob.subarray(1, 17).toString('hex')).toBe(keyId.replace(/-/g, ''));
      expect(blob.subarray(17, 49).toString('hex')).toBe(materialId);
      expect(HEADER_BYTES).toBe(49);
    });

    it('treats an absent and an empty context alike', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('x'), undefined);
      expect((await ks.decrypt(blob, {})).plaintext.toString()).toBe('x');
    });

    it('fails with InvalidCiphertextException on a missing, extra or different context', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('secret'), { purpose: 'test', team: 'a' });
      await expectCode(ks.decrypt(blob, undefined), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(blob, { purpose: 'test' }), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(blob, { purpose: 'test', team: 'a', x: '' }), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(blob, { purpose: 'test', team: 'b' }), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(blob, { purpose: 'testteam', '': 'a' }), 'InvalidCiphertextException');
      // Key order does not matter.
      expect((await ks.decrypt(blob, { team: 'a', purpose: 'test' })).plaintext.toString()).toBe('secret');
      // Ambiguity: concatenations that would collide without length prefixes.
      const b2 = await ks.encrypt(keyId, materialId, Buffer.from('s'), { ab: 'c' });
      await expectCode(ks.decrypt(b2, { a: 'bc' }), 'InvalidCiphertextException');
    });

    it('fails with InvalidCiphertextException when any byte is flipped or the blob is truncated', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('tamper me'), { k: 'v' });
      for (let i = 0; i < blob.length; i++) {
        const t = Buffer.from(blob);
        t[i] = (t[i] as number) ^ 0x01;
        const p = ks.decrypt(t, { k: 'v' });
        // Flipping a key-id byte names a key with no material: that is a state error, as in AWS.
        await expect(p).rejects.toSatisfy(
          (e: unknown) => e instanceof AwsError && (e.code === 'InvalidCiphertextException' || (i >= 1 && i < 17 && e.code === 'KMSInvalidStateException')),
        );
      }
      await expectCode(ks.decrypt(blob.subarray(0, blob.length - 1), { k: 'v' }), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(blob.subarray(0, 40), { k: 'v' }), 'InvalidCiphertextException');
      await expectCode(ks.decrypt(Buffer.concat([blob, Buffer.alloc(1)]), { k: 'v' }), 'InvalidCiphertextException');
    });

    it('binds the key id: a blob rewritten to name another key fails', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const other = randomUUID();
      const m2 = await ks.generate(other, 'SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('swap'), undefined);
      const swapped = Buffer.from(blob);
      swapped.write(other.replace(/-/g, ''), 1, 16, 'hex');
      swapped.write(m2, 17, 32, 'hex');
      await expectCode(ks.decrypt(swapped, undefined), 'InvalidCiphertextException');
      // Same key, another material id of that key.
      const m3 = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      const swapped2 = Buffer.from(blob);
      swapped2.write(m3, 17, 32, 'hex');
      await expectCode(ks.decrypt(swapped2, undefined), 'InvalidCiphertextException');
    });

    it('decrypts under old material after a new version is generated; lists versions oldest first', async () => {
      const keyId = randomUUID();
      const m1 = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      const old = await ks.encrypt(keyId, m1, Buffer.from('old'), undefined);
      const m2 = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      const m3 = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      expect(await ks.listMaterial(keyId)).toEqual([m1, m2, m3]);
      expect(await new KeyStore(kv).listMaterial(keyId)).toEqual([m1, m2, m3]);
      const fresh = await ks.encrypt(keyId, m3, Buffer.from('new'), undefined);
      expect((await ks.decrypt(old, undefined)).materialId).toBe(m1);
      expect((await ks.decrypt(fresh, undefined)).plaintext.toString()).toBe('new');
    });

    it('serialises concurrent generates of one key: distinct ids, listed in creation order', async () => {
      const keyId = randomUUID();
      const ids = await Promise.all([1, 2, 3, 4, 5].map(() => ks.generate(keyId, 'SYMMETRIC_DEFAULT')));
      expect(new Set(ids).size).toBe(5);
      expect(await ks.listMaterial(keyId)).toEqual(ids);
      expect(await new KeyStore(kv).listMaterial(keyId)).toEqual(ids);
    });

    it('supports multi-Region key ids (format version 2)', async () => {
      const keyId = `mrk-${KeyStore.randomBytes(16).toString('hex')}`;
      const m = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, m, Buffer.from('mrk'), undefined);
      expect(blob[0]).toBe(2);
      expect(ks.inspectCiphertext(blob)).toEqual({ keyId, materialId: m });
      expect((await ks.decrypt(blob, undefined)).plaintext.toString()).toBe('mrk');
    });

    it('refuses symmetric operations on other key specs', async () => {
      const { keyId, materialId } = key('RSA_2048');
      await expectCode(ks.encrypt(keyId, materialId, Buffer.from('x'), undefined), 'InvalidKeyUsageException');
      const h = key('HMAC_256');
      await expectCode(ks.encrypt(h.keyId, h.materialId, Buffer.from('x'), undefined), 'InvalidKeyUsageException');
    });

    it('reports unknown material as KMSInvalidStateException', async () => {
      const { keyId } = key('SYMMETRIC_DEFAULT');
      await expectCode(ks.encrypt(keyId, 'a'.repeat(64), Buffer.from('x'), undefined), 'KMSInvalidStateException');
      await expectCode(ks.encrypt(keyId, 'nothex', Buffer.from('x'), undefined), 'ValidationException');
    });

    it('fuzz: inspectCiphertext and decrypt of random bytes throw only AwsError', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const prefix = (await ks.encrypt(keyId, materialId, Buffer.alloc(0), undefined)).subarray(0, HEADER_BYTES);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (bytes, withHeader) => {
          const blob = withHeader ? Buffer.concat([prefix, Buffer.from(bytes)]) : Buffer.from(bytes);
          try {
            ks.inspectCiphertext(blob);
          } catch (e) {
            expect(e).toBeInstanceOf(AwsError);
          }
          try {
            await ks.decrypt(blob, undefined);
            return false; // random bytes never authenticate
          } catch (e) {
            expect(e).toBeInstanceOf(AwsError);
            expect(['InvalidCiphertextException', 'KMSInvalidStateException']).toContain((e as AwsError).code);
          }
          return true;
        }),
        { numRuns: 500 },
      );
      expectCodeSync(() => ks.inspectCiphertext(Buffer.alloc(0)), 'InvalidCiphertextException');
      expectCodeSync(() => ks.inspectCiphertext('x' as unknown as Buffer), 'InvalidCiphertextException');
    });
  });

  describe('persistence and destruction', () => {
    it('a new KeyStore over the same KV decrypts old ciphertext and signs with the same key', async () => {
      const { keyId, materialId } = key('SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, materialId, Buffer.from('persist'), { a: 'b' });
      const again = new KeyStore(kv);
      expect((await again.decrypt(blob, { a: 'b' })).plaintext.toString()).toBe('persist');
      const e = key('ECC_NIST_P256');
      expect((await again.getPublicKey(e.keyId, e.materialId)).equals(await ks.getPublicKey(e.keyId, e.materialId))).toBe(true);
    });

    it('destroy removes every material version; decrypt then fails with KMSInvalidStateException', async () => {
      const keyId = randomUUID();
      const m1 = await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      await ks.generate(keyId, 'SYMMETRIC_DEFAULT');
      const blob = await ks.encrypt(keyId, m1, Buffer.from('gone'), undefined);
      await ks.destroy(keyId, 'key');
      expect(await ks.listMaterial(keyId)).toEqual([]);
      expect(await kv.list(`kms/material/${keyId}/`)).toEqual([]);
      await expectCode(ks.decrypt(blob, undefined), 'KMSInvalidStateException');
      await expectCode(ks.encrypt(keyId, m1, Buffer.from('x'), undefined), 'KMSInvalidStateException');
      await expectCode(new KeyStore(kv).decrypt(blob, undefined), 'KMSInvalidStateException');
    });
  });

  describe('RSA encryption', () => {
    const cases = [
      ['RSA_2048', 'RSAES_OAEP_SHA_1', 'sha1', 214],
      ['RSA_2048', 'RSAES_OAEP_SHA_256', 'sha256', 190],
      ['RSA_3072', 'RSAES_OAEP_SHA_1', 'sha1', 342],
      ['RSA_3072', 'RSAES_OAEP_SHA_256', 'sha256', 318],
      ['RSA_4096', 'RSAES_OAEP_SHA_1', 'sha1', 470],
      ['RSA_4096', 'RSAES_OAEP_SHA_256', 'sha256', 446],
    ] as const;
    for (const [spec, alg, hash, max] of cases) {
      it(`${spec} ${alg}: node-encrypted data decrypts, limit ${max} bytes`, async () => {
        const { keyId, materialId } = key(spec);
        const spki = createPublicKey({ key: await ks.getPublicKey(keyId, materialId), format: 'der', type: 'spki' });
        const pt = KeyStore.randomBytes(max);
        const ct = publicEncrypt({ key: spki, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, pt);
        expect((await ks.asymmetricDecrypt(keyId, materialId, alg, ct)).equals(pt)).toBe(true);
        const own = await ks.asymmetricEncrypt(keyId, materialId, alg, pt);
        expect((await ks.asymmetricDecrypt(keyId, materialId, alg, own)).equals(pt)).toBe(true);
        await expectCode(ks.asymmetricEncrypt(keyId, materialId, alg, Buffer.alloc(max + 1)), 'ValidationException');
        // The other OAEP hash does not decrypt it.
        const other = alg === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
        await expectCode(ks.asymmetricDecrypt(keyId, materialId, other, ct), 'InvalidCiphertextException');
        const t = Buffer.from(ct);
        t[10] = (t[10] as number) ^ 1;
        await expectCode(ks.asymmetricDecrypt(keyId, materialId, alg, t), 'InvalidCiphertextException');
        await expectCode(ks.asymmetricDecrypt(keyId, materialId, alg, ct.subarray(1)), 'InvalidCiphertextException');
      });
    }

    it('refuses wrong algorithms and non-RSA keys', async () => {
      const { keyId, materialId } = key('RSA_2048');
      await expectCode(ks.asymmetricEncrypt(keyId, materialId, 'SYMMETRIC_DEFAULT', Buffer.from('x')), 'InvalidKeyUsageException');
      await expectCode(ks.asymmetricEncrypt(keyId, materialId, 'NOPE', Buffer.from('x')), 'ValidationException');
      const e = key('ECC_NIST_P256');
      await expectCode(ks.asymmetricEncrypt(e.keyId, e.materialId, 'RSAES_OAEP_SHA_256', Buffer.from('x')), 'InvalidKeyUsageException');
      const s = key('SYMMETRIC_DEFAULT');
      await expectCode(ks.asymmetricDecrypt(s.keyId, s.materialId, 'RSAES_OAEP_SHA_256', Buffer.from('x')), 'InvalidKeyUsageException');
    });
  });

  describe('public keys', () => {
    it('returns SPKI DER of the right type for every asymmetric spec, and refuses the others', async () => {
      for (const spec of KEY_SPECS) {
        const { keyId, materialId } = key(spec);
        if (spec === 'SYMMETRIC_DEFAULT' || spec.startsWith('HMAC_')) {
          await expectCode(ks.getPublicKey(keyId, materialId), 'UnsupportedOperationException');
          continue;
        }
        const pub = createPublicKey({ key: await ks.getPublicKey(keyId, materialId), format: 'der', type: 'spki' });
        if (spec.startsWith('RSA_')) expect(pub.asymmetricKeyDetails?.modulusLength).toBe(Number(spec.slice(4)));
        else if (spec === 'ECC_NIST_EDWARDS25519') expect(pub.asymmetricKeyType).toBe('ed25519');
        else expect(pub.asymmetricKeyDetails?.namedCurve).toBe(CURVE[spec]);
      }
    });
  });

  describe('HMAC', () => {
    const algs = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const;
    it('generates and verifies MACs; algorithm must match the key spec', async () => {
      for (const alg of algs) {
        const spec = alg.replace('_SHA', '') as KmsKeySpec;
        const { keyId, materialId } = key(spec);
        const msg = Buffer.from('message');
        const mac = await ks.generateMac(keyId, materialId, alg, msg);
        expect(mac.length).toBe(Number(alg.slice(-3)) / 8);
        expect(await ks.verifyMac(keyId, materialId, alg, msg, mac)).toBe(true);
        expect(await ks.verifyMac(keyId, materialId, alg, Buffer.from('messagf'), mac)).toBe(false);
        expect(await ks.verifyMac(keyId, materialId, alg, msg, mac.subarray(1))).toBe(false);
        const bad = Buffer.from(mac);
        bad[0] = (bad[0] as number) ^ 1;
        expect(await ks.verifyMac(keyId, materialId, alg, msg, bad)).toBe(false);
        for (const other of algs) {
          if (other !== alg) await expectCode(ks.generateMac(keyId, materialId, other, msg), 'InvalidKeyUsageException');
        }
        await expectCode(ks.generateMac(keyId, materialId, alg, Buffer.alloc(4097)), 'ValidationException');
      }
      const s = key('SYMMETRIC_DEFAULT');
      await expectCode(ks.generateMac(s.keyId, s.materialId, 'HMAC_SHA_256', Buffer.from('x')), 'InvalidKeyUsageException');
      const h = key('HMAC_256');
      await expectCode(ks.generateMac(h.keyId, h.materialId, 'HMAC_SHA_1', Buffer.from('x')), 'ValidationException');
    });
  });

  describe('ECDH', () => {
    for (const spec of ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1'] as const) {
      it(`${spec}: shared secret equals node's diffieHellman with a local peer`, async () => {
        const { keyId, materialId } = key(spec);
        const peer = generateKeyPairSync('ec', { namedCurve: CURVE[spec] as string });
        const peerDer = peer.publicKey.export({ format: 'der', type: 'spki' });
        const ours = createPublicKey({ key: await ks.getPublicKey(keyId, materialId), format: 'der', type: 'spki' });
        const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: ours });
        expect((await ks.deriveSharedSecret(keyId, materialId, peerDer)).equals(expected)).toBe(true);
      });
    }

    it('rejects peers on another curve, non-EC peers, garbage, and non-EC keys', async () => {
      const { keyId, materialId } = key('ECC_NIST_P256');
      const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' });
      const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
      await expectCode(ks.deriveSharedSecret(keyId, materialId, p384), 'ValidationException');
      await expectCode(ks.deriveSharedSecret(keyId, materialId, ed), 'ValidationException');
      await expectCode(ks.deriveSharedSecret(keyId, materialId, Buffer.from('garbage')), 'ValidationException');
      // A point not on the curve.
      const good = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
      const offCurve = Buffer.from(good);
      offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] as number) ^ 1;
      await expectCode(ks.deriveSharedSecret(keyId, materialId, offCurve), 'ValidationException');
      for (const spec of ['RSA_2048', 'ECC_NIST_EDWARDS25519', 'SYMMETRIC_DEFAULT'] as const) {
        const k = key(spec);
        await expectCode(ks.deriveSharedSecret(k.keyId, k.materialId, good), 'InvalidKeyUsageException');
      }
    });
  });

  describe('data key pairs', () => {
    it('generates PKCS#8/SPKI pairs that belong together for every data key pair spec', async () => {
      for (const spec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const) {
        const { privateKeyDer, publicKeyDer } = KeyStore.generateDataKeyPair(spec);
        const priv = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' });
        const derived = createPublicKey(priv).export({ format: 'der', type: 'spki' });
        expect(derived.equals(publicKeyDer)).toBe(true);
      }
      const { privateKeyDer } = await KeyStore.generateDataKeyPairAsync('RSA_3072');
      expect(createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.modulusLength).toBe(3072);
      expect(() => KeyStore.generateDataKeyPair('SYMMETRIC_DEFAULT' as 'RSA_2048')).toThrow(AwsError);
      expect(KeyStore.randomBytes(32).length).toBe(32);
      expectCodeSync(() => KeyStore.randomBytes(-1), 'ValidationException');
    });
  });

  it('checks signatures with node:crypto for an untouched RAW sign (smoke)', async () => {
    const { keyId, materialId } = key('ECC_NIST_P256');
    const sig = await ks.sign(keyId, materialId, 'ECDSA_SHA_256', Buffer.from('m'), 'RAW');
    const pub = createPublicKey({ key: await ks.getPublicKey(keyId, materialId), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', Buffer.from('m'), pub, sig)).toBe(true);
  });
});
