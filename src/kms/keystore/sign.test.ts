import { constants, createECDH, createHash, createPublicKey, generateKeyPairSync, randomUUID, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../storage/index.js';
import { curveParams, decodeDerSignature, ecdsaSignDigest, ecdsaVerifyDigest, encodeDerSignature } from './ecdsa.js';
import { KeyStore, SIGNING_ALGORITHMS_FOR, type KmsKeySpec } from './index.js';
import { expectCode } from './testing.js';
import { SIGNING_ALGORITHMS } from './specs.js';

/** node:crypto verification of `sig` over the RAW `message`, independent of the keystore. */
function nodeCheck(pub: KeyObject, algorithm: string, message: Buffer, sig: Buffer): boolean {
  const alg = SIGNING_ALGORITHMS[algorithm];
  if (alg === undefined) throw new Error(algorithm);
  switch (alg.scheme) {
    case 'pss':
      return nodeVerify(alg.hash, message, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.digestBytes }, sig);
    case 'pkcs1':
      return nodeVerify(alg.hash, message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, sig);
    case 'ecdsa':
      return nodeVerify(alg.hash, message, { key: pub, dsaEncoding: 'der' }, sig);
    default:
      return nodeVerify(null, message, pub, sig);
  }
}

const SPECS = Object.keys(SIGNING_ALGORITHMS_FOR) as KmsKeySpec[];

describe('Sign / Verify', () => {
  const ks = new KeyStore(new MemoryBackend());
  const keys = new Map<KmsKeySpec, { keyId: string; materialId: string; pub: KeyObject }>();

  beforeAll(async () => {
    await Promise.all(
      SPECS.map(async (spec) => {
        const keyId = randomUUID();
        const materialId = await ks.generate(keyId, spec);
        const pub = createPublicKey({ key: await ks.getPublicKey(keyId, materialId), format: 'der', type: 'spki' });
        keys.set(spec, { keyId, materialId, pub });
      }),
    );
  });

  for (const spec of SPECS) {
    for (const algorithm of SIGNING_ALGORITHMS_FOR[spec] ?? []) {
      if (algorithm === 'ED25519_PH_SHA_512') continue;
      const alg = SIGNING_ALGORITHMS[algorithm] as (typeof SIGNING_ALGORITHMS)[string] & object;
      it(`${spec} ${algorithm}: RAW and DIGEST signatures verify with node:crypto and with each other`, async () => {
        const { keyId, materialId, pub } = keys.get(spec) as { keyId: string; materialId: string; pub: KeyObject };
        for (const message of [Buffer.alloc(0), Buffer.from('hello'), KeyStore.randomBytes(4096)]) {
          const raw = await ks.sign(keyId, materialId, algorithm, message, 'RAW');
          expect(nodeCheck(pub, algorithm, message, raw)).toBe(true);
          expect(await ks.verify(keyId, materialId, algorithm, message, 'RAW', raw)).toBe(true);
          if (alg.scheme === 'ed25519') continue;
          const digest = createHash(alg.hash).update(message).digest();
          // A RAW signature verifies against the message's digest, and vice versa.
          expect(await ks.verify(keyId, materialId, algorithm, digest, 'DIGEST', raw)).toBe(true);
          const dsig = await ks.sign(keyId, materialId, algorithm, digest, 'DIGEST');
          expect(nodeCheck(pub, algorithm, message, dsig)).toBe(true);
          expect(await ks.verify(keyId, materialId, algorithm, message, 'RAW', dsig)).toBe(true);
          expect(await ks.verify(keyId, materialId, algorithm, digest, 'DIGEST', dsig)).toBe(true);
          // Wrong digest, flipped signature bytes.
          const otherDigest = Buffer.from(digest);
          otherDigest[0] = (otherDigest[0] as number) ^ 1;
          expect(await ks.verify(keyId, materialId, algorithm, otherDigest, 'DIGEST', dsig)).toBe(false);
          for (const at of [0, 5, dsig.length - 1]) {
            const bad = Buffer.from(dsig);
            bad[at] = (bad[at] as number) ^ 0x40;
            expect(await ks.verify(keyId, materialId, algorithm, digest, 'DIGEST', bad)).toBe(false);
            expect(await ks.verify(keyId, materialId, algorithm, message, 'RAW', bad)).toBe(false);
          }
        }
        expect(await ks.verify(keyId, materialId, algorithm, Buffer.from('hello'), 'RAW', Buffer.alloc(0))).toBe(false);
        expect(await ks.verify(keyId, materialId, algorithm, Buffer.from('hello'), 'RAW', Buffer.from('junk'))).toBe(false);
        await expectCode(ks.sign(keyId, materialId, algorithm, Buffer.alloc(4097), 'RAW'), 'ValidationException');
        if (alg.scheme !== 'ed25519') {
          await expectCode(ks.sign(keyId, materialId, algorithm, Buffer.alloc(alg.digestBytes + 1), 'DIGEST'), 'ValidationException');
          await expectCode(ks.verify(keyId, materialId, algorithm, Buffer.alloc(alg.digestBytes - 1), 'DIGEST', Buffer.alloc(8)), 'ValidationException');
        }
      });
    }
  }

  it('PSS signatures are randomised and use salt length = digest length', async () => {
    const { keyId, materialId, pub } = keys.get('RSA_2048') as { keyId: string; materialId: string; pub: KeyObject };
    const digest = createHash('sha512').update('m').digest();
    const a = await ks.sign(keyId, materialId, 'RSASSA_PSS_SHA_512', digest, 'DIGEST');
    const b = await ks.sign(keyId, materialId, 'RSASSA_PSS_SHA_512', digest, 'DIGEST');
    expect(a.equals(b)).toBe(false);
    const strict = (saltLength: number): boolean =>
      nodeVerify('sha512', Buffer.from('m'), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, a);
    expect(strict(64)).toBe(true);
    expect(strict(32)).toBe(false);
  });

  it('PKCS#1 v1.5 DIGEST and RAW signatures are identical (deterministic scheme)', async () => {
    const { keyId, materialId } = keys.get('RSA_3072') as { keyId: string; materialId: string };
    const message = Buffer.from('deterministic');
    for (const [algorithm, hash] of [['RSASSA_PKCS1_V1_5_SHA_256', 'sha256'], ['RSASSA_PKCS1_V1_5_SHA_384', 'sha384'], ['RSASSA_PKCS1_V1_5_SHA_512', 'sha512']] as const) {
      const raw = await ks.sign(keyId, materialId, algorithm, message, 'RAW');
      const dig = await ks.sign(keyId, materialId, algorithm, createHash(hash).update(message).digest(), 'DIGEST');
      expect(dig.equals(raw)).toBe(true);
    }
  });

  it('Ed25519: DIGEST is refused; ED25519_PH_SHA_512 is unsupported on this runtime', async () => {
    const { keyId, materialId } = keys.get('ECC_NIST_EDWARDS25519') as { keyId: string; materialId: string };
    await expectCode(ks.sign(keyId, materialId, 'ED25519_SHA_512', Buffer.alloc(64), 'DIGEST'), 'ValidationException');
    await expectCode(ks.sign(keyId, materialId, 'ED25519_PH_SHA_512', Buffer.from('m'), 'RAW'), 'UnsupportedOperationException');
    await expectCode(ks.sign(keyId, materialId, 'ED25519_PH_SHA_512', Buffer.alloc(64), 'DIGEST'), 'UnsupportedOperationException');
  });

  it('refuses algorithms that do not fit the key spec, unknown algorithms and message types, non-signing keys', async () => {
    const rsa = keys.get('RSA_2048') as { keyId: string; materialId: string };
    const p256 = keys.get('ECC_NIST_P256') as { keyId: string; materialId: string };
    const p384 = keys.get('ECC_NIST_P384') as { keyId: string; materialId: string };
    await expectCode(ks.sign(rsa.keyId, rsa.materialId, 'ECDSA_SHA_256', Buffer.from('m'), 'RAW'), 'InvalidKeyUsageException');
    await expectCode(ks.sign(p256.keyId, p256.materialId, 'ECDSA_SHA_384', Buffer.from('m'), 'RAW'), 'InvalidKeyUsageException');
    await expectCode(ks.sign(p384.keyId, p384.materialId, 'RSASSA_PSS_SHA_256', Buffer.from('m'), 'RAW'), 'InvalidKeyUsageException');
    await expectCode(ks.sign(rsa.keyId, rsa.materialId, 'SM2DSA', Buffer.from('m'), 'RAW'), 'ValidationException');
    await expectCode(ks.sign(rsa.keyId, rsa.materialId, 'RSASSA_PSS_SHA_256', Buffer.from('m'), 'EXTERNAL_MU' as 'RAW'), 'ValidationException');
    const sym = new KeyStore(new MemoryBackend());
    const id = randomUUID();
    const m = await sym.generate(id, 'SYMMETRIC_DEFAULT');
    await expectCode(sym.sign(id, m, 'RSASSA_PSS_SHA_256', Buffer.from('m'), 'RAW'), 'InvalidKeyUsageException');
    const h = randomUUID();
    const hm = await sym.generate(h, 'HMAC_256');
    await expectCode(sym.verify(h, hm, 'ECDSA_SHA_256', Buffer.from('m'), 'RAW', Buffer.alloc(8)), 'InvalidKeyUsageException');
  });
});

describe('ECDSA over a digest (arithmetic)', () => {
  it('has the right curve order for every curve: (n-1)·G = -G and n is rejected', () => {
    for (const name of ['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1']) {
      const c = curveParams(name);
      if (c === undefined) throw new Error(name);
      const hex = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(c.bytes * 2, '0'), 'hex');
      const ecdh = createECDH(name);
      ecdh.setPrivateKey(hex(1n));
      const g = ecdh.getPublicKey();
      expect(g.subarray(1, 1 + c.bytes).equals(hex(c.gx))).toBe(true);
      expect(g.subarray(1 + c.bytes).equals(hex(c.gy))).toBe(true);
      ecdh.setPrivateKey(hex(c.n - 1n));
      expect(ecdh.getPublicKey().subarray(1, 1 + c.bytes).equals(hex(c.gx))).toBe(true);
      expect(() => ecdh.setPrivateKey(hex(c.n))).toThrow();
    }
  });

  it('truncates digests longer than the curve order (SHA-512 on P-256) as OpenSSL does', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const message = Buffer.from('long digest');
    const digest = createHash('sha512').update(message).digest();
    const sig = ecdsaSignDigest(privateKey, digest);
    expect(nodeVerify('sha512', message, publicKey, sig)).toBe(true);
    expect(ecdsaVerifyDigest(publicKey, digest, nodeSign('sha512', message, privateKey))).toBe(true);
  });

  it('DER encodes and strictly decodes signatures', () => {
    for (const [r, s] of [[1n, 1n], [0x80n, 0x7fn], [(1n << 520n) + 5n, (1n << 255n) - 1n]] as const) {
      expect(decodeDerSignature(encodeDerSignature(r, s))).toEqual({ r, s });
    }
    const ok = encodeDerSignature(0x80n, 1n);
    expect(decodeDerSignature(Buffer.concat([ok, Buffer.alloc(1)]))).toBeUndefined();
    expect(decodeDerSignature(Buffer.from('30070202000102010 1'.replace(/ /g, ''), 'hex'))).toBeUndefined(); // non-minimal
    expect(decodeDerSignature(Buffer.from('3006020181020101', 'hex'))).toBeUndefined(); // negative / odd
    expect(decodeDerSignature(Buffer.alloc(0))).toBeUndefined();
  });
});
