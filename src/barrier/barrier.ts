/**
 * The encrypting barrier: a KVStore over an untrusted PhysicalBackend in which every value is
 * AES-256-GCM encrypted under the keyring's active term, bound to its path. Paths stay plaintext
 * (backends must range-scan them). While sealed, no key is in memory and every call fails.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { awsError } from '../errors/index.js';
import type { BatchOp, KVStore, PhysicalBackend } from '../storage/index.js';
import { decrypt, encrypt, termOf } from './envelope.js';
import { BarrierError } from './errors.js';
import { CORE_PREFIX, KEYRING_PATH, Keyring, openKeyring, sealKeyring } from './keyring.js';

/** Installs the root key and loads the keyring (SealManager only: the symbol is not exported from index.ts). */
export const kUnseal: unique symbol = Symbol('bulwark.barrier.unseal');
/** Seals the barrier (SealManager only). */
export const kSeal: unique symbol = Symbol('bulwark.barrier.seal');

/** After a reload that did not find a term, wait this long before reloading for it again. */
const RELOAD_RETRY_MS = 2000;

/** The encrypting barrier. Obtain it from SealManager; it is sealed until the seal manager unseals it. */
export class Barrier implements KVStore {
  private readonly backend: PhysicalBackend;
  private rootKey: Buffer | undefined;
  private rootKeyObject: KeyObject | undefined;
  private keyring: Keyring | undefined;
  private reloading: Promise<void> | undefined;
  private readonly reloadAttempts = new Map<number, { at: number; done: Promise<void> }>();
  private rotating: Promise<unknown> = Promise.resolve();

  constructor(backend: PhysicalBackend) {
    this.backend = backend;
  }

  /** True while no keys are loaded. */
  get sealed(): boolean {
    return this.keyring === undefined;
  }

  /** Number of keyring terms, or undefined while sealed. */
  get termCount(): number | undefined {
    return this.keyring?.size;
  }

  /** The term new writes are encrypted under, or undefined while sealed. */
  get activeTerm(): number | undefined {
    return this.keyring?.active.term;
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.unsealedKeyring();
    checkUserPath(key);
    const stored = await this.backend.get(key);
    if (stored === undefined) return undefined;
    return this.open(key, stored);
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.unsealedKeyring();
    checkUserPath(key);
    await this.backend.put(key, this.seal(key, value));
  }

  async delete(key: string): Promise<void> {
    this.unsealedKeyring();
    checkUserPath(key);
    await this.backend.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.unsealedKeyring();
    checkUserPath(prefix);
    const keys = await this.backend.list(prefix);
    // A short prefix ('', 'c', ..., 'core') also matches the reserved paths: hide them.
    if (!CORE_PREFIX.startsWith(prefix)) return keys;
    return keys.filter((k) => !k.startsWith(CORE_PREFIX));
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    await this.backend.batch(this.sealOps(ops));
  }

  settle(): void {
    this.backend.settle?.();
  }

  /** Checks every op's path and encrypts the puts (the one validation/sealing step of batch writes). */
  private sealOps(ops: readonly BatchOp[]): BatchOp[] {
    this.unsealedKeyring();
    const sealed: BatchOp[] = new Array<BatchOp>(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as BatchOp;
      checkUserPath(op.key);
      if (op.op === 'put') sealed[i] = { op: 'put', key: op.key, value: this.seal(op.key, op.value) };
      else if (op.op === 'delete') sealed[i] = op;
      else throw new TypeError(`batch operation ${i} has an unknown op`);
    }
    return sealed;
  }

  /**
   * Adds a keyring term that encrypts all new writes; old terms keep decrypting. The keyring is
   * reloaded from storage first so terms added by other nodes are kept. Returns the new term.
   * Rotate on one node at a time: two nodes rotating at the same instant can pick the same term.
   */
  async rotate(): Promise<number> {
    const run = this.rotating.then(async () => {
      this.unsealedKeyring();
      await this.reloadKeyring();
      const current = this.unsealedKeyring();
      const next = current.withNewTerm();
      try {
        await this.backend.put(KEYRING_PATH, sealKeyring(this.rootKeyObject as KeyObject, next));
      } catch (e) {
        next.zero();
        throw e;
      }
      if (this.keyring === undefined) {
        next.zero();
        throw sealedError();
      }
      this.swap(this.keyring.merge(next));
      next.zero();
      return this.unsealedKeyring().active.term;
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  /** Installs the root key (taking ownership of the buffer) and loads the keyring from storage. */
  async [kUnseal](rootKey: Buffer): Promise<void> {
    const rootKeyObject = createSecretKey(rootKey);
    const stored = await this.backend.get(KEYRING_PATH);
    if (stored === undefined) {
      rootKey.fill(0);
      throw new BarrierError('NotInitialized', 'keyring missing from storage');
    }
    let keyring: Keyring;
    try {
      keyring = openKeyring(rootKeyObject, stored);
    } catch (e) {
      rootKey.fill(0);
      throw e;
    }
    this[kSeal]();
    this.rootKey = rootKey;
    this.rootKeyObject = rootKeyObject;
    this.keyring = keyring;
  }

  /** Drops and wipes every key. */
  [kSeal](): void {
    this.keyring?.zero();
    this.keyring = undefined;
    this.rootKey?.fill(0);
    this.rootKey = undefined;
    this.rootKeyObject = undefined;
    this.reloadAttempts.clear();
  }

  private unsealedKeyring(): Keyring {
    const k = this.keyring;
    if (k === undefined) throw sealedError();
    return k;
  }

  private seal(path: string, value: Buffer): Buffer {
    if (!(value instanceof Uint8Array)) throw new TypeError('barrier value must be a Buffer');
    const active = this.unsealedKeyring().active;
    return encrypt(active.keyObject, active.term, value, Buffer.from(path, 'utf8'));
  }

  private async open(path: string, stored: Buffer): Promise<Buffer> {
    const term = termOf(stored, path);
    let t = this.unsealedKeyring().get(term);
    if (t === undefined) {
      // Another node sharing the store may have rotated: reload the keyring once for this term.
      await this.reloadForTerm(term);
      t = this.unsealedKeyring().get(term);
      if (t === undefined) {
        throw new BarrierError('UnknownTerm', `value at ${JSON.stringify(path)} uses unknown keyring term ${term}`);
      }
    }
    return decrypt(t.keyObject, stored, Buffer.from(path, 'utf8'), path);
  }

  /**
   * Reloads the keyring because `term` was missing, at most once per term per RELOAD_RETRY_MS;
   * readers arriving while that reload runs wait for it instead of failing early.
   */
  private async reloadForTerm(term: number): Promise<void> {
    const now = Date.now();
    const last = this.reloadAttempts.get(term);
    if (last !== undefined && now - last.at < RELOAD_RETRY_MS) return last.done;
    if (this.reloadAttempts.size >= 1024) this.reloadAttempts.clear();
    const done = this.reloadKeyring();
    this.reloadAttempts.set(term, { at: now, done: done.catch(() => undefined) });
    return done;
  }

  /** Reads the stored keyring and merges it into memory; concurrent callers share one read. */
  private reloadKeyring(): Promise<void> {
    if (this.reloading) return this.reloading;
    const run = (async () => {
      const rootKeyObject = this.rootKeyObject;
      if (rootKeyObject === undefined) throw sealedError();
      const stored = await this.backend.get(KEYRING_PATH);
      if (stored === undefined) throw new BarrierError('NotInitialized', 'keyring missing from storage');
      const loaded = openKeyring(rootKeyObject, stored);
      try {
        // Sealed (or resealed with another root key) while we were reading: drop the result.
        if (this.keyring === undefined || this.rootKeyObject !== rootKeyObject) throw sealedError();
        this.swap(this.keyring.merge(loaded));
      } finally {
        loaded.zero();
      }
    })();
    this.reloading = run;
    void run.then(
      () => this.clearReloading(run),
      () => this.clearReloading(run),
    );
    return run;
  }

  private clearReloading(run: Promise<void>): void {
    if (this.reloading === run) this.reloading = undefined;
  }

  private swap(next: Keyring): void {
    const old = this.keyring;
    this.keyring = next;
    old?.zero();
  }
}

function sealedError(): Error {
  return awsError('ServiceUnavailable', 'Bulwark is sealed');
}

/** Throws 'ReservedPath' for `core/` paths, which only the seal manager may touch. */
function checkUserPath(path: string): void {
  if (typeof path === 'string' && path.startsWith(CORE_PREFIX)) {
    throw new BarrierError('ReservedPath', `path ${JSON.stringify(path)} is reserved for the barrier`);
  }
}
