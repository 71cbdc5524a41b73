/**
 * Storage layout and binary records of the keystore. Every record is written through the KVStore
 * the keystore was given (the encrypting barrier), never anywhere else.
 *
 *   kms/material/<keyId>/<materialId>   material record (key bytes)
 *   kms/import/<keyId>/<validTo>.<token> wrapping key of a GetParametersForImport call
 *   kms/imported/<keyId>                 id of the material imported for an EXTERNAL key (no key bytes)
 */
import { isKeySpec, type KmsKeySpec, type WrappingAlgorithm } from './specs.js';

export const MATERIAL_PREFIX = 'kms/material/';
export const IMPORT_PREFIX = 'kms/import/';
export const IMPORTED_PREFIX = 'kms/imported/';

export const materialPrefix = (keyId: string): string => `${MATERIAL_PREFIX}${keyId}/`;
export const materialPath = (keyId: string, materialId: string): string => `${MATERIAL_PREFIX}${keyId}/${materialId}`;
export const importPrefix = (keyId: string): string => `${IMPORT_PREFIX}${keyId}/`;
export const importedPath = (keyId: string): string => `${IMPORTED_PREFIX}${keyId}`;

/** Where key material came from. */
export type Origin = 'AWS_KMS' | 'EXTERNAL';

/** A decoded material record. `bytes` is a view of the record buffer: wipe the record after use. */
export interface MaterialRecord {
  readonly spec: KmsKeySpec;
  readonly origin: Origin;
  /** Creation order among the key's material versions (0 = first). */
  readonly seq: number;
  readonly createdAt: number;
  /** Raw bytes (AES, HMAC) or PKCS#8 DER (asymmetric). */
  readonly bytes: Buffer;
}

const RECORD_VERSION = 1;

/** version u8 | spec len u8 | spec | origin u8 | seq u32 | createdAt f64 | bytes. */
export function encodeMaterial(spec: KmsKeySpec, origin: Origin, seq: number, createdAt: number, bytes: Buffer): Buffer {
  const specBytes = Buffer.from(spec, 'latin1');
  const out = Buffer.alloc(2 + specBytes.length + 1 + 4 + 8 + bytes.length);
  let o = 0;
  out[o++] = RECORD_VERSION;
  out[o++] = specBytes.length;
  o += specBytes.copy(out, o);
  out[o++] = origin === 'EXTERNAL' ? 1 : 0;
  out.writeUInt32BE(seq, o);
  o += 4;
  out.writeDoubleBE(createdAt, o);
  o += 8;
  bytes.copy(out, o);
  return out;
}

/** Decodes a material record; throws a plain Error (an internal fault) when it is corrupt. */
export function decodeMaterial(rec: Buffer): MaterialRecord {
  if (rec.length < 2 || rec[0] !== RECORD_VERSION) throw new Error('corrupt key material record');
  const specLen = rec[1] as number;
  const spec = rec.toString('latin1', 2, 2 + specLen);
  let o = 2 + specLen;
  if (!isKeySpec(spec) || rec.length < o + 13) throw new Error('corrupt key material record');
  const origin: Origin = rec[o++] === 1 ? 'EXTERNAL' : 'AWS_KMS';
  const seq = rec.readUInt32BE(o);
  o += 4;
  const createdAt = rec.readDoubleBE(o);
  o += 8;
  return { spec, origin, seq, createdAt, bytes: rec.subarray(o) };
}

/** A decoded import (wrapping key) record; `pkcs8` is a view: wipe the record after use. */
export interface ImportRecord {
  readonly algorithm: WrappingAlgorithm;
  readonly pkcs8: Buffer;
}

/** version u8 | algorithm len u8 | algorithm | PKCS#8 DER of the wrapping private key. */
export function encodeImport(algorithm: WrappingAlgorithm, pkcs8: Buffer): Buffer {
  const alg = Buffer.from(algorithm, 'latin1');
  const out = Buffer.alloc(2 + alg.length + pkcs8.length);
  out[0] = RECORD_VERSION;
  out[1] = alg.length;
  alg.copy(out, 2);
  pkcs8.copy(out, 2 + alg.length);
  return out;
}

export function decodeImport(rec: Buffer): ImportRecord {
  if (rec.length < 2 || rec[0] !== RECORD_VERSION) throw new Error('corrupt import record');
  const len = rec[1] as number;
  return { algorithm: rec.toString('latin1', 2, 2 + len) as WrappingAlgorithm, pkcs8: rec.subarray(2 + len) };
}

/** The import token: version u8 | validTo (ms) f64 | 32 random bytes | key id (UTF-8). */
export interface ImportToken {
  readonly keyId: string;
  readonly validTo: number;
  readonly id: string;
}

const TOKEN_VERSION = 1;
const TOKEN_ID_BYTES = 32;

export function encodeToken(keyId: string, validTo: number, id: Buffer): Buffer {
  const k = Buffer.from(keyId, 'utf8');
  const out = Buffer.alloc(1 + 8 + TOKEN_ID_BYTES + k.length);
  out[0] = TOKEN_VERSION;
  out.writeDoubleBE(validTo, 1);
  id.copy(out, 9);
  k.copy(out, 9 + TOKEN_ID_BYTES);
  return out;
}

/** Parses an import token; undefined when malformed. */
export function decodeToken(token: Buffer): ImportToken | undefined {
  if (!Buffer.isBuffer(token) || token.length < 1 + 8 + TOKEN_ID_BYTES + 1 || token.length > 128 || token[0] !== TOKEN_VERSION) {
    return undefined;
  }
  const validTo = token.readDoubleBE(1);
  if (!Number.isSafeInteger(validTo) || validTo < 0) return undefined;
  return {
    validTo,
    id: token.toString('hex', 9, 9 + TOKEN_ID_BYTES),
    keyId: token.toString('utf8', 9 + TOKEN_ID_BYTES),
  };
}

/** The path of an import record: expiry first so expired ones are found by listing alone. */
export function importPath(keyId: string, validTo: number, tokenId: string): string {
  return `${importPrefix(keyId)}${String(validTo).padStart(15, '0')}.${tokenId}`;
}

/** The expiry encoded in an import record's path, or NaN. */
export function importPathExpiry(path: string): number {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return Number(name.slice(0, name.indexOf('.')));
}
