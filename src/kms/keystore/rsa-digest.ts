/**
 * RSA signatures over a precomputed digest (Sign/Verify with MessageType DIGEST). node:crypto's
 * sign/verify hash the message themselves, so the encodings are built here (RFC 8017) and the RSA
 * primitive runs in OpenSSL: PKCS#1 v1.5 as privateEncrypt(DigestInfo || digest) with type-1
 * padding, PSS as EMSA-PSS-ENCODE then privateEncrypt without padding.
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** DER DigestInfo prefixes (RFC 8017 section 9.2, note 1). */
const DIGEST_INFO: Readonly<Record<string, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

function digestInfo(hash: string, digest: Buffer): Buffer {
  const prefix = DIGEST_INFO[hash];
  if (prefix === undefined) throw new Error(`no DigestInfo for ${hash}`);
  return Buffer.concat([prefix, digest]);
}

/** RSASSA-PKCS1-v1_5 signature of `digest` (already hashed with `hash`). */
export function pkcs1SignDigest(privateKey: KeyObject, hash: string, digest: Buffer): Buffer {
  return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest));
}

/** Verifies an RSASSA-PKCS1-v1_5 signature over `digest`. */
export function pkcs1VerifyDigest(publicKey: KeyObject, hash: string, digest: Buffer, signature: Buffer): boolean {
  const k = (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (signature.length !== k) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = digestInfo(hash, digest);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

/** MGF1 (RFC 8017 B.2.1) with `hash`. */
function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  let o = 0;
  for (let i = 0; o < length; i++) {
    counter.writeUInt32BE(i, 0);
    o += createHash(hash).update(seed).update(counter).digest().copy(out, o);
  }
  return out;
}

/** RSASSA-PSS signature of `digest` with MGF1(hash) and salt length = digest length (as AWS). */
export function pssSignDigest(privateKey: KeyObject, hash: string, digest: Buffer): Buffer {
  const modBits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = digest.length;
  const sLen = hLen;
  if (emLen < hLen + sLen + 2) throw new Error('modulus too small for PSS');
  const salt = randomBytes(sLen);
  const H = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  salt.copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(hash, H, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  const em = Buffer.concat([db, H, Buffer.from([0xbc])]);
  // The modulus sizes KMS uses are multiples of 8, so emLen equals the modulus length here.
  const k = modBits / 8;
  const input = em.length === k ? em : Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, input);
}

/** Verifies an RSASSA-PSS signature (salt length = digest length) over `digest`. */
export function pssVerifyDigest(publicKey: KeyObject, hash: string, digest: Buffer, signature: Buffer): boolean {
  const modBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = modBits / 8;
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m.length < emLen) m = Buffer.concat([Buffer.alloc(emLen - m.length), m]);
  if (m.length > emLen) {
    for (let i = 0; i < m.length - emLen; i++) if (m[i] !== 0) return false;
    m = m.subarray(m.length - emLen);
  }
  const hLen = digest.length;
  const sLen = hLen;
  if (emLen < hLen + sLen + 2 || m[emLen - 1] !== 0xbc) return false;
  const maskedDb = m.subarray(0, emLen - hLen - 1);
  const H = m.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 8 * emLen - emBits;
  if (((maskedDb[0] as number) & ~(0xff >> topBits) & 0xff) !== 0) return false;
  const mask = mgf1(hash, H, maskedDb.length);
  const db = Buffer.allocUnsafe(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> topBits);
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const H2 = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(H, H2);
}
