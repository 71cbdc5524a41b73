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
  })
  .strict();

/** A site's validated limits. */
export type SiteLimits = Readonly<z.output<typeof siteLimitsSchema>>;

/** The defaults, for sites without a `limits:` object. */
export const DEFAULT_LIMITS: SiteLimits = Object.freeze(siteLimitsSchema.parse({}));

type RejectReason = 'PER_IP_CONNECTIONS' | 'CONNECTION_RATE' | 'GLOBAL_SHED' | 'UPSTREAM_QUEUE_FULL' | 'UPSTREAM_QUEUE_TIMEOUT';

const REJECTED = 'bulwark_proxy_connections_rejected_total';
const CUT = 'bulwark_proxy_slow_clients_cut_total';

const OPEN = 'bulwark_proxy_open_connections';
const UPSTREAM = 'bulwark_proxy_upstream_requests';

/** The guards and gates of the running sites of a registry, read when the gauges are scraped. */
const watched = new WeakMap<Registry, Map<string, { guard: ConnectionGuard; gate: UpstreamGate }>>();

/** The gauges of a registry, computed at scrape time from its sites (nothing on the request path). */
function registerGauges(registry: Registry, all: Map<string, { guard: ConnectionGuard; gate: UpstreamGate }>): void {
  if (registry.getSingleMetric(OPEN) === undefined) {
    new Gauge({
      name: OPEN,
      help: 'Connections the site tracks now (admitted and not yet closed)',
      labelNames: ['site'],
      registers: [registry],
      collect(this: Gauge<'site'>) {
        this.reset();
        for (const [site, w] of all) this.labels(site).set(w.guard.connectionCount);
      },
    });
  }
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
}

/** Prometheus counters and gauges of the limits (shared by every site of a registry). */
export class LimitMetrics {
  private readonly rejected: Counter<'site' | 'reason'>;
  private readonly cut: Counter<'site' | 'kind'>;
  private readonly sites: Map<string, { guard: ConnectionGuard; gate: UpstreamGate }>;

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

/** Something waiting for an upstream slot. */
export interface GateWaiter {
  /** Called once a slot is granted. */
  grant(): void;
  /** Called when the wait timed out (answer 503). */
  timeout(): void;
  /** True once the waiter was withdrawn ({@link UpstreamGate.withdraw}): the client went away while waiting. */
  readonly cancelled: boolean;
}

/** Queue age (of its oldest live waiter) from which the gate serves the newest waiter first. */
export const LIFO_AFTER_MS = 1000;

/**
 * Bounds requests in flight towards the upstream: a slot count plus a bounded queue (ring), FIFO
 * unless congested (then newest first, see {@link UpstreamGate.release}).
 *
 * A slot is held from the grant until the upstream request is over (response end or error), so the
 * count is what the upstream pool really carries. A waiter whose client went away is withdrawn: it
 * stops counting against the queue at once and is dropped from the ring when reached (or when the
 * ring is physically full), so abandoned requests never fill the queue nor reach the upstream.
 */
export class UpstreamGate {
  private inFlight = 0;
  private readonly ring: (GateWaiter | undefined)[];
  private readonly at: Float64Array;
  private head = 0;
  /** Entries in the ring, withdrawn ones included. */
  private size = 0;
  /** Withdrawn entries still in the ring. */
  private dead = 0;
  /** Queue age from which the newest waiter is served first. */
  private readonly lifoAfterMs: number;

  constructor(
    private readonly max: number,
    queueSize: number,
    private readonly queueTimeoutMs: number,
    private readonly onReject?: (reason: 'UPSTREAM_QUEUE_FULL' | 'UPSTREAM_QUEUE_TIMEOUT') => void,
  ) {
    this.ring = new Array<GateWaiter | undefined>(queueSize);
    this.at = new Float64Array(Math.max(1, queueSize));
    this.lifoAfterMs = Math.min(LIFO_AFTER_MS, queueTimeoutMs / 2);
  }

  /** Requests holding a slot (counted also without a cap). */
  get active(): number {
    return this.inFlight;
  }

  /** Requests waiting (withdrawn ones not counted). */
  get queued(): number {
    return this.size - this.dead;
  }

  /** The slot count (0: no cap). */
  get capacity(): number {
    return this.max;
  }

  /** Takes a slot now ('go'), queues ('queued': grant() or timeout() follows unless withdrawn) or refuses ('full'). */
  acquire(w: GateWaiter, nowMs: number): 'go' | 'queued' | 'full' {
    if (this.max === 0 || this.inFlight < this.max) {
      this.inFlight++;
      return 'go';
    }
    const cap = this.ring.length;
    if (this.size - this.dead >= cap) {
      this.onReject?.('UPSTREAM_QUEUE_FULL');
      return 'full';
    }
    if (this.size >= cap) this.compact();
    const i = (this.head + this.size) % cap;
    this.ring[i] = w;
    this.at[i] = nowMs;
    this.size++;
    return 'queued';
  }

  /** A queued waiter's client went away (call once, after which `w.cancelled` must be true). */
  withdraw(): void {
    this.dead++;
  }

  /**
   * Returns a slot. The oldest live waiter gets it, unless the queue is congested (its oldest live
   * waiter has waited {@link lifoAfterMs} or more): then the newest does (adaptive LIFO). Under
   * sustained overload a FIFO would serve only requests whose clients are about to give up, and keep
   * every new request (a normal visitor's too) waiting behind the whole backlog long after a flood
   * ends; the old waiters get their 503 at the queue timeout, or leave.
   */
  release(nowMs: number): void {
    if (this.inFlight === 0) return;
    this.inFlight--;
    // Withdrawn heads first, so that the age below is a live waiter's.
    while (this.size > 0 && (this.ring[this.head] === undefined || (this.ring[this.head] as GateWaiter).cancelled)) this.shift();
    if (this.size === 0) return;
    const lifo = nowMs - (this.at[this.head] as number) >= this.lifoAfterMs;
    while (this.size > 0) {
      const w = lifo ? this.pop() : this.shift();
      if (w !== undefined && !w.cancelled) {
        this.inFlight++;
        w.grant();
        return;
      }
    }
  }

  /** Times out waiters older than the queue timeout (called every second). */
  expire(nowMs: number): void {
    while (this.size > 0) {
      const i = this.head;
      const w = this.ring[i];
      if (w !== undefined && !w.cancelled && nowMs - (this.at[i] as number) < this.queueTimeoutMs) return;
      this.shift();
      if (w !== undefined && !w.cancelled) {
        this.onReject?.('UPSTREAM_QUEUE_TIMEOUT');
        w.timeout();
      }
    }
  }

  private pop(): GateWaiter | undefined {
    const i = (this.head + this.size - 1) % this.ring.length;
    const w = this.ring[i];
    this.ring[i] = undefined;
    this.size--;
    if (w !== undefined && w.cancelled) this.dead--;
    return w;
  }

  private shift(): GateWaiter | undefined {
    const i = this.head;
    const w = this.ring[i];
    this.ring[i] = undefined;
    this.head = (i + 1) % this.ring.length;
    this.size--;
    if (w !== undefined && w.cancelled) this.dead--;
    return w;
  }

  /** Drops the withdrawn entries (the ring is full of them), keeping the order of the live ones. */
  private compact(): void {
    const cap = this.ring.length;
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % cap;
      const w = this.ring[i];
      this.ring[i] = undefined;
      if (w === undefined || w.cancelled) continue;
      // Live entries move towards the head: the target index never passes the source.
      const j = (this.head + n) % cap;
      this.ring[j] = w;
      this.at[j] = this.at[i] as number;
      n++;
    }
    this.size = n;
    this.dead = 0;
  }
}

/** Builds a site's upstream gate with its rejection counter. */
export function upstreamGate(site: string, limits: SiteLimits, metrics: LimitMetrics | undefined, upstreamConnections?: number): UpstreamGate {
  // With one request per upstream connection, slots beyond the pool size would only wait inside the
  // pool, where a request whose client left cannot be withdrawn (undici aborts it by destroying a
  // connection when it gets one): they wait in the gate's queue instead.
  const max = limits.maxUpstreamRequests > 0 && upstreamConnections !== undefined ? Math.min(limits.maxUpstreamRequests, upstreamConnections) : limits.maxUpstreamRequests;
  return new UpstreamGate(max, limits.upstreamQueueSize, limits.upstreamQueueTimeoutMs, metrics ? (r) => metrics.reject(site, r) : undefined);
}
