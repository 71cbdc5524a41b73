/**
 * Delivers trails' records into their local buckets in CloudTrail's layout: gzipped
 * `{"Records":[...]}` log files at most every delivery interval, and signed hourly digest files
 * chaining each to the previous one (a digest even for hours without log files).
 *
 * Records wait in the event store's per-trail outbox (written in the same batch as the record), so
 * a crash loses nothing: after a restart the outbox is delivered. A crash between writing a file and
 * committing the outbox removal can deliver a record twice, which CloudTrail also allows.
 */
import { stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { BatchOp, KVStore } from '../storage/index.js';
import type { EventStore, EventKey } from './event-store.js';
import type { DigestKeyStore } from './keys.js';
import {
  digestObjectKey, digestSigningString, logObjectKey, objectPath, sha256Hex, writeFileAtomic, SIGNATURE_SUFFIX,
  type DigestFile, type DigestLogFile, type DigestSignatureFile,
} from './layout.js';
import { cloudTrailTime, type CloudTrailRecord } from './record.js';
import { loggingAt, selectorsMatch, type TrailConfig, type TrailStore } from './trails.js';

const STATE = 'audit/delivery/';
/** Records per log file; a larger backlog is split over several files. */
const MAX_RECORDS_PER_FILE = 5000;

/** Per-trail delivery state, persisted under audit/delivery/<trail>. */
export interface DeliveryState {
  /** Start of the period the next digest covers (ms), or undefined before the first digest. */
  readonly digestStart?: number;
  /** Log files delivered since the last digest. */
  readonly pendingLogFiles: readonly DigestLogFile[];
  readonly lastDigest?: { readonly bucket: string; readonly object: string; readonly hash: string; readonly signature: string; readonly end: number };
  readonly latestDeliveryTime?: number;
  readonly latestDeliveryAttemptTime?: number;
  readonly latestDeliveryError?: string;
  readonly latestDigestDeliveryTime?: number;
  readonly latestDigestDeliveryError?: string;
}

const EMPTY_STATE: DeliveryState = { pendingLogFiles: [] };

/** Construction options of {@link TrailDelivery}. */
export interface TrailDeliveryOptions {
  readonly kv: KVStore;
  readonly events: EventStore;
  readonly trails: TrailStore;
  readonly keys: DigestKeyStore;
  readonly accountId: string;
  readonly region: string;
  readonly bucketsRoot: string;
  /** Digest period (default one hour). */
  readonly digestIntervalMs: number;
}

/** Delivery of log and digest files for every trail. */
export class TrailDelivery {
  private readonly states = new Map<string, DeliveryState>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TrailDeliveryOptions) {}

  /** Names of the trails that must deliver a record of a call at `ms` (the hot path: no I/O). */
  targetsFor(r: CloudTrailRecord, ms: number): readonly string[] {
    const trails = this.o.trails.list();
    let out: string[] | undefined;
    for (let i = 0; i < trails.length; i++) {
      const t = trails[i] as TrailConfig;
      if (loggingAt(t, ms) && selectorsMatch(t.eventSelectors, r.readOnly, r.eventSource)) (out ??= []).push(t.name);
    }
    return out ?? NO_TARGETS;
  }

  /** The delivery state of a trail. */
  async state(trail: string): Promise<DeliveryState> {
    const cached = this.states.get(trail);
    if (cached) return cached;
    const v = await this.o.kv.get(STATE + trail);
    const s = v ? (JSON.parse(v.toString('utf8')) as DeliveryState) : EMPTY_STATE;
    this.states.set(trail, s);
    return s;
  }

  /** Drops cached state (at seal, or to re-read after another node delivered). */
  unload(): void {
    this.states.clear();
  }

  /** Forgets a deleted trail's state and outbox. */
  async forget(trail: string): Promise<void> {
    await this.serial(async () => {
      await this.o.events.dropOutbox(trail);
      await this.o.kv.delete(STATE + trail);
      this.states.delete(trail);
    });
  }

  /** Runs `fn` after every earlier delivery operation (one writer per trail's chain). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Delivers the trail's pending records now and writes a digest covering them. */
  flush(trail: string, now: Date): Promise<{ logFiles: string[]; digest?: string }> {
    return this.serial(async () => {
      const t = this.o.trails.get(trail);
      if (!t) throw new Error(`trail ${trail} does not exist`);
      const logFiles = await this.deliverLogs(t, now);
      const digest = t.logFileValidationEnabled ? await this.writeDigest(t, now) : undefined;
      return { logFiles, ...(digest ? { digest } : {}) };
    });
  }

  /** The periodic work: deliver every trail's outbox, and write digests that are due. */
  tick(now: Date): Promise<void> {
    return this.serial(async () => {
      for (const t of this.o.trails.list()) {
        try {
          await this.deliverLogs(t, now);
          const s = await this.state(t.name);
          if (!t.logFileValidationEnabled || t.startLoggingTime === undefined) continue;
          const start = s.digestStart ?? t.startLoggingTime;
          const active = t.isLogging || s.pendingLogFiles.length > 0 || (t.stopLoggingTime !== undefined && t.stopLoggingTime >= start);
          if (active && now.getTime() - start >= this.o.digestIntervalMs) await this.writeDigest(t, now);
        } catch {
          // Recorded in the trail's delivery state (GetTrailStatus); retried on the next tick.
        }
      }
    });
  }

  private async saveState(trail: string, s: DeliveryState, extra: readonly BatchOp[] = []): Promise<void> {
    await this.o.kv.batch([...extra, { op: 'put', key: STATE + trail, value: Buffer.from(JSON.stringify(s), 'utf8') }]);
    this.states.set(trail, s);
  }

  private async bucketCheck(t: TrailConfig): Promise<void> {
    const st = await stat(objectPath(this.o.bucketsRoot, t.s3BucketName, '')).catch(() => undefined);
    if (!st?.isDirectory()) throw new Error(`bucket ${t.s3BucketName} does not exist`);
  }

  /** Writes the trail's outbox as log files; returns their object keys. */
  private async deliverLogs(t: TrailConfig, now: Date): Promise<string[]> {
    const keys = await this.o.events.outbox(t.name);
    if (keys.length === 0) return [];
    const written: string[] = [];
    try {
      await this.bucketCheck(t);
      for (let i = 0; i < keys.length; i += MAX_RECORDS_PER_FILE) {
        const chunk = keys.slice(i, i + MAX_RECORDS_PER_FILE);
        const entry = await this.writeLogFile(t, chunk, now);
        const s = await this.state(t.name);
        const next: DeliveryState = {
          ...s,
          pendingLogFiles: entry ? [...s.pendingLogFiles, entry] : s.pendingLogFiles,
          latestDeliveryTime: now.getTime(),
          latestDeliveryAttemptTime: now.getTime(),
          latestDeliveryError: undefined,
        };
        await this.saveState(t.name, next, this.o.events.outboxClearOps(t.name, chunk));
        if (entry) written.push(entry.s3Object);
      }
      return written;
    } catch (e) {
      const s = await this.state(t.name);
      await this.saveState(t.name, { ...s, latestDeliveryAttemptTime: now.getTime(), latestDeliveryError: errorText(e) }).catch(() => undefined);
      throw e;
    }
  }

  private async writeLogFile(t: TrailConfig, chunk: readonly EventKey[], now: Date): Promise<DigestLogFile | undefined> {
    const parts: string[] = [];
    let oldest = '';
    let newest = '';
    for (const k of chunk) {
      const json = await this.o.events.getJson(k);
      if (json === undefined) continue; // purged before delivery
      parts.push(json);
      const time = (JSON.parse(json) as CloudTrailRecord).eventTime;
      if (oldest === '' || time < oldest) oldest = time;
      if (newest === '' || time > newest) newest = time;
    }
    if (parts.length === 0) return undefined;
    const body = Buffer.from(`{"Records":[${parts.join(',')}]}`, 'utf8');
    const object = logObjectKey(t.s3KeyPrefix, this.o.accountId, this.o.region, now);
    await writeFileAtomic(objectPath(this.o.bucketsRoot, t.s3BucketName, object), gzipSync(body));
    return { s3Bucket: t.s3BucketName, s3Object: object, hashValue: sha256Hex(body), hashAlgorithm: 'SHA-256', newestEventTime: newest, oldestEventTime: oldest };
  }

  /** Writes and signs the digest of the period since the previous one; returns its object key. */
  private async writeDigest(t: TrailConfig, now: Date): Promise<string> {
    const s = await this.state(t.name);
    try {
      await this.bucketCheck(t);
      // Digest names carry whole seconds: keep each end strictly after the previous one.
      let endMs = Math.floor(now.getTime() / 1000) * 1000;
      if (s.lastDigest && endMs <= s.lastDigest.end) endMs = s.lastDigest.end + 1000;
      const end = new Date(endMs);
      const start = new Date(s.digestStart ?? t.startLoggingTime ?? endMs);
      const signer = await this.o.keys.signer(now);
      const object = digestObjectKey(t.s3KeyPrefix, this.o.accountId, this.o.region, t.name, end);
      const logs = s.pendingLogFiles;
      let newest: string | null = null;
      let oldest: string | null = null;
      for (const l of logs) {
        if (newest === null || l.newestEventTime > newest) newest = l.newestEventTime;
        if (oldest === null || l.oldestEventTime < oldest) oldest = l.oldestEventTime;
      }
      const prev = s.lastDigest;
      const digest: DigestFile = {
        awsAccountId: this.o.accountId,
        digestStartTime: cloudTrailTime(start),
        digestEndTime: cloudTrailTime(end),
        digestS3Bucket: t.s3BucketName,
        digestS3Object: object,
        digestPublicKeyFingerprint: signer.fingerprint,
        digestSignatureAlgorithm: 'SHA256withRSA',
        newestEventTime: newest,
        oldestEventTime: oldest,
        previousDigestS3Bucket: prev?.bucket ?? null,
        previousDigestS3Object: prev?.object ?? null,
        previousDigestHashValue: prev?.hash ?? null,
        previousDigestHashAlgorithm: prev ? 'SHA-256' : null,
        previousDigestSignature: prev?.signature ?? null,
        logFiles: logs,
      };
      const json = Buffer.from(JSON.stringify(digest), 'utf8');
      const signature = signer.sign(digestSigningString(digest, json));
      const path = objectPath(this.o.bucketsRoot, t.s3BucketName, object);
      const sig: DigestSignatureFile = { signature, 'signature-algorithm': 'SHA256withRSA' };
      await writeFileAtomic(path + SIGNATURE_SUFFIX, Buffer.from(JSON.stringify(sig), 'utf8'));
      await writeFileAtomic(path, gzipSync(json));
      await this.saveState(t.name, {
        ...s,
        digestStart: endMs,
        pendingLogFiles: [],
        lastDigest: { bucket: t.s3BucketName, object, hash: sha256Hex(json), signature, end: endMs },
        latestDigestDeliveryTime: now.getTime(),
        latestDigestDeliveryError: undefined,
      });
      return object;
    } catch (e) {
      await this.saveState(t.name, { ...s, latestDigestDeliveryError: errorText(e) }).catch(() => undefined);
      throw e;
    }
  }
}

const NO_TARGETS: readonly string[] = [];

/** What GetTrailStatus shows of a failure: our own bucket message, nothing from the filesystem. */
function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : '';
  return m.startsWith('bucket ') ? m : 'InternalFailure: the file could not be written';
}
