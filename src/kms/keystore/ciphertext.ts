/**
 * The symmetric CiphertextBlob format (docs/kms-ciphertext.md) and the encryption-context AAD
 * encoding. Only layout here: no key material.
 *
 *   version (1) | key id (16) | material id (32) | IV (12) | AES-256-GCM ciphertext | tag (16)
 *
 * version 0x01: the key id is a UUID; 0x02: the key id is a multi-Region id `mrk-<32 hex>`.
 * AAD = header (the first 49 bytes) || encodeContext(context).
 */
import { awsError } from '../../errors/index.js';

/** Format version for UUID key ids. */
export const VERSION_UUID = 0x01;
/** Format version for multi-Region key ids (`mrk-` + 32 hex). */
export const VERSION_MRK = 0x02;
export const KEY_ID_BYTES = 16;
export const MATERIAL_ID_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** version + key id + material id: the bytes that name the key. */
export const HEADER_BYTES = 1 + KEY_ID_BYTES + MATERIAL_ID_BYTES;
/** Header + IV + tag: the ciphertext overhead over the plaintext. */
export const OVERHEAD_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK_RE = /^mrk-[0-9a-f]{32}$/;
const MATERIAL_ID_RE = /^[0-9a-f]{64}$/;

/** True for a key id the keystore accepts: a lowercase UUID or `mrk-` + 32 lowercase hex. */
export function isKeyId(keyId: string): boolean {
  return UUID_RE.test(keyId) || MRK_RE.test(keyId);
}

/** True for a material id: 64 lowercase hex characters. */
export function isMaterialId(id: string): boolean {
  return MATERIAL_ID_RE.test(id);
}

/** Throws ValidationException unless `keyId` is a key id the keystore accepts. */
export function checkKeyId(keyId: string): void {
  if (typeof keyId !== 'string' || !isKeyId(keyId)) throw awsError('ValidationException', 'Invalid key id.');
}

/** Throws ValidationException unless `id` is a material id. */
export function checkMaterialId(id: string): void {
  if (typeof id !== 'string' || !isMaterialId(id)) throw awsError('ValidationException', 'Invalid key material id.');
}

/** The 49-byte header naming `keyId` and `materialId` (both already validated). */
export function encodeHeader(keyId: string, materialId: string): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  if (keyId.startsWith('mrk-')) {
    h[0] = VERSION_MRK;
    h.write(keyId.slice(4), 1, KEY_ID_BYTES, 'hex');
  } else {
    h[0] = VERSION_UUID;
    h.write(keyId.replace(/-/g, ''), 1, KEY_ID_BYTES, 'hex');
  }
  h.write(materialId, 1 + KEY_ID_BYTES, MATERIAL_ID_BYTES, 'hex');
  return h;
}

/** The parsed header of a blob. */
export interface BlobHeader {
  readonly keyId: string;
  readonly materialId: string;
}

function invalidCiphertext(): Error {
  return awsError('InvalidCiphertextException', 'The ciphertext is invalid.');
}

/** Parses a blob's header; throws InvalidCiphertextException unless the blob is well formed. */
export function parseHeader(blob: Buffer): BlobHeader {
  if (!Buffer.isBuffer(blob) || blob.length < OVERHEAD_BYTES) throw invalidCiphertext();
  const version = blob[0];
  const hex = blob.toString('hex', 1, 1 + KEY_ID_BYTES);
  let keyId: string;
  if (version === VERSION_UUID) {
    keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } else if (version === VERSION_MRK) {
    keyId = `mrk-${hex}`;
  } else {
    throw invalidCiphertext();
  }
  return { keyId, materialId: blob.toString('hex', 1 + KEY_ID_BYTES, HEADER_BYTES) };
}

/**
 * The AAD encoding of an encryption context: u32 count, then for each pair sorted by the UTF-8
 * bytes of its key: u32 len(key) key u32 len(value) value (lengths big-endian, in bytes).
 * An absent and an empty context encode identically (count 0).
 */
export function encodeContext(context: Record<string, string> | undefined): Buffer {
  if (context === undefined || context === null) return Buffer.alloc(4);
  if (typeof context !== 'object') throw awsError('ValidationException', 'EncryptionContext must be a map of strings.');
  const names = Object.keys(context);
  if (names.length === 0) return Buffer.alloc(4);
  const pairs: [Buffer, Buffer][] = new Array(names.length);
  let size = 4;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const value = context[name];
    if (typeof value !== 'string') throw awsError('ValidationException', 'EncryptionContext values must be strings.');
    const k = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    pairs[i] = [k, v];
    size += 8 + k.length + v.length;
  }
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(pairs.length, 0);
  let o = 4;
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i] as [Buffer, Buffer];
    out.writeUInt32BE(k.length, o);
    o += 4;
    o += k.copy(out, o);
    out.writeUInt32BE(v.length, o);
    o += 4;
    o += v.copy(out, o);
  }
  return out;
}
