/**
 * The posture monitor: runs the checks at start and periodically, compares every report (periodic
 * or requested) with the last statuses seen, and records each control whose status changed as a
 * CloudTrail-shaped event (eventSource bulwark.posture, eventName PostureControlStatusChanged) so
 * regressions show in LookupEvents and reach the threat detector. The last statuses are kept
 * through the barrier, so a restart compares against what was seen before it.
 */
import { randomUUID } from 'node:crypto';
import { eventIdAt, type ApiCallEvent } from '../events/index.js';
import type { KVStore } from '../storage/index.js';
import type { ControlStatus, PostureReport } from './types.js';

/** CloudTrail eventSource of posture events. */
export const POSTURE_EVENT_SOURCE = 'bulwark.posture';
/** CloudTrail eventName of a control status change. */
export const POSTURE_EVENT_NAME = 'PostureControlStatusChanged';
/** Default period of the monitor: five minutes. */
export const DEFAULT_POSTURE_INTERVAL_MS = 5 * 60_000;
const STATE_KEY = 'posture/last-status';

/** Construction options of {@link PostureMonitor}. */
export interface PostureMonitorOptions {
  /** Produces a fresh report (or undefined to skip, e.g. while sealed). */
  readonly run: () => Promise<PostureReport | undefined>;
  /** Records one event (the audit trail's sink, then the api-call channel). */
  readonly publish: (event: ApiCallEvent) => Promise<void>;
  /** Where the last statuses are kept (the barrier). */
  readonly kv: KVStore;
  readonly region: string;
  readonly accountId: string;
  readonly intervalMs?: number;
  readonly onError?: (e: unknown) => void;
}

/** One status change. */
export interface StatusChange {
  readonly id: string;
  readonly previous: ControlStatus;
  readonly current: ControlStatus;
}

/** Periodic posture runs and status change events. */
export class PostureMonitor {
  readonly intervalMs: number;
  readonly startedAt = new Date();
  private lastRun: Date | undefined;
  private last: Map<string, ControlStatus> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private running: Promise<void> | undefined;

  constructor(private readonly o: PostureMonitorOptions) {
    this.intervalMs = o.intervalMs ?? DEFAULT_POSTURE_INTERVAL_MS;
  }

  /** Runs once now and then every interval (unref'd). Idempotent. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a running round. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.chain;
  }

  /** What the BULWARK.11 self-test reads. */
  state(): { lastRun?: Date; intervalMs: number; startedAt: Date } {
    return { ...(this.lastRun ? { lastRun: this.lastRun } : {}), intervalMs: this.intervalMs, startedAt: this.startedAt };
  }

  /** One periodic round. */
  async tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const report = await this.o.run();
        if (!report) return;
        await this.observe(report);
        this.lastRun = new Date();
      } catch (e) {
        this.o.onError?.(e);
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Compares a report with the last statuses and records every change; returns the changes. */
  observe(report: PostureReport): Promise<StatusChange[]> {
    const next = this.chain.then(() => this.observeNow(report));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async observeNow(report: PostureReport): Promise<StatusChange[]> {
    const last = this.last ?? (await this.loadState());
    const changes: StatusChange[] = [];
    const current = new Map<string, ControlStatus>();
    for (const c of report.controls) {
      current.set(c.id, c.status);
      const prev = last.get(c.id);
      if (prev !== undefined && prev !== c.status) {
        changes.push({ id: c.id, previous: prev, current: c.status });
        await this.o.publish(this.event(report, c, prev));
      }
    }
    this.last = current;
    await this.o.kv.put(STATE_KEY, Buffer.from(JSON.stringify(Object.fromEntries(current))));
    return changes;
  }

  private async loadState(): Promise<Map<string, ControlStatus>> {
    const buf = await this.o.kv.get(STATE_KEY);
    if (!buf) return new Map();
    try {
      return new Map(Object.entries(JSON.parse(buf.toString('utf8')) as Record<string, ControlStatus>));
    } catch {
      return new Map();
    }
  }

  private event(report: PostureReport, c: PostureReport['controls'][number], previous: ControlStatus): ApiCallEvent {
    const time = new Date(report.generatedAt);
    return {
      time,
      requestId: randomUUID(),
      eventId: eventIdAt(time.getTime()),
      // The platform itself acts, recorded as CloudTrail records a service acting on its own.
      identity: { type: 'AWSService', invokedBy: POSTURE_EVENT_SOURCE },
      sourceIp: POSTURE_EVENT_SOURCE,
      userAgent: POSTURE_EVENT_SOURCE,
      service: 'posture',
      eventSource: POSTURE_EVENT_SOURCE,
      operation: POSTURE_EVENT_NAME,
      region: this.o.region,
      readOnly: false,
      resources: [{ arn: `arn:aws:bulwark:${this.o.region}:${this.o.accountId}:posture-control/${c.id}`, type: 'Bulwark::Posture::Control' }],
      requestParameters: {
        controlId: c.id,
        title: c.title,
        severity: c.severity,
        responsibility: c.responsibility,
        previousStatus: previous,
        status: c.status,
        evidence: c.evidence,
      },
      responseElements: null,
      httpStatus: 200,
      authenticated: true,
    };
  }
}
