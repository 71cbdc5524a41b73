/**
 * Polls GET /_bulwark/metrics and turns the WAF counters (bulwark_waf_requests_total{webacl,
 * rule, action}) into per-interval request counts over a sliding window, for the traffic charts.
 */
import { publicGet } from './aws.ts';

/** One parsed sample of a counter. */
export interface WafSample {
  readonly webacl: string;
  readonly rule: string;
  readonly action: string;
  readonly value: number;
}

const LINE = /^bulwark_waf_requests_total\{([^}]*)\}\s+([0-9.eE+-]+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Parses the WAF counters out of a Prometheus text exposition. */
export function parseWafMetrics(text: string): WafSample[] {
  const out: WafSample[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1');
    out.push({ webacl: labels.webacl ?? '', rule: labels.rule ?? '', action: labels.action ?? '', value: Number(m[2]) });
  }
  return out;
}

/** Key of a series: web ACL metric name, rule metric name, action. */
export const seriesKey = (webacl: string, rule: string, action: string): string => `${webacl}\u0000${rule}\u0000${action}`;

/** A sliding window of per-interval deltas for every WAF counter. */
export class TrafficWindow {
  /** Sample times, epoch seconds. */
  readonly times: number[] = [];
  /** Per series key: the delta of each interval (aligned with times). */
  readonly deltas = new Map<string, number[]>();
  /** The latest absolute counter values (since the node started). */
  readonly totals = new Map<string, number>();
  private last: Map<string, number> | undefined;

  constructor(private readonly size = 150) {}

  /** Adds one scrape taken at `t` (epoch seconds). */
  add(t: number, samples: WafSample[]): void {
    const now = new Map<string, number>();
    for (const s of samples) now.set(seriesKey(s.webacl, s.rule, s.action), s.value);
    this.times.push(t);
    for (const [k, v] of now) {
      let d = this.deltas.get(k);
      if (!d) {
        d = new Array<number>(this.times.length - 1).fill(0);
        this.deltas.set(k, d);
      }
      // A counter that appears after the first scrape started at zero within this window.
      const prev = this.last ? (this.last.get(k) ?? 0) : v;
      d.push(Math.max(0, v - prev));
      this.totals.set(k, v);
    }
    for (const [k, d] of this.deltas) if (!now.has(k)) d.push(0);
    this.last = now;
    if (this.times.length > this.size) {
      this.times.shift();
      for (const d of this.deltas.values()) d.shift();
    }
  }

  /** Per-interval counts of one series (zeros when it has no data yet). */
  values(webacl: string, rule: string, action: string): number[] {
    return this.deltas.get(seriesKey(webacl, rule, action)) ?? new Array<number>(this.times.length).fill(0);
  }
}

/** Scrapes the metrics endpoint once. */
export async function scrapeWaf(): Promise<WafSample[]> {
  const res = await publicGet('/_bulwark/metrics');
  if (!res.ok) throw new Error(`GET /_bulwark/metrics answered ${res.status}`);
  return parseWafMetrics(await res.text());
}

/** The shared traffic window, polled every `POLL_MS` while any page uses it. */
export const traffic = new TrafficWindow();
/** Poll interval of the traffic charts. */
export const POLL_MS = 2000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

async function poll(): Promise<void> {
  try {
    traffic.add(Math.floor(Date.now() / 1000), await scrapeWaf());
  } catch {
    traffic.add(Math.floor(Date.now() / 1000), []);
  }
  for (const l of listeners) l();
}

/** Subscribes to traffic updates; the poller runs while there is a subscriber. */
export function subscribeTraffic(fn: () => void): () => void {
  listeners.add(fn);
  if (timer === undefined) {
    void poll();
    timer = setInterval(() => void poll(), POLL_MS);
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
