/**
 * GuardDuty persistence through the encrypting barrier (a KVStore): detectors, filters, threat and
 * trusted lists, publishing destinations, findings, the ingestion dedup record and the detection
 * baselines. Everything is mirrored in memory (rebuilt at load) so reads are map look-ups; finding
 * writes are group-committed (one KV batch per turn of the event loop) so bursts of findings do
 * not cost one durable write each.
 *
 * Keys: guardduty/d/<det> detector, guardduty/f/<det>/<name> filter, guardduty/s/<det>/<kind>/<id>
 * list, guardduty/p/<det>/<id> destination, guardduty/n/<det>/<finding> finding (+ dedup key),
 * guardduty/i/<det>/<seq> chunk of ingested record hashes, guardduty/e/<det> baselines.
 */
import type { BatchOp, KVStore } from '../storage/index.js';
import type { Finding, FindingCriteria } from './findings.js';
import type { ListFormat } from './lists.js';

/** A detector's configuration. */
export interface DetectorRecord {
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  status: 'ENABLED' | 'DISABLED';
  findingPublishingFrequency: 'FIFTEEN_MINUTES' | 'ONE_HOUR' | 'SIX_HOURS';
  readonly createdAt: string;
  updatedAt: string;
  /** Features as UpdateDetector/CreateDetector set them (name → status). */
  features: Record<string, 'ENABLED' | 'DISABLED'>;
  tags: Record<string, string>;
}

/** A findings filter (suppression rule when action is ARCHIVE). */
export interface FilterRecord {
  readonly detectorId: string;
  readonly name: string;
  action: 'NOOP' | 'ARCHIVE';
  rank: number;
  description?: string;
  criteria: FindingCriteria;
  tags: Record<string, string>;
  readonly createdAt: string;
}

/** The four kinds of list. */
export type SetKind = 'ipset' | 'threatintelset' | 'threatentityset' | 'trustedentityset';

/** A threat or trusted list. */
export interface SetRecord {
  readonly detectorId: string;
  readonly kind: SetKind;
  readonly id: string;
  name: string;
  readonly format: ListFormat;
  location: string;
  status: 'INACTIVE' | 'ACTIVE' | 'ERROR';
  expectedBucketOwner?: string;
  errorDetails?: string;
  tags: Record<string, string>;
  readonly createdAt: string;
  updatedAt: string;
}

/** A publishing destination (a local directory). */
export interface DestinationRecord {
  readonly detectorId: string;
  readonly id: string;
  readonly type: 'S3';
  destinationArn: string;
  kmsKeyArn?: string;
  status: 'PUBLISHING' | 'UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY' | 'STOPPED';
  failureStart?: number;
  tags: Record<string, string>;
  /** Export high-water mark: findings updated after this ISO time are not yet written. */
  exportedUpTo: string;
}

/** A stored finding with the dedup hash it answers to. */
export interface FindingRecord {
  readonly f: Finding;
  readonly k: string;
}

const P = 'guardduty/';
const enc = (o: unknown): Buffer => Buffer.from(JSON.stringify(o), 'utf8');
const dec = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;

/** Everything loaded for one detector. */
export interface LoadedDetector {
  readonly detector: DetectorRecord;
  readonly filters: FilterRecord[];
  readonly sets: SetRecord[];
  readonly destinations: DestinationRecord[];
  readonly findings: FindingRecord[];
  readonly seen: Int32Array[];
  readonly baselines: unknown;
}

/** The KV side of GuardDuty. */
export class GuardDutyStore {
  private pending = new Map<string, BatchOp>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private seenSeq = new Map<string, number>();
  /** Called with errors of background writes (they are logged; the next write retries nothing). */
  onError: (e: unknown) => void = () => {};

  constructor(private readonly kv: KVStore) {}

  /** Reads every detector and what belongs to it. */
  async loadAll(): Promise<LoadedDetector[]> {
    const out: LoadedDetector[] = [];
    for (const key of await this.kv.list(`${P}d/`)) {
      const b = await this.kv.get(key);
      if (!b) continue;
      const detector = dec<DetectorRecord>(b);
      const id = detector.id;
      const filters = await this.readAll<FilterRecord>(`${P}f/${id}/`);
      const sets = await this.readAll<SetRecord>(`${P}s/${id}/`);
      const destinations = await this.readAll<DestinationRecord>(`${P}p/${id}/`);
      const findings = await this.readAll<FindingRecord>(`${P}n/${id}/`);
      const seen: Int32Array[] = [];
      const seenKeys = await this.kv.list(`${P}i/${id}/`);
      for (const k of seenKeys) {
        const v = await this.kv.get(k);
        if (v) seen.push(new Int32Array(v.buffer.slice(v.byteOffset, v.byteOffset + (v.byteLength & ~3))));
      }
      const last = seenKeys[seenKeys.length - 1];
      this.seenSeq.set(id, last ? Number(last.slice(last.lastIndexOf('/') + 1)) + 1 : 0);
      const e = await this.kv.get(`${P}e/${id}`);
      out.push({ detector, filters, sets, destinations, findings, seen, baselines: e ? dec<unknown>(e) : undefined });
    }
    return out;
  }

  private async readAll<T>(prefix: string): Promise<T[]> {
    const out: T[] = [];
    for (const k of await this.kv.list(prefix)) {
      const b = await this.kv.get(k);
      if (b) out.push(dec<T>(b));
    }
    return out;
  }

  /** Writes a detector durably. */
  putDetector(d: DetectorRecord): Promise<void> {
    return this.now({ op: 'put', key: `${P}d/${d.id}`, value: enc(d) });
  }

  /** Deletes a detector and everything under it. */
  async deleteDetector(id: string): Promise<void> {
    await this.flush();
    const ops: BatchOp[] = [{ op: 'delete', key: `${P}d/${id}` }, { op: 'delete', key: `${P}e/${id}` }];
    for (const pre of ['f', 's', 'p', 'n', 'i']) for (const k of await this.kv.list(`${P}${pre}/${id}/`)) ops.push({ op: 'delete', key: k });
    for (let i = 0; i < ops.length; i += 500) await this.kv.batch(ops.slice(i, i + 500));
  }

  /** Writes a filter durably. */
  putFilter(f: FilterRecord): Promise<void> {
    return this.now({ op: 'put', key: `${P}f/${f.detectorId}/${encodeURIComponent(f.name)}`, value: enc(f) });
  }

  /** Deletes a filter. */
  deleteFilter(detectorId: string, name: string): Promise<void> {
    return this.now({ op: 'delete', key: `${P}f/${detectorId}/${encodeURIComponent(name)}` });
  }

  /** Writes a list record durably. */
  putSet(s: SetRecord): Promise<void> {
    return this.now({ op: 'put', key: `${P}s/${s.detectorId}/${s.kind}/${s.id}`, value: enc(s) });
  }

  /** Deletes a list record. */
  deleteSet(s: SetRecord): Promise<void> {
    return this.now({ op: 'delete', key: `${P}s/${s.detectorId}/${s.kind}/${s.id}` });
  }

  /** Writes a destination durably. */
  putDestination(d: DestinationRecord): Promise<void> {
    return this.now({ op: 'put', key: `${P}p/${d.detectorId}/${d.id}`, value: enc(d) });
  }

  /** Deletes a destination. */
  deleteDestination(detectorId: string, id: string): Promise<void> {
    return this.now({ op: 'delete', key: `${P}p/${detectorId}/${id}` });
  }

  /** Queues a finding write (group-committed). */
  queueFinding(detectorId: string, r: FindingRecord): void {
    this.queue({ op: 'put', key: `${P}n/${detectorId}/${r.f.id}`, value: enc(r) });
  }

  /** Queues a finding delete (retention purge). */
  queueFindingDelete(detectorId: string, id: string): void {
    this.queue({ op: 'delete', key: `${P}n/${detectorId}/${id}` });
  }

  /** Queues a chunk of ingested-record hashes; returns its sequence number. */
  queueSeen(detectorId: string, hashes: Int32Array): number {
    const seq = this.seenSeq.get(detectorId) ?? 0;
    this.seenSeq.set(detectorId, seq + 1);
    this.queue({ op: 'put', key: `${P}i/${detectorId}/${String(seq).padStart(12, '0')}`, value: Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength) });
    return seq;
  }

  /** Drops the oldest hash chunks so at most `keep` remain. */
  async trimSeen(detectorId: string, keep: number): Promise<void> {
    const keys = await this.kv.list(`${P}i/${detectorId}/`);
    for (let i = 0; i < keys.length - keep; i++) this.queue({ op: 'delete', key: keys[i] as string });
  }

  /** Queues the detection baselines. */
  queueBaselines(detectorId: string, state: unknown): void {
    this.queue({ op: 'put', key: `${P}e/${detectorId}`, value: enc(state) });
  }

  private queue(op: BatchOp): void {
    this.pending.set(op.key, op);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush().catch((e: unknown) => this.onError(e)));
    }
  }

  /** Writes `op` after everything queued before it. */
  private async now(op: BatchOp): Promise<void> {
    this.pending.set(op.key, op);
    await this.flush();
  }

  /** Writes everything queued; resolves when it is durable. */
  flush(): Promise<void> {
    this.scheduled = false;
    if (this.pending.size === 0) return this.chain;
    const ops = [...this.pending.values()];
    this.pending = new Map();
    const run = this.chain.then(async () => {
      for (let i = 0; i < ops.length; i += 1000) await this.kv.batch(ops.slice(i, i + 1000));
    });
    this.chain = run.catch((e: unknown) => this.onError(e));
    return run;
  }
}
