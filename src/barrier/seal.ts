/**
 * The seal: who may unlock the barrier. An unseal key (32 bytes) encrypts the root key; in 'dev'
 * mode the unseal key sits in `<dataDir>/unseal.key` (mode 0600) for automatic unsealing, in
 * 'shamir' mode it is split into shares held by operators and exists only while being combined.
 * The configuration (type, shares, threshold) is stored plaintext at `core/seal-config`.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PhysicalBackend } from '../storage/index.js';
import { Barrier, kSeal, kUnseal } from './barrier.js';
import { BarrierError } from './errors.js';
import {
  KEY_LEN,
  KEYRING_PATH,
  Keyring,
  openRootKey,
  ROOT_KEY_PATH,
  SEAL_CONFIG_PATH,
  sealKeyring,
  sealRootKey,
} from './keyring.js';
import { combine, split } from './shamir.js';

/** How the unseal key is held. */
export type SealType = 'dev' | 'shamir';

/** The stored, non-secret seal configuration. */
export interface SealConfig {
  readonly type: SealType;
  readonly shares: number;
  readonly threshold: number;
}

/** What `status()` reports. */
export interface SealStatus {
  initialized: boolean;
  sealed: boolean;
  type: SealType | null;
  threshold: number;
  shares: number;
  /** Shares submitted towards the threshold so far. */
  progress: number;
  /** Keyring terms, present while unsealed. */
  termCount?: number;
}

/** Options for the SealManager. */
export interface SealManagerOptions {
  /** Where the dev-mode unseal key file lives. */
  readonly dataDir: string;
}

/** The dev key file name inside dataDir. */
export const DEV_KEY_FILE = 'unseal.key';
const SHARE_LEN = KEY_LEN + 1;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Initialises, unseals, seals, rekeys and rotates the barrier over one physical backend. */
export class SealManager {
  private readonly backend: PhysicalBackend;
  private readonly dataDir: string;
  private readonly theBarrier: Barrier;
  private config: SealConfig | undefined;
  private pending: Buffer[] = [];
  private busy: Promise<unknown> = Promise.resolve();

  constructor(backend: PhysicalBackend, opts: SealManagerOptions) {
    this.backend = backend;
    this.dataDir = opts.dataDir;
    this.theBarrier = new Barrier(backend);
  }

  /** Creates a SealManager and loads the stored seal configuration. */
  static async open(backend: PhysicalBackend, opts: SealManagerOptions): Promise<SealManager> {
    const m = new SealManager(backend, opts);
    await m.load();
    return m;
  }

  /** Re-reads the seal configuration from storage (another node may have initialised or rekeyed). */
  async load(): Promise<void> {
    const raw = await this.backend.get(SEAL_CONFIG_PATH);
    this.config = raw === undefined ? undefined : parseConfig(raw);
  }

  /** The barrier every stateful service stores through. */
  get barrier(): Barrier {
    return this.theBarrier;
  }

  /** Path of the dev-mode unseal key file. */
  get devKeyPath(): string {
    return join(this.dataDir, DEV_KEY_FILE);
  }

  /** Seal state, from the configuration as last loaded. */
  status(): SealStatus {
    const c = this.config;
    const s: SealStatus = {
      initialized: c !== undefined,
      sealed: this.theBarrier.sealed,
      type: c?.type ?? null,
      threshold: c?.threshold ?? 0,
      shares: c?.shares ?? 0,
      progress: this.pending.length,
    };
    const terms = this.theBarrier.termCount;
    if (terms !== undefined) s.termCount = terms;
    return s;
  }

  /**
   * Initialises a dev-mode store: writes a random unseal key to `<dataDir>/unseal.key` (0600),
   * creates the root key and keyring, and leaves the barrier unsealed. A stale key file from an
   * earlier store is renamed aside, never overwritten.
   */
  async initDev(): Promise<{ keyFile: string }> {
    return this.exclusive(async () => {
      await this.requireUninitialized();
      const unsealKey = randomBytes(KEY_LEN);
      const rootKey = randomBytes(KEY_LEN);
      try {
        this.writeDevKey(unsealKey);
        await this.writeNewStore(unsealKey, rootKey, { type: 'dev', shares: 1, threshold: 1 });
        await this.theBarrier[kUnseal](Buffer.from(rootKey));
        return { keyFile: this.devKeyPath };
      } finally {
        unsealKey.fill(0);
        rootKey.fill(0);
      }
    });
  }

  /**
   * Unseals a dev-mode store from its key file. Returns warnings (for example a key file readable
   * by group or others) for the caller to log; does not refuse.
   */
  async autoUnsealDev(): Promise<{ sealed: boolean; warnings: string[] }> {
    return this.exclusive(async () => {
      const config = await this.requireInitialized();
      if (config.type !== 'dev') throw new BarrierError('SealTypeMismatch', 'store uses a shamir seal, not dev');
      const warnings: string[] = [];
      let text: string;
      try {
        const st = statSync(this.devKeyPath);
        if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
          warnings.push(
            `${this.devKeyPath} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600`,
          );
        }
        text = readFileSync(this.devKeyPath, 'utf8');
      } catch {
        throw new BarrierError('DevKeyMissing', `cannot read dev unseal key ${this.devKeyPath}`);
      }
      const key = decodeBase64(text.trim());
      if (key === undefined || key.length !== KEY_LEN) {
        key?.fill(0);
        throw new BarrierError('DevKeyMissing', `dev unseal key ${this.devKeyPath} is malformed`);
      }
      await this.unsealWithKey(key);
      return { sealed: false, warnings };
    });
  }

  /**
   * Initialises a shamir-sealed store: the unseal key is split into `shares` base64 shares, any
   * `threshold` of which unseal. The shares are returned once and never stored. The barrier stays
   * sealed: unsealing with the new shares proves they work. shares = threshold = 1 gives a single
   * unsplit key.
   */
  async init(params: { shares: number; threshold: number }): Promise<{ shares: string[] }> {
    checkParams(params);
    return this.exclusive(async () => {
      await this.requireUninitialized();
      const unsealKey = randomBytes(KEY_LEN);
      const rootKey = randomBytes(KEY_LEN);
      try {
        const shares = splitKey(unsealKey, params.shares, params.threshold);
        await this.writeNewStore(unsealKey, rootKey, { type: 'shamir', ...params });
        return { shares };
      } finally {
        unsealKey.fill(0);
        rootKey.fill(0);
      }
    });
  }

  /**
   * Adds one share towards the threshold; unseals when it is reached. A malformed share resets
   * progress ('InvalidShare'); a combined key that does not decrypt the root key resets progress
   * ('InvalidUnsealKey'). Submitting the same share twice fails ('DuplicateShare') but keeps progress.
   */
  async submitUnsealShare(share: string): Promise<{ sealed: boolean; progress: number }> {
    return this.exclusive(async () => {
      if (this.pending.length === 0) await this.load();
      const config = await this.requireInitialized();
      if (!this.theBarrier.sealed) return { sealed: false, progress: 0 };
      const wantLen = config.threshold === 1 ? KEY_LEN : SHARE_LEN;
      const bytes = decodeBase64(share.trim());
      if (bytes === undefined || bytes.length !== wantLen || (wantLen === SHARE_LEN && bytes[KEY_LEN] === 0)) {
        bytes?.fill(0);
        this.resetProgress();
        throw new BarrierError('InvalidShare', 'unseal share is malformed; progress reset');
      }
      for (const p of this.pending) {
        if (p.equals(bytes)) {
          bytes.fill(0);
          throw new BarrierError('DuplicateShare', 'this share was already submitted');
        }
        if (p[KEY_LEN] === bytes[KEY_LEN]) {
          bytes.fill(0);
          this.resetProgress();
          throw new BarrierError('InvalidShare', 'two different shares have the same index; progress reset');
        }
      }
      this.pending.push(bytes);
      if (this.pending.length < config.threshold) return { sealed: true, progress: this.pending.length };
      const key = config.threshold === 1 ? Buffer.from(bytes) : combine(this.pending);
      this.resetProgress();
      await this.unsealWithKey(key);
      return { sealed: false, progress: 0 };
    });
  }

  /**
   * Unseals in one call from enough shares, or the dev key, or a single unsplit key (for
   * BULWARK_UNSEAL_KEY automation, which the caller splits on commas). Clears submitted progress.
   */
  async unsealWithShares(shares: readonly string[]): Promise<{ sealed: boolean }> {
    return this.exclusive(async () => {
      await this.load();
      const config = await this.requireInitialized();
      this.resetProgress();
      const key = decodeKey(config, shares);
      await this.unsealWithKey(key);
      return { sealed: false };
    });
  }

  /** Seals: wipes the root key and keyring from memory and discards unseal progress. */
  seal(): void {
    this.resetProgress();
    this.theBarrier[kSeal]();
  }

  /**
   * Replaces the unseal key: `currentShares` (enough of them) prove authority; the root key is
   * re-encrypted under a new unseal key split into new shares. Old shares stop working. Works
   * sealed or unsealed; the barrier's state does not change. Shamir seals only.
   */
  async rekey(params: { shares: number; threshold: number }, currentShares: readonly string[]): Promise<{ shares: string[] }> {
    checkParams(params);
    return this.exclusive(async () => {
      await this.load();
      const config = await this.requireInitialized();
      if (config.type !== 'shamir') throw new BarrierError('SealTypeMismatch', 'rekey needs a shamir seal; dev seals have one key file');
      const oldKey = decodeKey(config, currentShares);
      const storedRoot = await this.backend.get(ROOT_KEY_PATH);
      if (storedRoot === undefined) {
        oldKey.fill(0);
        throw new BarrierError('NotInitialized', 'root key missing from storage');
      }
      let rootKey: Buffer;
      try {
        rootKey = openRootKey(oldKey, storedRoot);
      } finally {
        oldKey.fill(0);
      }
      const newKey = randomBytes(KEY_LEN);
      try {
        const shares = splitKey(newKey, params.shares, params.threshold);
        const next: SealConfig = { type: 'shamir', shares: params.shares, threshold: params.threshold };
        await this.backend.batch([
          { op: 'put', key: ROOT_KEY_PATH, value: sealRootKey(newKey, rootKey) },
          { op: 'put', key: SEAL_CONFIG_PATH, value: encodeConfig(next) },
        ]);
        this.config = next;
        this.resetProgress();
        return { shares };
      } finally {
        newKey.fill(0);
        rootKey.fill(0);
      }
    });
  }

  /** Adds a keyring term for new writes (persisted); returns the new term number. */
  async rotate(): Promise<number> {
    return this.theBarrier.rotate();
  }

  private async unsealWithKey(unsealKey: Buffer): Promise<void> {
    try {
      const stored = await this.backend.get(ROOT_KEY_PATH);
      if (stored === undefined) throw new BarrierError('NotInitialized', 'root key missing from storage');
      const rootKey = openRootKey(unsealKey, stored);
      await this.theBarrier[kUnseal](rootKey);
    } finally {
      unsealKey.fill(0);
    }
  }

  private async writeNewStore(unsealKey: Buffer, rootKey: Buffer, config: SealConfig): Promise<void> {
    const keyring = Keyring.create();
    try {
      await this.backend.batch([
        { op: 'put', key: ROOT_KEY_PATH, value: sealRootKey(unsealKey, rootKey) },
        { op: 'put', key: KEYRING_PATH, value: sealKeyring(createSecretKey(rootKey), keyring) },
        { op: 'put', key: SEAL_CONFIG_PATH, value: encodeConfig(config) },
      ]);
      this.config = config;
    } finally {
      keyring.zero();
    }
  }

  private writeDevKey(unsealKey: Buffer): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const path = this.devKeyPath;
    if (existsSync(path)) renameSync(path, `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const text = Buffer.from(`${unsealKey.toString('base64')}\n`);
    try {
      writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, path);
    } finally {
      text.fill(0);
    }
  }

  private async requireUninitialized(): Promise<void> {
    await this.load();
    if (this.config !== undefined || (await this.backend.get(ROOT_KEY_PATH)) !== undefined) {
      throw new BarrierError('AlreadyInitialized', 'store is already initialized');
    }
  }

  private async requireInitialized(): Promise<SealConfig> {
    if (this.config === undefined) await this.load();
    if (this.config === undefined) throw new BarrierError('NotInitialized', 'store is not initialized');
    return this.config;
  }

  private resetProgress(): void {
    for (const p of this.pending) p.fill(0);
    this.pending = [];
  }

  /** Runs seal operations one at a time so progress and init cannot interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn);
    this.busy = run.catch(() => undefined);
    return run;
  }
}

function checkParams(p: { shares: number; threshold: number }): void {
  const { shares, threshold } = p;
  const ok =
    Number.isInteger(shares) &&
    Number.isInteger(threshold) &&
    shares >= 1 &&
    shares <= 255 &&
    threshold >= 1 &&
    threshold <= shares &&
    (threshold > 1 || shares === 1);
  if (!ok) {
    throw new BarrierError(
      'InvalidSealParameters',
      'need 2 <= threshold <= shares <= 255, or shares = threshold = 1',
    );
  }
}

/** Splits the unseal key into base64 shares (the raw key when threshold is 1). */
function splitKey(key: Buffer, shares: number, threshold: number): string[] {
  if (threshold === 1) return [key.toString('base64')];
  const parts = split(key, shares, threshold);
  const out = parts.map((p) => p.toString('base64'));
  for (const p of parts) p.fill(0);
  return out;
}

/** Decodes shares (or a single raw key) into the unseal key. Throws InvalidShare / InvalidUnsealKey. */
function decodeKey(config: SealConfig, shares: readonly string[]): Buffer {
  const decoded: Buffer[] = [];
  try {
    for (const s of shares) {
      const b = decodeBase64(s.trim());
      if (b === undefined) throw new BarrierError('InvalidShare', 'unseal share is not base64');
      decoded.push(b);
    }
    if (decoded.length === 1 && decoded[0]?.length === KEY_LEN) return Buffer.from(decoded[0]);
    if (config.threshold === 1) throw new BarrierError('InvalidShare', 'expected one 32-byte unseal key');
    if (decoded.length < config.threshold) {
      throw new BarrierError('InvalidShare', `need ${config.threshold} shares, got ${decoded.length}`);
    }
    try {
      return combine(decoded);
    } catch {
      throw new BarrierError('InvalidShare', 'unseal shares are malformed or duplicated');
    }
  } finally {
    for (const b of decoded) b.fill(0);
  }
}

function decodeBase64(s: string): Buffer | undefined {
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

function encodeConfig(c: SealConfig): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, type: c.type, shares: c.shares, threshold: c.threshold }));
}

function parseConfig(raw: Buffer): SealConfig {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BarrierError('Format', 'seal configuration is not JSON');
  }
  const o = v as { version?: unknown; type?: unknown; shares?: unknown; threshold?: unknown };
  if (
    typeof o !== 'object' ||
    o === null ||
    o.version !== 1 ||
    (o.type !== 'dev' && o.type !== 'shamir') ||
    typeof o.shares !== 'number' ||
    typeof o.threshold !== 'number'
  ) {
    throw new BarrierError('Format', 'seal configuration is malformed');
  }
  return { type: o.type, shares: o.shares, threshold: o.threshold };
}
