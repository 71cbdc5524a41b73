/**
 * Always-on limits of a site (Shield Standard in the data plane): who may open connections, how
 * long a client may take to send or read, and how much a slow upstream may pile up.
 *
 * - Admission (on accept): per source IP concurrent connections and new-connection rate (token
 *   bucket), and a global connection cap that sheds with `503` + `Retry-After` instead of
 *   accepting without bound.
 * - Deadlines, checked by one 1 s ticker per site (Node's own checker runs every 30 s): header
 *   read, body progress and minimum body rate, keep-alive idle, and slow read (the socket's write
 *   buffer does not drain). A cut connection is destroyed and counted.
 * - Backpressure: {@link UpstreamGate} bounds the requests in flight towards the upstream with a
 *   bounded queue (FIFO, newest first when congested) and a queue timeout (503 + Retry-After).
 *   When requests have to queue, sources with a history of successful requests
 *   ({@link SourceHistory}) are served first and may displace a newcomer from a full queue. An
 *   adaptive limit lowers the slots handed out while the upstream's response time rises under load
 *   (see {@link UpstreamGate.release}), so that requests wait in the gate's ordered queue rather
 *   than in the upstream's own; while it is lowered and established sources are being served
 *   first, the others hold at most `newcomerShare` of it, so that an established request waits
 *   behind fewer flood requests inside the upstream. Before the first sample lowers it, requests
 *   without priority may fill only twice the recent use (a surge bound that doubles while the
 *   upstream keeps up), so that the start of a flood does not fill the upstream either.
 *
 * Per-connection state lives on the socket under a symbol; listeners are shared functions, so no
 * closure is created per connection or request. Per-IP tables are swept and capped.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { proxyConnectionChannel, type ProxyConnectionKind } from './observe.js';

/** The `limits:` object of a site (every field optional; 0 disables a cap where noted). */
export const siteLimitsSchema = z
  .object({
    /** Concurrent connections per source IP (0: no cap). */
    perIpConnections: z.number().int().min(0).default(256),
    /** New connections per second per source IP, sustained (0: no cap). */
    perIpConnectionRate: z.number().min(0).default(100),
    /** New connections a source IP may open at once above the rate (token bucket size). */
    perIpConnectionBurst: z.number().int().min(1).default(500),
    /** Concurrent connections of the site; beyond it new connections get 503 and are closed (0: no cap). */
    maxConnections: z.number().int().min(0).default(10_000),
    /** Retry-After (seconds) of shed connections and upstream queue overflow. */
    retryAfterSeconds: z.number().int().min(1).max(3600).default(5),
    /** Requests served on one keep-alive connection before `Connection: close` (0: no limit). */
    keepAliveRequests: z.number().int().min(0).default(1000),
    /** Time from accept (or the first byte of a keep-alive request) to complete request headers. */
    headersTimeoutMs: z.number().int().min(1000).default(10_000),
    /** Longest gap without a request body byte while the proxy is reading the body. */
    bodyTimeoutMs: z.number().int().min(1000).default(15_000),
    /** Slowest accepted average body rate in bytes/s after the grace period (0: no minimum). */
    minBodyBytesPerSecond: z.number().int().min(0).default(256),
    /** Time at the start of a body during which the minimum rate is not checked. */
    bodyRateGraceMs: z.number().int().min(0).default(5000),
    /** Keep-alive idle time between requests before the connection is closed. */
    idleTimeoutMs: z.number().int().min(1000).default(5000),
    /** Longest time the response may sit in the socket's write buffer without any of it draining. */
    slowReadTimeoutMs: z.number().int().min(1000).default(30_000),
    /** Longest request target (path and query) in bytes (414 above). */
    maxUriBytes: z.number().int().min(256).max(1024 * 1024).default(8192),
    /** Requests in flight towards the upstream at once (0: no cap). */
    maxUpstreamRequests: z.number().int().min(0).default(512),
    /** Requests waiting for an upstream slot; beyond it 503 (0: no queue). */
    upstreamQueueSize: z.number().int().min(0).default(1024),
    /** Longest wait for an upstream slot before 503. */
    upstreamQueueTimeoutMs: z.number().int().min(100).default(10_000),
    /** Most source IPs tracked at once (idle entries are swept every 10 s, and when the table is full). */
    maxTrackedIps: z.number().int().min(100).default(100_000),
    /** Sources (client IPs) remembered with their history of successful requests, for queue priority (0: no priority). */
    maxEstablishedSources: z.number().int().min(0).max(1_000_000).default(100_000),
    /** Age (since its first successful request) from which a source counts as established. */
    establishedAfterMs: z.number().int().min(1000).default(20_000),
    /** A source without a successful request for this long is forgotten. */
    establishedIdleMs: z.number().int().min(10_000).default(3_600_000),
    /** Queued requests per second a source may have served first, sustained (beyond it, its requests queue like a newcomer's). */
    establishedRate: z.number().positive().default(2),
    /** Queued requests a source may have served first at once above the rate (token bucket size). */
    establishedBurst: z.number().int().min(1).default(20),
    /** Lower the upstream slot count while the upstream's response time rises under load (see {@link AdaptiveLimit}). */
    adaptiveConcurrency: z.boolean().default(true),
    /** Fewest upstream slots the adaptive limit goes down to (at most the slot count). */
    minInFlight: z.number().int().min(1).default(8),
    /** Share of the lowered adaptive limit that sources without priority may hold while requests queue (1: no reserve; see {@link UpstreamGate}). */
    newcomerShare: z.number().gt(0).max(1).default(0.5),
  })
  .strict();

/** A site's validated limits. */
export type SiteLimits = Readonly<z.output<typeof siteLimitsSchema>>;

/** The defaults, for sites without a `limits:` object. */
export const DEFAULT_LIMITS: SiteLimits = Object.freeze(siteLimitsSchema.parse({}));

/** Why the upstream gate answered a request 503. */
export type GateRejectReason = 'UPSTREAM_QUEUE_FULL' | 'UPSTREAM_QUEUE_TIMEOUT' | 'UPSTREAM_QUEUE_DISPLACED';

type RejectReason = 'PER_IP_CONNECTIONS' | 'CONNECTION_RATE' | 'GLOBAL_SHED' | GateRejectReason;

const REJECTED = 'bulwark_proxy_connections_rejected_total';
const CUT = 'bulwark_proxy_slow_clients_cut_total';

const OPEN = 'bulwark_proxy_open_connections';
const UPSTREAM = 'bulwark_proxy_upstream_requests';
const UPSTREAM_LIMIT = 'bulwark_proxy_upstream_limit';

/** A running site's connection guard and upstream gate. */
interface SiteGuards {
  readonly guard: ConnectionGuard;
  readonly gate: UpstreamGate;
}

/** The guards and gates of the running sites of a registry, read when the gauges are scraped. */
const watched = new WeakMap<Registry, Map<string, SiteGuards>>();

/** The gauges of a registry, computed at scrape time from its sites (nothing on the request path). */
function registerGauges(registry: Registry, all: Map<string, SiteGuards>): void {
  siteGauge(registry, all, OPEN, 'Connections the site tracks now (admitted and not yet closed)', (w) => w.guard.connectionCount);
  if (registry.getSingleMetric(UPSTREAM) === undefined) {
    new Gauge({
      name: UPSTREAM,
      help: 'Requests holding an upstream slot (in_flight) or waiting for one (queued)',
      labelNames: ['site', 'state'],
      registers: [registry],
      collect(this: Gauge<'site' | 'state'>) {
        this.reset();
        for (const [site, w] of all) {
          this.labels(site, 'in_flight').set(w.gate.active);
          this.labels(site, 'queued').set(w.gate.queued);
        }
      },
    });
  }
  siteGauge(registry, all, UPSTREAM_LIMIT, 'Upstream slots granted at most now: the adaptive limit, else the slot count (0: no cap)', (w) => w.gate.limit);
}

/** Registers (once per registry) a gauge with one value per site, read from its guard and gate at scrape time. */
function siteGauge(registry: Registry, all: Map<string, SiteGuards>, name: string, help: string, value: (w: SiteGuards) => number): void {
  if (registry.getSingleMetric(name) !== undefined) return;
  new Gauge({
    name,
    help,
    labelNames: ['site'],
    registers: [registry],
    collect(this: Gauge<'site'>) {
      this.reset();
      for (const [site, w] of all) this.labels(site).set(value(w));
    },
  });
}

/** Prometheus counters and gauges of the limits (shared by every site of a registry). */
export class LimitMetrics {
  private readonly rejected: Counter<'site' | 'reason'>;
  private readonly cut: Counter<'site' | 'kind'>;
  private readonly sites: Map<string, SiteGuards>;

  constructor(registry: Registry) {
    let sites = watched.get(registry);
    if (sites === undefined) {
      sites = new Map();
      watched.set(registry, sites);
      registerGauges(registry, sites);
    }
    this.sites = sites;
    this.rejected =
      (registry.getSingleMetric(REJECTED) as Counter<'site' | 'reason'> | undefined) ??
      new Counter({ name: REJECTED, help: 'Connections and requests refused by the site limits, by reason', labelNames: ['site', 'reason'], registers: [registry] });
    this.cut =
      (registry.getSingleMetric(CUT) as Counter<'site' | 'kind'> | undefined) ??
      new Counter({ name: CUT, help: 'Connections cut by the site limits (slow or idle clients, oversize requests), by kind', labelNames: ['site', 'kind'], registers: [registry] });
  }

  /** Counts one refused connection or request. */
  reject(site: string, reason: RejectReason): void {
    this.rejected.labels(site, reason).inc();
  }

  /** Counts one cut connection. */
  cutClient(site: string, kind: ProxyConnectionKind): void {
    this.cut.labels(site, kind).inc();
  }

  /** Shows a running site's connections and upstream requests in the gauges. */
  watch(site: string, guard: ConnectionGuard, gate: UpstreamGate): void {
    this.sites.set(site, { guard, gate });
  }

  /** Removes a stopped site from the gauges. */
  unwatch(site: string): void {
    this.sites.delete(site);
  }
}

interface IpEntry {
  conns: number;
  tokens: number;
  refillMs: number;
}

const enum Phase {
  /** Waiting for (the rest of) request headers. */
  Await,
  /** A request is being handled. */
  Active,
}

/** Tracking state of one connection (held on the socket). */
interface Conn {
  readonly socket: Socket;
  readonly ip: string;
  phase: Phase;
  /** When the current phase (or header read) started. */
  since: number;
  /** True while no request was seen on this connection yet. */
  first: boolean;
  /** bytesRead at the phase start (to see the first byte of a keep-alive request). */
  readBase: number;
  requests: number;
  active: number;
  req: http.IncomingMessage | undefined;
  /** Body progress. */
  bodyStart: number;
  bodyBase: number;
  lastRead: number;
  lastReadAt: number;
  /** Write progress (bytes handed to the kernel). */
  lastSent: number;
  lastSentAt: number;
}

const CONN = Symbol('bulwark.conn');
const GUARD = Symbol('bulwark.guard');
const IPENTRY = Symbol('bulwark.ipentry');
const REFUSED = Symbol('bulwark.refused');

type Tagged = Socket & { [CONN]?: Conn; [GUARD]?: ConnectionGuard; [IPENTRY]?: string; [REFUSED]?: true };

/** {@link ConnectionGuard.beginRequest}: the connection was refused at accept; ignore the request. */
export const REQUEST_REFUSED = 0;
/** {@link ConnectionGuard.beginRequest}: serve the request and keep the connection alive. */
export const REQUEST_OK = 1;
/** {@link ConnectionGuard.beginRequest}: serve the request, then close (keep-alive request limit). */
export const REQUEST_LAST = 2;

function sentBytes(s: Socket): number {
  return s.bytesWritten - s.writableLength;
}

/** Hook for connections that were refused or cut (for the operator's log and tests). */
export type LimitEventSink = (kind: ProxyConnectionKind, ip: string) => void;

/** The connection limits of one site: attach it to the site's server. */
export class ConnectionGuard {
  private readonly ips = new Map<string, IpEntry>();
  private readonly conns = new Set<Conn>();
  private open = 0;
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly shedResponse: string;
  private gate: UpstreamGate | undefined;
  /** Optional hook for each refused/cut connection. */
  onLimit: LimitEventSink | undefined;

  constructor(
    readonly site: string,
    readonly siteArn: string,
    readonly limits: SiteLimits,
    private readonly metrics: LimitMetrics | undefined,
    /** HTTPS site: deadlines are tracked on the TLS socket. */
    readonly tls: boolean,
  ) {
    const body = '503 Service Unavailable\n';
    this.shedResponse =
      `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${limits.retryAfterSeconds}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  }

  /** Listens on the server's connections and starts the 1 s deadline ticker. */
  attach(server: http.Server, gate?: UpstreamGate): void {
    this.gate = gate;
    (server as unknown as { [GUARD]: ConnectionGuard })[GUARD] = this;
    server.on('connection', onConnection);
    if (this.tls) server.on('secureConnection', onSecureConnection);
    this.timer = setInterval(tick, 1000, this);
    this.timer.unref();
  }

  /** Stops the ticker. */
  detach(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Connections being tracked now (for tests). */
  get connectionCount(): number {
    return this.open;
  }

  /** Source IPs tracked now (for tests). */
  get trackedIps(): number {
    return this.ips.size;
  }

  /** Admission of a new TCP connection; false when it was refused (and closed). */
  admit(socket: Socket, nowMs: number): boolean {
    const l = this.limits;
    let ip = socket.remoteAddress ?? '';
    if (ip.startsWith('::ffff:')) ip = ip.slice(7);
    if (l.maxConnections > 0 && this.open >= l.maxConnections) {
      this.refuse(socket, ip, 'GLOBAL_SHED', true);
      return false;
    }
    let e = this.ips.get(ip);
    if (e === undefined) {
      if (this.ips.size >= l.maxTrackedIps) this.sweep(nowMs);
      e = { conns: 0, tokens: l.perIpConnectionBurst, refillMs: nowMs };
      // Still full (every tracked IP holds connections): admit untracked; the global cap still applies.
      if (this.ips.size < l.maxTrackedIps) this.ips.set(ip, e);
    } else if (l.perIpConnectionRate > 0) {
      const add = ((nowMs - e.refillMs) / 1000) * l.perIpConnectionRate;
      if (add > 0) {
        e.tokens = Math.min(l.perIpConnectionBurst, e.tokens + add);
        e.refillMs = nowMs;
      }
    }
    if (l.perIpConnections > 0 && e.conns >= l.perIpConnections) {
      this.refuse(socket, ip, 'PER_IP_CONNECTIONS', false);
      return false;
    }
    if (l.perIpConnectionRate > 0) {
      if (e.tokens < 1) {
        this.refuse(socket, ip, 'CONNECTION_RATE', false);
        return false;
      }
      e.tokens -= 1;
    }
    e.conns++;
    this.open++;
    const t = socket as Tagged;
    t[IPENTRY] = ip;
    t[GUARD] = this;
    socket.once('close', onSocketClose);
    return true;
  }

  private refuse(socket: Socket, ip: string, kind: 'GLOBAL_SHED' | 'PER_IP_CONNECTIONS' | 'CONNECTION_RATE', answer: boolean): void {
    this.metrics?.reject(this.site, kind);
    this.publish(kind, ip);
    // Node's HTTP parser is already attached: a request parsed before the close must not be served.
    (socket as Tagged)[REFUSED] = true;
    socket.on('error', ignore);
    if (answer && !this.tls) {
      socket.end(this.shedResponse);
      socket.destroySoon();
      // A client that never reads must not keep the refused socket.
      setTimeout(destroySocket, 2000, socket).unref();
    } else socket.destroy();
  }

  /** Starts deadline tracking of a connection (the TLS socket for HTTPS sites). */
  track(socket: Socket, nowMs: number): void {
    const c: Conn = {
      socket,
      ip: (socket as Tagged)[IPENTRY] ?? normaliseIp(socket.remoteAddress ?? ''),
      phase: Phase.Await,
      since: nowMs,
      first: true,
      readBase: socket.bytesRead,
      requests: 0,
      active: 0,
      req: undefined,
      bodyStart: 0,
      bodyBase: 0,
      lastRead: 0,
      lastReadAt: 0,
      lastSent: 0,
      lastSentAt: 0,
    };
    (socket as Tagged)[CONN] = c;
    (socket as Tagged)[GUARD] = this;
    this.conns.add(c);
    // The TLS socket of an HTTPS site is not the admitted TCP socket: it needs its own close hook.
    if ((socket as Tagged)[IPENTRY] === undefined) socket.once('close', onTrackedClose);
  }

  /** A request arrived on a connection: REQUEST_OK, REQUEST_LAST (then close) or REQUEST_REFUSED (ignore it). */
  beginRequest(req: http.IncomingMessage, nowMs: number): number {
    const c = (req.socket as Tagged)[CONN];
    if (c === undefined) return (req.socket as Tagged)[REFUSED] === true ? REQUEST_REFUSED : REQUEST_OK;
    c.requests++;
    c.active++;
    c.phase = Phase.Active;
    c.first = false;
    c.req = req;
    c.bodyStart = nowMs;
    c.bodyBase = c.socket.bytesRead;
    c.lastRead = c.bodyBase;
    c.lastReadAt = nowMs;
    c.lastSent = sentBytes(c.socket);
    c.lastSentAt = nowMs;
    const max = this.limits.keepAliveRequests;
    return max === 0 || c.requests < max ? REQUEST_OK : REQUEST_LAST;
  }

  /** A request's response finished (or its connection closed). */
  endRequest(socket: Socket | null, nowMs: number): void {
    if (socket === null) return;
    const c = (socket as Tagged)[CONN];
    if (c === undefined || c.active === 0) return;
    c.active--;
    if (c.active === 0) {
      c.phase = Phase.Await;
      c.req = undefined;
      c.since = nowMs;
      c.readBase = c.socket.bytesRead;
    }
  }

  /** Counts and publishes an oversize request (413/414/431) answered by the proxy. */
  oversize(ip: string): void {
    this.metrics?.cutClient(this.site, 'OVERSIZE');
    this.publish('OVERSIZE', ip);
  }

  /** Publishes a connection event (only built when someone listens). */
  publish(kind: ProxyConnectionKind, ip: string): void {
    this.onLimit?.(kind, ip);
    if (proxyConnectionChannel.hasSubscribers) proxyConnectionChannel.publish({ site: this.site, siteArn: this.siteArn, time: Date.now(), clientIp: ip, kind });
  }

  /** Releases a closed connection's per-IP slot. */
  release(socket: Tagged): void {
    const ip = socket[IPENTRY];
    if (ip === undefined) return;
    socket[IPENTRY] = undefined;
    this.open--;
    const e = this.ips.get(ip);
    if (e !== undefined && e.conns > 0) e.conns--;
  }

  /** Stops deadline tracking of a closed connection. */
  untrack(socket: Tagged): void {
    const c = socket[CONN];
    if (c !== undefined) this.conns.delete(c);
  }

  /** One pass of the deadline checks (every second). */
  check(nowMs: number): void {
    const l = this.limits;
    for (const c of this.conns) {
      const s = c.socket;
      if (s.destroyed) {
        this.conns.delete(c);
        continue;
      }
      if (c.phase === Phase.Await) {
        if (c.first) {
          if (nowMs - c.since >= l.headersTimeoutMs) this.cut(c, 'SLOW_HEADERS');
        } else if (s.bytesRead === c.readBase) {
          if (nowMs - c.since >= l.idleTimeoutMs) this.cut(c, 'IDLE');
        } else {
          // Bytes of the next request arrived: the header deadline runs from now (first seen).
          c.first = true;
          c.since = nowMs;
        }
        continue;
      }
      const req = c.req;
      if (req !== undefined && !req.complete) {
        const read = s.bytesRead;
        // The proxy is not reading (upstream backpressure or queued): not the client's fault.
        if (req.readableFlowing !== true || req.readableLength > 0 || s.isPaused()) {
          c.lastRead = read;
          c.lastReadAt = nowMs;
          c.bodyStart = nowMs;
          c.bodyBase = read;
          continue;
        }
        if (read !== c.lastRead) {
          c.lastRead = read;
          c.lastReadAt = nowMs;
        } else if (nowMs - c.lastReadAt >= l.bodyTimeoutMs) {
          this.cut(c, 'SLOW_BODY');
          continue;
        }
        const elapsed = nowMs - c.bodyStart;
        if (l.minBodyBytesPerSecond > 0 && elapsed > l.bodyRateGraceMs && ((read - c.bodyBase) * 1000) / elapsed < l.minBodyBytesPerSecond) {
          this.cut(c, 'SLOW_BODY');
        }
        continue;
      }
      // Response phase: cut when queued output does not drain.
      const sent = sentBytes(s);
      if (sent !== c.lastSent || s.writableLength === 0) {
        c.lastSent = sent;
        c.lastSentAt = nowMs;
      } else if (nowMs - c.lastSentAt >= l.slowReadTimeoutMs) this.cut(c, 'SLOW_READ');
    }
    if (this.gate !== undefined) this.gate.expire(nowMs);
    // The IP table is swept every 10 s (and whenever it is full, in admit()).
    if (++this.ticks % 10 === 0 && this.ips.size > 0) this.sweep(nowMs);
  }

  private cut(c: Conn, kind: ProxyConnectionKind): void {
    this.conns.delete(c);
    this.metrics?.cutClient(this.site, kind);
    this.publish(kind, c.ip);
    c.socket.destroy();
  }

  /** Drops IPs with no connection whose token bucket is full again. */
  private sweep(nowMs: number): void {
    const l = this.limits;
    const fullAfterMs = l.perIpConnectionRate > 0 ? (l.perIpConnectionBurst / l.perIpConnectionRate) * 1000 : 0;
    for (const [ip, e] of this.ips) {
      if (e.conns === 0 && nowMs - e.refillMs >= fullAfterMs) this.ips.delete(ip);
    }
  }
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function ignore(): void {}

function destroySocket(s: Socket): void {
  if (!s.destroyed) s.destroy();
}

function tick(g: ConnectionGuard): void {
  g.check(Date.now());
}

function onConnection(this: http.Server, socket: Socket): void {
  const g = (this as unknown as { [GUARD]: ConnectionGuard })[GUARD];
  const now = Date.now();
  if (!g.admit(socket, now)) return;
  // HTTPS: deadlines are tracked on the TLS socket (secureConnection); the handshake has its own timeout.
  if (!g.tls) g.track(socket, now);
}

function onSecureConnection(this: http.Server, socket: Socket): void {
  const g = (this as unknown as { [GUARD]: ConnectionGuard })[GUARD];
  g.track(socket, Date.now());
}

function onSocketClose(this: Socket): void {
  const t = this as Tagged;
  const g = t[GUARD];
  if (g === undefined) return;
  g.untrack(t);
  g.release(t);
}

function onTrackedClose(this: Socket): void {
  const t = this as Tagged;
  t[GUARD]?.untrack(t);
}

/** Waiters that may decline a slot between two pumps (a pump runs at most once a turn), so at most this many per turn (see UpstreamGate.grantFrom). */
const DECLINES_PER_TURN = 64;

/** Something waiting for an upstream slot. */
export interface GateWaiter {
  /** Called once a slot is granted. */
  grant(): void;
  /**
   * Optional, asked just before a slot would be granted: false when the waiter no longer wants it
   * (it was answered otherwise, e.g. blocked by a web ACL that changed while it waited); the gate
   * then drops it and offers the slot to the next waiter.
   */
  recheck?(): boolean;
  /** Called when the wait timed out, or a waiter was displaced from a full queue (answer 503). */
  timeout(): void;
  /** True once the waiter was withdrawn ({@link UpstreamGate.withdraw}): the client went away while waiting. */
  readonly cancelled: boolean;
  /** The client's address, for {@link SourceHistory} (without one the waiter is never served first). */
  readonly clientIp?: string;
}

/** Queue age (of its oldest live waiter) from which the gate serves the newest waiter first. */
export const LIFO_AFTER_MS = 1000;

/** Shortest sampling window of the adaptive limit. */
export const ADAPTIVE_WINDOW_MS = 50;
/** Fewest responses in a sampling window of the adaptive limit (the window is extended until then). */
export const ADAPTIVE_MIN_SAMPLES = 16;
/** The no-load response time is the smallest window sample of the last one to two such periods. */
export const ADAPTIVE_MIN_BUCKET_MS = 30_000;
/** The limit shrinks when the recent response time exceeds this many times the no-load one. */
export const ADAPTIVE_TOLERANCE = 2;
/**
 * The limit shrinks only when the recent response time also exceeds the no-load one by this much:
 * a few milliseconds of queueing inside a healthy upstream cost legitimate clients little, while
 * throttling for them costs throughput, and on a busy proxy the measured time includes the proxy's
 * own event-loop delay, which fewer slots do not cut.
 */
export const ADAPTIVE_SLACK_MS = 5;
/** Responses in a sampling window before its running mean may hold the surge bound (see `UpstreamGate.underSurge`). */
const SURGE_MIN_SAMPLES = 4;
/** The surge bound applies while an established source had a request succeed this recently. */
const SURGE_ESTABLISHED_MS = 10_000;
/** Response times below this count as this (the gate's clock has millisecond resolution). */
const ADAPTIVE_RTT_FLOOR_MS = 1;

/** Options of the adaptive in-flight limit of an {@link UpstreamGate}. */
export interface AdaptiveOptions {
  /** The fewest slots (the cap is the gate's slot count). */
  readonly minInFlight: number;
  /**
   * Share of the limit (rounded up, at least one slot): while the limit is lowered, requests queue
   * and established sources are being served first, a request without priority gets a slot only
   * while fewer than this many are in use; the rest is kept for established sources (needs a
   * {@link SourceHistory}; default 1: no reserve).
   */
  readonly newcomerShare?: number;
}

/** Time without queueing after which the gate adds new sources to its history again. */
export const LEARN_CALM_MS = 1000;

/** Slots a full {@link SourceHistory} looks at to pick the one to reuse (sampled least recently seen). */
const EVICT_SAMPLE = 8;

/** Newest additions a {@link SourceHistory} can take back ({@link SourceHistory.forgetNewSince}). */
const RECENT_ADDS = 4096;

/** Settings of a {@link SourceHistory} (the `established*` limits). */
export interface SourceHistoryOptions {
  /** Most sources remembered. */
  readonly maxSources: number;
  /** Age since the first successful request from which a source is established. */
  readonly afterMs: number;
  /** A source without a successful request for this long is forgotten. */
  readonly idleMs: number;
  /** Requests per second a source may be served first, sustained. */
  readonly rate: number;
  /** Requests a source may be served first at once (token bucket size). */
  readonly burst: number;
}

/**
 * The sources (client IPs) whose requests the upstream answered successfully, with when each was
 * first and last seen and a token bucket for its priority: what lets {@link UpstreamGate} serve
 * clients with a good history first under overload.
 *
 * Fixed cost per source: a Map entry from the address to a slot, and four numbers in typed arrays
 * (grown by doubling up to `maxSources`). A full table reuses the least recently seen of a few
 * slots after a rotating hand (sampled LRU, bounded work per insert); idle sources are swept a
 * slice at a time. Known sources cost one Map lookup per successful request; nothing else runs
 * on the request path until requests have to queue.
 */
export class SourceHistory {
  private readonly index = new Map<string, number>();
  private readonly keys: (string | undefined)[] = [];
  private first: Float64Array;
  private last: Float64Array;
  private tokens: Float64Array;
  private refill: Float64Array;
  /** Freed slots below `used`. */
  private readonly free: number[] = [];
  /** Slots ever handed out (the high-water mark). */
  private used = 0;
  private evictHand = 0;
  private sweepHand = 0;
  private readonly sweepBudget: number;
  /** The slots of the newest additions (a ring), for {@link forgetNewSince}. */
  private readonly recent = new Int32Array(RECENT_ADDS);
  private recentEnd = 0;
  private recentCount = 0;

  constructor(readonly o: SourceHistoryOptions) {
    const n = Math.max(1, Math.min(o.maxSources, 1024));
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.tokens = new Float64Array(n);
    this.refill = new Float64Array(n);
    // A whole pass every ~10 s of once-a-second sweeps.
    this.sweepBudget = Math.max(1024, Math.ceil(o.maxSources / 10));
  }

  /** Sources remembered now. */
  get size(): number {
    return this.index.size;
  }

  /** When a request of an established source last succeeded. */
  establishedAtMs = -Infinity;

  /** A request from `ip` succeeded at `nowMs`. An unknown source is added only when `learn` is true. */
  record(ip: string, nowMs: number, learn: boolean): void {
    const i = this.index.get(ip);
    if (i !== undefined) {
      this.last[i] = nowMs;
      if (nowMs - (this.first[i] as number) >= this.o.afterMs) this.establishedAtMs = nowMs;
      return;
    }
    if (!learn || ip === '') return;
    const j = this.alloc();
    this.index.set(ip, j);
    this.keys[j] = ip;
    this.first[j] = nowMs;
    this.last[j] = nowMs;
    this.tokens[j] = this.o.burst;
    this.refill[j] = nowMs;
    this.recent[this.recentEnd] = j;
    this.recentEnd = (this.recentEnd + 1) % RECENT_ADDS;
    if (this.recentCount < RECENT_ADDS) this.recentCount++;
  }

  /**
   * Forgets the sources first seen at or after `sinceMs` (the newest {@link RECENT_ADDS} additions
   * at most): the ones that came with the start of a flood, before anything had to queue.
   */
  forgetNewSince(sinceMs: number): void {
    while (this.recentCount > 0) {
      const k = (this.recentEnd + RECENT_ADDS - 1) % RECENT_ADDS;
      const i = this.recent[k] as number;
      const key = this.keys[i];
      // A slot reused since (evicted, or swept and taken again) holds a source at least as new.
      if (key !== undefined && (this.first[i] as number) < sinceMs) return;
      this.recentEnd = k;
      this.recentCount--;
      if (key === undefined) continue;
      this.index.delete(key);
      this.keys[i] = undefined;
      this.free.push(i);
    }
  }

  /** True when `ip` is established (first success at least `afterMs` ago). */
  established(ip: string, nowMs: number): boolean {
    const i = this.index.get(ip);
    return i !== undefined && nowMs - (this.first[i] as number) >= this.o.afterMs;
  }

  /** True when `ip` is established and within its rate: takes one of its tokens. */
  priority(ip: string, nowMs: number): boolean {
    const i = this.index.get(ip);
    if (i === undefined || nowMs - (this.first[i] as number) < this.o.afterMs) return false;
    let t = (this.tokens[i] as number) + ((nowMs - (this.refill[i] as number)) * this.o.rate) / 1000;
    if (t > this.o.burst) t = this.o.burst;
    this.refill[i] = nowMs;
    if (t < 1) {
      this.tokens[i] = t;
      return false;
    }
    this.tokens[i] = t - 1;
    return true;
  }

  /** Forgets sources idle for `idleMs`, looking at one slice of the slots (called every second). */
  sweep(nowMs: number): void {
    const n = this.used;
    let i = this.sweepHand;
    for (let k = Math.min(this.sweepBudget, n); k > 0; k--) {
      if (i >= n) i = 0;
      const key = this.keys[i];
      if (key !== undefined && nowMs - (this.last[i] as number) >= this.o.idleMs) {
        this.index.delete(key);
        this.keys[i] = undefined;
        this.free.push(i);
      }
      i++;
    }
    this.sweepHand = i;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.used < this.first.length) return this.used++;
    if (this.first.length < this.o.maxSources) {
      this.grow(Math.min(this.o.maxSources, this.first.length * 2));
      return this.used++;
    }
    // Full (every slot holds a source): reuse the least recently seen of a few after the hand.
    const n = this.used;
    let victim = this.evictHand % n;
    for (let k = 1; k < EVICT_SAMPLE; k++) {
      const i = (this.evictHand + k) % n;
      if ((this.last[i] as number) < (this.last[victim] as number)) victim = i;
    }
    this.evictHand = (this.evictHand + EVICT_SAMPLE) % n;
    this.index.delete(this.keys[victim] as string);
    this.keys[victim] = undefined;
    return victim;
  }

  private grow(n: number): void {
    const copy = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.first = copy(this.first);
    this.last = copy(this.last);
    this.tokens = copy(this.tokens);
    this.refill = copy(this.refill);
  }
}

/** A bounded ring of waiters in arrival order, with their arrival times. */
class WaiterRing {
  readonly slots: (GateWaiter | undefined)[];
  private readonly at: Float64Array;
  private head = 0;
  /** Entries, withdrawn ones included. */
  size = 0;

  constructor(cap: number) {
    this.slots = new Array<GateWaiter | undefined>(cap);
    this.at = new Float64Array(Math.max(1, cap));
  }

  /** Appends (the caller makes room first). */
  push(w: GateWaiter, nowMs: number): void {
    const i = (this.head + this.size) % this.slots.length;
    this.slots[i] = w;
    this.at[i] = nowMs;
    this.size++;
  }

  /** The oldest entry (size > 0). */
  peek(): GateWaiter {
    return this.slots[this.head] as GateWaiter;
  }

  /** When the oldest entry arrived (size > 0). */
  peekAt(): number {
    return this.at[this.head] as number;
  }

  /** Takes the oldest entry (size > 0). */
  shift(): GateWaiter {
    const i = this.head;
    const w = this.slots[i] as GateWaiter;
    this.slots[i] = undefined;
    this.head = (i + 1) % this.slots.length;
    this.size--;
    return w;
  }

  /** Takes the newest entry (size > 0). */
  pop(): GateWaiter {
    const i = (this.head + this.size - 1) % this.slots.length;
    const w = this.slots[i] as GateWaiter;
    this.slots[i] = undefined;
    this.size--;
    return w;
  }

  /** Drops the withdrawn entries, keeping the order of the live ones; returns how many were dropped. */
  compact(): number {
    const cap = this.slots.length;
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % cap;
      const w = this.slots[i];
      this.slots[i] = undefined;
      if (w === undefined || w.cancelled) continue;
      // Live entries move towards the head: the target index never passes the source.
      const j = (this.head + n) % cap;
      this.slots[j] = w;
      this.at[j] = this.at[i] as number;
      n++;
    }
    const dropped = this.size - n;
    this.size = n;
    return dropped;
  }
}

/**
 * Bounds requests in flight towards the upstream: a slot count plus a bounded queue (ring), FIFO
 * unless congested (then newest first, see {@link UpstreamGate.release}).
 *
 * A slot is held from the grant until the upstream request is over (response end or error), so the
 * count is what the upstream pool really carries. A waiter whose client went away is withdrawn: it
 * stops counting against the queue at once and is dropped from the ring when reached (or when the
 * ring is physically full), so abandoned requests never fill the queue nor reach the upstream.
 *
 * With a {@link SourceHistory}, a request that has to queue from an established source (within its
 * rate) waits in a second ring that is served first, and when the queue is full it takes the place
 * of the newest newcomer (who gets the 503) instead of being refused. Both rings share the queue
 * size. A request that gets a slot at once never looks at the history, except while the gate
 * keeps a reserve (see {@link reserving}): with the adaptive limit lowered, requests that are not
 * served first hold at most `newcomerShare` of it and queue beyond that, so the other slots are
 * free for established arrivals.
 */
export class UpstreamGate {
  private inFlight = 0;
  /** Waiters from sources without (enough) history. */
  private readonly queue: WaiterRing;
  /** Waiters from established sources (served first); only with a history. */
  private readonly firsts: WaiterRing | undefined;
  /** Withdrawn entries still in either ring. */
  private dead = 0;
  /** Waiters that declined their slot ({@link GateWaiter.recheck}) since the last pump, and whether a pump is scheduled. */
  private declined = 0;
  private pumpScheduled = false;
  /** Queue age from which the newest waiter is served first. */
  private readonly lifoAfterMs: number;
  /** When a request last had to queue (new sources are learnt only after {@link LEARN_CALM_MS} without). */
  private congestedAtMs = -Infinity;
  /** Slots granted at most now: {@link max}, or the adaptive limit below it. */
  private cap: number;
  /** The adaptive limit (fractional; {@link cap} is its integer part), or undefined when off. */
  private limitF: number | undefined;
  private readonly floor: number;
  /** Share of a lowered limit that waiters without priority may hold while requests queue (1: no reserve). */
  private readonly share: number = 1;
  /** When a request last was served first (the reserve is kept only while such requests come). */
  private priorityAtMs = -Infinity;
  /** Slots waiters without priority may hold now ({@link cap} unless reserving, see {@link reserving}). */
  private newcomerCap: number;
  /** In-flight count up to which requests without priority get a slot (see {@link underSurge}; the slot count when off). */
  private surgeCap: number;
  /** Since when {@link surgeCap} holds requests back (-Infinity: it does not), and the window's integral and responses then. */
  private surgeHeldAtMs = -Infinity;
  private surgeArea = 0;
  private surgeDone = 0;
  /** Adaptive sampling window: its start, the integral of the in-flight count over it (slot·ms), responses in it. */
  private winStartMs = -Infinity;
  private area = 0;
  private lastMs = 0;
  private done = 0;
  /** Most requests in flight at once in the window. */
  private peak = 0;
  /** No-load response time: the smallest window sample of the current and of the previous bucket. */
  private minCur = Infinity;
  private minPrev = Infinity;
  private bucketStartMs = -Infinity;
  /** The last window's sample (mean slot holding time, ms), for the gauges and tests. */
  private recentRtt = 0;

  constructor(
    private readonly max: number,
    queueSize: number,
    private readonly queueTimeoutMs: number,
    private readonly onReject?: (reason: GateRejectReason) => void,
    /** The sources served first when requests queue (none: one FIFO/LIFO queue for all). */
    readonly history?: SourceHistory,
    /** Adapt the slot count to the upstream's response time (none: always `max`; needs `max` > 0). */
    adaptive?: AdaptiveOptions,
  ) {
    this.cap = max;
    this.newcomerCap = max;
    this.surgeCap = max;
    this.floor = max;
    if (adaptive !== undefined && max > 0) {
      this.floor = Math.max(1, Math.min(max, adaptive.minInFlight));
      this.limitF = max;
      // A reserve needs someone to keep it for.
      if (history !== undefined && adaptive.newcomerShare !== undefined) this.share = Math.min(1, Math.max(0, adaptive.newcomerShare));
    }
    this.queue = new WaiterRing(queueSize);
    this.firsts = history !== undefined ? new WaiterRing(queueSize) : undefined;
    this.lifoAfterMs = Math.min(LIFO_AFTER_MS, queueTimeoutMs / 2);
  }

  /** Requests holding a slot (counted also without a cap). */
  get active(): number {
    return this.inFlight;
  }

  /** Requests waiting (withdrawn ones not counted). */
  get queued(): number {
    return this.queue.size + (this.firsts !== undefined ? this.firsts.size : 0) - this.dead;
  }

  /** The slot count (0: no cap). */
  get capacity(): number {
    return this.max;
  }

  /** Slots granted at most now (the adaptive limit, or the slot count; 0: no cap). */
  get limit(): number {
    return this.cap;
  }

  /** No-load upstream response time (ms) of the adaptive limit (Infinity before the first sample or when off). */
  get minRttMs(): number {
    return this.minCur < this.minPrev ? this.minCur : this.minPrev;
  }

  /** Mean upstream response time (ms) of the adaptive limit's last sampling window (0 before one). */
  get recentRttMs(): number {
    return this.recentRtt;
  }

  /**
   * True while the gate keeps slots for established sources: {@link newcomerCap} slots or more are
   * in use, a request was served first within the last {@link LEARN_CALM_MS} (someone to keep them
   * for), the adaptive limit is lowered (the upstream's response time rose under load), and
   * requests queue (or one had to within the last {@link LEARN_CALM_MS}). Requests that are not
   * served first then queue even when a slot is free; the upstream never idles because of it, as
   * the reserve needs at least one slot in use.
   */
  private reserving(nowMs: number): boolean {
    return this.inFlight >= this.newcomerCap && nowMs - this.priorityAtMs < LEARN_CALM_MS && this.cap < this.max && (this.queue.size > 0 || nowMs - this.congestedAtMs < LEARN_CALM_MS);
  }

  /** Whether a waiter is served first (its source is established and within its rate; takes a token). */
  private priority(w: GateWaiter, nowMs: number): boolean {
    const ip = w.clientIp;
    if (this.firsts === undefined || ip === undefined || ip === '' || !(this.history as SourceHistory).priority(ip, nowMs)) return false;
    this.priorityAtMs = nowMs;
    return true;
  }

  /**
   * Whether a request without priority may take a slot with {@link inFlight} in use: below
   * {@link surgeCap}, twice the most in flight in the last sampling window (at least the floor).
   * The bound doubles after each {@link ADAPTIVE_WINDOW_MS} of holding requests back, unless the
   * responses since it started holding already show the upstream slowing down (their mean
   * response time over the adaptive target). A flood that starts on a quiet site thus puts a few requests into the
   * upstream, not a hundred, before the first sample lowers the limit (an established client's
   * request granted meanwhile waits behind those few); a burst of ordinary new visitors waits at
   * most a few windows while the bound doubles. Established sources are not held by it.
   */
  private underSurge(nowMs: number): boolean {
    if (this.inFlight < this.surgeCap) return true;
    if (this.surgeCap >= this.cap) return false;
    const area = this.area + this.inFlight * Math.max(0, nowMs - this.lastMs);
    if (this.surgeHeldAtMs === -Infinity) {
      this.surgeHeldAtMs = nowMs;
      this.surgeArea = area;
      this.surgeDone = this.done;
      return false;
    }
    if (nowMs - this.surgeHeldAtMs < ADAPTIVE_WINDOW_MS) return false;
    const done = this.done - this.surgeDone;
    if (done >= SURGE_MIN_SAMPLES) {
      const base = this.minRttMs;
      if ((area - this.surgeArea) / done > Math.max(ADAPTIVE_TOLERANCE * base, base + ADAPTIVE_SLACK_MS)) return false;
    }
    this.surgeCap *= 2;
    this.surgeHeldAtMs = -Infinity;
    return this.inFlight < this.surgeCap;
  }

  /** Takes a slot now ('go'), queues ('queued': grant() or timeout() follows unless withdrawn) or refuses ('full'). */
  acquire(w: GateWaiter, nowMs: number): 'go' | 'queued' | 'full' {
    let first: boolean | undefined;
    // While reserving or over the surge bound, a free slot goes at once only to a request served first (the others queue).
    if (this.max === 0 || (this.inFlight < this.cap && ((this.underSurge(nowMs) && !this.reserving(nowMs)) || (first = this.priority(w, nowMs))))) {
      if (this.limitF !== undefined) {
        this.integrate(nowMs);
        if (this.inFlight >= this.peak) this.peak = this.inFlight + 1;
      }
      this.inFlight++;
      return 'go';
    }
    // Congestion starts: the sources learnt in the calm second before it may be the flood's first requests.
    if (this.history !== undefined && nowMs - this.congestedAtMs >= LEARN_CALM_MS) this.history.forgetNewSince(nowMs - LEARN_CALM_MS);
    this.congestedAtMs = nowMs;
    const q = this.queue;
    const cap = q.slots.length;
    if (first === undefined) first = this.priority(w, nowMs);
    if (this.queued >= cap && !(first && this.displace())) {
      this.onReject?.('UPSTREAM_QUEUE_FULL');
      return 'full';
    }
    const r = first ? (this.firsts as WaiterRing) : q;
    if (r.size >= cap) this.dead -= r.compact();
    r.push(w, nowMs);
    return 'queued';
  }

  /** A queued waiter's client went away (call once, after which `w.cancelled` must be true). */
  withdraw(): void {
    this.dead++;
  }

  /**
   * Returns a slot (with the adaptive limit: ends a sampling window when due, see `adapt`, and
   * hands the slot on only while fewer than the limit are in flight); `succeeded` names the source of a request the upstream answered successfully
   * (the history learns it). Waiters of established sources go first. Within a ring the oldest live
   * waiter gets the slot, unless the ring is congested (its oldest live waiter has waited
   * {@link lifoAfterMs} or more): then the newest does (adaptive LIFO). Under sustained overload a
   * FIFO would serve only requests whose clients are about to give up, and keep every new request
   * (a normal visitor's too) waiting behind the whole backlog long after a flood ends; the old
   * waiters get their 503 at the queue timeout, or leave.
   */
  release(nowMs: number, succeeded?: string): void {
    const h = this.history;
    // New sources are learnt only while nothing queues: newcomers arriving with a flood are not.
    if (succeeded !== undefined && h !== undefined) h.record(succeeded, nowMs, nowMs - this.congestedAtMs >= LEARN_CALM_MS && this.queued === 0);
    if (this.inFlight === 0) return;
    if (this.limitF !== undefined) {
      this.integrate(nowMs);
      this.done++;
      if (nowMs - this.winStartMs >= ADAPTIVE_WINDOW_MS && this.done >= ADAPTIVE_MIN_SAMPLES) this.adapt(nowMs);
    }
    this.inFlight--;
    // Over a lowered limit: the slot is not handed on.
    if (this.inFlight >= this.cap) return;
    if (this.grantNext(nowMs) && this.inFlight < this.cap) {
      // The limit grew: hand out the new slots too.
      while (this.inFlight < this.cap && this.grantNext(nowMs));
    }
  }

  private grantNext(nowMs: number): boolean {
    if (this.firsts !== undefined && this.grantFrom(this.firsts, nowMs)) return true;
    // The slots over the newcomers' share stay free for established arrivals while reserving.
    // (underSurge starts timing a hold: only ask when a newcomer is waiting.)
    return this.queue.size > 0 && !this.reserving(nowMs) && this.underSurge(nowMs) && this.grantFrom(this.queue, nowMs);
  }

  /** Adds the in-flight count since the last change to the window's integral. */
  private integrate(nowMs: number): void {
    const dt = nowMs - this.lastMs;
    if (dt > 0) this.area += this.inFlight * dt;
    this.lastMs = nowMs;
  }

  /**
   * Ends a sampling window (on a response, at least {@link ADAPTIVE_WINDOW_MS} and
   * {@link ADAPTIVE_MIN_SAMPLES} responses long): its mean response time by Little's law (the
   * in-flight integral over the responses), the no-load time as the smallest such sample over the
   * last one to two {@link ADAPTIVE_MIN_BUCKET_MS}, then the limit: the smaller of it and twice
   * the window's most requests in flight, multiplied by max(0.25, target / recent), when the window was loaded (at least `minInFlight` requests in
   * flight at once, or some queued) and the recent time exceeds the target, the larger of
   * {@link ADAPTIVE_TOLERANCE} × no-load and no-load + {@link ADAPTIVE_SLACK_MS}; else one more
   * slot (never above the slot count).
   */
  private adapt(nowMs: number): void {
    const first = this.winStartMs === -Infinity;
    const rtt = Math.max(ADAPTIVE_RTT_FLOOR_MS, this.area / this.done);
    // Load: at least the floor's worth of requests in flight at once (or waiting) in the window.
    const loaded = this.peak >= this.floor || this.congestedAtMs >= this.winStartMs;
    const used = this.peak;
    this.winStartMs = nowMs;
    this.area = 0;
    this.done = 0;
    this.peak = this.inFlight;
    // With a reserve and established clients to keep it for, requests without priority may next
    // fill twice what this window used; a site with only new visitors keeps its whole limit.
    this.surgeCap = this.share < 1 && nowMs - (this.history as SourceHistory).establishedAtMs < SURGE_ESTABLISHED_MS ? Math.max(this.floor, 2 * used) : this.max;
    this.surgeHeldAtMs = -Infinity;
    // The first window started with the gate, not at a response: no sample.
    if (first) return;
    this.recentRtt = rtt;
    if (nowMs - this.bucketStartMs >= ADAPTIVE_MIN_BUCKET_MS) {
      this.minPrev = this.minCur;
      this.minCur = Infinity;
      this.bucketStartMs = nowMs;
    }
    if (rtt < this.minCur) this.minCur = rtt;
    const base = this.minRttMs;
    let l = this.limitF as number;
    const target = Math.max(ADAPTIVE_TOLERANCE * base, base + ADAPTIVE_SLACK_MS);
    if (rtt > target) {
      // Slow with few requests in flight: slow endpoints, not load; leave the limit.
      if (!loaded) return;
      // Decrease from at most twice what the window really used (as TCP validates an unused
      // window): a limit far above it (the slot count when a flood starts on a quiet site) would
      // otherwise take several windows to bite, while every request granted meanwhile waits inside
      // the upstream behind all those in flight.
      l = Math.max(this.floor, Math.min(l, 2 * used) * Math.max(0.25, target / rtt));
    } else if (l < this.max) l = Math.min(this.max, l + 1);
    else return;
    this.limitF = l;
    this.cap = Math.floor(l);
    this.newcomerCap = Math.max(1, Math.ceil(this.cap * this.share));
  }

  /** Times out waiters older than the queue timeout and sweeps the history (called every second). */
  expire(nowMs: number): void {
    if (this.firsts !== undefined) this.expireRing(this.firsts, nowMs);
    this.expireRing(this.queue, nowMs);
    if (this.history !== undefined) this.history.sweep(nowMs);
  }

  private grantFrom(r: WaiterRing, nowMs: number): boolean {
    // Withdrawn heads first, so that the age below is a live waiter's.
    while (r.size > 0 && r.peek().cancelled) {
      r.shift();
      this.dead--;
    }
    if (r.size === 0) return false;
    const lifo = nowMs - r.peekAt() >= this.lifoAfterMs;
    while (r.size > 0) {
      // Each decline answers its request synchronously; after many in one turn (a flood's queue
      // blocked by a new mitigation rule) the rest waits for the next turn, so the event loop serves
      // other I/O in between instead of stalling for the whole queue.
      if (this.declined >= DECLINES_PER_TURN) {
        this.schedulePump();
        return false;
      }
      const w = lifo ? r.pop() : r.shift();
      if (w.cancelled) {
        this.dead--;
        continue;
      }
      if (w.recheck !== undefined && !w.recheck()) {
        this.declined++;
        continue;
      }
      if (this.limitF !== undefined) {
        this.integrate(nowMs);
        if (this.inFlight >= this.peak) this.peak = this.inFlight + 1;
      }
      this.inFlight++;
      w.grant();
      return true;
    }
    return false;
  }

  /** Hands free slots to waiters on the next turn (after declines were cut short in this one). */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.declined = 0;
      const now = Date.now();
      while (this.inFlight < this.cap && this.grantNext(now));
    });
  }

  private expireRing(r: WaiterRing, nowMs: number): void {
    while (r.size > 0) {
      const w = r.peek();
      if (!w.cancelled && nowMs - r.peekAt() < this.queueTimeoutMs) return;
      r.shift();
      if (w.cancelled) this.dead--;
      else {
        this.onReject?.('UPSTREAM_QUEUE_TIMEOUT');
        w.timeout();
      }
    }
  }

  /** Makes room for an established arrival: the newest live newcomer gets its 503 (false: none queued). */
  private displace(): boolean {
    const q = this.queue;
    while (q.size > 0) {
      const v = q.pop();
      if (v.cancelled) {
        this.dead--;
        continue;
      }
      this.onReject?.('UPSTREAM_QUEUE_DISPLACED');
      v.timeout();
      return true;
    }
    return false;
  }
}

/** Builds a site's upstream gate with its rejection counter and, unless disabled, its source history. */
export function upstreamGate(site: string, limits: SiteLimits, metrics: LimitMetrics | undefined, upstreamConnections?: number): UpstreamGate {
  // With one request per upstream connection, slots beyond the pool size would only wait inside the
  // pool, where a request whose client left cannot be withdrawn (undici aborts it by destroying a
  // connection when it gets one): they wait in the gate's queue instead.
  const max = limits.maxUpstreamRequests > 0 && upstreamConnections !== undefined ? Math.min(limits.maxUpstreamRequests, upstreamConnections) : limits.maxUpstreamRequests;
  // Priority needs something to be first in: a cap and a queue.
  const history =
    limits.maxEstablishedSources > 0 && max > 0 && limits.upstreamQueueSize > 0
      ? new SourceHistory({ maxSources: limits.maxEstablishedSources, afterMs: limits.establishedAfterMs, idleMs: limits.establishedIdleMs, rate: limits.establishedRate, burst: limits.establishedBurst })
      : undefined;
  // Lowering the limit only helps when the requests over it can wait: it needs a queue.
  const adaptive = limits.adaptiveConcurrency && max > 0 && limits.upstreamQueueSize > 0 ? { minInFlight: limits.minInFlight, newcomerShare: limits.newcomerShare } : undefined;
  return new UpstreamGate(max, limits.upstreamQueueSize, limits.upstreamQueueTimeoutMs, metrics ? (r) => metrics.reject(site, r) : undefined, history, adaptive);
}
