/**
 * Shield's runtime: feeds the proxy's request and connection events into the detector, ticks it
 * once a second, records attacks on protected resources (ShieldStore), publishes their start and
 * end on `bulwark:shield-attack`, and keeps the automatic application-layer mitigation of each
 * attacked site with automatic response enabled in step with the attack.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { dimIndex, topN, type Dimension } from './baseline.js';
import { AttackDetector, type AttackAggregate, type AttackView, type DetectionConfig } from './detector.js';
import { PROXY_CONNECTION_CHANNEL, PROXY_REQUEST_CHANNEL, publishShieldAttack } from './events.js';
import { DEFAULT_SIGNATURE, deriveSignature, type MitigationPlacer, type MitigationSignature, type SignatureOptions } from './mitigation.js';
import type { AttackRecord, RecordedProperty, ShieldStore } from './store.js';
import type { ProxyConnectionEvent, ProxyRequestEvent } from './types.js';

/** The WAF log channel (published by the proxy for every request of a site with a web ACL). */
const WAF_LOG_CHANNEL = 'bulwark:waf-log';

/** Options of the controller. */
export interface ShieldControllerOptions {
  readonly store: ShieldStore;
  readonly placer: MitigationPlacer;
  readonly logger: Logger;
  /** The site ARN of a site name (for WAF log records, which carry the name). */
  readonly siteArn: (name: string) => string;
  readonly detection?: Partial<DetectionConfig>;
  readonly signature?: Partial<SignatureOptions>;
  /** Tick interval (default {@link DEFAULT_TICK_MS}). */
  readonly tickMs?: number;
}

interface Ongoing {
  readonly record: AttackRecord;
  signature?: MitigationSignature;
  lastPersist: number;
}

const PROPERTY_DIMS: readonly [Dimension, RecordedProperty['identifier']][] = [
  ['ip', 'SOURCE_IP_ADDRESS'], ['country', 'SOURCE_COUNTRY'], ['userAgent', 'SOURCE_USER_AGENT'], ['url', 'DESTINATION_URL'], ['referrer', 'REFERRER'],
];

/**
 * Detection ticks this often by default. The baseline and the attack's accounting still move once a
 * second (the first tick of each second); the ticks in between only look for an attack's start,
 * which then comes within this of the moment it is confirmed instead of up to a second after it
 * (every second before a mitigation is in place is a second of flood at the upstream).
 */
export const DEFAULT_TICK_MS = 250;

/** Runs detection and automatic mitigation. */
export class ShieldController {
  readonly detector: AttackDetector;
  private readonly ongoing = new Map<string, Ongoing>();
  private readonly signatureOptions: SignatureOptions;
  private timer: NodeJS.Timeout | undefined;
  /** A tick asked for by a request (see tickSoon). */
  private soon: NodeJS.Immediate | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Set once the proxy publishes per-request events; the WAF log fallback is then ignored. */
  private proxyEvents = false;
  private readonly onRequest = (m: unknown): void => {
    const e = m as ProxyRequestEvent;
    if (!this.proxyEvents) {
      this.proxyEvents = true;
      // The fallback is not needed any more: without it, a proxy builds a WAF log record per
      // request only when logging or another subscriber (GuardDuty) wants one.
      diagnostics_channel.unsubscribe(WAF_LOG_CHANNEL, this.onWafLog);
    }
    // Published on completion, or on entering the upstream gate's queue, with the arrival time: a
    // request that completed later than the detection window after arriving still counts, in the
    // oldest second the next evaluation reads, the short window's when there is one (a flood queued
    // at the upstream gate completes a second or more after it arrived: counted back then, the
    // short window would not see it).
    const d = this.detector;
    const oldest = Date.now() - (d.shortSeconds > 0 ? d.shortSeconds : d.config.detectSeconds - 1) * 1000;
    const time = e.time < oldest ? oldest : e.time;
    if (this.detector.request(e.site, e.siteArn, { time, clientIp: e.clientIp, country: e.country, userAgent: e.userAgent, uri: e.uri, referer: e.referer, method: e.method })) this.tickSoon();
  };
  private readonly onConnection = (m: unknown): void => {
    const e = m as ProxyConnectionEvent;
    this.detector.connection(e.site, e.siteArn, e.time, e.kind);
  };
  private readonly onWafLog = (m: unknown): void => {
    if (this.proxyEvents) return;
    const e = m as { siteName: string; record: { timestamp: number; httpRequest: { clientIp: string; country: string; uri: string; httpMethod: string; headers: readonly { name: string; value: string }[] } } };
    const h = e.record.httpRequest;
    let ua: string | undefined;
    let ref: string | undefined;
    for (let i = 0; i < h.headers.length; i++) {
      const n = (h.headers[i] as { name: string }).name.toLowerCase();
      if (n === 'user-agent') ua = (h.headers[i] as { value: string }).value;
      else if (n === 'referer') ref = (h.headers[i] as { value: string }).value;
    }
    if (this.detector.request(e.siteName, this.o.siteArn(e.siteName), { time: e.record.timestamp, clientIp: h.clientIp, country: h.country, userAgent: ua, uri: h.uri, referer: ref, method: h.httpMethod })) this.tickSoon();
  };

  /** A site's second reached the count that may declare an attack on its own: tick once the current work is done, not at the next interval. */
  private tickSoon(): void {
    if (this.soon !== undefined || this.timer === undefined) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      this.detector.tick(Date.now());
    });
  }

  constructor(private readonly o: ShieldControllerOptions) {
    this.signatureOptions = { ...DEFAULT_SIGNATURE, ...o.signature };
    this.detector = new AttackDetector(
      {
        onStart: (v) => this.enqueue(() => this.started(v)),
        onUpdate: (v) => this.enqueue(() => this.updated(v)),
        onEnd: (v) => this.enqueue(() => this.ended(v)),
      },
      o.detection,
    );
  }

  /** Subscribes to the proxy's channels and starts ticking; removes mitigations left from a previous run. */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.o.store.load();
    await this.closeLeftovers();
    this.proxyEvents = false;
    diagnostics_channel.subscribe(PROXY_REQUEST_CHANNEL, this.onRequest);
    diagnostics_channel.subscribe(PROXY_CONNECTION_CHANNEL, this.onConnection);
    diagnostics_channel.subscribe(WAF_LOG_CHANNEL, this.onWafLog);
    const tickMs = this.o.tickMs ?? DEFAULT_TICK_MS;
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      this.detector.tick(now);
      this.detector.sweep(now, 24 * 3600_000);
    }, tickMs);
    this.timer.unref();
  }

  /** Stops ticking and unsubscribes; waits for pending writes. Mitigations stay until the next start removes them. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.soon !== undefined) clearImmediate(this.soon);
    this.soon = undefined;
    diagnostics_channel.unsubscribe(PROXY_REQUEST_CHANNEL, this.onRequest);
    diagnostics_channel.unsubscribe(PROXY_CONNECTION_CHANNEL, this.onConnection);
    diagnostics_channel.unsubscribe(WAF_LOG_CHANNEL, this.onWafLog);
    await this.chain;
  }

  /** The automatic response configuration of a resource changed: drop its mitigation when no longer enabled. */
  automaticResponseChanged(resourceArn: string): void {
    this.enqueue(async () => {
      const p = this.o.store.protectionFor(resourceArn);
      if (p?.alar?.status !== 'ENABLED') await this.o.placer.remove(resourceArn);
    });
  }

  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((e: unknown) => this.o.logger.error({ err: e }, 'shield: attack handling failed'));
  }

  /** Attacks still open from a previous run end now; their mitigation rules are removed. */
  private async closeLeftovers(): Promise<void> {
    const nowIso = new Date().toISOString();
    for (const a of this.o.store.attacks.values()) {
      if (a.endTime === undefined) await this.o.store.putAttack({ ...a, endTime: nowIso });
    }
    const removed = await this.o.placer.removeStale();
    if (removed > 0) this.o.logger.warn({ removed }, 'shield: removed mitigation rules left from a previous run');
  }

  private async started(v: AttackView): Promise<void> {
    const a = v.attack;
    if (!this.o.store.protectionFor(a.siteArn)) return;
    const record: AttackRecord = {
      id: randomUUID(), resourceArn: a.siteArn, startTime: new Date(a.start).toISOString(), vectors: [...a.vectors], requests: 0, maxRps: 0,
      connections: {}, properties: [], topSources: [], mitigations: [],
    };
    fill(record, a);
    const og: Ongoing = { record, lastPersist: Date.now() };
    this.ongoing.set(a.siteArn, og);
    await this.o.store.putAttack(record);
    this.o.logger.warn({ attackId: record.id, resource: a.siteArn, rps: v.window.rps }, 'shield: attack started');
    publishShieldAttack({ phase: 'start', attackId: record.id, resourceArn: record.resourceArn, startTime: new Date(record.startTime), vectors: record.vectors, topSources: record.topSources.slice(0, 10) });
    await this.mitigate(og, v);
  }

  private async updated(v: AttackView): Promise<void> {
    const og = this.ongoing.get(v.attack.siteArn);
    if (!og) return;
    fill(og.record, v.attack);
    await this.mitigate(og, v);
    if (Date.now() - og.lastPersist >= 5000) {
      og.lastPersist = Date.now();
      await this.o.store.putAttack(og.record);
    }
  }

  private async ended(v: AttackView): Promise<void> {
    const og = this.ongoing.get(v.attack.siteArn);
    if (!og) return;
    this.ongoing.delete(v.attack.siteArn);
    fill(og.record, v.attack);
    og.record.endTime = new Date(v.attack.end ?? Date.now()).toISOString();
    await this.o.placer.remove(v.attack.siteArn);
    await this.o.store.putAttack(og.record);
    this.o.logger.warn({ attackId: og.record.id, resource: og.record.resourceArn }, 'shield: attack ended');
    publishShieldAttack({
      phase: 'end', attackId: og.record.id, resourceArn: og.record.resourceArn, startTime: new Date(og.record.startTime), endTime: new Date(og.record.endTime),
      vectors: og.record.vectors, topSources: og.record.topSources.slice(0, 10),
    });
  }

  private async mitigate(og: Ongoing, v: AttackView): Promise<void> {
    const p = this.o.store.protectionFor(v.attack.siteArn);
    if (p?.alar?.status !== 'ENABLED') {
      await this.o.placer.remove(v.attack.siteArn);
      return;
    }
    const sig = deriveSignature(v, this.signatureOptions, og.signature);
    if (!sig) {
      // Looked at again at the next tick, not only at the next full one.
      this.detector.lookAgain(v.attack.siteArn);
      this.o.logger.debug({ attackId: og.record.id, warm: v.warm, baselineSeconds: v.baseline.seconds, baselineRps: v.baseline.rate, hotSourceRps: v.hotSourceRps, windowRps: v.window.rps }, 'shield: nothing isolates the attack yet');
      return;
    }
    const unchanged = og.signature && og.signature.addresses.length === sig.addresses.length && og.signature.uriPath === sig.uriPath
      && og.signature.userAgent === sig.userAgent && this.o.placer.get(v.attack.siteArn)?.action === p.alar.action;
    if (unchanged && this.o.placer.get(v.attack.siteArn)) return;
    og.signature = sig;
    const placed = await this.o.placer.place(v.attack.siteArn, sig, p.alar.action);
    if (placed && !og.record.mitigations.includes(placed.groupName)) {
      og.record.mitigations.push(placed.groupName);
      this.o.logger.warn({ attackId: og.record.id, group: placed.groupName, addresses: sig.addresses.length, uri: sig.uriPath, ua: sig.userAgent }, 'shield: mitigation placed');
    }
  }
}

/** Copies an attack aggregate's counters into its record. */
function fill(r: AttackRecord, a: AttackAggregate): void {
  r.requests = a.requests;
  r.maxRps = Math.round(a.maxRps * 100) / 100;
  r.vectors = [...a.vectors].sort();
  if (r.vectors.length === 0) r.vectors = ['REQUEST_FLOOD'];
  r.connections = Object.fromEntries(a.connections);
  r.properties = PROPERTY_DIMS.map(([d, identifier]) => ({
    identifier,
    total: a.requests,
    top: topN(a.counts[dimIndex(d)] as Map<string, number>, 10).map(([name, value]) => ({ name, value })),
  }));
  r.topSources = topN(a.counts[dimIndex('ip')] as Map<string, number>, 10).map(([ip, count]) => ({ ip, count }));
}
