/**
 * Sampled requests of a data-plane worker: GetSampledRequests is answered by the primary, so a
 * worker keeps no 3-hour sample of its own. Per web ACL and rule metric name it counts the
 * population of the current 15-minute slot and runs the same reservoir test as SampledRequests
 * (the first `perWindow` requests of a slot, then each with probability perWindow / population);
 * the samples it keeps and the population are drained in batches to the primary, whose
 * SampledRequests.absorb() merges them with every other worker's. Samples are built only when kept.
 */
import { SampledRequests, type SampledHttpRequest } from './sampled.js';

const SLOT_MS = 15 * 60_000;

interface KeyState {
  readonly webAclArn: string;
  readonly ruleMetricName: string;
  slotStart: number;
  /** Requests in the slot so far (drives the reservoir test). */
  population: number;
  /** Population already drained. */
  drained: number;
  pending: SampledHttpRequest[];
}

/** One drained entry: population added and samples kept since the last drain. */
export interface SampleBatchItem {
  readonly webAclArn: string;
  readonly ruleMetricName: string;
  readonly slotStart: number;
  readonly population: number;
  readonly samples: readonly SampledHttpRequest[];
}

/** The worker-side sampler (see the module comment); pass it to the SiteManager as `sampled`. */
export class ForwardingSampledRequests extends SampledRequests {
  private readonly keys = new Map<string, KeyState>();
  private readonly out: SampleBatchItem[] = [];

  constructor(private readonly keep = 100) {
    super(keep);
  }

  override offer<T>(webAclArn: string, ruleMetricName: string, nowMs: number, build: (ctx: T) => SampledHttpRequest, ctx: T): void {
    const key = `${webAclArn}\0${ruleMetricName}`;
    let k = this.keys.get(key);
    const start = nowMs - (nowMs % SLOT_MS);
    if (k === undefined) {
      k = { webAclArn, ruleMetricName, slotStart: start, population: 0, drained: 0, pending: [] };
      this.keys.set(key, k);
    } else if (k.slotStart !== start) {
      this.flushKey(k);
      k.slotStart = start;
      k.population = 0;
      k.drained = 0;
    }
    k.population++;
    // At most `keep` samples wait per drain: a flood cannot grow the batch.
    if (k.pending.length >= this.keep) return;
    if (k.population <= this.keep || Math.random() * k.population < this.keep) k.pending.push(build(ctx));
  }

  private flushKey(k: KeyState): void {
    const population = k.population - k.drained;
    if (population === 0 && k.pending.length === 0) return;
    this.out.push({ webAclArn: k.webAclArn, ruleMetricName: k.ruleMetricName, slotStart: k.slotStart, population, samples: k.pending });
    k.drained = k.population;
    k.pending = [];
  }

  /** What was counted and kept since the last drain. */
  drain(): SampleBatchItem[] {
    for (const k of this.keys.values()) this.flushKey(k);
    return this.out.splice(0, this.out.length);
  }

  override forget(webAclArn: string): void {
    for (const [key, k] of this.keys) if (k.webAclArn === webAclArn) this.keys.delete(key);
  }
}

/** Revives samples that crossed IPC as JSON (Timestamp back to a Date). */
export function reviveSamples(samples: readonly Record<string, unknown>[]): SampledHttpRequest[] {
  return samples.map((s) => ({ ...s, Timestamp: new Date(s.Timestamp as string) }) as unknown as SampledHttpRequest);
}
