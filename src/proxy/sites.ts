/**
 * Sites: the protected applications of the data plane. A site is a listener (HTTP, or HTTPS with
 * cert/key files) in front of one upstream origin. Sites come from the config file's `sites`
 * section and can be added or removed at runtime; this module validates their configuration and
 * names them (`arn:aws:bulwark:<region>:<account>:site/<name>`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ChallengeIssuer } from './challenge.js';
import { ConnectionGuard, LimitMetrics, siteLimitsSchema, upstreamGate } from './limits.js';
import { WafMetrics } from './metrics.js';
import { SiteProxy, type ProxyEvent } from './proxy.js';
import type { SampledRequests } from './sampled.js';
import { TlsFront } from './tls-front.js';
import type { AclProvider } from './types.js';
import type { WafLogWriter } from './waf-log.js';

/** Body inspection limits AWS allows (AssociationConfig RequestBodyInspectionLimit). */
export const BODY_INSPECTION_LIMITS = [8192, 16384, 32768, 49152, 65536] as const;

const LISTEN = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):)?(\d{1,5})$/;

/** One site as written in the config file. */
export const siteConfigSchema = z
  .object({
    /** Site name: letters, digits, '-' and '_' (it appears in the ARN and log file names). */
    name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'name must be 1-128 letters, digits, - or _'),
    /** `host:port`, `[v6]:port` or just `port` (loopback). */
    listen: z.union([z.string(), z.number().int()]).transform((v, ctx) => {
      const m = LISTEN.exec(String(v).trim());
      const port = m ? Number(m[3]) : NaN;
      if (!m || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `listen must be host:port or port, got '${v}'` });
        return z.NEVER;
      }
      return { host: (m[1] ?? m[2] ?? '127.0.0.1') as string, port };
    }),
    /** The origin, `http://host:port` or `https://host:port` (a path prefix is not supported). */
    upstream: z.string().transform((v, ctx) => {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: `upstream must be a URL, got '${v}'` });
        return z.NEVER;
      }
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== '') || u.search || u.username) {
        ctx.addIssue({ code: 'custom', message: `upstream must be http(s)://host[:port] with no path, got '${v}'` });
        return z.NEVER;
      }
      return u.origin;
    }),
    tls: z
      .object({
        cert: z.string().min(1),
        key: z.string().min(1),
        /** Read each ClientHello for the JA3/JA4 fingerprints (JA3Fingerprint/JA4Fingerprint rules, WAF logs). */
        fingerprints: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** What happens when the WAF engine fails: 'closed' answers 503, 'open' forwards. */
    failMode: z.enum(['closed', 'open']).default('closed'),
    /** X-Forwarded-For hops (proxies in front of this site) to trust for the client IP. */
    trustedProxyHops: z.number().int().min(0).max(32).default(0),
    bodyInspectionLimit: z.union(BODY_INSPECTION_LIMITS.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<8192>, z.ZodLiteral<16384>]).default(16384),
    /** Largest request body accepted (413 above); unlimited when absent. */
    maxBodyBytes: z.number().int().positive().optional(),
    /** Largest request header section in bytes (431 above). */
    maxHeaderBytes: z.number().int().min(1024).max(1024 * 1024).default(16384),
    /** Most request header fields (431 above). */
    maxHeaderCount: z.number().int().min(8).max(1000).default(100),
    /** Upstream timeouts (504 when reached). */
    upstreamConnectTimeoutMs: z.number().int().positive().default(5000),
    upstreamHeadersTimeoutMs: z.number().int().positive().default(60000),
    upstreamBodyTimeoutMs: z.number().int().positive().default(60000),
    /** Keep-alive connections to the upstream. */
    upstreamConnections: z.number().int().min(1).max(4096).default(128),
    /** The request id header added upstream and to responses. */
    requestIdHeader: z.string().regex(/^[a-z0-9-]+$/).default('x-request-id'),
    /** Always-on connection, deadline and backpressure limits (docs/proxy.md); defaults never hurt normal clients. */
    limits: siteLimitsSchema.prefault({}),
  })
  .strict();

/** A site's validated configuration (immutable). */
export type SiteConfig = Readonly<z.output<typeof siteConfigSchema>>;
/** A site as written in a config file, before defaults. */
export type SiteConfigInput = z.input<typeof siteConfigSchema>;

/** Validates the config file's `sites` section (undefined means none). Throws with every problem. */
export function parseSites(raw: unknown): SiteConfig[] {
  if (raw === undefined || raw === null) return [];
  const parsed = z.array(siteConfigSchema).safeParse(raw);
  if (!parsed.success) {
    throw new Error(`sites: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const seen = new Set<string>();
  const listens = new Set<string>();
  for (const s of parsed.data) {
    if (seen.has(s.name)) throw new Error(`sites: duplicate site name '${s.name}'`);
    seen.add(s.name);
    const l = `${s.listen.host}:${s.listen.port}`;
    if (s.listen.port !== 0 && listens.has(l)) throw new Error(`sites: two sites listen on ${l}`);
    listens.add(l);
  }
  return parsed.data.map((s) => Object.freeze(s));
}

/** Validates one site. */
export function parseSite(raw: unknown): SiteConfig {
  const parsed = siteConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`site: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return Object.freeze(parsed.data);
}

/** The ARN of a site. */
export function siteArn(region: string, accountId: string, name: string): string {
  return `arn:aws:bulwark:${region}:${accountId}:site/${name}`;
}

/** Construction options of {@link SiteManager}. */
export interface SiteManagerOptions {
  readonly region: string;
  readonly accountId: string;
  readonly acls: AclProvider;
  /** Issues and verifies challenge/CAPTCHA tokens (a new one with a random secret by default). */
  readonly challenge?: ChallengeIssuer;
  /** Registry for `bulwark_waf_requests_total` (no metrics when absent). */
  readonly registry?: Registry;
  readonly sampled?: SampledRequests;
  readonly logWriter?: WafLogWriter;
  readonly onEvent?: (event: ProxyEvent) => void;
  /** How long remove()/close() wait for in-flight requests before cutting connections (default 10 s). */
  readonly drainMs?: number;
}

/** A site that is listening. */
export interface RunningSite {
  readonly name: string;
  readonly arn: string;
  readonly config: SiteConfig;
  /** The bound address (the real port when the config said 0). */
  readonly address: { readonly host: string; readonly port: number };
}

interface Entry {
  readonly site: RunningSite;
  readonly server: http.Server;
  /** The listening socket: the server itself, or the TLS front that reads ClientHellos. */
  readonly listener: NetServer;
  readonly front: TlsFront | undefined;
  readonly proxy: SiteProxy;
  readonly guard: ConnectionGuard;
}

const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};

/** Starts and stops the listeners of sites; sites can be added and removed at runtime. */
export class SiteManager {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<string>();
  private readonly challenge: ChallengeIssuer;
  private readonly metrics: WafMetrics | undefined;
  private readonly limitMetrics: LimitMetrics | undefined;

  constructor(private readonly o: SiteManagerOptions) {
    this.challenge = o.challenge ?? new ChallengeIssuer();
    this.metrics = o.registry ? new WafMetrics(o.registry) : undefined;
    this.limitMetrics = o.registry ? new LimitMetrics(o.registry) : undefined;
  }

  /** The ARN of a site name in this node's account and region. */
  arnOf(name: string): string {
    return siteArn(this.o.region, this.o.accountId, name);
  }

  /** The running sites. */
  list(): RunningSite[] {
    return [...this.entries.values()].map((e) => e.site);
  }

  /** A running site by name. */
  get(name: string): RunningSite | undefined {
    return this.entries.get(name)?.site;
  }

  /** Starts every site of the config file's `sites` section. */
  async startAll(raw: unknown): Promise<RunningSite[]> {
    const sites = parseSites(raw);
    const out: RunningSite[] = [];
    try {
      for (const s of sites) out.push(await this.start(s));
    } catch (e) {
      await this.close();
      throw e;
    }
    return out;
  }

  /** Validates and starts one site. Throws if the name is taken or the listener cannot bind. */
  async add(raw: SiteConfigInput): Promise<RunningSite> {
    return this.start(parseSite(raw));
  }

  /** Starts one validated site. */
  private async start(config: SiteConfig): Promise<RunningSite> {
    if (this.entries.has(config.name) || this.pending.has(config.name)) throw new Error(`site '${config.name}' already exists`);
    this.pending.add(config.name);
    try {
      let tlsOptions: { cert: Buffer; key: Buffer } | undefined;
      if (config.tls) {
        try {
          tlsOptions = { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };
        } catch (e) {
          throw new Error(`site '${config.name}': cannot read TLS certificate or key: ${(e as Error).message}`);
        }
      }
      const arn = this.arnOf(config.name);
      const limits = config.limits;
      const guard = new ConnectionGuard(config.name, arn, limits, this.limitMetrics, tlsOptions !== undefined);
      const gate = upstreamGate(config.name, limits, this.limitMetrics, config.upstreamConnections);
      const proxy = new SiteProxy(config, arn, {
        acls: this.o.acls,
        challenge: this.challenge,
        ...(this.metrics ? { metrics: this.metrics } : {}),
        ...(this.o.sampled ? { sampled: this.o.sampled } : {}),
        ...(this.o.logWriter ? { logWriter: this.o.logWriter } : {}),
        ...(this.o.onEvent ? { onEvent: this.o.onEvent } : {}),
      }, tlsOptions !== undefined, guard, gate);
      // The guard enforces header/idle deadlines to the second; Node's own (checked every 30 s) stay as a backstop.
      const serverOptions: http.ServerOptions = {
        maxHeaderSize: config.maxHeaderBytes,
        requestTimeout: 300_000,
        headersTimeout: limits.headersTimeoutMs + 30_000,
        keepAliveTimeout: limits.idleTimeoutMs + 2_000,
        // insecureHTTPParser stays false: llhttp's strict mode refuses most smuggling attempts.
      };
      const server = tlsOptions
        ? https.createServer({ ...serverOptions, ...tlsOptions, handshakeTimeout: limits.headersTimeoutMs }, proxy.handle)
        : http.createServer(serverOptions, proxy.handle);
      // TLS sites with fingerprints: a TCP listener reads the ClientHello, then hands the socket to the HTTPS server.
      const front = tlsOptions !== undefined && config.tls?.fingerprints !== false ? new TlsFront(server as https.Server, guard) : undefined;
      if (front !== undefined) front.attach(gate);
      else guard.attach(server, gate);
      const listener: NetServer = front !== undefined ? front.server : server;
      // Node silently drops fields beyond maxHeadersCount; one more than the cap lets the proxy see the overflow.
      server.maxHeadersCount = config.maxHeaderCount + 1;
      const onEvent = this.o.onEvent;
      server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
        onEvent?.({ site: config.name, kind: 'client-error', error: err, detail: err.code });
        const inFlight = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
        // TLS errors (handshake timeout, OpenSSL errors) come before any HTTP can be spoken: an HTTP
        // answer there would wait forever for a handshake that never completes.
        const tlsError = err.code !== undefined && (err.code.startsWith('ERR_TLS_') || err.code.startsWith('ERR_SSL_'));
        if (err.code === 'ECONNRESET' || tlsError || !socket.writable || inFlight?.headersSent) {
          socket.destroy();
          return;
        }
        if (err.code === 'HPE_HEADER_OVERFLOW') guard.oversize((socket.remoteAddress ?? '').replace(/^::ffff:/, ''));
        const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        socket.destroySoon();
      });
      await new Promise<void>((resolve, reject) => {
        const onListenError = (err: Error): void => {
          guard.detach();
          reject(err);
        };
        listener.once('error', onListenError);
        listener.listen(config.listen.port, config.listen.host, () => {
          listener.removeListener('error', onListenError);
          resolve();
        });
      });
      listener.on('error', (err) => onEvent?.({ site: config.name, kind: 'client-error', error: err }));
      const a = listener.address() as AddressInfo;
      const site: RunningSite = Object.freeze({ name: config.name, arn, config, address: { host: a.address, port: a.port } });
      this.entries.set(config.name, { site, server, listener, front, proxy, guard });
      this.limitMetrics?.watch(config.name, guard, gate);
      return site;
    } finally {
      this.pending.delete(config.name);
    }
  }

  /** Stops a site: no new connections, in-flight requests finish (up to drainMs), pool closed. */
  async remove(name: string): Promise<boolean> {
    const e = this.entries.get(name);
    if (!e) return false;
    this.entries.delete(name);
    e.guard.detach();
    this.limitMetrics?.unwatch(name);
    const closed = new Promise<void>((resolve) => e.listener.close(() => resolve()));
    e.front?.close();
    e.server.closeIdleConnections();
    const timer = setTimeout(() => e.server.closeAllConnections(), this.o.drainMs ?? 10_000);
    timer.unref();
    await closed;
    clearTimeout(timer);
    await e.proxy.pool.destroy();
    return true;
  }

  /** Stops every site. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((n) => this.remove(n)));
  }
}
