/**
 * The digest signing keys: RSA 2048 key pairs generated here and kept only in the KVStore (the
 * encrypting barrier), rotated on a schedule. Each key has a validity window; ListPublicKeys and
 * `trail validate` use the public halves, identified by fingerprint (hex MD5 of the DER SPKI).
 * The private key leaves this module only as a signing function.
 */
import { createHash, createPrivateKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KVStore } from '../storage/index.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const PREFIX = 'audit/keys/';

/** Default rotation: a new signing key every day. */
export const DEFAULT_KEY_ROTATION_MS = 86_400_000;

/** A public key as ListPublicKeys reports it. */
export interface DigestPublicKey {
  readonly fingerprint: string;
  /** DER-encoded SubjectPublicKeyInfo. */
  readonly value: Buffer;
  readonly validityStart: Date;
  /** When the key was replaced, or (current key) when it is due to be. */
  readonly validityEnd: Date;
}

/** The current key's signing capability. */
export interface DigestSigner {
  readonly fingerprint: string;
  /** SHA256withRSA signature of `data`, hex. */
  sign(data: Buffer | string): string;
}

interface StoredKey {
  readonly fingerprint: string;
  readonly publicKeyDer: string;
  readonly privateKeyDer: string;
  readonly validityStart: string;
  readonly validityEnd?: string;
}

/** Hex MD5 of a DER public key: CloudTrail's public key fingerprint. */
export function fingerprintOf(der: Buffer): string {
  return createHash('md5').update(der).digest('hex');
}

/** The signing keys of the digest chain. Call load() before use. */
export class DigestKeyStore {
  private keys: { path: string; stored: StoredKey }[] = [];
  private currentKey: KeyObject | undefined;
  private rotating: Promise<DigestSigner> | undefined;

  private readonly rotationMs: number;

  constructor(
    private readonly kv: KVStore,
    opts: { readonly rotationMs?: number } = {},
  ) {
    this.rotationMs = opts.rotationMs ?? DEFAULT_KEY_ROTATION_MS;
  }

  /** (Re-)loads the stored keys (after every unseal). */
  async load(): Promise<void> {
    const keys: { path: string; stored: StoredKey }[] = [];
    for (const path of await this.kv.list(PREFIX)) {
      const v = await this.kv.get(path);
      if (v) keys.push({ path, stored: JSON.parse(v.toString('utf8')) as StoredKey });
    }
    this.keys = keys;
    this.currentKey = undefined;
  }

  /** Drops the cached private key (at seal). */
  unload(): void {
    this.currentKey = undefined;
  }

  /** The key to sign with at `now`, generating (rotating to) a new one when due. */
  async signer(now: Date): Promise<DigestSigner> {
    const last = this.keys[this.keys.length - 1];
    if (last && this.currentKey === undefined) this.currentKey = createPrivateKey({ key: Buffer.from(last.stored.privateKeyDer, 'base64'), format: 'der', type: 'pkcs8' });
    if (last && now.getTime() - Date.parse(last.stored.validityStart) < this.rotationMs) return this.wrap(last.stored.fingerprint);
    this.rotating ??= this.rotate(now).finally(() => (this.rotating = undefined));
    return this.rotating;
  }

  private wrap(fingerprint: string): DigestSigner {
    const key = this.currentKey as KeyObject;
    return { fingerprint, sign: (data) => sign('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, key).toString('hex') };
  }

  private async rotate(now: Date): Promise<DigestSigner> {
    const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const pub = publicKey.export({ type: 'spki', format: 'der' });
    const priv = privateKey.export({ type: 'pkcs8', format: 'der' });
    const fingerprint = fingerprintOf(pub);
    const stored: StoredKey = { fingerprint, publicKeyDer: pub.toString('base64'), privateKeyDer: priv.toString('base64'), validityStart: now.toISOString() };
    priv.fill(0);
    const path = PREFIX + String(now.getTime()).padStart(16, '0') + '-' + fingerprint;
    const prev = this.keys[this.keys.length - 1];
    const ended = prev ? { path: prev.path, stored: { ...prev.stored, validityEnd: now.toISOString() } } : undefined;
    await this.kv.batch([
      ...(ended ? [{ op: 'put' as const, key: ended.path, value: Buffer.from(JSON.stringify(ended.stored)) }] : []),
      { op: 'put', key: path, value: Buffer.from(JSON.stringify(stored)) },
    ]);
    if (ended && prev) this.keys[this.keys.length - 1] = ended;
    this.keys.push({ path, stored });
    this.currentKey = privateKey;
    return this.wrap(fingerprint);
  }

  /** Every public key, oldest first. */
  publicKeys(): DigestPublicKey[] {
    return this.keys.map(({ stored }) => {
      const start = new Date(stored.validityStart);
      return {
        fingerprint: stored.fingerprint,
        value: Buffer.from(stored.publicKeyDer, 'base64'),
        validityStart: start,
        validityEnd: stored.validityEnd ? new Date(stored.validityEnd) : new Date(start.getTime() + this.rotationMs),
      };
    });
  }
}
