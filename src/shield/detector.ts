/**
 * Attack detection per site: every tick (1 s) compares the recent request rate and composition with
 * the site's adapting baseline (static floors while the site is new). An attack is declared when
 * the rate exceeds max(rateFactor × baseline, floor) AND the composition deviates (sources sending
 * far above the normal per-source rate carry a large share, or a dimension's distribution moved far
 * from the baseline, or, with no baseline yet, one key dominates); or when connection rejections
 * flood. It ends after `holdSeconds` of calm. The baseline learns only from calm seconds.
 */
import {
  Baseline, DEFAULT_TRAFFIC_LIMITS, DIMENSIONS, TrafficWindow, dimIndex, shares, topN, totalVariation,
  type Dimension, type TrafficLimits, type TrafficSample, type WindowStats,
} from './baseline.js';
import type { ConnectionRejectKind, VectorType } from './types.js';

/** Detection parameters (docs/shield.md explains each). */
export interface DetectionConfig {
  /** Seconds of traffic the rate and composition are judged over. */
  readonly detectSeconds: number;
  /** Attack when the rate exceeds this multiple of the baseline rate... */
  readonly rateFactor: number;
  /** ...and at least this many requests per second (the only rate threshold of a new site). */
  readonly staticFloorRps: number;
  /** Seconds of calm history before the baseline is trusted over the static thresholds. */
  readonly minBaselineSeconds: number;
  /** A source is "hot" above max(perSourceFactor × baseline busiest-source rate, perSourceFloorRps). */
  readonly perSourceFloorRps: number;
  readonly perSourceFactor: number;
  /** Composition deviates when hot sources carry at least this share of the requests. */
  readonly concentrationShare: number;
  /** ...or a dimension's total variation distance from the baseline reaches this. */
  readonly distanceThreshold: number;
  /** ...or (no baseline yet) one key of URL, user agent or /24 carries this share. */
  readonly dominantShare: number;
  /** Consecutive suspicious ticks before an attack is declared. */
  readonly confirmTicks: number;
  /**
   * A suspicious window whose rate is at least this many times the threshold, with a composition
   * deviation, declares the attack at once, without the confirmation (0: always confirm).
   */
  readonly immediateFactor: number;
  /** Seconds of the short window also judged before an attack (0: only the `detectSeconds` window). */
  readonly fastSeconds: number;
  /** Calm seconds before an attack ends. */
  readonly holdSeconds: number;
  /** Baseline adaptation time constant. */
  readonly tauSeconds: number;
  /** Connection rejections per second that make a connection-level attack. */
  readonly connectionFloorPerSec: number;
}

/** Defaults for production traffic. */
export const DEFAULT_DETECTION: DetectionConfig = {
  detectSeconds: 3,
  rateFactor: 3,
  staticFloorRps: 100,
  minBaselineSeconds: 300,
  perSourceFloorRps: 5,
  perSourceFactor: 5,
  concentrationShare: 0.3,
  distanceThreshold: 0.5,
  dominantShare: 0.8,
  confirmTicks: 2,
  immediateFactor: 1.5,
  fastSeconds: 1,
  holdSeconds: 60,
  tauSeconds: 3600,
  connectionFloorPerSec: 20,
};

/**
 * Timer ticks come late when the event loop is busy (as in a flood), so two ticks meant to be a
 * second apart may be measured a little closer: suspicion this much shorter than required still
 * confirms, instead of waiting for one more tick.
 */
const TICK_JITTER_MS = 100;

/** The verdict of a site before its first evaluation. */
const QUIET: TickVerdict = Object.freeze({ rps: 0, threshold: 0, deviation: Object.freeze([]) as readonly string[], connectionRate: 0, suspicious: false });

/** Connection rejection kinds reported as SYN_FLOOD (connection exhaustion); the rest are slow/oversize HTTP, REQUEST_FLOOD. */
const CONNECTION_FLOOD_KINDS: ReadonlySet<ConnectionRejectKind> = new Set(['PER_IP_CONNECTIONS', 'CONNECTION_RATE', 'GLOBAL_SHED']);
const AGG_KEYS = 512;

/** What an attack accumulated while it lasted. */
export interface AttackAggregate {
  readonly siteName: string;
  readonly siteArn: string;
  readonly start: number;
  end?: number;
  requests: number;
  maxRps: number;
  readonly vectors: Set<VectorType>;
  /** Per dimension: key → requests (bounded). */
  readonly counts: Map<string, number>[];
  readonly connections: Map<ConnectionRejectKind, number>;
}

/** The situation of a site during an attack, for deriving a mitigation. */
export interface AttackView {
  readonly attack: AttackAggregate;
  /** The recent window. */
  readonly window: WindowStats;
  readonly baseline: Baseline;
  /** Whether the baseline has enough history to be trusted. */
  readonly warm: boolean;
  /** Per-source rate above which a source is hot. */
  readonly hotSourceRps: number;
  /** Requests in {@link window} above which a source is hot (see AttackDetector.hotSourceRequests). */
  readonly hotSourceRequests: number;
}

/** Callbacks of the detector. */
export interface DetectorListener {
  onStart(view: AttackView): void;
  /** Every tick while the attack lasts. */
  onUpdate(view: AttackView): void;
  onEnd(view: AttackView): void;
}

interface SiteState {
  readonly name: string;
  readonly arn: string;
  readonly traffic: TrafficWindow;
  readonly baseline: Baseline;
  /** When the current run of suspicious evaluations began (-1: the last one was not suspicious). */
  suspiciousSince: number;
  /** The second of the last full tick (see {@link AttackDetector.tick}). */
  second: number;
  /** The verdict of the last full evaluation (returned by ticks that skip one). */
  verdict: TickVerdict;
  calm: number;
  /** Consecutive calm ticks outside attacks (see {@link AttackDetector.learnDelaySeconds}). */
  calmRun: number;
  attack: AttackAggregate | undefined;
  lastSeen: number;
  /**
   * Requests in one second that make it strong on their own (see tickSite; set at each tick,
   * Infinity with the test off): reaching it asks for a tick at once (not under attack).
   */
  burst: number;
  /** The listener asked for another look before the next full tick (see {@link AttackDetector.lookAgain}). */
  again: boolean;
}

/** Why a tick looked suspicious (for tests and logs). */
export interface TickVerdict {
  readonly rps: number;
  readonly threshold: number;
  readonly deviation: readonly string[];
  readonly connectionRate: number;
  readonly suspicious: boolean;
}

/** Per-site baselines and attack state machine. */
export class AttackDetector {
  private readonly sites = new Map<string, SiteState>();
  readonly config: DetectionConfig;

  constructor(
    private readonly listener: DetectorListener,
    config: Partial<DetectionConfig> = {},
    private readonly limits: TrafficLimits = DEFAULT_TRAFFIC_LIMITS,
  ) {
    this.config = { ...DEFAULT_DETECTION, ...config };
    const c = this.config;
    this.learnDelaySeconds = Math.max(1, Math.min(c.detectSeconds + c.confirmTicks, limits.slots - 1 - c.detectSeconds));
    this.shortSeconds = c.fastSeconds > 0 && c.fastSeconds < c.detectSeconds ? c.fastSeconds : 0;
    this.quietWindows = [[c.detectSeconds, false], [c.detectSeconds, true], ...(this.shortSeconds > 0 ? [[this.shortSeconds, true] as const] : [])];
  }

  /** The short window's complete seconds (`fastSeconds`), 0 when there is none (off, or not shorter than `detectSeconds`). */
  readonly shortSeconds: number;
  /** The windows (complete seconds, with the current one) a sub-second tick checks in {@link quiet}. */
  private readonly quietWindows: readonly (readonly [number, boolean])[];

  /**
   * The baseline learns a second only this long after it, once every tick since was calm: the
   * first second of a flood, before the window's rate or composition crosses a threshold, is then
   * discarded with the rest of the attack instead of entering the baseline (where its /24s and URLs
   * would look known and could no longer isolate the attack).
   */
  readonly learnDelaySeconds: number;

  private site(name: string, arn: string, now: number): SiteState {
    let s = this.sites.get(arn);
    if (!s) {
      s = {
        name, arn, traffic: new TrafficWindow(this.limits), baseline: new Baseline(this.config.tauSeconds, this.limits.baselineKeys),
        suspiciousSince: -1, second: -1, verdict: QUIET, calm: 0, calmRun: 0, attack: undefined, lastSeen: now, burst: 0, again: false,
      };
      s.burst = this.burstCount(s.baseline, false);
      this.sites.set(arn, s);
    }
    return s;
  }

  /**
   * Counts one request of a site. True when it brought its second to the count that may declare an
   * attack on its own (once per second and site): the caller should tick now rather than at the
   * next interval (a flood is then detected as soon as it is strong, not up to a tick later).
   */
  request(siteName: string, siteArn: string, r: TrafficSample): boolean {
    const s = this.site(siteName, siteArn, r.time);
    s.lastSeen = r.time;
    return s.traffic.add(r) === Math.ceil(s.burst) && s.attack === undefined;
  }

  /** Counts one connection rejection of a site. */
  connection(siteName: string, siteArn: string, timeMs: number, kind: ConnectionRejectKind): void {
    const s = this.site(siteName, siteArn, timeMs);
    s.lastSeen = timeMs;
    s.traffic.addConnection(timeMs, kind);
  }

  /**
   * Asks for one more update of a site's ongoing attack at the next tick, even between full ones
   * (the controller, when nothing isolated the attack yet: the next tick's window holds a quarter
   * second more of the flood, instead of waiting up to a second for the next full tick).
   */
  lookAgain(siteArn: string): void {
    const s = this.sites.get(siteArn);
    if (s?.attack !== undefined) s.again = true;
  }

  /** The ongoing attack of a site, if any. */
  attackOf(siteArn: string): AttackAggregate | undefined {
    return this.sites.get(siteArn)?.attack;
  }

  /** The baseline of a site, if it has traffic. */
  baselineOf(siteArn: string): Baseline | undefined {
    return this.sites.get(siteArn)?.baseline;
  }

  /**
   * Evaluates every site at `now`. Returns the verdict per site ARN. Call it once a second or more
   * often: the first tick of each second is a full one (the baseline learns, an ongoing attack
   * accounts its second and may end); the others only look again for the start of an attack, so
   * that a flood is confirmed within a fraction of a second of `confirmTicks` − 1 seconds of
   * suspicion, not up to a second later. Before an attack, the complete seconds and the same plus
   * the part of the current second elapsed are judged; either being suspicious counts.
   */
  tick(now: number): Map<string, TickVerdict> {
    const out = new Map<string, TickVerdict>();
    for (const s of this.sites.values()) out.set(s.arn, this.tickSite(s, now));
    return out;
  }

  private hotSourceRps(b: Baseline, warm: boolean): number {
    const c = this.config;
    return Math.max(c.perSourceFloorRps, warm ? c.perSourceFactor * b.perSourceHigh : 0);
  }

  /**
   * Requests in `w` above which a source is hot: the hot rate over the window's span, but over at
   * least `detectSeconds`. A visitor's page load puts a few requests into a second, which in the
   * short window (a second or so, declaring a strong flood at once) would exceed the rate.
   */
  private hotSourceRequests(b: Baseline, warm: boolean, w: WindowStats): number {
    return this.hotSourceRps(b, warm) * Math.max(w.seconds, this.config.detectSeconds);
  }

  /**
   * Requests in the current second that make it strong on its own: as many as the short window
   * needs over all its `fastSeconds` (Infinity without a short window or immediate declarations).
   */
  private burstCount(b: Baseline, warm: boolean): number {
    const c = this.config;
    return this.shortSeconds > 0 && c.immediateFactor > 0 ? c.immediateFactor * this.threshold(b, warm) * this.shortSeconds : Infinity;
  }

  /** Whether a site's baseline is trusted: enough calm history, and its composition learnt. */
  private warm(b: Baseline): boolean {
    return b.seconds >= this.config.minBaselineSeconds && b.compositionUpdates > 0;
  }

  /** The rate threshold (requests per second) of a site's baseline. */
  private threshold(b: Baseline, warm: boolean): number {
    return Math.max(this.config.rateFactor * (warm ? b.rate : 0), this.config.staticFloorRps);
  }

  /** The verdict on a window for a site. */
  judge(s: { baseline: Baseline }, w: WindowStats): TickVerdict {
    const c = this.config;
    const b = s.baseline;
    const warm = this.warm(b);
    const threshold = this.threshold(b, warm);
    const deviation: string[] = [];
    if (w.total > 0) {
      const hot = this.hotSourceRequests(b, warm, w);
      let hotRequests = 0;
      for (const v of (w.counts[dimIndex('ip')] as Map<string, number>).values()) if (v > hot) hotRequests += v;
      if (hotRequests / w.total >= c.concentrationShare) deviation.push('SOURCE_IP_ADDRESS');
      for (const d of ['prefix24', 'url', 'userAgent', 'country', 'referrer', 'method'] as const satisfies readonly Dimension[]) {
        const cur = shares(w.counts[dimIndex(d)] as Map<string, number>, w.total);
        if (warm) {
          if (totalVariation(cur, b.dist[dimIndex(d)] as Map<string, number>) >= c.distanceThreshold) deviation.push(d);
        } else if (d === 'url' || d === 'userAgent' || d === 'prefix24') {
          for (const p of cur.values()) if (p >= c.dominantShare) { deviation.push(d); break; }
        }
      }
    }
    let conn = 0;
    // Idle keep-alive connections closed by the proxy are normal client behaviour, not an attack.
    for (const [k, v] of w.connections) if (k !== 'IDLE') conn += v;
    const connectionRate = w.seconds > 0 ? conn / w.seconds : 0;
    const suspicious = (w.rps > threshold && deviation.length > 0) || connectionRate > c.connectionFloorPerSec;
    return { rps: w.rps, threshold, deviation, connectionRate, suspicious };
  }

  private tickSite(s: SiteState, now: number): TickVerdict {
    const c = this.config;
    const sec = Math.floor(now / 1000);
    const full = sec !== s.second;
    if (!full && s.attack) {
      if (s.again) {
        // An update between full ticks, over the detection window with the part of this second
        // elapsed: the attack's totals are accounted on full ticks only, as always.
        s.again = false;
        this.listener.onUpdate(this.view(s, s.traffic.window(now, c.detectSeconds, true), this.warm(s.baseline)));
      }
      return s.verdict;
    }
    const b = s.baseline;
    const warm = this.warm(b);
    s.burst = this.burstCount(b, warm);
    if (!full && this.quiet(s, now, warm)) {
      s.suspiciousSince = -1;
      return s.verdict;
    }
    if (full) s.second = sec;
    const done = s.traffic.window(now, c.detectSeconds);
    let w = done;
    let v = this.judge(s, done);
    // Not under attack, the part of the current second elapsed is judged too (with the complete
    // seconds before it): fresher, but requests are published when they complete, so while a flood
    // queues its count is low; judged alone it made the rate dip within each second and restart
    // the confirmation. Either window being suspicious counts.
    // Then the short window (the last `fastSeconds` complete seconds and the part of the current
    // one): a flood many times the baseline crosses the rate threshold there well before the longer
    // window's average does. Same threshold and composition tests; the confirmation below is the same.
    // Set once the short window has been judged this tick (not judged twice below).
    let judgedShort = false;
    if (!s.attack && !v.suspicious) {
      let other = now % 1000 > 0 ? this.suspiciousWindow(s, now, c.detectSeconds) : undefined;
      if (other === undefined && this.shortSeconds > 0) {
        other = this.suspiciousWindow(s, now, this.shortSeconds);
        judgedShort = true;
      }
      if (other !== undefined) {
        w = other.w;
        v = other.v;
      }
    }
    // Far over the threshold with a composition deviation, in the window judged or in the short one
    // (a long window already suspicious is judged alone above, and its average lags the flood).
    let strong = !s.attack && this.strong(v);
    if (!s.attack && !strong && !judgedShort && v.suspicious && this.shortSeconds > 0 && c.immediateFactor > 0) {
      const other = this.suspiciousWindow(s, now, this.shortSeconds);
      if (other !== undefined && this.strong(other.v)) {
        strong = true;
        w = other.w;
        v = other.v;
      }
    }
    // The current second alone, once it holds as many requests as the short window needs to be
    // strong over all its `fastSeconds` (so its rate is at least as far over the threshold, measured
    // over less than a second): the short window also holds the last complete second, from before a
    // flood that starts early in this one, and that dilutes its rate for most of this second. A
    // count, not the rate of a few hundred ms, so a burst (a page load, a crawler's first pages)
    // cannot reach it on a site where a second's worth of traffic at that rate could not.
    if (!s.attack && !strong && s.burst !== Infinity && now % 1000 > 0) {
      if (s.traffic.totals(now, 0, true).total >= s.burst) {
        const cw = s.traffic.window(now, 0, true);
        const cv = this.judge(s, cw);
        if (this.strong(cv)) {
          strong = true;
          w = cw;
          v = cv;
        }
      }
    }
    if (full) s.verdict = v;
    if (!s.attack) {
      if (!v.suspicious) s.suspiciousSince = -1;
      else if (s.suspiciousSince < 0) s.suspiciousSince = now;
      // Suspicious for confirmTicks - 1 seconds (confirmTicks ticks in a row when ticking once a
      // second), or at once when strong: confirmation guards against a moment's spike, and a flood
      // that far over the threshold has already cost the site's clients the wait.
      if (v.suspicious && (strong || now - s.suspiciousSince >= (c.confirmTicks - 1) * 1000 - TICK_JITTER_MS)) {
        s.attack = {
          siteName: s.name, siteArn: s.arn, start: now - c.detectSeconds * 1000, requests: 0, maxRps: 0,
          vectors: new Set(), counts: DIMENSIONS.map(() => new Map<string, number>()), connections: new Map(),
        };
        s.calm = 0;
        s.calmRun = 0;
        // The complete seconds only: the next full tick accounts the current one.
        this.accumulate(s.attack, done, v, true);
        this.listener.onStart(this.view(s, w, warm));
      } else if (!full) {
        if (v.suspicious || (v.rps > v.threshold && warm)) s.calmRun = 0;
      } else if (!v.suspicious && (v.rps <= v.threshold || !warm)) {
        // Learn only from calm traffic: one second of rate, and the composition every detect
        // window, each `learnDelaySeconds` late. Before the baseline is warm the threshold is only
        // the static floor: a site whose normal traffic is above it would never warm up, so there
        // traffic without any deviation counts as calm.
        s.calmRun++;
        const d = this.learnDelaySeconds;
        if (s.calmRun > d) {
          const then = now - d * 1000;
          b.learnRate(s.traffic.window(then, 1).rps);
          if (b.seconds % c.detectSeconds === 0) b.learnComposition(s.traffic.window(then, c.detectSeconds));
        }
      } else {
        s.calmRun = 0;
      }
      return v;
    }
    s.calmRun = 0;
    const one = s.traffic.window(now, 1);
    this.accumulate(s.attack, one, this.judge(s, one), false);
    // Hysteresis: calm only well below the threshold, so a flood that slows for a moment is the same attack.
    if (v.suspicious || v.rps > v.threshold * 0.5) s.calm = 0;
    else s.calm++;
    const view = this.view(s, w, warm);
    // This update is the look asked for, if one was.
    s.again = false;
    if (s.calm >= c.holdSeconds) {
      s.attack.end = now - s.calm * 1000;
      s.attack = undefined;
      s.suspiciousSince = -1;
      this.listener.onEnd(view);
    } else {
      this.listener.onUpdate(view);
    }
    return v;
  }

  /**
   * True when a sub-second tick can tell without merging the window's keys that it is calm: the
   * rate at or under the threshold and connection rejections at or under their floor (so it could
   * not be suspicious, and the baseline may still learn).
   */
  private quiet(s: SiteState, now: number, warm: boolean): boolean {
    const c = this.config;
    const threshold = this.threshold(s.baseline, warm);
    if (s.burst !== Infinity && s.traffic.totals(now, 0, true).total >= s.burst) return false;
    for (const [seconds, current] of this.quietWindows) {
      const t = s.traffic.totals(now, seconds, current);
      if (!(t.seconds > 0 && t.total / t.seconds <= threshold && t.connections / t.seconds <= c.connectionFloorPerSec)) return false;
    }
    return true;
  }

  /** A suspicious verdict at least `immediateFactor` times the threshold, with a composition deviation. */
  private strong(v: TickVerdict): boolean {
    const f = this.config.immediateFactor;
    return f > 0 && v.suspicious && v.deviation.length > 0 && v.rps >= f * v.threshold;
  }

  /** The window of `seconds` complete seconds and the current one's elapsed part, with its verdict, if suspicious. */
  private suspiciousWindow(s: SiteState, now: number, seconds: number): { w: WindowStats; v: TickVerdict } | undefined {
    const w = s.traffic.window(now, seconds, true);
    const v = this.judge(s, w);
    return v.suspicious ? { w, v } : undefined;
  }

  private view(s: SiteState, w: WindowStats, warm: boolean): AttackView {
    return { attack: s.attack as AttackAggregate, window: w, baseline: s.baseline, warm, hotSourceRps: this.hotSourceRps(s.baseline, warm), hotSourceRequests: this.hotSourceRequests(s.baseline, warm, w) };
  }

  private accumulate(a: AttackAggregate, w: WindowStats, v: TickVerdict, first: boolean): void {
    a.requests += w.total;
    if (w.rps > a.maxRps) a.maxRps = w.rps;
    if ((first || v.rps > v.threshold) && w.total > 0 && v.deviation.length > 0) a.vectors.add('REQUEST_FLOOD');
    for (const [k, n] of w.connections) {
      if (k === 'IDLE') continue;
      a.connections.set(k, (a.connections.get(k) ?? 0) + n);
      a.vectors.add(CONNECTION_FLOOD_KINDS.has(k) ? 'SYN_FLOOD' : 'REQUEST_FLOOD');
    }
    for (let d = 0; d < DIMENSIONS.length; d++) {
      const into = a.counts[d] as Map<string, number>;
      for (const [k, n] of w.counts[d] as Map<string, number>) into.set(k, (into.get(k) ?? 0) + n);
      if (into.size > 2 * AGG_KEYS) {
        const keep = topN(into, AGG_KEYS);
        into.clear();
        for (const [k, n] of keep) into.set(k, n);
      }
    }
  }

  /** Forgets sites idle for `idleMs` and not under attack (bounded memory across many sites). */
  sweep(now: number, idleMs: number): void {
    for (const [arn, s] of this.sites) if (!s.attack && now - s.lastSeen > idleMs) this.sites.delete(arn);
  }
}

