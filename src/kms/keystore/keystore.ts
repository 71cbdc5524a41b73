/**
 * The KMS keystore: the only place KMS key bytes exist. The KMS service keeps key metadata and
 * calls in here with a key id and a material id; the keystore loads (and caches, as KeyObjects)
 * the material, performs the operation and returns only its result. Material is persisted only
 * through the KVStore given to the constructor, which must be the encrypting barrier.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPair,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  randomFillSync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { awsError, isAwsError } from '../../errors/index.js';
import type { KVStore } from '../../storage/index.js';
import {
  HEADER_BYTES,
  IV_BYTES,
  OVERHEAD_BYTES,
  TAG_BYTES,
  checkKeyId,
  checkMaterialId,
  encodeContext,
  encodeHeader,
  parseHeader,
} from './ciphertext.js';
import { ecdsaSignDigest, ecdsaVerifyDigest } from './ecdsa.js';
import {
  decodeImport,
  decodeMaterial,
  decodeToken,
  encodeImport,
  encodeMaterial,
  encodeToken,
  importPath,
  importPathExpiry,
  importPrefix,
  importedPath,
  materialPath,
  materialPrefix,
  type Origin,
} from './records.js';
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from './rsa-digest.js';
import {
  MAC_ALGORITHMS,
  MAX_MESSAGE_BYTES,
  RSA_ENCRYPTION_ALGORITHMS,
  SIGNING_ALGORITHMS,
  SIGNING_ALGORITHMS_FOR,
  SPEC_INFO,
  isKeySpec,
  oaepMaxPlaintext,
  type DataKeyPairSpec,
  type KmsKeySpec,
  type SigningAlgorithmInfo,
  type SpecInfo,
  type WrappingAlgorithm,
} from './specs.js';

const generateKeyPairAsync = promisify(generateKeyPair);


// IVs are drawn from a pool refilled 256 at a time: one randomFillSync call costs about as much as
// the AES-GCM encryption of a small plaintext. IVs are public (they travel in the CiphertextBlob),
// so pooling them exposes nothing; each is used once.
const IV_POOL = Buffer.alloc(12 * 256);
let ivPos = IV_POOL.length;

function nextIv(into: Buffer): void {
  if (ivPos === IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivPos = 0;
  }
  IV_POOL.copy(into, 0, ivPos, ivPos + into.length);
  ivPos += into.length;
}

/** How long GetParametersForImport's public key and token stay valid (as AWS: 24 hours). */
export const IMPORT_PARAMETERS_TTL_MS = 24 * 60 * 60 * 1000;
/** Largest plaintext Encrypt accepts (AWS's PlaintextType max). */
export const MAX_PLAINTEXT_BYTES = 4096;
/** Material versions kept in memory (by key, least recently used evicted first). */
const CACHE_KEYS = 10_000;

const WRAPPING_ALGORITHMS: Readonly<Record<string, { readonly hash: 'sha1' | 'sha256'; readonly aesKeyWrap: boolean }>> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', aesKeyWrap: false },
  RSAES_OAEP_SHA_256: { hash: 'sha256', aesKeyWrap: false },
  RSA_AES_KEY_WRAP_SHA_1: { hash: 'sha1', aesKeyWrap: true },
  RSA_AES_KEY_WRAP_SHA_256: { hash: 'sha256', aesKeyWrap: true },
};
const WRAPPING_KEY_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
/** RFC 5649 alternative initial value; node's id-aes256-wrap-pad takes it as the IV. */
const KWP_IV = Buffer.from('a65959a6', 'hex');
const MATERIAL_ID_LABEL = Buffer.from('bulwark/kms/imported-material-id/v1\0', 'utf8');

/** One material version in memory: KeyObjects only, never raw key Buffers. */
interface Material {
  readonly keyId: string;
  readonly materialId: string;
  readonly spec: KmsKeySpec;
  readonly info: SpecInfo;
  readonly origin: Origin;
  readonly seq: number;
  /** AES or HMAC key. */
  readonly secret?: KeyObject;
  readonly privateKey?: KeyObject;
  readonly publicKey?: KeyObject;
  /** SubjectPublicKeyInfo DER (public). */
  readonly publicDer?: Buffer;
  /** Ciphertext header for SYMMETRIC_DEFAULT (public). */
  readonly header?: Buffer;
}

/** The result of a symmetric Decrypt. */
export interface DecryptResult {
  readonly keyId: string;
  readonly materialId: string;
  readonly plaintext: Buffer;
}

/** GetParametersForImport's result. */
export interface ImportParameters {
  readonly publicKey: Buffer;
  readonly importToken: Buffer;
  readonly parametersValidTo: Date;
}

/** What {@link KeyStore.destroy} removes. */
export type DestroyScope = 'material' | 'key';

const ERR_INVALID_CIPHERTEXT = 'The ciphertext is invalid.';

function invalidCiphertext(): Error {
  return awsError('InvalidCiphertextException', ERR_INVALID_CIPHERTEXT);
}

function checkBuffer(b: unknown, name: string): asserts b is Buffer {
  if (!Buffer.isBuffer(b)) throw awsError('ValidationException', `${name} must be binary.`);
}

function exportPkcs8(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

/** Holds every KMS key's material and performs every operation that needs it. */
export class KeyStore {
  private readonly kv: KVStore;
  /** keyId → materialId → Material, in least-recently-used order of keys. */
  private readonly cache = new Map<string, Map<string, Material>>();
  /** The key last put at the most-recent end of `cache`. */
  private newestKey: string | undefined;
  private readonly loading = new Map<string, Promise<Material | undefined>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(kv: KVStore) {
    this.kv = kv;
  }

  // ---- material lifecycle ----

  /** Creates a new backing key (material version) for keyId; returns its id (64 lowercase hex). */
  async generate(keyId: string, spec: KmsKeySpec): Promise<string> {
    checkKeyId(keyId);
    if (!isKeySpec(spec)) throw awsError('ValidationException', 'Unsupported KeySpec.');
    const info = SPEC_INFO[spec];
    let bytes: Buffer;
    if (info.family === 'aes' || info.family === 'hmac') bytes = randomBytes(info.keyBytes as number);
    else bytes = exportPkcs8((await generateAsymmetric(spec)).privateKey);
    try {
      return await this.exclusive(keyId, async () => {
        const existing = await this.loadAll(keyId);
        const first = existing[0];
        if (first !== undefined && first.spec !== spec) {
          throw awsError('ValidationException', 'The key already has key material of another key spec.');
        }
        const materialId = randomBytes(32).toString('hex');
        const seq = existing.length === 0 ? 0 : (existing[existing.length - 1] as Material).seq + 1;
        await this.store(keyId, materialId, spec, 'AWS_KMS', seq, bytes);
        return materialId;
      });
    } finally {
      bytes.fill(0);
    }
  }

  /** Ids of keyId's material versions, oldest first. */
  async listMaterial(keyId: string): Promise<string[]> {
    checkKeyId(keyId);
    return (await this.loadAll(keyId)).map((m) => m.materialId);
  }

  /**
   * Destroys all material of keyId. Scope 'material' (DeleteImportedKeyMaterial, the default)
   * keeps the record of which material was imported, so a re-import must bring the same bytes,
   * and keeps outstanding import parameters; scope 'key' (the key's deletion) removes everything.
   */
  async destroy(keyId: string, scope: DestroyScope = 'material'): Promise<void> {
    checkKeyId(keyId);
    await this.exclusive(keyId, async () => {
      const paths = await this.kv.list(materialPrefix(keyId));
      if (scope === 'key') {
        paths.push(...(await this.kv.list(importPrefix(keyId))));
        if ((await this.kv.get(importedPath(keyId))) !== undefined) paths.push(importedPath(keyId));
      }
      this.cache.delete(keyId);
      if (paths.length > 0) await this.kv.batch(paths.map((key) => ({ op: 'delete' as const, key })));
      this.cache.delete(keyId);
    });
  }

  // ---- symmetric ----

  /** AES-256-GCM encryption under a SYMMETRIC_DEFAULT material version; returns the CiphertextBlob. */
  async encrypt(keyId: string, materialId: string, plaintext: Buffer, context: Record<string, string> | undefined): Promise<Buffer> {
    checkBuffer(plaintext, 'Plaintext');
    if (plaintext.length > MAX_PLAINTEXT_BYTES) throw awsError('ValidationException', `Plaintext must be at most ${MAX_PLAINTEXT_BYTES} bytes.`);
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    if (m.info.family !== 'aes') throw usage(m.spec, 'Encrypt with SYMMETRIC_DEFAULT');
    const aad = encodeContext(context);
    const header = m.header as Buffer;
    const out = Buffer.allocUnsafe(OVERHEAD_BYTES + plaintext.length);
    header.copy(out, 0);
    const iv = out.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    nextIv(iv);
    const cipher = createCipheriv('aes-256-gcm', m.secret as KeyObject, iv);
    cipher.setAAD(header);
    cipher.setAAD(aad);
    let o = HEADER_BYTES + IV_BYTES;
    o += cipher.update(plaintext).copy(out, o);
    o += cipher.final().copy(out, o);
    cipher.getAuthTag().copy(out, o);
    return out;
  }

  /** Parses a CiphertextBlob header without decrypting; InvalidCiphertextException when malformed. */
  inspectCiphertext(blob: Buffer): { keyId: string; materialId: string } {
    return parseHeader(blob);
  }

  /** Decrypts a CiphertextBlob; any mismatch (context, tampering, unknown material) is InvalidCiphertextException. */
  async decrypt(blob: Buffer, context: Record<string, string> | undefined): Promise<DecryptResult> {
    const { keyId, materialId } = parseHeader(blob);
    const aad = encodeContext(context);
    const m = this.cached(keyId, materialId) ?? (await this.material(keyId, materialId));
    if (m === undefined) {
      // A key whose material is gone (deleted imported material) is a state problem, as in AWS.
      if ((await this.kv.list(materialPrefix(keyId))).length === 0) {
        throw awsError('KMSInvalidStateException', `${keyId} has no key material.`);
      }
      throw invalidCiphertext();
    }
    if (m.info.family !== 'aes') throw invalidCiphertext();
    const tagAt = blob.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', m.secret as KeyObject, blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES));
    decipher.setAAD(blob.subarray(0, HEADER_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(blob.subarray(tagAt));
    const body = decipher.update(blob.subarray(HEADER_BYTES + IV_BYTES, tagAt));
    try {
      decipher.final();
    } catch {
      body.fill(0);
      throw invalidCiphertext();
    }
    return { keyId, materialId, plaintext: body };
  }

  // ---- asymmetric encryption ----

  /** RSAES-OAEP encryption with an RSA key (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256). */
  async asymmetricEncrypt(keyId: string, materialId: string, algorithm: string, plaintext: Buffer): Promise<Buffer> {
    checkBuffer(plaintext, 'Plaintext');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    const alg = rsaEncryptionAlgorithm(m, algorithm);
    const max = oaepMaxPlaintext(m.info.modulusBits as number, alg.hashBytes);
    if (plaintext.length > max) {
      throw awsError('ValidationException', `Plaintext must be at most ${max} bytes for ${m.spec} with ${algorithm}.`);
    }
    return publicEncrypt({ key: m.publicKey as KeyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg.hash }, plaintext);
  }

  /** RSAES-OAEP decryption; a ciphertext that does not decrypt is InvalidCiphertextException. */
  async asymmetricDecrypt(keyId: string, materialId: string, algorithm: string, ciphertext: Buffer): Promise<Buffer> {
    checkBuffer(ciphertext, 'CiphertextBlob');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    const alg = rsaEncryptionAlgorithm(m, algorithm);
    if (ciphertext.length !== (m.info.modulusBits as number) / 8) throw invalidCiphertext();
    try {
      return privateDecrypt({ key: m.privateKey as KeyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg.hash }, ciphertext);
    } catch {
      throw invalidCiphertext();
    }
  }

  // ---- signing ----

  /** Signs `message` (RAW: hashed here; DIGEST: already the digest). Returns the signature AWS would. */
  async sign(keyId: string, materialId: string, algorithm: string, message: Buffer, messageType: 'RAW' | 'DIGEST'): Promise<Buffer> {
    checkBuffer(message, 'Message');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    const alg = signingAlgorithm(m, algorithm, message, messageType);
    const key = m.privateKey as KeyObject;
    if (messageType === 'RAW') {
      switch (alg.scheme) {
        case 'pss':
          return nodeSign(alg.hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.digestBytes });
        case 'pkcs1':
          return nodeSign(alg.hash, message, { key, padding: constants.RSA_PKCS1_PADDING });
        case 'ecdsa':
          return nodeSign(alg.hash, message, { key, dsaEncoding: 'der' });
        default:
          return nodeSign(null, message, key); // ed25519
      }
    }
    switch (alg.scheme) {
      case 'pss':
        return pssSignDigest(key, alg.hash, message);
      case 'pkcs1':
        return pkcs1SignDigest(key, alg.hash, message);
      default:
        return ecdsaSignDigest(key, message);
    }
  }

  /** Verifies a signature; false when it does not verify (the service answers KMSInvalidSignatureException). */
  async verify(
    keyId: string,
    materialId: string,
    algorithm: string,
    message: Buffer,
    messageType: 'RAW' | 'DIGEST',
    signature: Buffer,
  ): Promise<boolean> {
    checkBuffer(message, 'Message');
    checkBuffer(signature, 'Signature');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    const alg = signingAlgorithm(m, algorithm, message, messageType);
    const key = m.publicKey as KeyObject;
    try {
      if (messageType === 'RAW') {
        switch (alg.scheme) {
          case 'pss':
            return nodeVerify(alg.hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.digestBytes }, signature);
          case 'pkcs1':
            return nodeVerify(alg.hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
          case 'ecdsa':
            return nodeVerify(alg.hash, message, { key, dsaEncoding: 'der' }, signature);
          default:
            return nodeVerify(null, message, key, signature);
        }
      }
      switch (alg.scheme) {
        case 'pss':
          return pssVerifyDigest(key, alg.hash, message, signature);
        case 'pkcs1':
          return pkcs1VerifyDigest(key, alg.hash, message, signature);
        default:
          return ecdsaVerifyDigest(key, message, signature);
      }
    } catch (e) {
      if (isAwsError(e)) throw e;
      return false; // a malformed signature is just a signature that does not verify
    }
  }

  /** The public key as SubjectPublicKeyInfo DER (what GetPublicKey returns). */
  async getPublicKey(keyId: string, materialId: string): Promise<Buffer> {
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    if (m.publicDer === undefined) throw awsError('UnsupportedOperationException', `${m.spec} keys have no public key.`);
    return Buffer.from(m.publicDer);
  }

  // ---- HMAC ----

  /** HMAC of `message` with an HMAC key; the algorithm must match the key spec. */
  async generateMac(keyId: string, materialId: string, algorithm: string, message: Buffer): Promise<Buffer> {
    checkBuffer(message, 'Message');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    return this.mac(m, algorithm, message);
  }

  /** Constant-time check of `mac`; false when it does not match (the service answers KMSInvalidMacException). */
  async verifyMac(keyId: string, materialId: string, algorithm: string, message: Buffer, mac: Buffer): Promise<boolean> {
    checkBuffer(message, 'Message');
    checkBuffer(mac, 'Mac');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    const expected = this.mac(m, algorithm, message);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  }

  private mac(m: Material, algorithm: string, message: Buffer): Buffer {
    if (m.info.family !== 'hmac') throw usage(m.spec, 'GenerateMac/VerifyMac');
    const spec = MAC_ALGORITHMS[algorithm];
    if (spec === undefined) throw awsError('ValidationException', 'Unsupported MacAlgorithm.');
    if (spec !== m.spec) throw awsError('InvalidKeyUsageException', `${algorithm} is not valid for a ${m.spec} key.`);
    if (message.length > MAX_MESSAGE_BYTES) throw awsError('ValidationException', `Message must be at most ${MAX_MESSAGE_BYTES} bytes.`);
    return createHmac(m.info.hash as string, m.secret as KeyObject).update(message).digest();
  }

  // ---- key agreement ----

  /** ECDH: the raw shared secret (x coordinate) with a peer public key given as SPKI DER. */
  async deriveSharedSecret(keyId: string, materialId: string, peerPublicKeyDer: Buffer): Promise<Buffer> {
    checkBuffer(peerPublicKeyDer, 'PublicKey');
    const m = this.cached(keyId, materialId) ?? (await this.require(keyId, materialId));
    if (m.info.family !== 'ec') throw usage(m.spec, 'DeriveSharedSecret');
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: peerPublicKeyDer, format: 'der', type: 'spki' });
    } catch {
      throw awsError('ValidationException', 'PublicKey is not a valid DER-encoded SubjectPublicKeyInfo.');
    }
    if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== m.info.curve) {
      throw awsError('ValidationException', `PublicKey must be an EC public key on the curve of ${m.spec}.`);
    }
    try {
      return diffieHellman({ privateKey: m.privateKey as KeyObject, publicKey: peer });
    } catch {
      throw awsError('ValidationException', 'PublicKey is not a valid point for key agreement.');
    }
  }

  // ---- data keys (never stored) ----

  /** `n` cryptographically random bytes (data keys, GenerateRandom). */
  static randomBytes(n: number): Buffer {
    if (!Number.isSafeInteger(n) || n < 0 || n > 65536) throw awsError('ValidationException', 'Invalid number of bytes.');
    return randomBytes(n);
  }

  /** A fresh key pair for GenerateDataKeyPair: PKCS#8 private and SPKI public, both DER. */
  static generateDataKeyPair(spec: DataKeyPairSpec): { privateKeyDer: Buffer; publicKeyDer: Buffer } {
    const { privateKey, publicKey } = generateAsymmetricSync(spec);
    return { privateKeyDer: exportPkcs8(privateKey), publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }) };
  }

  /** As {@link generateDataKeyPair}, without blocking the event loop (RSA_4096 takes a while). */
  static async generateDataKeyPairAsync(spec: DataKeyPairSpec): Promise<{ privateKeyDer: Buffer; publicKeyDer: Buffer }> {
    const { privateKey, publicKey } = await generateAsymmetric(spec);
    return { privateKeyDer: exportPkcs8(privateKey), publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }) };
  }

  // ---- imported key material ----

  /**
   * GetParametersForImport: a new RSA wrapping key pair (stored through the KV) and an import
   * token valid 24 hours. RSAES_PKCS1_V1_5 is refused (deprecated by AWS; node refuses PKCS#1 v1.5
   * decryption since CVE-2023-46809).
   */
  async getParametersForImport(keyId: string, wrappingAlgorithm: WrappingAlgorithm, wrappingKeySpec: string, now: Date): Promise<ImportParameters> {
    checkKeyId(keyId);
    if (wrappingAlgorithm === 'RSAES_PKCS1_V1_5') {
      throw awsError('ValidationException', 'The RSAES_PKCS1_V1_5 wrapping algorithm is deprecated and not supported.');
    }
    if (WRAPPING_ALGORITHMS[wrappingAlgorithm] === undefined) throw awsError('ValidationException', 'Unsupported WrappingAlgorithm.');
    const bits = WRAPPING_KEY_BITS[wrappingKeySpec];
    if (bits === undefined) throw awsError('ValidationException', 'Unsupported WrappingKeySpec.');
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
    const validTo = now.getTime() + IMPORT_PARAMETERS_TTL_MS;
    const tokenId = randomBytes(32);
    const pkcs8 = exportPkcs8(privateKey);
    const rec = encodeImport(wrappingAlgorithm, pkcs8);
    pkcs8.fill(0);
    try {
      // Expired parameters are useless: drop them while we are here.
      const stale = (await this.kv.list(importPrefix(keyId))).filter((p) => !(importPathExpiry(p) > now.getTime()));
      await this.kv.batch([
        ...stale.map((key) => ({ op: 'delete' as const, key })),
        { op: 'put', key: importPath(keyId, validTo, tokenId.toString('hex')), value: rec },
      ]);
    } finally {
      rec.fill(0);
    }
    return {
      publicKey: publicKey.export({ format: 'der', type: 'spki' }),
      importToken: encodeToken(keyId, validTo, tokenId),
      parametersValidTo: new Date(validTo),
    };
  }

  /**
   * ImportKeyMaterial: checks the token, unwraps the material, checks its shape for `spec` and
   * stores it. Re-importing must bring the same material (IncorrectKeyMaterialException otherwise);
   * the material id is derived from the material, so a re-import returns the same id.
   */
  async importMaterial(keyId: string, spec: KmsKeySpec, importToken: Buffer, encryptedKeyMaterial: Buffer, now: Date): Promise<string> {
    checkKeyId(keyId);
    if (!isKeySpec(spec)) throw awsError('ValidationException', 'Unsupported KeySpec.');
    checkBuffer(encryptedKeyMaterial, 'EncryptedKeyMaterial');
    const token = decodeToken(importToken);
    if (token === undefined || token.keyId !== keyId) throw awsError('InvalidImportTokenException', 'The import token is invalid for this key.');
    if (token.validTo <= now.getTime()) throw awsError('ExpiredImportTokenException', 'The import token has expired.');
    const rec = await this.kv.get(importPath(keyId, token.validTo, token.id));
    if (rec === undefined) throw awsError('InvalidImportTokenException', 'The import token is invalid for this key.');
    let raw: Buffer;
    try {
      const { algorithm, pkcs8 } = decodeImport(rec);
      const wrappingKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      raw = unwrap(wrappingKey, algorithm, encryptedKeyMaterial);
    } finally {
      rec.fill(0);
    }
    let canonical: Buffer;
    try {
      canonical = canonicalMaterial(spec, raw);
    } finally {
      raw.fill(0);
    }
    try {
      const materialId = createHmac('sha256', canonical).update(MATERIAL_ID_LABEL).update(keyId, 'utf8').digest('hex');
      return await this.exclusive(keyId, async () => {
        const previous = await this.kv.get(importedPath(keyId));
        if (previous !== undefined && previous.toString('utf8') !== `${spec}/${materialId}`) {
          throw awsError('IncorrectKeyMaterialException', 'The key material is not the key material previously imported into this key.');
        }
        const existing = await this.loadAll(keyId);
        if (existing.some((m) => m.materialId === materialId)) return materialId;
        if (existing.length > 0) {
          throw awsError('IncorrectKeyMaterialException', 'The key material is not the key material previously imported into this key.');
        }
        await this.store(keyId, materialId, spec, 'EXTERNAL', 0, canonical, [
          { op: 'put', key: importedPath(keyId), value: Buffer.from(`${spec}/${materialId}`, 'utf8') },
        ]);
        return materialId;
      });
    } finally {
      canonical.fill(0);
    }
  }

  // ---- internals ----

  /** Runs `fn` with no other lifecycle change of `keyId` running in this process. */
  private async exclusive<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(keyId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(keyId, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(keyId) === tail) this.locks.delete(keyId);
    }
  }

  /** Persists a material version and caches it. `bytes` stays the caller's to wipe. */
  private async store(
    keyId: string,
    materialId: string,
    spec: KmsKeySpec,
    origin: Origin,
    seq: number,
    bytes: Buffer,
    extra: { op: 'put'; key: string; value: Buffer }[] = [],
  ): Promise<void> {
    const rec = encodeMaterial(spec, origin, seq, Date.now(), bytes);
    try {
      const m = materialFrom(keyId, materialId, decodeMaterial(rec));
      await this.kv.batch([{ op: 'put', key: materialPath(keyId, materialId), value: rec }, ...extra]);
      this.remember(m);
    } finally {
      rec.fill(0);
    }
  }

  /** The material, or KMSInvalidStateException when it does not exist. */
  private async require(keyId: string, materialId: string): Promise<Material> {
    const m = await this.material(keyId, materialId);
    if (m === undefined) throw awsError('KMSInvalidStateException', `Key material ${materialId} of ${keyId} is not available.`);
    return m;
  }

  /** The material version if it is in memory (refreshing its key's LRU place), without waiting a tick. */
  private cached(keyId: string, materialId: string): Material | undefined {
    const perKey = this.cache.get(keyId);
    const hit = perKey?.get(materialId);
    if (hit !== undefined && keyId !== this.newestKey) {
      // Refresh the key's place in the LRU order (unless it is the newest already: one busy key).
      this.cache.delete(keyId);
      this.cache.set(keyId, perKey as Map<string, Material>);
      this.newestKey = keyId;
    }
    return hit;
  }

  /** The material version (cached), or undefined. Validates both ids. */
  private async material(keyId: string, materialId: string): Promise<Material | undefined> {
    const hit = this.cached(keyId, materialId);
    if (hit !== undefined) return hit;
    checkKeyId(keyId);
    checkMaterialId(materialId);
    const path = materialPath(keyId, materialId);
    let p = this.loading.get(path);
    if (p === undefined) {
      p = this.load(keyId, materialId).finally(() => this.loading.delete(path));
      this.loading.set(path, p);
    }
    return p;
  }

  private async load(keyId: string, materialId: string): Promise<Material | undefined> {
    const rec = await this.kv.get(materialPath(keyId, materialId));
    if (rec === undefined) return undefined;
    try {
      const m = materialFrom(keyId, materialId, decodeMaterial(rec));
      this.remember(m);
      return m;
    } finally {
      rec.fill(0);
    }
  }

  /** All material versions of keyId, oldest first. */
  private async loadAll(keyId: string): Promise<Material[]> {
    const prefix = materialPrefix(keyId);
    const paths = await this.kv.list(prefix);
    const out: Material[] = [];
    for (const path of paths) {
      const m = await this.material(keyId, path.slice(prefix.length));
      if (m !== undefined) out.push(m);
    }
    return out.sort((a, b) => a.seq - b.seq || (a.materialId < b.materialId ? -1 : 1));
  }

  private remember(m: Material): void {
    let perKey = this.cache.get(m.keyId);
    if (perKey === undefined) {
      perKey = new Map();
      this.cache.set(m.keyId, perKey);
      this.newestKey = m.keyId;
      if (this.cache.size > CACHE_KEYS) {
        const oldest = this.cache.keys().next().value as string;
        this.cache.delete(oldest);
      }
    }
    perKey.set(m.materialId, m);
  }
}

/** Builds the in-memory Material (KeyObjects) from a decoded record. */
function materialFrom(keyId: string, materialId: string, rec: ReturnType<typeof decodeMaterial>): Material {
  const info = SPEC_INFO[rec.spec];
  const base = { keyId, materialId, spec: rec.spec, info, origin: rec.origin, seq: rec.seq };
  if (info.family === 'aes') {
    return { ...base, secret: createSecretKey(rec.bytes), header: encodeHeader(keyId, materialId) };
  }
  if (info.family === 'hmac') return { ...base, secret: createSecretKey(rec.bytes) };
  const privateKey = createPrivateKey({ key: rec.bytes, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { ...base, privateKey, publicKey, publicDer: publicKey.export({ format: 'der', type: 'spki' }) };
}

function usage(spec: KmsKeySpec, what: string): Error {
  return awsError('InvalidKeyUsageException', `A ${spec} key cannot be used for ${what}.`);
}

function rsaEncryptionAlgorithm(m: Material, algorithm: string): { hash: 'sha1' | 'sha256'; hashBytes: number } {
  if (m.info.family !== 'rsa') throw usage(m.spec, algorithm === 'SYMMETRIC_DEFAULT' ? 'this operation' : 'RSA encryption');
  const alg = RSA_ENCRYPTION_ALGORITHMS[algorithm];
  if (alg !== undefined) return alg;
  if (algorithm === 'SYMMETRIC_DEFAULT' || algorithm === 'SM2PKE') {
    throw awsError('InvalidKeyUsageException', `${algorithm} is not valid for a ${m.spec} key.`);
  }
  throw awsError('ValidationException', 'Unsupported EncryptionAlgorithm.');
}

function signingAlgorithm(m: Material, algorithm: string, message: Buffer, messageType: string): SigningAlgorithmInfo {
  const allowed = SIGNING_ALGORITHMS_FOR[m.spec];
  if (allowed === undefined) throw usage(m.spec, 'Sign/Verify');
  const alg = SIGNING_ALGORITHMS[algorithm];
  if (alg === undefined) throw awsError('ValidationException', 'Unsupported SigningAlgorithm.');
  if (!allowed.includes(algorithm)) throw awsError('InvalidKeyUsageException', `${algorithm} is not valid for a ${m.spec} key.`);
  if (messageType === 'RAW') {
    if (message.length > MAX_MESSAGE_BYTES) throw awsError('ValidationException', `A RAW message must be at most ${MAX_MESSAGE_BYTES} bytes.`);
  } else if (messageType === 'DIGEST') {
    if (alg.scheme === 'ed25519') throw awsError('ValidationException', 'ED25519_SHA_512 supports only MessageType RAW.');
    if (message.length !== alg.digestBytes) {
      throw awsError('ValidationException', `A DIGEST message for ${algorithm} must be ${alg.digestBytes} bytes.`);
    }
  } else {
    throw awsError('ValidationException', 'Unsupported MessageType.');
  }
  if (alg.scheme === 'ed25519ph') {
    // node:crypto (Node 20) cannot produce Ed25519ph (RFC 8032 prehash) signatures.
    throw awsError('UnsupportedOperationException', 'ED25519_PH_SHA_512 is not supported.');
  }
  return alg;
}

const EC_CURVES: Readonly<Record<string, string>> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
  ECC_SECG_P256K1: 'secp256k1',
};

async function generateAsymmetric(spec: string): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const info = isKeySpec(spec) ? SPEC_INFO[spec] : undefined;
  if (info?.family === 'rsa') return generateKeyPairAsync('rsa', { modulusLength: info.modulusBits as number, publicExponent: 0x10001 });
  if (info?.family === 'ec') return generateKeyPairAsync('ec', { namedCurve: EC_CURVES[spec] as string });
  if (info?.family === 'ed25519') return generateKeyPairAsync('ed25519');
  throw awsError('ValidationException', 'Unsupported key pair spec.');
}

function generateAsymmetricSync(spec: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const info = isKeySpec(spec) ? SPEC_INFO[spec] : undefined;
  if (info?.family === 'rsa') return generateKeyPairSync('rsa', { modulusLength: info.modulusBits as number, publicExponent: 0x10001 });
  if (info?.family === 'ec') return generateKeyPairSync('ec', { namedCurve: EC_CURVES[spec] as string });
  if (info?.family === 'ed25519') return generateKeyPairSync('ed25519');
  throw awsError('ValidationException', 'Unsupported key pair spec.');
}

/** Unwraps imported key material; anything that does not decrypt is InvalidCiphertextException. */
function unwrap(wrappingKey: KeyObject, algorithm: WrappingAlgorithm, wrapped: Buffer): Buffer {
  const alg = WRAPPING_ALGORITHMS[algorithm];
  if (alg === undefined) throw invalidCiphertext();
  const k = (wrappingKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const oaep = { key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg.hash };
  try {
    if (!alg.aesKeyWrap) {
      if (wrapped.length !== k) throw invalidCiphertext();
      return privateDecrypt(oaep, wrapped);
    }
    // RSA_AES_KEY_WRAP: RSA-OAEP(ephemeral AES-256 key) || AES-KWP(material) (RFC 5649).
    if (wrapped.length < k + 16) throw invalidCiphertext();
    const aesKey = privateDecrypt(oaep, wrapped.subarray(0, k));
    try {
      if (aesKey.length !== 32) throw invalidCiphertext();
      const d = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
      const a = d.update(wrapped.subarray(k));
      const b = d.final();
      const out = Buffer.concat([a, b]);
      a.fill(0);
      b.fill(0);
      return out;
    } finally {
      aesKey.fill(0);
    }
  } catch {
    throw invalidCiphertext();
  }
}

/**
 * Checks imported material's shape for `spec` and returns its canonical bytes (a new Buffer the
 * caller wipes): the raw key for AES and HMAC, node's PKCS#8 DER re-encoding for key pairs.
 */
function canonicalMaterial(spec: KmsKeySpec, raw: Buffer): Buffer {
  const info = SPEC_INFO[spec];
  const wrong = (why: string): Error => awsError('IncorrectKeyMaterialException', `The key material is not valid for ${spec}: ${why}.`);
  if (info.family === 'aes') {
    if (raw.length !== 32) throw wrong('it must be 32 bytes');
    return Buffer.from(raw);
  }
  if (info.family === 'hmac') {
    const min = info.minImportBytes as number;
    const max = info.maxImportBytes as number;
    if (raw.length < min || raw.length > max) throw wrong(`it must be ${min} to ${max} bytes`);
    return Buffer.from(raw);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: raw, format: 'der', type: 'pkcs8' });
  } catch {
    throw wrong('it is not a DER-encoded PKCS#8 private key');
  }
  const d = key.asymmetricKeyDetails;
  const ok =
    (info.family === 'rsa' && key.asymmetricKeyType === 'rsa' && d?.modulusLength === info.modulusBits) ||
    (info.family === 'ec' && key.asymmetricKeyType === 'ec' && d?.namedCurve === info.curve) ||
    (info.family === 'ed25519' && key.asymmetricKeyType === 'ed25519');
  if (!ok) throw wrong('the key type or size does not match');
  return exportPkcs8(key);
}
