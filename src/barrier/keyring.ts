/**
 * The keyring: numbered terms, each a 32-byte AES-256-GCM key. The active term encrypts new
 * writes; every term decrypts. Serialised (binary, so it can be wiped) as
 * `version (1) | activeTerm (u32) | count (u32) | count x [term (u32) | installedAt ms (u64) | key (32)]`
 * and stored encrypted under the root key at `core/keyring`.
 */
import { createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CONTROL_TERM, decrypt, encrypt } from './envelope.js';
import { BarrierError } from './errors.js';

/** Reserved storage paths; the barrier refuses user access to everything under `core/`. */
export const CORE_PREFIX = 'core/';
/** The root key, encrypted under the unseal key. */
export const ROOT_KEY_PATH = 'core/root-key';
/** The keyring, encrypted under the root key. */
export const KEYRING_PATH = 'core/keyring';
/** The seal configuration, plaintext JSON. */
export const SEAL_CONFIG_PATH = 'core/seal-config';

const ROOT_KEY_AAD = Buffer.from(ROOT_KEY_PATH);
const KEYRING_AAD = Buffer.from(KEYRING_PATH);
const KEYRING_VERSION = 1;
const ENTRY_LEN = 4 + 8 + 32;
/** Key length of every term, the root key and the unseal key. */
export const KEY_LEN = 32;

/** One term of the keyring. */
export interface Term {
  readonly term: number;
  readonly key: Buffer;
  readonly keyObject: KeyObject;
  readonly installedAt: number;
}

function makeTerm(term: number, key: Buffer, installedAt: number): Term {
  return { term, key, keyObject: createSecretKey(key), installedAt };
}

/** An immutable set of terms; rotation builds a new Keyring. */
export class Keyring {
  private readonly terms: Map<number, Term>;
  /** The term that encrypts new writes. */
  readonly active: Term;

  private constructor(terms: Map<number, Term>, activeTerm: number) {
    const active = terms.get(activeTerm);
    if (active === undefined) throw new BarrierError('Format', 'keyring: active term missing');
    this.terms = terms;
    this.active = active;
  }

  /** A fresh keyring with term 1. */
  static create(now = Date.now()): Keyring {
    return new Keyring(new Map([[1, makeTerm(1, randomBytes(KEY_LEN), now)]]), 1);
  }

  /** Parses a serialised keyring. The input is not retained (the caller wipes it). */
  static parse(buf: Buffer): Keyring {
    if (buf.length < 9 || buf[0] !== KEYRING_VERSION) throw new BarrierError('Format', 'keyring: bad header');
    const activeTerm = buf.readUInt32BE(1);
    const count = buf.readUInt32BE(5);
    if (buf.length !== 9 + count * ENTRY_LEN) throw new BarrierError('Format', 'keyring: bad length');
    const terms = new Map<number, Term>();
    for (let i = 0, off = 9; i < count; i++, off += ENTRY_LEN) {
      const term = buf.readUInt32BE(off);
      const installedAt = Number(buf.readBigUInt64BE(off + 4));
      if (term === CONTROL_TERM || terms.has(term)) throw new BarrierError('Format', 'keyring: bad term');
      terms.set(term, makeTerm(term, Buffer.from(buf.subarray(off + 12, off + 12 + KEY_LEN)), installedAt));
    }
    return new Keyring(terms, activeTerm);
  }

  /** The serialised form; the caller wipes it after use. */
  serialize(): Buffer {
    const out = Buffer.alloc(9 + this.terms.size * ENTRY_LEN);
    out[0] = KEYRING_VERSION;
    out.writeUInt32BE(this.active.term, 1);
    out.writeUInt32BE(this.terms.size, 5);
    let off = 9;
    for (const t of [...this.terms.values()].sort((a, b) => a.term - b.term)) {
      out.writeUInt32BE(t.term, off);
      out.writeBigUInt64BE(BigInt(t.installedAt), off + 4);
      t.key.copy(out, off + 12);
      off += ENTRY_LEN;
    }
    return out;
  }

  /** The term numbered `term`, if present. */
  get(term: number): Term | undefined {
    return this.terms.get(term);
  }

  /** Number of terms. */
  get size(): number {
    return this.terms.size;
  }

  /** The highest term number. */
  get maxTerm(): number {
    let m = 0;
    for (const t of this.terms.keys()) if (t > m) m = t;
    return m;
  }

  /** A copy with a new random term (max + 1) made active. */
  withNewTerm(now = Date.now()): Keyring {
    const terms = this.copyTerms();
    const next = this.maxTerm + 1;
    if (next > 0xffffffff) throw new BarrierError('Format', 'keyring: term space exhausted');
    terms.set(next, makeTerm(next, randomBytes(KEY_LEN), now));
    return new Keyring(terms, next);
  }

  /**
   * The union of this keyring and `other` (another node's view), with the higher active term.
   * Throws 'KeyringConflict' if both hold different keys for one term.
   */
  merge(other: Keyring): Keyring {
    const terms = this.copyTerms();
    for (const t of other.terms.values()) {
      const mine = terms.get(t.term);
      if (mine === undefined) terms.set(t.term, makeTerm(t.term, Buffer.from(t.key), t.installedAt));
      else if (!timingSafeEqual(mine.key, t.key)) {
        for (const c of terms.values()) c.key.fill(0);
        throw new BarrierError('KeyringConflict', `keyring: two different keys for term ${t.term}`);
      }
    }
    return new Keyring(terms, Math.max(this.active.term, other.active.term));
  }

  /** Overwrites every raw key with zeros. KeyObjects are released by dropping the Keyring. */
  zero(): void {
    for (const t of this.terms.values()) t.key.fill(0);
  }

  private copyTerms(): Map<number, Term> {
    const terms = new Map<number, Term>();
    for (const t of this.terms.values()) terms.set(t.term, makeTerm(t.term, Buffer.from(t.key), t.installedAt));
    return terms;
  }
}

/** Encrypts the keyring under the root key for storage at KEYRING_PATH. */
export function sealKeyring(rootKey: KeyObject, keyring: Keyring): Buffer {
  const plain = keyring.serialize();
  try {
    return encrypt(rootKey, CONTROL_TERM, plain, KEYRING_AAD);
  } finally {
    plain.fill(0);
  }
}

/** Decrypts and parses a stored keyring record. */
export function openKeyring(rootKey: KeyObject, stored: Buffer): Keyring {
  const plain = decrypt(rootKey, stored, KEYRING_AAD, KEYRING_PATH);
  try {
    return Keyring.parse(plain);
  } finally {
    plain.fill(0);
  }
}

/** Encrypts the root key under the unseal key for storage at ROOT_KEY_PATH. */
export function sealRootKey(unsealKey: Buffer, rootKey: Buffer): Buffer {
  return encrypt(createSecretKey(unsealKey), CONTROL_TERM, rootKey, ROOT_KEY_AAD);
}

/** Decrypts the root key; throws BarrierError 'InvalidUnsealKey' if `unsealKey` is wrong. */
export function openRootKey(unsealKey: Buffer, stored: Buffer): Buffer {
  if (unsealKey.length !== KEY_LEN) throw new BarrierError('InvalidUnsealKey', 'invalid unseal key');
  let root: Buffer;
  try {
    root = decrypt(createSecretKey(unsealKey), stored, ROOT_KEY_AAD, ROOT_KEY_PATH);
  } catch (e) {
    if (e instanceof BarrierError && e.code === 'Integrity') throw new BarrierError('InvalidUnsealKey', 'invalid unseal key');
    throw e;
  }
  if (root.length !== KEY_LEN) {
    root.fill(0);
    throw new BarrierError('Format', 'root key record has the wrong length');
  }
  return root;
}
