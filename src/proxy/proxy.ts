/**
 * The per-site reverse proxy: builds the InspectedRequest once (reading at most the body inspection
 * limit of the body), asks the site's web ACL for a decision and acts on it (forward, block,
 * challenge, CAPTCHA), then records metrics, sampled requests and the WAF log record. Forwarding
 * goes through one keep-alive undici Pool per site with the low-level dispatch API, streaming both
 * bodies. Requests that could be read two ways (smuggling) are refused before anything else.
 *
 * Hot path notes: one Exchange object per request carries the state and is the undici handler;
 * event listeners are shared functions that find their Exchange through a symbol on the emitter,
 * so no closure is created per request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { PassThrough } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import type { InspectedRequest, WafDecision } from '../waf/index.js';
import { TOKEN_COOKIE, VERIFY_PATH, type ChallengeIssuer, type TokenTimes } from './challenge.js';
import { REQUEST_LAST, REQUEST_REFUSED, type ConnectionGuard, type GateWaiter, type UpstreamGate } from './limits.js';
import type { WafMetrics } from './metrics.js';
import { proxyRequestChannel, type ProxyRequestObservation } from './observe.js';
import type { SampledHttpRequest, SampledRequests } from './sampled.js';
import type { SiteConfig } from './sites.js';
import { tlsFingerprintsOf } from './tls-front.js';
import type { AclProvider, SiteProtection } from './types.js';
import { compileLogging, publishWafLog, redact, wafLogHasSubscribers, type TokenResponse, type WafLogRecord, type WafLogWriter } from './waf-log.js';

/** Shared services of all sites of a node. */
export interface ProxyServices {
  readonly acls: AclProvider;
  readonly challenge: ChallengeIssuer;
  readonly metrics?: WafMetrics;
  readonly sampled?: SampledRequests;
  readonly logWriter?: WafLogWriter;
  /** Engine failures, upstream errors and refused requests, for the operator's log. */
  readonly onEvent?: (event: ProxyEvent) => void;
}

/** Something the operator may want to see in the node's log. */
export interface ProxyEvent {
  readonly site: string;
  readonly kind: 'engine-error' | 'upstream-error' | 'refused' | 'client-error';
  readonly requestId?: string;
  readonly status?: number;
  readonly error?: Error;
  readonly detail?: string;
}

const require = createRequire(import.meta.url);
const geoip = require('geoip-country') as { lookup(ip: string): { country: string } | null };

const GEO_CACHE_MAX = 50_000;
const geoCache = new Map<string, string>();

/** Country of an IP via geoip-country, cached ('' when unknown). */
export function countryOf(ip: string): string {
  let c = geoCache.get(ip);
  if (c === undefined) {
    c = geoip.lookup(ip)?.country ?? '';
    if (geoCache.size >= GEO_CACHE_MAX) geoCache.clear();
    geoCache.set(ip, c);
  }
  return c;
}

/** Hop-by-hop request/response headers (lower case) never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

// Control characters other than HTAB in a field value: a CR or LF here is a smuggling attempt.
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const EXCHANGE = Symbol('bulwark.exchange');
const EMPTY: Buffer = Buffer.alloc(0);
const NO_HEADERS: readonly (readonly [string, string])[] = [];
const BLOCK_BODY = '<!doctype html><html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>\n';
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request', 403: 'Forbidden', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long',
  431: 'Request Header Fields Too Large', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** Adds the lower-cased tokens of a Connection header to a set. */
function parseConnectionTokens(v: string, into: Set<string>): void {
  const parts = v.split(',');
  for (let i = 0; i < parts.length; i++) {
    const t = (parts[i] as string).trim().toLowerCase();
    if (t) into.add(t);
  }
}

function cookieValue(cookieHeader: string, name: string): string | undefined {
  let i = cookieHeader.indexOf(name + '=');
  while (i !== -1) {
    if (i === 0 || cookieHeader[i - 1] === ' ' || cookieHeader[i - 1] === ';') {
      const start = i + name.length + 1;
      const end = cookieHeader.indexOf(';', start);
      return cookieHeader.slice(start, end === -1 ? undefined : end).trim();
    }
    i = cookieHeader.indexOf(name + '=', i + 1);
  }
  return undefined;
}

function peerOf(req: IncomingMessage): string {
  const p = req.socket.remoteAddress ?? '';
  return p.startsWith('::ffff:') ? p.slice(7) : p;
}

/** Why a request is refused before evaluation (framing that Node's parser lets through). */
interface Framing {
  status: number;
  reason: string;
}

/** One request in flight; also the undici dispatch handler of its upstream request and its upstream gate waiter. */
class Exchange implements Dispatcher.DispatchHandler, GateWaiter {
  readonly requestId: string;
  readonly timeMs: number;
  headers: (readonly [string, string])[] = [];
  host = '';
  xff = '';
  xfProto = '';
  xfHost = '';
  cookie = '';
  contentLength = -1;
  chunked = false;
  connectionTokens: Set<string> | undefined;
  peerIp = '';
  clientIp = '';
  path = '/';
  query = '';
  fragment = '';
  chunks: Buffer[] = [];
  received = 0;
  ended = false;
  limit = 0;
  body: PassThrough | undefined;
  controller: Dispatcher.DispatchController | undefined;
  done = false;
  tokenState: 'none' | 'invalid' | 'valid' = 'none';
  tokenTimes: TokenTimes | undefined;
  inspected: InspectedRequest | undefined;
  decision: WafDecision | undefined;
  protection: SiteProtection | undefined;
  sampleAction = '';
  responseCode: number | null = null;
  /** Holds an upstream gate slot: from the grant until undici reports the upstream request over (end or error). */
  slot = false;
  /** The upstream request while it waits in the gate's queue (undefined once granted, timed out or withdrawn). */
  pending: Dispatcher.DispatchOptions | undefined;
  /** An allowed request queued at the gate: its WAF record waits until it leaves the queue (see {@link SiteProxy.leaveQueue}). */
  unrecorded = false;
  /** Published on the request channel when it started waiting at the gate, so not again when it completes. */
  observed = false;

  constructor(
    readonly proxy: SiteProxy,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.requestId = randomUUID();
    this.timeMs = Date.now();
  }

  /** Withdrawn from the gate's queue (see {@link SiteProxy.withdraw}); only asked while queued. */
  get cancelled(): boolean {
    return this.pending === undefined;
  }

  /** Asked by the gate just before a slot is granted: false when the request was answered otherwise (see {@link SiteProxy.leaveQueue}). */
  recheck(): boolean {
    const opts = this.pending;
    this.pending = undefined;
    if (!this.proxy.leaveQueue(this, true)) return false;
    this.pending = opts;
    return true;
  }

  grant(): void {
    this.slot = true;
    const opts = this.pending as Dispatcher.DispatchOptions;
    this.pending = undefined;
    this.proxy.leaveQueue(this, false);
    this.proxy.dispatch(this, opts);
  }

  timeout(): void {
    this.pending = undefined;
    this.proxy.leaveQueue(this, false);
    if (this.body) this.body.destroy();
    this.proxy.shed(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('client closed'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    const res = this.res;
    if (res.destroyed) {
      controller.abort(new Error('client closed'));
      return;
    }
    const conn = headers.connection;
    let drop: Set<string> | undefined;
    if (conn !== undefined) {
      drop = new Set();
      parseConnectionTokens(Array.isArray(conn) ? conn.join(',') : conn, drop);
    }
    const out: string[] = [];
    for (const name in headers) {
      if (HOP_BY_HOP.has(name) || (drop !== undefined && drop.has(name))) continue;
      const v = headers[name];
      if (v === undefined) continue;
      if (typeof v === 'string') out.push(name, v);
      else for (let i = 0; i < v.length; i++) out.push(name, v[i] as string);
    }
    out.push(this.proxy.requestIdHeader, this.requestId);
    try {
      res.writeHead(statusCode, statusMessage || undefined, out);
    } catch (e) {
      controller.abort(e as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', onResDrain);
    }
  }

  onResponseEnd(): void {
    this.done = true;
    this.proxy.releaseSlot(this, this.res.statusCode < 400);
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.done = true;
    this.proxy.releaseSlot(this);
    const res = this.res;
    if (this.body) this.body.destroy();
    if (res.destroyed) return;
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    const code = (err as { code?: string }).code ?? '';
    const status = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 504 : 502;
    this.proxy.emit({ site: this.proxy.site.name, kind: 'upstream-error', requestId: this.requestId, status, error: err });
    this.proxy.plain(this, status, false);
  }
}

function onResDrain(this: ServerResponse): void {
  (this as unknown as { [EXCHANGE]: Exchange })[EXCHANGE].controller?.resume();
}

function onResClose(this: ServerResponse): void {
  const x = (this as unknown as { [EXCHANGE]: Exchange })[EXCHANGE];
  if (!x.done) {
    x.done = true;
    x.controller?.abort(new Error('client closed'));
    if (x.body) x.body.destroy();
  }
  x.proxy.finished(x);
}

function headerValue(headers: readonly (readonly [string, string])[], lower: string): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i] as readonly [string, string];
    if (h[0].length === lower.length && h[0].toLowerCase() === lower) return h[1];
  }
  return undefined;
}

/** The observation of a completed request (built only when the channel has subscribers). */
function observation(x: Exchange, queued: boolean): ProxyRequestObservation {
  const d = x.decision;
  const country = x.inspected !== undefined ? x.inspected.country : x.clientIp !== '' ? countryOf(x.clientIp) || undefined : undefined;
  const ua = headerValue(x.headers, 'user-agent');
  const ref = headerValue(x.headers, 'referer');
  return {
    site: x.proxy.site.name,
    siteArn: x.proxy.arn,
    time: x.timeMs,
    clientIp: x.clientIp,
    ...(country ? { country } : {}),
    method: x.req.method ?? 'GET',
    uri: x.path,
    hasQuery: x.query !== '',
    ...(ua !== undefined ? { userAgent: ua } : {}),
    ...(ref !== undefined ? { referer: ref } : {}),
    // 0 when the connection closed before any response was sent, or when not answered yet.
    status: !queued && x.res.headersSent ? x.res.statusCode : 0,
    action: d !== undefined ? d.action : 'ALLOW',
    ...(d !== undefined ? { terminatingRuleId: d.terminatingRuleId } : {}),
    ...(d !== undefined && d.labels.length > 0 ? { labels: d.labels } : {}),
    ...(queued ? { queued: true as const } : {}),
  };
}

function onReqData(this: IncomingMessage, chunk: Buffer): void {
  const x = (this as unknown as { [EXCHANGE]: Exchange })[EXCHANGE];
  x.chunks.push(chunk);
  x.received += chunk.length;
  const max = x.proxy.site.maxBodyBytes;
  if (max !== undefined && x.received > max) {
    detachReq(this);
    x.proxy.oversize(x);
    x.proxy.plain(x, 413, true);
    return;
  }
  if (x.received >= x.limit) {
    detachReq(this);
    this.pause();
    x.proxy.decide(x);
  }
}

function onReqEnd(this: IncomingMessage): void {
  const x = (this as unknown as { [EXCHANGE]: Exchange })[EXCHANGE];
  x.ended = true;
  detachReq(this);
  x.proxy.decide(x);
}

function onReqError(this: IncomingMessage, err: Error): void {
  const x = (this as unknown as { [EXCHANGE]: Exchange })[EXCHANGE];
  x.proxy.withdraw(x);
  if (x.body) x.body.destroy(err);
  if (!x.done) {
    x.done = true;
    x.controller?.abort(err);
  }
}

function detachReq(req: IncomingMessage): void {
  req.removeListener('data', onReqData);
  req.removeListener('end', onReqEnd);
}

function buildSample(x: Exchange): SampledHttpRequest {
  const i = x.inspected as InspectedRequest;
  const d = x.decision as WafDecision;
  const headers = new Array<{ Name: string; Value: string }>(i.headers.length);
  for (let k = 0; k < i.headers.length; k++) {
    const h = i.headers[k] as readonly [string, string];
    headers[k] = { Name: h[0], Value: h[1] };
  }
  const s: SampledHttpRequest = {
    Request: { ClientIP: i.clientIp, Country: i.country ?? '', URI: i.uriPath, Method: i.method, HTTPVersion: i.httpVersion, Headers: headers },
    Weight: 1,
    Timestamp: new Date(i.timeMs),
    Action: x.sampleAction,
    ...(d.insertHeaders.length > 0 ? { RequestHeadersInserted: d.insertHeaders.map((h) => ({ Name: h[0], Value: h[1] })) } : {}),
    ...(x.responseCode !== null ? { ResponseCodeSent: x.responseCode } : {}),
    ...(d.labels.length > 0 ? { Labels: d.labels.map((l) => ({ Name: l })) } : {}),
  };
  const cr = tokenResponse(x, 'CAPTCHA');
  const chr = tokenResponse(x, 'CHALLENGE');
  return {
    ...s,
    ...(cr ? { CaptchaResponse: { ResponseCode: cr.responseCode, ...(cr.solveTimestamp ? { SolveTimestamp: cr.solveTimestamp } : {}), ...(cr.failureReason ? { FailureReason: cr.failureReason } : {}) } } : {}),
    ...(chr ? { ChallengeResponse: { ResponseCode: chr.responseCode, ...(chr.solveTimestamp ? { SolveTimestamp: chr.solveTimestamp } : {}), ...(chr.failureReason ? { FailureReason: chr.failureReason } : {}) } } : {}),
  };
}

function tokenResponse(x: Exchange, kind: 'CAPTCHA' | 'CHALLENGE'): TokenResponse | undefined {
  const d = x.decision as WafDecision;
  const solved = kind === 'CAPTCHA' ? x.tokenTimes?.captchaAt : x.tokenTimes?.challengeAt;
  if (d.action === kind) {
    const failureReason = x.tokenState === 'invalid' ? 'TOKEN_INVALID' : solved ? 'TOKEN_EXPIRED' : 'TOKEN_MISSING';
    return { responseCode: kind === 'CAPTCHA' ? 405 : 202, ...(solved ? { solveTimestamp: solved } : {}), failureReason };
  }
  const nt = d.nonTerminatingMatchingRules;
  for (let i = 0; i < nt.length; i++) {
    if ((nt[i] as { action: string }).action === kind) return { responseCode: 0, ...(solved ? { solveTimestamp: solved } : {}) };
  }
  return undefined;
}

/** The reverse proxy of one site. */
export class SiteProxy {
  readonly pool: Pool;
  readonly requestIdHeader: string;
  private readonly scheme: 'http' | 'https';
  private readonly trustedHops: number;

  constructor(
    readonly site: SiteConfig,
    readonly arn: string,
    private readonly services: ProxyServices,
    tls: boolean,
    private readonly guard?: ConnectionGuard,
    private readonly gate?: UpstreamGate,
  ) {
    this.scheme = tls ? 'https' : 'http';
    this.trustedHops = site.trustedProxyHops;
    this.requestIdHeader = site.requestIdHeader;
    this.pool = new Pool(site.upstream, {
      connections: site.upstreamConnections,
      connectTimeout: site.upstreamConnectTimeoutMs,
      headersTimeout: site.upstreamHeadersTimeoutMs,
      bodyTimeout: site.upstreamBodyTimeoutMs,
      keepAliveTimeout: 4000,
      pipelining: 1,
    });
    this.handle = this.handle.bind(this);
  }

  /** Reports an event to the operator hook. */
  emit(e: ProxyEvent): void {
    this.services.onEvent?.(e);
  }

  /** The request listener of the site's server. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const verdict = this.guard !== undefined ? this.guard.beginRequest(req, Date.now()) : 1;
    // Refused at accept (its 503 is written, the socket is closing): nothing to serve.
    if (verdict === REQUEST_REFUSED) return;
    const x = new Exchange(this, req, res);
    (res as unknown as { [EXCHANGE]: Exchange })[EXCHANGE] = x;
    res.on('close', onResClose);
    if (verdict === REQUEST_LAST) res.shouldKeepAlive = false;
    const bad = this.readHeaders(x);
    if (bad !== undefined) {
      this.emit({ site: this.site.name, kind: 'refused', requestId: x.requestId, status: bad.status, detail: bad.reason });
      if (bad.status === 431) this.guard?.oversize(x.peerIp || peerOf(req));
      this.plain(x, bad.status, true);
      return;
    }
    const url = req.url ?? '/';
    if (url.length > this.site.limits.maxUriBytes) {
      this.guard?.oversize(x.peerIp);
      this.plain(x, 414, true);
      return;
    }
    this.parseTarget(x, url);
    if (x.path === VERIFY_PATH) {
      this.verifyEndpoint(x);
      return;
    }
    const max = this.site.maxBodyBytes;
    if (max !== undefined && x.contentLength > max) {
      this.guard?.oversize(x.peerIp);
      this.plain(x, 413, true);
      return;
    }
    (req as unknown as { [EXCHANGE]: Exchange })[EXCHANGE] = x;
    req.on('error', onReqError);
    if (x.chunked || x.contentLength > 0) {
      x.limit = this.site.bodyInspectionLimit;
      req.on('data', onReqData);
      req.on('end', onReqEnd);
      return;
    }
    x.ended = true;
    // Consume the (empty) body now: an unread request delays the connection's next request.
    req.resume();
    this.decide(x);
  }

  /** Walks the raw headers once: framing checks, the inspected header list, forwarding inputs. */
  private readHeaders(x: Exchange): Framing | undefined {
    const raw = x.req.rawHeaders;
    const n = raw.length;
    if (n / 2 > this.site.maxHeaderCount) return { status: 431, reason: 'too many header fields' };
    const headers = new Array<readonly [string, string]>(n / 2);
    let hosts = 0;
    let cls = 0;
    let tes = 0;
    for (let i = 0; i < n; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      headers[i >> 1] = [name, value];
      if (BAD_VALUE.test(value)) return { status: 400, reason: 'control character in a header value' };
      const c = name.length;
      // Dispatch on length first: most headers are none of these.
      if (c === 4 && name.toLowerCase() === 'host') {
        hosts++;
        x.host = value;
      } else if (c === 14 && name.toLowerCase() === 'content-length') {
        cls++;
        if (!/^\d{1,15}$/.test(value)) return { status: 400, reason: 'invalid Content-Length' };
        x.contentLength = Number(value);
      } else if (c === 17 && name.toLowerCase() === 'transfer-encoding') {
        tes++;
        if (value.toLowerCase() !== 'chunked') return { status: value.trim() === '' ? 400 : 501, reason: `Transfer-Encoding '${value}' not supported` };
        x.chunked = true;
      } else if (c === 6 && name.toLowerCase() === 'cookie') {
        x.cookie = x.cookie === '' ? value : `${x.cookie}; ${value}`;
      } else if (c === 15 && name.toLowerCase() === 'x-forwarded-for') {
        x.xff = x.xff === '' ? value : `${x.xff}, ${value}`;
      } else if (c === 10 && name.toLowerCase() === 'connection') {
        parseConnectionTokens(value, (x.connectionTokens ??= new Set()));
      } else if (c === 17 && name.toLowerCase() === 'x-forwarded-proto') {
        x.xfProto = value;
      } else if (c === 16 && name.toLowerCase() === 'x-forwarded-host') {
        x.xfHost = value;
      }
    }
    if (cls > 1) return { status: 400, reason: 'several Content-Length fields' };
    if (tes > 1) return { status: 400, reason: 'several Transfer-Encoding fields' };
    if (cls > 0 && tes > 0) return { status: 400, reason: 'Content-Length with Transfer-Encoding' };
    if (hosts > 1) return { status: 400, reason: 'several Host fields' };
    if (hosts === 0 && x.req.httpVersion !== '1.0') return { status: 400, reason: 'missing Host' };
    x.headers = headers;
    let peer = x.req.socket.remoteAddress ?? '';
    if (peer.startsWith('::ffff:')) peer = peer.slice(7);
    x.peerIp = peer;
    x.clientIp = this.trustedHops > 0 && x.xff !== '' ? this.forwardedClient(x.xff, peer) : peer;
    return undefined;
  }

  /** The client IP seen by the outermost trusted proxy: the hop-th entry from the right. */
  private forwardedClient(xff: string, peer: string): string {
    const list = xff.split(',');
    const idx = list.length - this.trustedHops;
    const ip = (list[idx < 0 ? 0 : idx] as string).trim();
    return isIP(ip) !== 0 ? (ip.startsWith('::ffff:') ? ip.slice(7) : ip) : peer;
  }

  private parseTarget(x: Exchange, url: string): void {
    let u = url;
    if (u.charCodeAt(0) !== 47 /* / */ && u !== '*') {
      // absolute-form: drop scheme and authority.
      const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(u);
      if (m) u = u.slice(m[0].length) || '/';
    }
    const hash = u.indexOf('#');
    if (hash !== -1) {
      x.fragment = u.slice(hash + 1);
      u = u.slice(0, hash);
    }
    const q = u.indexOf('?');
    if (q === -1) x.path = u;
    else {
      x.path = u.slice(0, q);
      x.query = u.slice(q + 1);
    }
  }

  /** Builds the InspectedRequest, evaluates and acts. Called once the inspected body is read. */
  decide(x: Exchange): void {
    if (x.done) return;
    const protection = this.services.acls.forSite(this.site.name);
    if (protection === undefined) {
      this.forward(x, NO_HEADERS);
      return;
    }
    x.protection = protection;
    if (x.cookie !== '') {
      const tok = cookieValue(x.cookie, TOKEN_COOKIE);
      if (tok !== undefined) {
        x.tokenTimes = this.services.challenge.verifyToken(tok, x.clientIp, x.timeMs);
        x.tokenState = x.tokenTimes ? 'valid' : 'invalid';
      }
    }
    const limit = this.site.bodyInspectionLimit;
    let body: Buffer = EMPTY;
    if (x.chunks.length === 1) {
      const c = x.chunks[0] as Buffer;
      body = c.length > limit ? c.subarray(0, limit) : c;
    } else if (x.chunks.length > 1) body = Buffer.concat(x.chunks, Math.min(x.received, limit));
    const bodySize = x.contentLength >= 0 ? x.contentLength : x.received;
    const tlsFp = this.scheme === 'https' ? tlsFingerprintsOf(x.req.socket) : undefined;
    const inspected: InspectedRequest = {
      method: x.req.method ?? 'GET',
      uriPath: x.path,
      queryString: x.query,
      uriFragment: x.fragment,
      httpVersion: `HTTP/${x.req.httpVersion}`,
      headers: x.headers,
      body,
      bodySize,
      bodyOversize: bodySize > limit || (!x.ended && x.received >= limit),
      clientIp: x.clientIp,
      country: countryOf(x.clientIp) || undefined,
      asn: undefined,
      ja3: tlsFp?.ja3,
      ja4: tlsFp?.ja4,
      timeMs: x.timeMs,
      captchaSolvedAt: x.tokenTimes && x.tokenTimes.captchaAt > 0 ? x.tokenTimes.captchaAt : undefined,
      challengeSolvedAt: x.tokenTimes && x.tokenTimes.challengeAt > 0 ? x.tokenTimes.challengeAt : undefined,
    };
    x.inspected = inspected;
    let decision: WafDecision;
    try {
      decision = protection.acl.evaluate(inspected);
    } catch (e) {
      this.emit({ site: this.site.name, kind: 'engine-error', requestId: x.requestId, error: e as Error });
      if (this.site.failMode === 'open') this.forward(x, NO_HEADERS);
      else this.plain(x, 503, !x.ended);
      return;
    }
    x.decision = decision;
    switch (decision.action) {
      case 'ALLOW':
        this.forward(x, decision.insertHeaders);
        // Queued at the upstream gate: recorded when it leaves the queue, with the decision then.
        if (x.pending !== undefined) x.unrecorded = true;
        else this.record(x);
        return;
      default:
        this.respond(x, decision);
    }
  }

  /** Records and answers a BLOCK, CAPTCHA or CHALLENGE decision. */
  private respond(x: Exchange, decision: WafDecision): void {
    switch (decision.action) {
      case 'BLOCK': {
        const cr = decision.customResponse;
        x.responseCode = cr ? cr.statusCode : null;
        this.record(x);
        if (cr) this.custom(x, cr.statusCode, cr.headers, cr.body?.contentType ?? 'text/plain', cr.body?.content ?? '');
        else this.custom(x, 403, NO_HEADERS, 'text/html; charset=utf-8', BLOCK_BODY);
        return;
      }
      case 'CAPTCHA':
      case 'CHALLENGE': {
        const kind = decision.action === 'CAPTCHA' ? 'captcha' : 'challenge';
        const status = kind === 'captcha' ? 405 : 202;
        x.responseCode = status;
        this.record(x);
        const ch = this.services.challenge;
        const page = ch.page(kind, ch.issue(kind, x.clientIp, x.timeMs));
        this.custom(x, status, [['x-amzn-waf-action', kind], ['cache-control', 'no-store, max-age=0']], 'text/html; charset=utf-8', page);
        return;
      }
      default:
        return;
    }
  }

  /** Metrics, sampled requests and the log record of a decided request. */
  private record(x: Exchange): void {
    const p = x.protection as SiteProtection;
    const d = x.decision as WafDecision;
    const aclMetric = p.visibility?.MetricName ?? p.acl.name;
    const m = this.services.metrics;
    const rv = p.ruleVisibility;
    if (m !== undefined && p.visibility?.CloudWatchMetricsEnabled !== false) {
      m.inc(aclMetric, 'ALL', d.action);
      if (d.terminatingRuleId === 'Default_Action') m.inc(aclMetric, aclMetric, d.action);
    }
    const mm = d.metricMatches;
    if (m !== undefined) {
      for (let i = 0; i < mm.length; i++) {
        const r = mm[i] as WafDecision['metricMatches'][number];
        if (rv?.get(r.metricName)?.CloudWatchMetricsEnabled !== false) m.inc(aclMetric, r.metricName, r.action);
      }
    }
    const s = this.services.sampled;
    if (s !== undefined) {
      if (p.visibility?.SampledRequestsEnabled !== false) {
        x.sampleAction = d.action;
        s.offer(p.acl.arn, aclMetric, x.timeMs, buildSample, x);
      }
      for (let i = 0; i < mm.length; i++) {
        const r = mm[i] as WafDecision['metricMatches'][number];
        if (rv?.get(r.metricName)?.SampledRequestsEnabled === false) continue;
        x.sampleAction = r.action;
        s.offer(p.acl.arn, r.metricName, x.timeMs, buildSample, x);
      }
    }
    const logging = p.logging;
    const compiled = logging !== undefined && this.services.logWriter !== undefined ? compileLogging(logging) : undefined;
    const toBucket = compiled !== undefined && compiled.destinations.length > 0 && compiled.keep(d.action, d.nonTerminatingMatchingRules, d.ruleGroupList, d.labels);
    const toChannel = wafLogHasSubscribers();
    if (!toBucket && !toChannel) return;
    let record = this.logRecord(x);
    if (compiled !== undefined) record = redact(record, compiled);
    if (toBucket) (this.services.logWriter as WafLogWriter).write((compiled as NonNullable<typeof compiled>).destinations, p.acl.name, record);
    if (toChannel) publishWafLog({ record, webAclName: p.acl.name, siteName: this.site.name });
  }

  private logRecord(x: Exchange): WafLogRecord {
    const i = x.inspected as InspectedRequest;
    const d = x.decision as WafDecision;
    const p = x.protection as SiteProtection;
    const headers = new Array<{ name: string; value: string }>(i.headers.length);
    for (let k = 0; k < i.headers.length; k++) {
      const h = i.headers[k] as readonly [string, string];
      headers[k] = { name: h[0], value: h[1] };
    }
    const cr = tokenResponse(x, 'CAPTCHA');
    const chr = tokenResponse(x, 'CHALLENGE');
    return {
      timestamp: x.timeMs,
      formatVersion: 1,
      webaclId: p.acl.arn,
      terminatingRuleId: d.terminatingRuleId,
      terminatingRuleType: d.terminatingRuleType,
      action: d.action,
      terminatingRuleMatchDetails: d.terminatingRuleMatchDetails,
      httpSourceName: this.site.name,
      httpSourceId: this.arn,
      ruleGroupList: d.ruleGroupList,
      rateBasedRuleList: d.rateBasedRuleList,
      nonTerminatingMatchingRules: d.nonTerminatingMatchingRules,
      requestHeadersInserted: d.insertHeaders.length > 0 ? d.insertHeaders.map((h) => ({ name: h[0], value: h[1] })) : null,
      responseCodeSent: x.responseCode,
      httpRequest: {
        clientIp: i.clientIp,
        country: i.country ?? '-',
        headers,
        uri: i.uriPath,
        args: i.queryString,
        httpVersion: i.httpVersion,
        httpMethod: i.method,
        requestId: x.requestId,
        fragment: i.uriFragment,
        scheme: this.scheme,
        host: x.host,
      },
      ...(d.labels.length > 0 ? { labels: d.labels.map((l) => ({ name: l })) } : {}),
      ...(cr ? { captchaResponse: cr } : {}),
      ...(chr ? { challengeResponse: chr } : {}),
      ...(i.body.length > 0 || i.bodySize > 0 ? { requestBodySize: i.bodySize, requestBodySizeInspectedByWAF: i.body.length } : {}),
      ...(i.ja3 ? { ja3Fingerprint: i.ja3 } : {}),
      ...(i.ja4 ? { ja4Fingerprint: i.ja4 } : {}),
    };
  }

  /** Forwards the request upstream, streaming the rest of the body. */
  private forward(x: Exchange, insert: readonly (readonly [string, string])[]): void {
    if (x.done) return;
    const raw = x.req.rawHeaders;
    const out: string[] = [];
    const drop = x.connectionTokens;
    const ridName = this.requestIdHeader;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || lower.startsWith('proxy-') || lower === 'expect' || lower === ridName) continue;
      if (lower === 'x-forwarded-for' || lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
      if (drop !== undefined && drop.has(lower)) continue;
      out.push(name, raw[i + 1] as string);
    }
    out.push('x-forwarded-for', x.xff === '' ? x.peerIp : `${x.xff}, ${x.peerIp}`);
    out.push('x-forwarded-proto', this.trustedHops > 0 && x.xfProto !== '' ? x.xfProto : this.scheme);
    out.push('x-forwarded-host', this.trustedHops > 0 && x.xfHost !== '' ? x.xfHost : x.host);
    for (let i = 0; i < insert.length; i++) {
      const h = insert[i] as readonly [string, string];
      out.push(h[0], h[1]);
    }
    out.push(ridName, x.requestId);
    let body: Uint8Array | PassThrough | null = null;
    if (x.ended) {
      if (x.chunks.length === 1) body = x.chunks[0] as Buffer;
      else if (x.chunks.length > 1) body = Buffer.concat(x.chunks, x.received);
    } else {
      const pt = new PassThrough({ highWaterMark: 64 * 1024 });
      for (let i = 0; i < x.chunks.length; i++) pt.write(x.chunks[i]);
      x.body = pt;
      body = pt;
      x.req.pipe(pt);
    }
    x.chunks = [];
    const method = (x.req.method ?? 'GET') as Dispatcher.HttpMethod;
    const opts: Dispatcher.DispatchOptions = {
      path: x.query === '' ? x.path : `${x.path}?${x.query}`,
      method,
      headers: out,
      body,
      // The client decided whether a request may be retried; never replay a body twice.
      idempotent: false,
    };
    const gate = this.gate;
    if (gate !== undefined) {
      // Set before acquire: a queued waiter is live while `pending` is set.
      x.pending = opts;
      const r = gate.acquire(x, Date.now());
      if (r === 'queued') {
        if (proxyRequestChannel.hasSubscribers) {
          x.observed = true;
          proxyRequestChannel.publish(observation(x, true));
        }
        return;
      }
      x.pending = undefined;
      if (r === 'full') {
        if (x.body) x.body.destroy();
        this.shed(x);
        return;
      }
      x.slot = true;
    }
    this.dispatch(x, opts);
  }

  /** Sends the upstream request of an exchange that holds a slot (or when there is no gate). */
  dispatch(x: Exchange, opts: Dispatcher.DispatchOptions): void {
    try {
      this.pool.dispatch(opts, x);
    } catch (e) {
      this.releaseSlot(x);
      this.emit({ site: this.site.name, kind: 'upstream-error', requestId: x.requestId, status: 400, error: e as Error });
      this.plain(x, 400, true);
    }
  }

  /** Takes an exchange out of the gate's queue when its client went away (idempotent; no-op when not queued). */
  withdraw(x: Exchange): void {
    if (x.pending === undefined) return;
    x.pending = undefined;
    this.leaveQueue(x, false);
    (this.gate as UpstreamGate).withdraw();
  }

  /**
   * An allowed request leaves the gate's queue: about to be granted a slot (`evaluate`), granted,
   * timed out or withdrawn. About to be granted, and the site's web ACL changed while it waited
   * (Shield placed a mitigation rule, an operator updated the ACL), the request is evaluated again
   * by the ACL now in force and goes upstream only if that still allows it: otherwise it gets that
   * decision's response and the gate hands the slot to the next waiter, so a flood queued before a
   * mitigation does not keep reaching the upstream after it. The request's WAF record (metrics,
   * samples, log) is written here, once, with the decision applied. Returns true when the request
   * goes upstream.
   *
   * The second evaluation counts the request again in rate-based rules of the new ACL; only
   * requests queued across an ACL change are evaluated twice.
   */
  leaveQueue(x: Exchange, evaluate: boolean): boolean {
    if (!x.unrecorded) return true;
    x.unrecorded = false;
    const now = evaluate ? this.services.acls.forSite(this.site.name) : undefined;
    // The compiled web ACL's identity tells a change (providers may wrap the same one in a new object).
    if (now !== undefined && now.acl !== x.protection?.acl && x.inspected !== undefined) {
      let d: WafDecision | undefined;
      try {
        d = now.acl.evaluate(x.inspected);
      } catch (e) {
        this.emit({ site: this.site.name, kind: 'engine-error', requestId: x.requestId, error: e as Error });
      }
      if (d !== undefined && d.action !== 'ALLOW') {
        x.protection = now;
        x.decision = d;
        if (x.body) x.body.destroy();
        this.respond(x, d);
        return false;
      }
    }
    this.record(x);
    return true;
  }

  /** Returns an exchange's upstream slot (idempotent); `ok`: the upstream answered it successfully (the gate learns its source). */
  releaseSlot(x: Exchange, ok = false): void {
    if (!x.slot) return;
    x.slot = false;
    (this.gate as UpstreamGate).release(Date.now(), ok ? x.clientIp : undefined);
  }

  /** 503 + Retry-After: the upstream queue is full or the wait timed out. */
  shed(x: Exchange): void {
    this.plain(x, 503, true, this.site.limits.retryAfterSeconds);
  }

  /** Counts and publishes an oversize request body. */
  oversize(x: Exchange): void {
    this.guard?.oversize(x.peerIp);
  }

  /**
   * The response of an exchange closed: out of the gate's queue, deadline phase, observation. An
   * upstream slot is not returned here: undici still owns the request until it reports its end or
   * error (onResponseEnd/onResponseError, which follow the abort at once, or at onRequestStart).
   */
  finished(x: Exchange): void {
    this.withdraw(x);
    if (this.guard !== undefined) this.guard.endRequest(x.req.socket, Date.now());
    if (proxyRequestChannel.hasSubscribers && !x.observed) proxyRequestChannel.publish(observation(x, false));
  }

  /** A response generated by the proxy with a body. */
  private custom(x: Exchange, status: number, headers: readonly (readonly [string, string])[], contentType: string, content: string): void {
    const res = x.res;
    if (res.headersSent || res.destroyed) return;
    x.done = true;
    const out: string[] = [];
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as readonly [string, string];
      out.push(h[0], h[1]);
    }
    const buf = Buffer.from(content, 'utf8');
    out.push('content-type', contentType, 'content-length', String(buf.length), this.requestIdHeader, x.requestId);
    // An unread request body would have to be drained to reuse the connection: close it instead.
    if (!x.ended) res.shouldKeepAlive = false;
    res.writeHead(status, out);
    res.end(x.req.method === 'HEAD' ? undefined : buf);
  }

  /** A short plain-text error response (optionally closing the connection, optionally with Retry-After). */
  plain(x: Exchange, status: number, close: boolean, retryAfterSec?: number): void {
    const res = x.res;
    x.done = true;
    if (res.headersSent || res.destroyed) return;
    const text = `${status} ${STATUS_TEXT[status] ?? 'Error'}\n`;
    if (close || !x.ended) res.shouldKeepAlive = false;
    const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(text.length), this.requestIdHeader, x.requestId];
    if (retryAfterSec !== undefined) headers.push('retry-after', String(retryAfterSec));
    res.writeHead(status, headers);
    res.end(text);
  }

  private verifyEndpoint(x: Exchange): void {
    const req = x.req;
    if (req.method !== 'POST') {
      this.plain(x, 405, false);
      return;
    }
    if (x.contentLength > 2048 || x.chunked) {
      this.plain(x, 413, true);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 2048) chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      x.ended = true;
      let challenge = '';
      let nonce = '';
      try {
        const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { challenge?: unknown; nonce?: unknown };
        if (typeof j.challenge === 'string') challenge = j.challenge;
        if (typeof j.nonce === 'string') nonce = j.nonce;
      } catch {
        /* reported as MALFORMED below */
      }
      const now = Date.now();
      const tok = x.cookie !== '' ? cookieValue(x.cookie, TOKEN_COOKIE) : undefined;
      const current = tok !== undefined ? this.services.challenge.verifyToken(tok, x.clientIp, now) : undefined;
      const r = this.services.challenge.verify(challenge, nonce, x.clientIp, now, current, this.scheme === 'https');
      const body = JSON.stringify(r.ok ? { ok: true } : { ok: false, reason: r.reason });
      const headers: [string, string][] = [['cache-control', 'no-store']];
      if (r.ok) headers.push(['set-cookie', r.cookie]);
      this.custom(x, r.ok ? 200 : 403, headers, 'application/json', body);
    });
  }

  /** Closes the upstream pool (after the listener stopped). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
