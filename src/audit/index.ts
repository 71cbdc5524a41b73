/**
 * The audit trail: CloudTrail records of every API call in a durable, group-committed event history
 * (LookupEvents), trails that deliver log files and signed digests into local buckets, and the
 * validator that proves the delivered files unchanged. `AuditTrail` ties the parts together.
 */
import { join } from 'node:path';
import type { ApiCallEvent } from '../events/index.js';
import type { ServiceDefinition } from '../http/service.js';
import type { KVStore } from '../storage/index.js';
import { TrailDelivery, type DeliveryState } from './delivery.js';
import { EventStore } from './event-store.js';
import { DigestKeyStore, type DigestPublicKey } from './keys.js';
import { toCloudTrailRecord } from './record.js';
import { cloudTrailService } from './service.js';
import { TrailStore, type TrailConfig } from './trails.js';
import { validateTrail, type ValidationReport } from './validate.js';

export { toCloudTrailRecord, scrub, KMS_CRYPTO_OPERATIONS, type CloudTrailRecord, type UserIdentity } from './record.js';
export { EventStore, DEFAULT_RETENTION_DAYS, LOOKUP_ATTRIBUTES, type LookupAttributeKey } from './event-store.js';
export { cloudTrailService, isValidTrailName, type CloudTrailServiceDeps } from './service.js';
export { validateTrail, type ValidateTrailOptions, type ValidationReport, type DigestResult, type LogFileResult, type ChainGap } from './validate.js';
export type { DigestPublicKey } from './keys.js';
export type { TrailConfig } from './trails.js';
export type { DigestFile, DigestLogFile, DigestSignatureFile } from './layout.js';

/** Default delivery interval of log files: 5 minutes, as CloudTrail. */
export const DEFAULT_DELIVERY_INTERVAL_MS = 5 * 60_000;
/** Default digest period: one hour, as CloudTrail. */
export const DEFAULT_DIGEST_INTERVAL_MS = 60 * 60_000;
/** How often the retention purge runs. */
const PURGE_INTERVAL_MS = 60 * 60_000;

/** Construction options of {@link AuditTrail}. */
export interface AuditTrailOptions {
  /** The encrypting barrier (never a physical backend). */
  readonly kv: KVStore;
  readonly accountId: string;
  readonly region: string;
  /** Root of the local buckets: a trail's S3BucketName is the directory `<bucketsRoot>/<bucket>/`. Conventionally `<dataDir>/buckets`. */
  readonly bucketsRoot: string;
  /** Event history retention in days (default 90). */
  readonly retentionDays?: number;
  /** Log file delivery interval (default 5 minutes). */
  readonly deliveryIntervalMs?: number;
  /** Digest period (default 1 hour). */
  readonly digestIntervalMs?: number;
  /** Digest signing key rotation (default 1 day). */
  readonly keyRotationMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
  /** Called with errors of background delivery and purge (they are retried). */
  readonly onError?: (e: unknown, what: 'delivery' | 'purge') => void;
}

/** The default buckets root for a data directory. */
export function defaultBucketsRoot(dataDir: string): string {
  return join(dataDir, 'buckets');
}

/** The audit trail of one Bulwark node. */
export class AuditTrail {
  readonly events: EventStore;
  readonly trails: TrailStore;
  readonly keys: DigestKeyStore;
  readonly delivery: TrailDelivery;
  private readonly now: () => Date;
  private readonly deliveryIntervalMs: number;
  private readonly digestIntervalMs: number;
  private loaded = false;
  private timers: NodeJS.Timeout[] = [];
  private ticking: Promise<void> | undefined;

  constructor(private readonly opts: AuditTrailOptions) {
    this.now = opts.now ?? (() => new Date());
    this.deliveryIntervalMs = opts.deliveryIntervalMs ?? DEFAULT_DELIVERY_INTERVAL_MS;
    this.digestIntervalMs = opts.digestIntervalMs ?? DEFAULT_DIGEST_INTERVAL_MS;
    this.events = new EventStore(opts.kv, { ...(opts.retentionDays !== undefined ? { retentionDays: opts.retentionDays } : {}) });
    this.trails = new TrailStore(opts.kv);
    this.keys = new DigestKeyStore(opts.kv, { ...(opts.keyRotationMs !== undefined ? { rotationMs: opts.keyRotationMs } : {}) });
    this.delivery = new TrailDelivery({
      kv: opts.kv,
      events: this.events,
      trails: this.trails,
      keys: this.keys,
      accountId: opts.accountId,
      region: opts.region,
      bucketsRoot: opts.bucketsRoot,
      digestIntervalMs: this.digestIntervalMs,
    });
  }

  /** Loads trails, keys and the index key. Call after every unseal, before serving. */
  async load(): Promise<void> {
    await this.events.load();
    await this.trails.load();
    await this.keys.load();
    this.delivery.unload();
    this.loaded = true;
  }

  /** Drops cached key material (call at seal). */
  unload(): void {
    this.loaded = false;
    this.events.unload();
    this.keys.unload();
    this.delivery.unload();
  }

  /**
   * The ApiServer's event sink: the call's CloudTrail record is durably in the event history (and
   * in the outbox of every trail that must deliver it) when the returned promise resolves.
   */
  readonly sink = (event: ApiCallEvent): Promise<void> => {
    try {
      if (!this.loaded) throw new Error('the audit trail is not loaded');
      const record = toCloudTrailRecord(event, this.opts.accountId);
      const ms = event.time.getTime();
      // The append's own promise, not another async layer: this runs for every call.
      return this.events.append(record, JSON.stringify(record), ms, this.delivery.targetsFor(record, ms));
    } catch (e) {
      return Promise.reject(e);
    }
  };

  /** The CloudTrail API. */
  service(): ServiceDefinition {
    return cloudTrailService({
      accountId: this.opts.accountId,
      region: this.opts.region,
      bucketsRoot: this.opts.bucketsRoot,
      events: this.events,
      trails: this.trails,
      delivery: this.delivery,
      keys: this.keys,
    });
  }

  /** Starts the background delivery/digest and retention timers (unref'd). Idempotent. */
  start(): void {
    if (this.timers.length > 0) return;
    const every = Math.min(this.deliveryIntervalMs, this.digestIntervalMs);
    const tick = setInterval(() => void this.tick(), every);
    const purge = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    tick.unref();
    purge.unref();
    this.timers = [tick, purge];
  }

  /** One round of background delivery (what the timer runs). */
  async tick(): Promise<void> {
    if (!this.loaded || this.ticking) return this.ticking;
    this.ticking = this.delivery.tick(this.now()).catch((e: unknown) => this.opts.onError?.(e, 'delivery')).finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Removes event history older than the retention window. */
  async purge(): Promise<number> {
    if (!this.loaded) return 0;
    try {
      return await this.events.purge(this.now());
    } catch (e) {
      this.opts.onError?.(e, 'purge');
      return 0;
    }
  }

  /** Delivers `trail`'s pending records now and writes a digest covering them (`bulwark trail flush`). */
  async flush(trail: string): Promise<{ logFiles: string[]; digest?: string }> {
    if (!this.loaded) throw new Error('the audit trail is not loaded');
    return this.delivery.flush(trail, this.now());
  }

  /** A trail's configuration, or undefined. */
  trail(name: string): TrailConfig | undefined {
    return this.trails.get(name);
  }

  /** Every digest signing public key. */
  publicKeys(): DigestPublicKey[] {
    return this.keys.publicKeys();
  }

  /** A trail's delivery state (latest delivery times and errors, last digest). */
  deliveryState(trail: string): Promise<DeliveryState> {
    return this.delivery.state(trail);
  }

  /** Validates a trail's delivered files with this node's public keys (`bulwark trail validate`). */
  async validate(trail: string, range: { start?: Date; end?: Date } = {}): Promise<ValidationReport> {
    const t = this.trails.get(trail);
    if (!t) throw new Error(`trail ${trail} does not exist`);
    const s = await this.delivery.state(trail);
    return validateTrail({
      bucketsRoot: this.opts.bucketsRoot,
      accountId: this.opts.accountId,
      region: this.opts.region,
      trail: { name: t.name, s3BucketName: t.s3BucketName, ...(t.s3KeyPrefix !== undefined ? { s3KeyPrefix: t.s3KeyPrefix } : {}) },
      publicKeys: this.keys.publicKeys(),
      ...(range.start ? { start: range.start } : {}),
      ...(range.end ? { end: range.end } : {}),
      // The newest digest must be on disk only if its bucket is still the one being checked.
      ...(s.lastDigest && s.lastDigest.bucket === t.s3BucketName ? { latestDigest: s.lastDigest.object } : {}),
    });
  }

  /** Stops the timers and waits for a running delivery round and compaction. Pending records stay in the outbox. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.ticking;
    await this.events.close();
  }
}
