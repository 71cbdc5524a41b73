/**
 * WAF logs: records in AWS WAF's log format, the LoggingConfiguration's RedactedFields and
 * LoggingFilter, delivery as gzipped JSON-lines files into local buckets in AWS's S3 layout, and the
 * `bulwark:waf-log` diagnostics channel the threat detector subscribes to. Records are queued on
 * the hot path and serialised, compressed and written in batches off it.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { MatchDetail, RateBasedResult, RuleGroupResult, RuleMatch } from '../waf/index.js';
import type { LoggingConfig, LoggingFilterCondition } from './types.js';

const gzip = promisify(gzipCb);

/** captchaResponse / challengeResponse of a log record. */
export interface TokenResponse {
  /** 0 when a valid token was presented, else the status of the interstitial (405 / 202). */
  readonly responseCode: number;
  readonly solveTimestamp?: number;
  readonly failureReason?: 'TOKEN_MISSING' | 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'TOKEN_DOMAIN_MISMATCH';
}

/** One WAF log record, field for field as AWS WAF writes it. */
export interface WafLogRecord {
  readonly timestamp: number;
  readonly formatVersion: 1;
  readonly webaclId: string;
  readonly terminatingRuleId: string;
  readonly terminatingRuleType: string;
  readonly action: string;
  readonly terminatingRuleMatchDetails: readonly MatchDetail[];
  readonly httpSourceName: string;
  readonly httpSourceId: string;
  readonly ruleGroupList: readonly RuleGroupResult[];
  readonly rateBasedRuleList: readonly RateBasedResult[];
  readonly nonTerminatingMatchingRules: readonly RuleMatch[];
  readonly requestHeadersInserted: readonly { readonly name: string; readonly value: string }[] | null;
  readonly responseCodeSent: number | null;
  readonly httpRequest: {
    readonly clientIp: string;
    readonly country: string;
    readonly headers: readonly { readonly name: string; readonly value: string }[];
    readonly uri: string;
    readonly args: string;
    readonly httpVersion: string;
    readonly httpMethod: string;
    readonly requestId: string;
    readonly fragment: string;
    readonly scheme: string;
    readonly host: string;
  };
  readonly labels?: readonly { readonly name: string }[];
  readonly captchaResponse?: TokenResponse;
  readonly challengeResponse?: TokenResponse;
  readonly requestBodySize?: number;
  readonly requestBodySizeInspectedByWAF?: number;
  readonly ja3Fingerprint?: string;
  readonly ja4Fingerprint?: string;
}

/** A record as published on the channel: which web ACL and site it belongs to. */
export interface WafLogEvent {
  readonly record: WafLogRecord;
  readonly webAclName: string;
  readonly siteName: string;
}

/** The channel name; subscribe with diagnostics_channel.subscribe(WAF_LOG_CHANNEL, fn). */
export const WAF_LOG_CHANNEL = 'bulwark:waf-log';
const channel = diagnostics_channel.channel(WAF_LOG_CHANNEL);

/** True when anyone listens on the WAF log channel. */
export function wafLogHasSubscribers(): boolean {
  return channel.hasSubscribers;
}

/** Publishes a record (no-op cost when nobody listens). */
export function publishWafLog(event: WafLogEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}

/** Subscribes to WAF log records; returns the unsubscribe function. */
export function onWafLog(listener: (event: WafLogEvent) => void): () => void {
  const fn = (msg: unknown): void => listener(msg as WafLogEvent);
  diagnostics_channel.subscribe(WAF_LOG_CHANNEL, fn);
  return () => diagnostics_channel.unsubscribe(WAF_LOG_CHANNEL, fn);
}

/** A LoggingConfiguration prepared for the hot path. */
export interface CompiledLogging {
  /** Local buckets (and key prefixes) the records go to. */
  readonly destinations: readonly { readonly bucket: string; readonly prefix: string }[];
  readonly redactHeaders: ReadonlySet<string>;
  readonly redactUri: boolean;
  readonly redactQuery: boolean;
  readonly redactMethod: boolean;
  readonly redacts: boolean;
  /** Whether a record with this action, non-terminating rules, exclusions and labels is kept. */
  keep(action: string, nonTerminating: readonly RuleMatch[], groups: readonly RuleGroupResult[], labels: readonly string[]): boolean;
}

const compiledCache = new WeakMap<LoggingConfig, CompiledLogging>();

/** Parses `arn:aws:s3:::aws-waf-logs-<suffix>[/prefix]`; undefined for other destinations. */
export function s3Destination(arn: string): { bucket: string; prefix: string } | undefined {
  const m = /^arn:aws[a-z-]*:s3:::(aws-waf-logs-[a-z0-9.-]{1,}?)(?:\/(.*))?$/.exec(arn);
  if (!m) return undefined;
  return { bucket: m[1] as string, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

function conditionMet(c: LoggingFilterCondition, action: string, nonTerminating: readonly RuleMatch[], groups: readonly RuleGroupResult[], labels: readonly string[]): boolean {
  if (c.ActionCondition) {
    const want = c.ActionCondition.Action;
    if (want === action) return true;
    if (want === 'COUNT') {
      for (let i = 0; i < nonTerminating.length; i++) if ((nonTerminating[i] as RuleMatch).action === 'COUNT') return true;
      for (let i = 0; i < groups.length; i++) {
        const g = (groups[i] as RuleGroupResult).nonTerminatingMatchingRules;
        for (let j = 0; j < g.length; j++) if ((g[j] as RuleMatch).action === 'COUNT') return true;
      }
    }
    if (want === 'EXCLUDED_AS_COUNT') {
      for (let i = 0; i < groups.length; i++) if (((groups[i] as RuleGroupResult).excludedRules?.length ?? 0) > 0) return true;
    }
    return false;
  }
  if (c.LabelNameCondition) return labels.includes(c.LabelNameCondition.LabelName);
  return false;
}

/** Compiles (once per configuration object) a LoggingConfiguration. */
export function compileLogging(cfg: LoggingConfig): CompiledLogging {
  const hit = compiledCache.get(cfg);
  if (hit) return hit;
  const destinations = [];
  for (const d of cfg.LogDestinationConfigs) {
    const s = s3Destination(d);
    if (s) destinations.push(s);
  }
  const redactHeaders = new Set<string>();
  let redactUri = false;
  let redactQuery = false;
  let redactMethod = false;
  for (const f of cfg.RedactedFields ?? []) {
    if (f.SingleHeader) redactHeaders.add(f.SingleHeader.Name.toLowerCase());
    if (f.UriPath) redactUri = true;
    if (f.QueryString) redactQuery = true;
    if (f.Method) redactMethod = true;
  }
  const filter = cfg.LoggingFilter;
  const compiled: CompiledLogging = {
    destinations,
    redactHeaders,
    redactUri,
    redactQuery,
    redactMethod,
    redacts: redactHeaders.size > 0 || redactUri || redactQuery || redactMethod,
    keep(action, nonTerminating, groups, labels) {
      if (!filter) return true;
      for (const f of filter.Filters) {
        const all = f.Requirement === 'MEETS_ALL';
        let met = all;
        for (const c of f.Conditions) {
          const m = conditionMet(c, action, nonTerminating, groups, labels);
          if (all && !m) {
            met = false;
            break;
          }
          if (!all && m) {
            met = true;
            break;
          }
        }
        if (met) return f.Behavior === 'KEEP';
      }
      return filter.DefaultBehavior === 'KEEP';
    },
  };
  compiledCache.set(cfg, compiled);
  return compiled;
}

/** Applies RedactedFields to a record (a new record; the input is not changed). */
export function redact(r: WafLogRecord, c: CompiledLogging): WafLogRecord {
  if (!c.redacts) return r;
  const h = r.httpRequest;
  return {
    ...r,
    httpRequest: {
      ...h,
      headers: c.redactHeaders.size > 0 ? h.headers.map((x) => (c.redactHeaders.has(x.name.toLowerCase()) ? { name: x.name, value: 'REDACTED' } : x)) : h.headers,
      uri: c.redactUri ? 'REDACTED' : h.uri,
      args: c.redactQuery ? 'REDACTED' : h.args,
      httpMethod: c.redactMethod ? 'REDACTED' : h.httpMethod,
      host: c.redactHeaders.has('host') ? 'REDACTED' : h.host,
    },
  };
}

/** Options of {@link WafLogWriter}. */
export interface WafLogWriterOptions {
  /** Root of the local buckets (the audit trail's bucket root). */
  readonly bucketsRoot: string;
  readonly accountId: string;
  readonly region: string;
  /** Longest time a record waits before it is written (default 5 minutes, AWS's cadence). */
  readonly flushIntervalMs?: number;
  /** A batch is written once its records reach this many bytes of JSON (default 8 MiB). */
  readonly maxBatchBytes?: number;
  /** Called with write errors (they never reach the request path). */
  readonly onError?: (err: Error) => void;
}

interface Batch {
  readonly bucket: string;
  readonly prefix: string;
  readonly webAcl: string;
  windowStart: number;
  records: WafLogRecord[];
  approxBytes: number;
}

const WINDOW_MS = 300_000;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Writes WAF log records into local buckets in AWS's S3 delivery layout. */
export class WafLogWriter {
  private readonly batches = new Map<string, Batch>();
  private readonly timer: NodeJS.Timeout;
  private pending: Promise<unknown> = Promise.resolve();
  private readonly flushMs: number;
  private readonly maxBytes: number;
  private closed = false;
  /** Files written so far (object keys relative to the buckets root), newest last; for tests and status. */
  readonly written: string[] = [];

  constructor(private readonly o: WafLogWriterOptions) {
    this.flushMs = o.flushIntervalMs ?? WINDOW_MS;
    this.maxBytes = o.maxBatchBytes ?? 8 * 1024 * 1024;
    this.timer = setInterval(() => void this.flush(), Math.min(this.flushMs, WINDOW_MS));
    this.timer.unref();
  }

  /** The object key of a log file of `webAcl` for the 5-minute window starting at `windowStart`. */
  objectKey(prefix: string, webAcl: string, windowStart: number): string {
    const d = new Date(windowStart);
    const { accountId: a, region: r } = this.o;
    const y = d.getUTCFullYear();
    const mo = pad(d.getUTCMonth() + 1);
    const da = pad(d.getUTCDate());
    const h = pad(d.getUTCHours());
    const mi = pad(d.getUTCMinutes());
    const rnd = randomBytes(6).toString('hex');
    const key = `AWSLogs/${a}/WAFLogs/${r}/${webAcl}/${y}/${mo}/${da}/${h}/${mi}/${a}_waflogs_${r}_${webAcl}_${y}${mo}${da}T${h}${mi}Z_${rnd}.log.gz`;
    return prefix ? `${prefix}/${key}` : key;
  }

  /** Queues a record for the given destinations (no I/O here). */
  write(destinations: CompiledLogging['destinations'], webAcl: string, record: WafLogRecord): void {
    if (this.closed) return;
    const windowStart = record.timestamp - (record.timestamp % WINDOW_MS);
    for (let i = 0; i < destinations.length; i++) {
      const d = destinations[i] as CompiledLogging['destinations'][number];
      const key = `${d.bucket}\0${d.prefix}\0${webAcl}`;
      let b = this.batches.get(key);
      if (b === undefined) {
        b = { bucket: d.bucket, prefix: d.prefix, webAcl, windowStart, records: [], approxBytes: 0 };
        this.batches.set(key, b);
      } else if (b.windowStart !== windowStart && b.records.length > 0) {
        this.enqueue(b);
      }
      b.windowStart = windowStart;
      b.records.push(record);
      // A cheap size estimate (headers dominate); the exact size is known when serialised.
      b.approxBytes += 600 + record.httpRequest.headers.length * 40;
      if (b.approxBytes >= this.maxBytes) this.enqueue(b);
    }
  }

  private enqueue(b: Batch): void {
    const records = b.records;
    const windowStart = b.windowStart;
    b.records = [];
    b.approxBytes = 0;
    this.pending = this.pending.then(() => this.writeFile(b, windowStart, records)).catch((e: Error) => this.o.onError?.(e));
  }

  private async writeFile(b: Batch, windowStart: number, records: WafLogRecord[]): Promise<void> {
    let text = '';
    for (let i = 0; i < records.length; i++) text += JSON.stringify(records[i]) + '\n';
    const gz = await gzip(Buffer.from(text, 'utf8'));
    const key = this.objectKey(b.prefix, b.webAcl, windowStart);
    const path = join(this.o.bucketsRoot, b.bucket, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, gz);
    await rename(tmp, path);
    this.written.push(`${b.bucket}/${key}`);
  }

  /** Writes every queued record now; resolves when the files are on disk. */
  async flush(): Promise<void> {
    for (const b of this.batches.values()) if (b.records.length > 0) this.enqueue(b);
    await this.pending;
  }

  /** Flushes and stops (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }
}
