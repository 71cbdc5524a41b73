/**
 * The API listener: one HTTP(S) endpoint that speaks AWS's wire protocols for every registered
 * service. Per request: read the body under a cap, identify service and operation (X-Amz-Target,
 * query Action, REST path), verify SigV4, check the credential scope matches, decode and validate
 * the input against the model, authorize with IAM policies, run the handler, encode the output or
 * the error per protocol, publish the API-call event and record metrics.
 *
 * Only this layer writes HTTP responses; services return values or throw AwsError.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { SigV4Verifier, authErrorForJsonProtocol, type SignedRequestParts } from '../auth/index.js';
import { AwsError, awsError, isAwsError, type AwsErrorCode } from '../errors/index.js';
import { apiCallHasSubscribers, eventIdAt, publishApiCall, type ApiCallEvent, type EventIdentity } from '../events/index.js';
import type { Principal } from '../iam/principal.js';
import { evaluate, type AuthzPrincipal, type CompiledPolicy, type ConditionContext } from '../iam/index.js';
import { globalConditionContext, requestTagsOf } from './condition-context.js';
import { credentialOf } from './credential.js';
import { LazyConditionContext, MergedConditionContext } from './lazy-context.js';
import { ApiMetrics } from './metrics.js';
import { ModelCodec, encodeError, parseFormBody } from './protocols/index.js';
import type { OperationHandler, Protocol, RequestContext, ServiceDefinition } from './service.js';

/** What the HTTP layer needs from the identity store (IamStore implements it). */
export interface IdentityProvider {
  resolveCredential(accessKeyId: string): Promise<
    | { secretAccessKey: string; sessionToken?: string; expiration?: Date; principal: Principal }
    | undefined
  >;
  policiesFor(principal: Principal): Promise<{ identity: CompiledPolicy[]; session: CompiledPolicy[]; boundary?: CompiledPolicy }>;
  /** Called after a request authenticated with a long-term access key (for GetAccessKeyLastUsed). */
  recordKeyUse?(accessKeyId: string, service: string, region: string): void;
}

/** The seal operations exposed on /_bulwark/* (implemented by the barrier's SealManager). */
export interface SealControl {
  status(): { initialized: boolean; sealed: boolean; type: string | null; threshold: number; shares: number; progress: number };
  /** status().sealed without building the status (asked on every request); optional. */
  sealed?(): boolean;
  /** Initializes a Shamir-sealed store; returns the shares and, if generated, root credentials. */
  init(opts: { shares: number; threshold: number }): Promise<{ shares: string[]; rootCredentials?: { accessKeyId: string; secretAccessKey: string } }>;
  submitUnsealShare(share: string): Promise<{ sealed: boolean; progress: number }>;
  seal(): Promise<void>;
  rekey(opts: { shares: number; threshold: number }, currentShares: string[]): Promise<{ shares: string[] }>;
}

/** An operator operation on /_bulwark/<name>: SigV4-signed (service 'bulwark') and authorized. */
export interface InternalOperation {
  /** IAM action checked for non-root callers, e.g. 'bulwark:FlushTrail'. */
  readonly action: string;
  /** Only the root user may call it. */
  readonly rootOnly?: boolean;
  /** Body cap for this operation (default 64 KiB). [guardduty: ingestion batches are larger] */
  readonly maxBodyBytes?: number;
  /** `caller`: the verified principal's account and the request's credential-scope region. [guardduty] */
  readonly handler: (body: Record<string, unknown>, caller: { readonly accountId: string; readonly region: string; readonly arn: string }) => Promise<unknown>;
  /** Called instead of `handler` with the verified body unparsed (its bytes may be moved away). [guardduty: parsed on the detection thread] */
  readonly rawHandler?: (raw: Buffer, caller: { readonly accountId: string; readonly region: string; readonly arn: string }) => Promise<unknown>;
}

/** Answers an unsigned GET/HEAD under a registered prefix; returns the status it sent. */
export type StaticHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<number>;

/** Receives each API-call event before the response is sent (the audit trail's durable sink). */
export type EventSink = (event: ApiCallEvent) => Promise<void>;

/** Construction options of the API server. */
export interface ApiServerOptions {
  readonly region: string;
  readonly accountId: string;
  readonly identities: IdentityProvider;
  readonly seal: SealControl;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly version: string;
  readonly storageKind: string;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Awaited before each response; when it throws, mutating calls fail closed. */
  readonly eventSink?: EventSink;
}

interface RegisteredService {
  readonly def: ServiceDefinition;
  readonly codec: ModelCodec;
  readonly protocol: Protocol;
  readonly signingName: string;
}

interface Route {
  readonly svc: RegisteredService;
  readonly op: string;
  readonly handler: OperationHandler | undefined;
  readonly pathParams?: Record<string, string>;
  readonly params?: URLSearchParams;
}

const READ_ONLY_EXACT = /^(Get|List|Describe|Simulate|Lookup|Check)/;
const JSON_CT = 'application/x-amz-json-1.1';
const FORM_CT = /^application\/x-www-form-urlencoded/i;

/** An encoded response (a string body is sent as UTF-8). */
interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** What dispatch() answers: the encoded response and the labels for metrics. */
class Dispatched {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: Buffer | string,
    readonly service: string,
    readonly operation: string,
  ) {}
}

/** Internal reasons a request fails before reaching a service (to pick the error protocol). */
class EarlyFailure {
  constructor(
    readonly protocol: Protocol,
    readonly error: AwsError,
    readonly service = 'unknown',
    readonly operation = 'unknown',
  ) {}
}

/** The API endpoint. Create, register services, then listen(). */
export class ApiServer {
  readonly metrics = new ApiMetrics();
  private readonly byTarget = new Map<string, RegisteredService>();
  /** X-Amz-Target values seen → their route (only valid targets: bounded by the models' operations). */
  private readonly targetRoutes = new Map<string, Route>();
  private readonly bySigningName = new Map<string, RegisteredService>();
  private readonly restServices: RegisteredService[] = [];
  private readonly verifier = new SigV4Verifier();
  private readonly server: http.Server;
  /** Requests being handled (close() waits until there are none): a count, not a set of promises with a finally each. */
  private active = 0;
  /** What close() waits on while requests are active; settled when `active` drops to 0. */
  private drained: { readonly promise: Promise<void>; resolve: () => void } | undefined;
  private readonly internalOps = new Map<string, InternalOperation>();
  // --- console --- unsigned static handlers (GET/HEAD only) by path prefix, e.g. the web console.
  private readonly statics: { prefix: string; handler: StaticHandler }[] = [];
  private readonly lookup: (akid: string) => ReturnType<IdentityProvider['resolveCredential']>;
  private closing = false;

  constructor(private readonly opts: ApiServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res);
    };
    const common: http.ServerOptions = {
      // Bound slow clients and header floods on the control plane too.
      requestTimeout: 60_000,
      headersTimeout: 20_000,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    };
    this.server = opts.tls
      ? https.createServer({ ...common, cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(common, handler);
    this.server.maxHeadersCount = 100;
    this.internalOps.set('/_bulwark/seal', {
      action: 'bulwark:Seal',
      rootOnly: true,
      handler: async () => {
        await this.opts.seal.seal();
        this.opts.logger.warn('sealed by operator request');
        return { sealed: true };
      },
    });
    // The identity store's cached credential object goes straight to the verifier and comes back
    // in VerifiedRequest.credential: one lookup per request, no copy.
    this.lookup = (akid) => this.opts.identities.resolveCredential(akid);
  }

  /** Registers a service's operations. Throws on duplicate targets or signing names. */
  register(def: ServiceDefinition): void {
    const codec = new ModelCodec(def.model);
    const protocol = codec.protocol;
    const signingName = def.signingName ?? def.model.metadata.signingName ?? def.name;
    for (const op of Object.keys(def.operations)) {
      if (!codec.hasOperation(op)) throw new Error(`service ${def.name}: operation ${op} is not in the model`);
    }
    const svc: RegisteredService = { def, codec, protocol, signingName };
    this.targetRoutes.clear();
    if (this.bySigningName.has(signingName)) throw new Error(`duplicate service signing name ${signingName}`);
    this.bySigningName.set(signingName, svc);
    if (protocol === 'json') {
      const prefix = def.model.metadata.targetPrefix;
      if (!prefix) throw new Error(`service ${def.name}: json protocol without targetPrefix`);
      this.byTarget.set(prefix, svc);
      // Smithy-based SDKs (JS v3) send the short form of namespaced prefixes: CloudTrail's
      // com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101 arrives as CloudTrail_20131101.
      const short = prefix.slice(prefix.lastIndexOf('.') + 1);
      if (short !== prefix) this.byTarget.set(short, svc);
    } else if (protocol === 'rest-json') {
      this.restServices.push(svc);
    }
  }

  /** Registers a signed operator operation at /_bulwark/<name> (POST, JSON body). */
  registerInternal(name: string, op: InternalOperation): void {
    this.internalOps.set(`/_bulwark/${name}`, op);
  }

  /** Serves GET/HEAD under `prefix` (the path itself or below it) before SigV4: for files that carry no secrets. */
  registerStatic(prefix: string, handler: StaticHandler): void {
    this.statics.push({ prefix, handler });
  }

  /** Starts listening; resolves with the bound address. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting connections and waits for in-flight requests to finish. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.active > 0) {
      if (this.drained === undefined) {
        let resolve = (): void => {};
        const promise = new Promise<void>((r) => (resolve = r));
        this.drained = { promise, resolve };
      }
      await this.drained.promise;
    }
    this.server.closeAllConnections();
    await closed;
  }

  /**
   * Every request starts here. An API request's body is read with callbacks and the rest runs in
   * respond(): no promise and await per request for the body (about 3 us of a request's CPU here).
   */
  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.active++;
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    const now = new Date();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    let st: { prefix: string; handler: StaticHandler } | undefined;
    if ((req.method === 'GET' || req.method === 'HEAD') && this.statics.length > 0) {
      for (const s of this.statics) {
        if (path === s.prefix || path.startsWith(s.prefix + '/')) {
          st = s;
          break;
        }
      }
    }
    if (st !== undefined || path.startsWith('/_bulwark/')) {
      void this.respond(req, res, path, query, st, requestId, now, started, 'json', EMPTY, undefined);
      return;
    }
    const guessed = guessProtocol(req.headers);
    readBody(req, this.opts.maxBodyBytes, (err, body) => {
      void this.respond(req, res, path, query, undefined, requestId, now, started, guessed, body, err);
    });
  }

  /** The rest of handle(): static and /_bulwark/ requests, or an API request once its body is read (or failed). */
  private async respond(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: string,
    st: { prefix: string; handler: StaticHandler } | undefined,
    requestId: string,
    now: Date,
    started: bigint,
    guessed: Protocol,
    body: Buffer,
    bodyError: unknown,
  ): Promise<void> {
    let service = 'unknown';
    let operation = 'unknown';
    let status = 500;
    try {
      if (st !== undefined) {
        service = 'static';
        operation = st.prefix;
        status = await st.handler(req, res);
        return;
      }
      if (path.startsWith('/_bulwark/')) {
        service = 'bulwark';
        operation = path.slice(10);
        status = await this.handleInternal(req, res, path, requestId);
        return;
      }
      if (bodyError !== undefined) {
        throw new EarlyFailure(guessed, isAwsError(bodyError) ? bodyError : awsError('SerializationException', 'Could not read request body'));
      }
      if (this.closing) res.setHeader('connection', 'close');
      const result = await this.dispatch(req, { method: req.method ?? 'GET', path, query, headers: signedHeadersOf(req), body }, requestId, now, guessed);
      service = result.service;
      operation = result.operation;
      status = result.status;
      res.writeHead(result.status, result.headers);
      res.end(result.body);
    } catch (e) {
      const f = e instanceof EarlyFailure ? e : new EarlyFailure('json', internalFailure(requestId));
      if (!(e instanceof EarlyFailure)) this.opts.logger.error({ err: e, requestId }, 'unhandled error');
      service = f.service;
      operation = f.operation;
      const out = encodeError(f.protocol, f.error, requestId);
      status = out.status;
      if (!res.headersSent) {
        if (f.error.status === 413) out.headers.connection = 'close';
        res.writeHead(out.status, out.headers);
        res.end(out.body);
      } else {
        res.destroy();
      }
    } finally {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (--this.active === 0 && this.drained !== undefined) {
        this.drained.resolve();
        this.drained = undefined;
      }
      this.metrics.observe(service, operation, status, secs);
    }
  }

  /** Routes, authenticates, authorizes and runs one API request; never throws. */
  private async dispatch(
    req: http.IncomingMessage,
    parts: SignedRequestParts,
    requestId: string,
    now: Date,
    guessed: Protocol,
  ): Promise<Dispatched> {
    const sourceIp = normalizeIp(req.socket.remoteAddress);
    const userAgent = headerString(req.headers['user-agent']);
    const secureTransport = this.opts.tls !== undefined;
    let route: Route | undefined;
    let protocol: Protocol = guessed;
    let principal: Principal | undefined;
    let accessKeyId: string | undefined;
    let authenticated = false;
    let input: Record<string, unknown> | undefined;
    const resources: { arn: string; type?: string }[] = [];
    let responseElements: Record<string, unknown> | null = null;
    let errorOut: AwsError | undefined;
    let out: Encoded | undefined;

    try {
      if (this.opts.seal.sealed ? this.opts.seal.sealed() : this.opts.seal.status().sealed) throw awsError('ServiceUnavailable', 'Bulwark is sealed; unseal it with `bulwark operator unseal`.');
      route = this.route(parts, protocol);
      protocol = route.svc.protocol;

      // Authenticate. Unauthenticated requests never reach service code.
      let verified;
      try {
        verified = await this.verifier.verify(parts, this.lookup, now);
      } catch (e) {
        const akid = (e as { accessKeyId?: unknown }).accessKeyId;
        if (typeof akid === 'string') accessKeyId = akid;
        throw e;
      }
      accessKeyId = verified.accessKeyId;
      principal = verified.credential.principal;
      if (verified.scope.service !== route.svc.signingName) {
        throw awsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${route.svc.signingName}'. `);
      }
      const globalService = route.svc.def.name === 'iam';
      if (verified.scope.region !== this.opts.region && !(globalService && verified.scope.region === 'us-east-1')) {
        throw awsError('SignatureDoesNotMatch', `Credential should be scoped to a valid region. `);
      }
      authenticated = true;
      if (!principal.temporary) this.opts.identities.recordKeyUse?.(accessKeyId, route.svc.signingName, verified.scope.region);
      if (!route.handler) {
        const u = route.svc.def.unimplementedError;
        if (u) throw awsError(u.code, u.message);
        throw unknownOperation(protocol, route.op);
      }

      input = this.decode(route, parts);
      const handler = route.handler;
      const ctx = this.context(route, principal, input, requestId, now, sourceIp, userAgent, secureTransport, resources);
      const authz = handler.authorization ?? 'identity';
      if (authz === 'identity') {
        const action = handler.action ?? `${route.svc.signingName}:${route.op}`;
        const targets = handler.resources ? handler.resources(input, ctx) : ['*'];
        for (const resource of targets) await ctx.authorize({ action, resource });
      }
      const output = (await handler.handler(input, ctx)) ?? {};
      out = this.encode(route, output, requestId);
      if (!handler.hideResponse && (this.opts.eventSink || apiCallHasSubscribers())) responseElements = route.svc.codec.redactOutput(route.op, output);
    } catch (e) {
      if (isAwsError(e)) errorOut = e;
      else {
        this.opts.logger.error({ err: e, requestId, service: route?.svc.def.name, operation: route?.op }, 'handler failed');
        errorOut = internalFailure(requestId);
      }
    }

    const svcName = route?.svc.def.name ?? 'unknown';
    const opName = route?.op ?? 'unknown';
    if (errorOut) {
      const wire = protocol === 'json' || protocol === 'rest-json' ? toJsonFlavour(errorOut) : errorOut;
      out = encodeError(protocol, wire, requestId, { xmlNamespace: route?.svc.def.model.metadata.xmlNamespace ?? 'https://iam.amazonaws.com/doc/2010-05-08/' });
    }
    const result = out as Encoded;

    // Publish the API-call event: every routed call, and failed authentication with a known key.
    if (route && (authenticated || accessKeyId !== undefined) && (this.opts.eventSink || apiCallHasSubscribers())) {
      const handler = route.handler;
      const event: ApiCallEvent = {
        time: now,
        requestId,
        eventId: eventIdAt(now.getTime()),
        identity: identityOf(principal, accessKeyId),
        sourceIp,
        userAgent,
        service: svcName,
        eventSource: route.svc.def.eventSource,
        operation: opName,
        region: this.opts.region,
        readOnly: handler?.readOnly ?? READ_ONLY_EXACT.test(opName),
        resources,
        requestParameters: input ? route.svc.codec.redactInput(route.op, input, handler?.redact) : null,
        responseElements: errorOut ? null : responseElements,
        ...(errorOut ? { errorCode: errorOut.code, errorMessage: errorOut.message } : {}),
        httpStatus: result.status,
        ...(secureTransport ? { tls: tlsDetails(req) } : {}),
        authenticated,
      };
      publishApiCall(event);
      if (this.opts.eventSink) {
        try {
          await this.opts.eventSink(event);
        } catch (e) {
          this.opts.logger.error({ err: e, requestId }, 'event sink failed');
          if (!event.readOnly && !errorOut) {
            const fail = awsError('ServiceUnavailable', 'The audit trail is unavailable; the request was not recorded.');
            const wire = protocol === 'query' ? fail : toJsonFlavour(fail);
            const o = encodeError(protocol, wire, requestId);
            return new Dispatched(o.status, o.headers, o.body, svcName, opName);
          }
        }
      }
    }
    return new Dispatched(result.status, result.headers, result.body, svcName, opName);
  }

  /** Identifies the service and operation, or throws the protocol's error. */
  private route(parts: SignedRequestParts, guessed: Protocol): Route {
    const target = headerString(parts.headers['x-amz-target']);
    if (target) {
      if (parts.method !== 'POST') throw awsError('UnknownOperationException', 'Only POST is supported for this API.');
      let r = this.targetRoutes.get(target);
      if (r === undefined) {
        const dot = target.lastIndexOf('.');
        const svc = dot > 0 ? this.byTarget.get(target.slice(0, dot)) : undefined;
        const op = dot > 0 ? target.slice(dot + 1) : '';
        if (!svc || !svc.codec.hasOperation(op)) throw awsError('UnknownOperationException', 'Unknown operation ' + target.slice(0, 128));
        r = { svc, op, handler: svc.def.operations[op] };
        this.targetRoutes.set(target, r);
      }
      const ct = headerString(parts.headers['content-type']);
      if (ct && !ct.startsWith('application/x-amz-json-1.') && !ct.startsWith('application/json')) {
        throw awsError('UnsupportedMediaType', `Unsupported Media Type: ${ct.slice(0, 64)}`);
      }
      return r;
    }
    if (guessed === 'query') {
      const params = parts.method === 'POST' ? parseFormBody(parts.body) : parseFormBody(Buffer.from(parts.query));
      const action = params.get('Action');
      if (!action) throw awsError('MissingAction', 'Missing Action');
      // IAM and STS share the form protocol: the credential scope names the service.
      const scopeService = credentialScopeService(parts);
      if (scopeService === undefined) throw awsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
      const svc = this.bySigningName.get(scopeService);
      if (!svc || svc.protocol !== 'query') {
        throw awsError('SignatureDoesNotMatch', `Credential should be scoped to correct service. `);
      }
      const version = params.get('Version');
      if (!svc.codec.hasOperation(action) || (version !== null && version !== svc.def.model.metadata.apiVersion)) {
        throw awsError('InvalidAction', `Could not find operation ${action.slice(0, 128)} for version ${(version ?? 'NO_VERSION_SPECIFIED').slice(0, 32)}`);
      }
      return { svc, op: action, handler: svc.def.operations[action], params };
    }
    for (const svc of this.restServices) {
      const m = svc.codec.matchRest(parts.method, parts.path);
      if (!m) continue;
      if ('methodNotAllowed' in m) throw awsError('MethodNotAllowed', 'The requested method is not allowed for this resource.');
      return { svc, op: m.op, handler: svc.def.operations[m.op], pathParams: m.pathParams };
    }
    if (!SigV4Verifier.hasAuth(parts)) throw awsError('MissingAuthenticationToken', 'Missing Authentication Token');
    throw awsError('UnknownOperationException', 'The requested operation is not recognized by any service.');
  }

  private decode(route: Route, parts: SignedRequestParts): Record<string, unknown> {
    const { codec } = route.svc;
    switch (route.svc.protocol) {
      case 'json':
        return codec.decodeJson(route.op, parts.body);
      case 'query':
        return codec.decodeQuery(route.op, route.params as URLSearchParams);
      case 'rest-json':
        return codec.decodeRest(route.op, {
          pathParams: route.pathParams ?? {},
          query: new URLSearchParams(parts.query),
          headers: parts.headers as Record<string, string | string[] | undefined>,
          body: parts.body,
        });
    }
  }

  private encode(route: Route, output: Record<string, unknown>, requestId: string): Encoded {
    const { codec } = route.svc;
    switch (route.svc.protocol) {
      case 'json':
        // A string body, as for query below: written with the header block, no Buffer copy first.
        return { status: 200, headers: { 'content-type': JSON_CT, 'x-amzn-requestid': requestId }, body: codec.encodeJsonText(route.op, output) };
      case 'query':
        // A string body: node:http writes it with the header block, no Buffer copy first.
        return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: codec.encodeQueryText(route.op, output, requestId) };
      case 'rest-json': {
        const r = codec.encodeRest(route.op, output);
        return { status: r.status, headers: { ...r.headers, 'x-amzn-requestid': requestId }, body: r.body };
      }
    }
  }

  private context(
    route: Route,
    principal: Principal,
    input: Record<string, unknown>,
    requestId: string,
    now: Date,
    sourceIp: string,
    userAgent: string,
    secureTransport: boolean,
    resources: { arn: string; type?: string }[],
  ): RequestContext {
    return new ApiRequestContext(this.opts, route, principal, input, requestId, now, sourceIp, userAgent, secureTransport, resources);
  }

  /** /_bulwark/health, /metrics, /seal-status, /init, /unseal, /seal, /rekey. */
  private async handleInternal(req: http.IncomingMessage, res: http.ServerResponse, path: string, requestId: string): Promise<number> {
    const send = (status: number, body: unknown, contentType = 'application/json'): number => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId, 'cache-control': 'no-store' });
      res.end(text);
      return status;
    };
    const method = req.method ?? 'GET';
    const st = this.opts.seal.status();
    if (path === '/_bulwark/health' && (method === 'GET' || method === 'HEAD')) {
      return send(200, {
        status: st.sealed ? 'sealed' : this.closing ? 'draining' : 'ok',
        sealed: st.sealed,
        initialized: st.initialized,
        version: this.opts.version,
        storage: this.opts.storageKind,
        region: this.opts.region,
        accountId: this.opts.accountId,
      });
    }
    if (path === '/_bulwark/metrics' && method === 'GET') {
      return send(200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
    }
    if (path === '/_bulwark/seal-status' && method === 'GET') return send(200, st);
    if (method !== 'POST') return send(404, { __type: 'NotFound', message: 'Not found' });
    let raw: Buffer;
    try {
      raw = await readBodyAsync(req, this.internalOps.get(path)?.maxBodyBytes ?? 64 * 1024); // guardduty: per-operation cap
    } catch (e) {
      if (isAwsError(e) && e.status === 413) {
        res.setHeader('connection', 'close');
        return send(413, { __type: e.code, message: e.message });
      }
      return send(400, { __type: 'SerializationException', message: 'Could not read request body' });
    }
    const badBody = (): number => send(400, { __type: 'SerializationException', message: 'Body must be a JSON object' });
    // Signed operations parse their body only once the signature is verified (an unauthenticated
    // client must not make the server parse megabytes of JSON); the seal operations are unsigned.
    const body = path === '/_bulwark/init' || path === '/_bulwark/unseal' || path === '/_bulwark/rekey' ? jsonObject(raw) : undefined;
    try {
      switch (path) {
        case '/_bulwark/init': {
          if (body === undefined) return badBody();
          const shares = Number(body.shares ?? body.secret_shares);
          const threshold = Number(body.threshold ?? body.secret_threshold);
          return send(200, await this.opts.seal.init({ shares, threshold }));
        }
        case '/_bulwark/unseal': {
          if (body === undefined) return badBody();
          if (typeof body.key !== 'string') return send(400, { __type: 'ValidationException', message: "'key' (one unseal share) is required" });
          return send(200, await this.opts.seal.submitUnsealShare(body.key));
        }
        case '/_bulwark/rekey': {
          if (body === undefined) return badBody();
          const current = body.currentShares;
          if (!Array.isArray(current) || !current.every((s) => typeof s === 'string')) {
            return send(400, { __type: 'ValidationException', message: "'currentShares' (a threshold of current unseal shares) is required" });
          }
          return send(200, await this.opts.seal.rekey({ shares: Number(body.shares), threshold: Number(body.threshold) }, current as string[]));
        }
        default: {
          const op = this.internalOps.get(path);
          if (!op) return send(404, { __type: 'NotFound', message: 'Not found' });
          if (st.sealed) return send(503, { __type: 'ServiceUnavailable', message: 'Bulwark is sealed' });
          // Signed with SigV4 (credential scope service 'bulwark') and authorized like an API call.
          const url = req.url ?? '/';
          const q = url.indexOf('?');
          const verified = await this.verifier.verify(
            { method, path, query: q === -1 ? '' : url.slice(q + 1), headers: req.headersDistinct, body: raw },
            this.lookup,
            new Date(),
          );
          const cred = verified.credential;
          if (verified.scope.service !== 'bulwark') {
            return send(403, { __type: 'AccessDeniedException', message: "Sign requests to /_bulwark/ with the service name 'bulwark'" });
          }
          const p = cred.principal;
          if (p.type !== 'Root') {
            const policies = op.rootOnly ? undefined : await this.opts.identities.policiesFor(p);
            const decision = policies
              ? evaluate(
                  { identityPolicies: policies.identity, sessionPolicies: policies.session, ...(policies.boundary ? { permissionsBoundary: policies.boundary } : {}) },
                  {
                    principal: { type: p.type, accountId: p.accountId, arn: p.arn, ...(p.roleArn ? { roleArn: p.roleArn } : {}) },
                    action: op.action,
                    resource: '*',
                    context: globalConditionContext({ principal: p, sourceIp: normalizeIp(req.socket.remoteAddress), now: new Date(), secureTransport: this.opts.tls !== undefined, region: this.opts.region, userAgent: headerString(req.headers['user-agent']) }),
                  },
                ).decision
              : 'implicitDeny';
            if (decision !== 'allowed') {
              return send(403, { __type: 'AccessDeniedException', message: `User: ${p.arn} is not authorized to perform: ${op.action}` });
            }
          }
          if (op.rawHandler) return send(200, await op.rawHandler(raw, { accountId: p.accountId, region: verified.scope.region, arn: p.arn }));
          const input = jsonObject(raw);
          if (input === undefined) return badBody();
          return send(200, await op.handler(input, { accountId: p.accountId, region: verified.scope.region, arn: p.arn })); // guardduty: caller
        }
      }
    } catch (e) {
      if (isAwsError(e)) return send(e.status, { __type: e.code, message: e.message });
      const message = e instanceof Error ? e.message : 'failed';
      return send(400, { __type: 'ValidationException', message });
    }
  }
}

/** One request's RequestContext: a class rather than an object of closures, built per request. */
class ApiRequestContext implements RequestContext {
  readonly region: string;
  readonly accountId: string;
  readonly service: string;
  readonly operation: string;
  /** Built on first read: requests whose policies read no condition key never pay for it. */
  private global: GlobalConditionContext | undefined;
  /** The caller as the policy engine sees it; one per request, however many checks it makes. */
  private authzPrincipal: AuthzPrincipal | undefined;

  constructor(
    private readonly opts: ApiServerOptions,
    route: Route,
    readonly principal: Principal,
    readonly input: Record<string, unknown>,
    readonly requestId: string,
    readonly now: Date,
    readonly sourceIp: string,
    readonly userAgent: string,
    readonly secureTransport: boolean,
    private readonly resources: { arn: string; type?: string }[],
  ) {
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.service = route.svc.def.name;
    this.operation = route.op;
    this.protocol = route.svc.protocol;
  }

  private readonly protocol: Protocol;

  get conditionContext(): ConditionContext {
    return (this.global ??= new GlobalConditionContext(this));
  }

  async authorize(req: Parameters<RequestContext['authorize']>[0]): Promise<void> {
    const principal = this.principal;
    // The root user is allowed everything its account owns, unless a resource policy denies.
    if (principal.type === 'Root' && !req.resourcePolicy) return;
    const policies = await this.opts.identities.policiesFor(principal);
    // Service keys are set over the global ones (the same entries as copying and setting, built only if read).
    const context: ConditionContext = req.context ? new MergedConditionContext(this.conditionContext, req.context) : this.conditionContext;
    const authzPrincipal = (this.authzPrincipal ??= {
      type: principal.type,
      accountId: principal.accountId,
      arn: principal.arn,
      ...(principal.roleArn ? { roleArn: principal.roleArn } : {}),
    });
    const decision = evaluate(
      {
        identityPolicies: policies.identity,
        resourcePolicy: req.resourcePolicy || undefined,
        requireResourcePolicy: !!req.requireResourcePolicy,
        sessionPolicies: policies.session,
        permissionsBoundary: policies.boundary || undefined,
      },
      { principal: authzPrincipal, action: req.action, resource: req.resource, context },
    );
    if (decision.decision === 'allowed') return;
    const why =
      decision.decision === 'explicitDeny'
        ? `with an explicit deny in ${req.resourcePolicy && decision.matched.some((m) => m.source === req.resourcePolicy?.source && m.effect === 'Deny') ? 'a resource-based policy' : 'an identity-based policy'}`
        : req.resourcePolicy
          ? 'because no resource-based policy allows the ' + req.action + ' action'
          : 'because no identity-based policy allows the ' + req.action + ' action';
    throw awsError(
      this.protocol === 'query' ? 'AccessDenied' : 'AccessDeniedException',
      `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource} ${why}`,
    );
  }

  addResource(arn: string, type?: string): void {
    this.resources.push(type ? { arn, type } : { arn });
  }
}

/** The global condition keys of one request (aws:SourceIp, aws:CurrentTime, request tags, ...), built on first read. */
class GlobalConditionContext extends LazyConditionContext {
  constructor(private readonly ctx: ApiRequestContext) {
    super();
  }

  protected build(): Map<string, string | readonly string[]> {
    const c = this.ctx;
    const requestTags = requestTagsOf(c.input);
    return globalConditionContext({
      principal: c.principal,
      sourceIp: c.sourceIp,
      now: c.now,
      secureTransport: c.secureTransport,
      region: c.region,
      userAgent: c.userAgent,
      ...(requestTags ? { requestTags } : {}),
    });
  }
}

/**
 * Reads a request body and calls `done` once: with the bytes, or with an error (413 once it passes
 * `limit` bytes, or the stream's error). Event-based with a callback: cheaper than an async
 * iterator or a promise per request.
 */
function readBody(req: http.IncomingMessage, limit: number, done: (err: unknown, body: Buffer) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    done(awsError('RequestEntityTooLarge', `Request body exceeds the ${limit} byte limit`), EMPTY);
    return;
  }
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let finished = false;
  const onData = (b: Buffer): void => {
    size += b.length;
    if (size > limit) {
      req.off('data', onData);
      req.resume();
      if (!finished) {
        finished = true;
        done(awsError('RequestEntityTooLarge', `Request body exceeds the ${limit} byte limit`), EMPTY);
      }
      return;
    }
    if (first === undefined) first = b;
    else (chunks ??= [first]).push(b);
  };
  req.on('data', onData);
  // `on`, not `once`: 'end' comes once anyway and `finished` ignores a late 'error' (once() wraps
  // every listener in a closure of its own).
  req.on('end', () => {
    if (finished) return;
    finished = true;
    done(undefined, chunks ? Buffer.concat(chunks, size) : (first ?? EMPTY));
  });
  req.on('error', (e: unknown) => {
    if (finished) return;
    finished = true;
    done(e ?? new Error('request stream failed'), EMPTY);
  });
}

/** readBody as a promise (the /_bulwark/ operations, which are not on the API path). */
function readBodyAsync(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => readBody(req, limit, (err, body) => (err === undefined ? resolve(body) : reject(err))));
}

const EMPTY = Buffer.alloc(0);

/** A JSON object body (an empty body is `{}`), or undefined when it is not one. */
function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function guessProtocol(headers: http.IncomingHttpHeaders): Protocol {
  if (headers['x-amz-target'] !== undefined) return 'json';
  const ct = headerString(headers['content-type']);
  if (FORM_CT.test(ct)) return 'query';
  return 'rest-json';
}

function headerString(v: string | string[] | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * The request headers for SigV4 and the codecs: every value as received, repeated headers kept
 * apart. node:http has already built `req.headers` (it checks Host and Expect); when no header name repeats,
 * each of its values is the one raw value, which is all `headersDistinct` would hold (as a
 * one-element list), so the second object is built only for requests that repeat a header.
 */
function signedHeadersOf(req: http.IncomingMessage): SignedRequestParts['headers'] {
  const h = req.headers;
  let n = 0;
  for (const k in h) if (Object.hasOwn(h, k)) n++;
  return n * 2 === req.rawHeaders.length ? h : req.headersDistinct;
}

let lastScopeCred: string | undefined;
let lastScopeService: string | undefined;

/** The service named in the request's SigV4 credential scope, if any (no verification). */
function credentialScopeService(parts: SignedRequestParts): string | undefined {
  const auth = headerString(parts.headers.authorization);
  let cred: string | undefined;
  if (auth) {
    cred = credentialOf(auth);
    // A client repeats its Credential value: the last one's service is kept.
    if (cred !== undefined && cred === lastScopeCred) return lastScopeService;
  } else if (parts.query.includes('X-Amz-Credential=')) {
    const v = new URLSearchParams(parts.query).get('X-Amz-Credential');
    cred = v ?? undefined;
  }
  if (!cred) return undefined;
  const segs = cred.split('/');
  const service = segs.length >= 5 ? segs[segs.length - 2] : undefined;
  if (auth) {
    lastScopeCred = cred;
    lastScopeService = service;
  }
  return service;
}

function normalizeIp(addr: string | undefined): string {
  if (!addr) return '0.0.0.0';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

function internalFailure(requestId: string): AwsError {
  return awsError('InternalFailure', `An internal error occurred. Request ID: ${requestId}`);
}

function unknownOperation(protocol: Protocol, op: string): AwsError {
  return protocol === 'query'
    ? awsError('InvalidAction', `The action ${op} is not valid for this web service.`)
    : awsError('UnknownOperationException', `Operation ${op} is not supported.`);
}

const JSON_FLAVOUR: Partial<Record<AwsErrorCode, AwsErrorCode>> = {
  AccessDenied: 'AccessDeniedException',
  ValidationError: 'ValidationException',
  ServiceUnavailable: 'ServiceUnavailableException',
};

/** Maps query-protocol spellings of shared errors to what JSON-protocol services return. */
function toJsonFlavour(e: AwsError): AwsError {
  const auth = authErrorForJsonProtocol(e.code);
  const code = auth ?? JSON_FLAVOUR[e.code];
  return code && code !== e.code ? new AwsError(code, e.message, e.fields as Record<string, unknown> | undefined) : e;
}

/** Event identities by principal: the credential store hands out one immutable Principal per key, so each is built once. */
const identities = new WeakMap<Principal, EventIdentity>();

function identityOf(p: Principal | undefined, accessKeyId: string | undefined): EventIdentity {
  if (!p) return { type: 'Unknown', ...(accessKeyId ? { accessKeyId } : {}) };
  let id = identities.get(p);
  if (id === undefined) {
    id = principalIdentity(p);
    identities.set(p, id);
  }
  return id;
}

function principalIdentity(p: Principal): EventIdentity {
  return {
    type: p.type,
    accountId: p.accountId,
    arn: p.arn,
    principalId: p.principalId,
    accessKeyId: p.accessKeyId,
    ...(p.userName ? { userName: p.userName } : {}),
    ...(p.roleArn ? { roleArn: p.roleArn } : {}),
    ...(p.roleName ? { roleName: p.roleName } : {}),
    ...(p.sessionName ? { sessionName: p.sessionName } : {}),
    temporary: p.temporary,
    ...(p.tokenIssueTime ? { tokenIssueTime: p.tokenIssueTime.toISOString() } : {}),
    ...(p.mfaPresent !== undefined ? { mfaPresent: p.mfaPresent } : {}),
  };
}

function tlsDetails(req: http.IncomingMessage): { version: string; cipherSuite: string; clientProvidedHostHeader: string } {
  const sock = req.socket as TLSSocket;
  return {
    version: sock.getProtocol?.() ?? 'unknown',
    cipherSuite: sock.getCipher?.()?.standardName ?? 'unknown',
    clientProvidedHostHeader: headerString(req.headers.host),
  };
}
