/**
 * Sampled requests for GetSampledRequests: per web ACL and rule metric name, a reservoir of at most
 * `perWindow` requests for each 15-minute slot of the last 3 hours, with the slot's population so
 * that each sample carries a Weight as AWS's does. Memory is bounded by
 * keys × 12 slots × perWindow; samples are built only when the reservoir keeps them.
 */

/** One SampledHTTPRequest as the wafv2 API returns it. */
export interface SampledHttpRequest {
  readonly Request: {
    readonly ClientIP: string;
    readonly Country: string;
    readonly URI: string;
    readonly Method: string;
    readonly HTTPVersion: string;
    readonly Headers: readonly { readonly Name: string; readonly Value: string }[];
  };
  Weight: number;
  readonly Timestamp: Date;
  readonly Action: string;
  readonly RuleNameWithinRuleGroup?: string;
  readonly RequestHeadersInserted?: readonly { readonly Name: string; readonly Value: string }[];
  readonly ResponseCodeSent?: number;
  readonly Labels?: readonly { readonly Name: string }[];
  readonly CaptchaResponse?: { readonly ResponseCode?: number; readonly SolveTimestamp?: number; readonly FailureReason?: string };
  readonly ChallengeResponse?: { readonly ResponseCode?: number; readonly SolveTimestamp?: number; readonly FailureReason?: string };
  readonly OverriddenAction?: string;
}

/** GetSampledRequests's response. */
export interface SampledRequestsResult {
  readonly SampledRequests: SampledHttpRequest[];
  readonly PopulationSize: number;
  readonly TimeWindow: { readonly StartTime: Date; readonly EndTime: Date };
}

const SLOT_MS = 15 * 60_000;
const HORIZON_MS = 3 * 3600_000;

interface Slot {
  start: number;
  population: number;
  samples: SampledHttpRequest[];
  /** Samples offered by data-plane workers to this slot (absorb's reservoir count). */
  received?: number;
}

/** Bounded reservoirs of recent requests per web ACL ARN and rule metric name. */
export class SampledRequests {
  private readonly slots = new Map<string, Slot[]>();

  constructor(private readonly perWindow = 100) {}

  /**
   * Offers one request. `build` is called only when the reservoir keeps it (pass a bound method or
   * a prepared object's builder, not a fresh closure, on hot paths).
   */
  offer<T>(webAclArn: string, ruleMetricName: string, nowMs: number, build: (ctx: T) => SampledHttpRequest, ctx: T): void {
    const key = `${webAclArn}\0${ruleMetricName}`;
    let ring = this.slots.get(key);
    if (ring === undefined) {
      ring = [];
      this.slots.set(key, ring);
    }
    const start = nowMs - (nowMs % SLOT_MS);
    let slot = ring[ring.length - 1];
    if (slot === undefined || slot.start !== start) {
      slot = { start, population: 0, samples: [] };
      ring.push(slot);
      while (ring.length > 0 && (ring[0] as Slot).start < nowMs - HORIZON_MS - SLOT_MS) ring.shift();
    }
    slot.population++;
    if (slot.samples.length < this.perWindow) {
      slot.samples.push(build(ctx));
      return;
    }
    const j = Math.floor(Math.random() * slot.population);
    if (j < this.perWindow) slot.samples[j] = build(ctx);
  }

  /** GetSampledRequests: up to maxItems samples in the window (clipped to the last 3 hours). */
  get(webAclArn: string, ruleMetricName: string, startTime: Date, endTime: Date, maxItems: number, nowMs = Date.now()): SampledRequestsResult {
    const start = Math.max(startTime.getTime(), nowMs - HORIZON_MS);
    const end = Math.min(endTime.getTime(), nowMs);
    const ring = this.slots.get(`${webAclArn}\0${ruleMetricName}`) ?? [];
    const out: SampledHttpRequest[] = [];
    let population = 0;
    for (const slot of ring) {
      if (slot.start + SLOT_MS <= start || slot.start > end) continue;
      population += slot.population;
      const weight = Math.max(1, Math.round(slot.population / slot.samples.length));
      for (const s of slot.samples) {
        const t = s.Timestamp.getTime();
        if (t >= start && t <= end) out.push({ ...s, Weight: weight });
      }
    }
    out.sort((a, b) => a.Timestamp.getTime() - b.Timestamp.getTime());
    const limit = Math.max(1, Math.min(500, maxItems));
    const picked = out.length > limit ? out.slice(out.length - limit) : out;
    return { SampledRequests: picked, PopulationSize: population, TimeWindow: { StartTime: new Date(start), EndTime: new Date(end) } };
  }

  /**
   * Merges what a data-plane worker sampled (src/proxy/worker-samples.ts): `population` more
   * requests in the 15-minute slot of `slotTimeMs`, and the samples its reservoir kept, which enter
   * this slot's reservoir. Weights stay population / samples kept, as for local offers.
   */
  absorb(webAclArn: string, ruleMetricName: string, slotTimeMs: number, population: number, samples: readonly SampledHttpRequest[], nowMs = Date.now()): void {
    const key = `${webAclArn}\0${ruleMetricName}`;
    let ring = this.slots.get(key);
    if (ring === undefined) {
      ring = [];
      this.slots.set(key, ring);
    }
    const start = slotTimeMs - (slotTimeMs % SLOT_MS);
    if (start < nowMs - HORIZON_MS - SLOT_MS) return;
    let slot = ring.find((x) => x.start === start);
    if (slot === undefined) {
      slot = { start, population: 0, samples: [] };
      ring.push(slot);
      ring.sort((a, b) => a.start - b.start);
      while (ring.length > 0 && (ring[0] as Slot).start < nowMs - HORIZON_MS - SLOT_MS) ring.shift();
    }
    slot.population += population;
    for (const s of samples) {
      slot.received = (slot.received ?? 0) + 1;
      if (slot.samples.length < this.perWindow) slot.samples.push(s);
      else {
        const j = Math.floor(Math.random() * slot.received);
        if (j < this.perWindow) slot.samples[j] = s;
      }
    }
  }

  /** Drops samples of a web ACL (when it is deleted). */
  forget(webAclArn: string): void {
    for (const k of this.slots.keys()) if (k.startsWith(`${webAclArn}\0`)) this.slots.delete(k);
  }
}
