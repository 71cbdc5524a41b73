/**
 * The barrier's value format: `version (1) | term (uint32 BE) | nonce (12) | AES-256-GCM ciphertext | tag (16)`,
 * authenticated with additional data = the storage path, so a value cannot be moved to another path.
 * The root key and keyring records use the same format with term 0.
 */
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';
import { BarrierError } from './errors.js';

/** The current (only) format version byte. */
export const FORMAT_VERSION = 1;
const TERM_OFFSET = 1;
const NONCE_OFFSET = 5;
const NONCE_LEN = 12;
/** Bytes before the ciphertext. */
export const HEADER_LEN = NONCE_OFFSET + NONCE_LEN;
/** The GCM tag length. */
export const TAG_LEN = 16;
/** Term number reserved for records encrypted with the unseal key or root key. */
export const CONTROL_TERM = 0;

// Nonces are drawn from a pool refilled 256 at a time: one randomFillSync call costs about as much
// as the whole AES-GCM encryption of a small value. Nonces are public, so pooling exposes nothing.
const NONCE_POOL = Buffer.alloc(NONCE_LEN * 256);
let noncePos = NONCE_POOL.length;

function nextNonce(into: Buffer, offset: number): void {
  if (noncePos === NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePos = 0;
  }
  NONCE_POOL.copy(into, offset, noncePos, noncePos + NONCE_LEN);
  noncePos += NONCE_LEN;
}

/** Encrypts `plaintext` under `key`, labelled with `term`, bound to `aad`. */
export function encrypt(key: KeyObject, term: number, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LEN + plaintext.length + TAG_LEN);
  out[0] = FORMAT_VERSION;
  out.writeUInt32BE(term, TERM_OFFSET);
  nextNonce(out, NONCE_OFFSET);
  const nonce = out.subarray(NONCE_OFFSET, HEADER_LEN);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
  cipher.setAAD(aad);
  let pos = HEADER_LEN;
  // An empty value (index entries) needs no update(): GCM then only authenticates the AAD.
  if (plaintext.length > 0) pos += cipher.update(plaintext).copy(out, pos);
  pos += cipher.final().copy(out, pos);
  cipher.getAuthTag().copy(out, pos);
  return out;
}

/** The term a stored value was encrypted under; throws 'Format' if it is not a barrier value. */
export function termOf(stored: Buffer, path: string): number {
  if (stored.length < HEADER_LEN + TAG_LEN || stored[0] !== FORMAT_VERSION) {
    throw new BarrierError('Format', `value at ${JSON.stringify(path)} is not in the barrier format`);
  }
  return stored.readUInt32BE(TERM_OFFSET);
}

/** Decrypts a value produced by {@link encrypt}; throws 'Integrity' if authentication fails. */
export function decrypt(key: KeyObject, stored: Buffer, aad: Uint8Array, path: string): Buffer {
  termOf(stored, path);
  const end = stored.length - TAG_LEN;
  const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(NONCE_OFFSET, HEADER_LEN), {
    authTagLength: TAG_LEN,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(stored.subarray(end));
  const body = decipher.update(stored.subarray(HEADER_LEN, end));
  try {
    decipher.final();
  } catch {
    body.fill(0);
    throw new BarrierError(
      'Integrity',
      `value at ${JSON.stringify(path)} failed authentication (tampered, moved from another path, or wrong key)`,
    );
  }
  return body;
}
