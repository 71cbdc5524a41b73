/**
 * The detection side of the threat detector when it runs off the main thread (engine-worker.ts):
 * each detector's detection engine, ingestion dedup memory and threat/trusted lists, driven by
 * messages in the order the main thread sent them. Ingestion batches arrive as the request's raw
 * bytes (transferred, not copied) and are parsed, validated, deduplicated and observed here; only
 * finding candidates, counts and new dedup hashes go back. The main thread (GuardDuty) keeps
 * findings, filters and storage and turns the candidates into findings in the same order.
 * Kept apart from worker_threads so that tests can drive it over a MessageChannel in process.
 */
import { geoOf } from './geo.js';
import { admitRecord, batchRecords, bodyObject, type EngineLike } from './guardduty.js';
import { DomainMatcher, IpMatcher } from './lists.js';
import { SeenSet } from './seen.js';
import type { DetectionContext, DetectorInput, FindingCandidate, ListMatch } from './types.js';

/** The entries of one detector's compiled lists, as the main thread read them. */
export interface ListEntries {
  readonly threatIp: readonly (readonly [string, ListMatch])[];
  readonly threatDomain: readonly (readonly [string, ListMatch])[];
  readonly trustedIp: readonly string[];
  readonly trustedDomain: readonly string[];
}

/** Largest records per ingestion batch (the ingestion API's INGEST_MAX_RECORDS). */
export interface IngestLimits {
  readonly maxRecords: number;
}

/** Messages from the main thread. Replies carry the request's `seq`. */
export type HostRequest =
  | { readonly t: 'detector'; readonly id: string; readonly accountId: string; readonly region: string; readonly maxSeen: number }
  | { readonly t: 'delete'; readonly id: string }
  | { readonly t: 'reset' }
  | { readonly t: 'lists'; readonly id: string; readonly lists: ListEntries }
  | { readonly t: 'seen'; readonly id: string; readonly chunks: readonly Int32Array[] }
  | { readonly t: 'restore'; readonly id: string; readonly state: unknown }
  | { readonly t: 'ingest'; readonly seq: number; readonly id: string; readonly kind: 'cloudtrail' | 'vpcflow' | 'dns'; readonly body: Uint8Array }
  | { readonly t: 'live'; readonly seq: number; readonly items: readonly { readonly ids: readonly string[]; readonly input: DetectorInput }[] }
  | { readonly t: 'snapshot'; readonly seq: number; readonly ids: readonly string[] };

/** Candidates of one detector, in the order its engine emitted them. */
export type DetectorCandidates = readonly [id: string, cands: readonly FindingCandidate[]];

/** Replies to the main thread. */
export type HostReply =
  | {
      readonly t: 'ingested';
      readonly seq: number;
      /** The request cannot be analysed: an AWS error code and message (nothing was observed). */
      readonly error?: { readonly code: 'SerializationException' | 'BadRequestException'; readonly message: string };
      readonly accepted: number;
      readonly duplicates: number;
      readonly skipped: { index: number; reason: string }[];
      readonly cands: readonly FindingCandidate[];
      /** Dedup hashes added by this batch (pairs of Int32), to persist. */
      readonly pending?: Int32Array;
      readonly errors: readonly string[];
    }
  | { readonly t: 'observed'; readonly seq: number; readonly cands: readonly DetectorCandidates[]; readonly errors: readonly string[] }
  | { readonly t: 'snapshots'; readonly seq: number; readonly states: readonly (readonly [string, unknown])[]; readonly errors: readonly string[] }
  /** A failure outside any request with a reply (reported through GuardDuty's onError). */
  | { readonly t: 'log'; readonly what: string; readonly message: string }
  /** A request that threw (the request's promise is rejected with the message). */
  | { readonly t: 'failed'; readonly seq: number; readonly message: string };

/** One detector's detection state. */
class HostedDetector {
  threatIp = new IpMatcher<ListMatch>([]);
  threatDomain = new DomainMatcher<ListMatch>([]);
  trustedIp = new IpMatcher<true>([]);
  trustedDomain = new DomainMatcher<true>([]);
  engine: EngineLike | undefined;
  readonly seen: SeenSet;
  readonly ctx: DetectionContext;

  constructor(readonly accountId: string, readonly region: string, maxSeen: number) {
    this.seen = new SeenSet(maxSeen);
    this.ctx = {
      accountId,
      region,
      threatIp: (ip) => (this.trustedIp.get(ip) ? undefined : this.threatIp.get(ip)),
      threatDomain: (d) => (this.trustedDomain.get(d) ? undefined : this.threatDomain.get(d)),
      trustedIp: (ip) => this.trustedIp.get(ip) === true,
      trustedDomain: (d) => this.trustedDomain.get(d) === true,
      geo: geoOf,
    };
  }
}

const NO_CANDS: readonly FindingCandidate[] = Object.freeze([]);

/** Every detector's engine, dedup memory and lists; answers one message at a time. */
export class EngineHost {
  private readonly detectors = new Map<string, HostedDetector>();

  constructor(private readonly engine: (ctx: DetectionContext) => EngineLike, private readonly limits: IngestLimits) {}

  /** Handles one message; returns the reply, if the message has one. Never throws. */
  handle(m: HostRequest): HostReply | undefined {
    try {
      return this.dispatch(m);
    } catch (e) {
      return 'seq' in m ? { t: 'failed', seq: m.seq, message: messageOf(e) } : { t: 'log', what: `detection thread ${m.t}`, message: messageOf(e) };
    }
  }

  private dispatch(m: HostRequest): HostReply | undefined {
    switch (m.t) {
      case 'detector':
        if (!this.detectors.has(m.id)) this.detectors.set(m.id, new HostedDetector(m.accountId, m.region, m.maxSeen));
        return undefined;
      case 'delete':
        this.detectors.delete(m.id);
        return undefined;
      case 'reset':
        this.detectors.clear();
        return undefined;
      case 'lists': {
        const d = this.detectors.get(m.id);
        if (d) {
          d.threatIp = new IpMatcher(m.lists.threatIp);
          d.threatDomain = new DomainMatcher(m.lists.threatDomain);
          d.trustedIp = new IpMatcher(m.lists.trustedIp.map((c): [string, true] => [c, true]));
          d.trustedDomain = new DomainMatcher(m.lists.trustedDomain.map((c): [string, true] => [c, true]));
        }
        return undefined;
      }
      case 'seen': {
        const d = this.detectors.get(m.id);
        if (d) for (const c of m.chunks) d.seen.restore(c);
        return undefined;
      }
      case 'restore': {
        const d = this.detectors.get(m.id);
        if (!d) return undefined;
        try {
          this.engineOf(d).restore(m.state);
        } catch (e) {
          return { t: 'log', what: 'baseline restore', message: messageOf(e) };
        }
        return undefined;
      }
      case 'ingest':
        return this.ingest(m.seq, m.id, m.kind, m.body);
      case 'live':
        return this.live(m.seq, m.items);
      case 'snapshot': {
        const states: [string, unknown][] = [];
        const errors: string[] = [];
        for (const id of m.ids) {
          const d = this.detectors.get(id);
          if (!d?.engine) continue;
          try {
            states.push([id, d.engine.snapshot()]);
          } catch (e) {
            errors.push(messageOf(e));
          }
        }
        return { t: 'snapshots', seq: m.seq, states, errors };
      }
    }
  }

  private engineOf(d: HostedDetector): EngineLike {
    d.engine ??= this.engine(d.ctx);
    return d.engine;
  }

  private ingest(seq: number, id: string, kind: 'cloudtrail' | 'vpcflow' | 'dns', body: Uint8Array): HostReply {
    const fail = (code: 'SerializationException' | 'BadRequestException', message: string): HostReply => ({ t: 'ingested', seq, error: { code, message }, accepted: 0, duplicates: 0, skipped: [], cands: NO_CANDS, errors: [] });
    const records = batchRecords(bodyObject(body), this.limits.maxRecords);
    if (!Array.isArray(records)) return fail(records.code, records.message);
    const d = this.detectors.get(id);
    if (!d) return fail('BadRequestException', 'The request is rejected because the input detectorId is not owned by the current account.');
    let engine: EngineLike | undefined;
    let accepted = 0;
    let duplicates = 0;
    const skipped: { index: number; reason: string }[] = [];
    const cands: FindingCandidate[] = [];
    const errors: string[] = [];
    for (let i = 0; i < records.length; i++) {
      const input = admitRecord(kind, records[i], d.seen);
      if (typeof input === 'string') {
        skipped.push({ index: i, reason: input });
        continue;
      }
      if (input === undefined) {
        duplicates++;
        continue;
      }
      accepted++;
      try {
        // Made on first use, inside the try: an engine that cannot be built (a bad extra rule) fails each record as in process.
        engine ??= this.engineOf(d);
        const out = engine.observe(input);
        for (let k = 0; k < out.length; k++) cands.push(out[k] as FindingCandidate);
      } catch (e) {
        errors.push(messageOf(e));
      }
    }
    const pending = d.seen.takePending();
    return { t: 'ingested', seq, accepted, duplicates, skipped, cands, ...(pending ? { pending } : {}), errors };
  }

  private live(seq: number, items: readonly { readonly ids: readonly string[]; readonly input: DetectorInput }[]): HostReply {
    const out: DetectorCandidates[] = [];
    const errors: string[] = [];
    for (const { ids, input } of items) {
      for (const id of ids) {
        const d = this.detectors.get(id);
        if (!d) continue;
        try {
          const cands = this.engineOf(d).observe(input);
          if (cands.length > 0) out.push([id, cands]);
        } catch (e) {
          errors.push(messageOf(e));
        }
      }
    }
    return { t: 'observed', seq, cands: out, errors };
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
