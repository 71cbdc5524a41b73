/**
 * The composition root: the one place that picks a physical backend, wires the barrier and seal,
 * the identity store, the services and the API listener together, and owns their lifecycle.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AuditTrail, defaultBucketsRoot } from './audit/index.js';
import { SealManager } from './barrier/index.js';
import type { BulwarkConfig } from './config/index.js';
import { ApiServer, type EventSink, type IdentityProvider, type SealControl } from './http/index.js';
import { IamStore, iamService } from './iam/index.js';
import { kmsService } from './kms/index.js';
import { KeyStore } from './kms/keystore/index.js';
import type { Principal } from './iam/principal.js';
import { SampledRequests, SiteManager, siteArn, WafLogWriter, type RunningSite } from './proxy/index.js';
import { RateHub } from './proxy/workers.js';
import { startDataPlaneWorkers, type DataPlaneWorkers } from './data-plane.js'; // --- data-plane workers ---
import { openPhysicalBackend } from './storage/index.js';
import { WafConfigStore, wafv2Service } from './waf/api/index.js';
import { configureIpLists, RedisRateCounter, reverseDnsBotVerifier, setBotVerifier, WafRuntime } from './waf/index.js';
import type { PhysicalBackend } from './storage/types.js';
import { stsService } from './sts/index.js';
import { MitigationPlacer, ShieldController, ShieldStore, parseShieldSettings, shieldService } from './shield/index.js'; // --- shield (Shield Advanced) ---
import { CONSOLE_PREFIX, consoleHandler } from './console/index.js'; // --- console ---
import { publishApiCall } from './events/index.js'; // --- posture ---
import { PostureService, createPostureSources } from './posture/index.js'; // --- posture ---
import { GuardDuty, LiveSources, Responder, guardDutyService, parseGuardDutyConfig, registerIngestEndpoints, type ActionRecord } from './detector/index.js'; // --- guardduty ---
import { DetectionEngine, findingTypeInfo, findingTypes } from './detector/detections/index.js'; // --- guardduty ---

import { VERSION } from './version.js';

export { VERSION };

/** Root credentials, shown once when generated. */
export interface RootCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A running Bulwark node. */
export interface RunningBulwark {
  /** The API endpoint, e.g. http://127.0.0.1:4599 */
  readonly endpoint: string;
  readonly config: BulwarkConfig;
  /** Set when this start generated the root user's access key. */
  readonly generatedRootCredentials?: RootCredentials;
  /** True when the store is sealed (shamir mode waiting for unseal shares). */
  sealed(): boolean;
  /** Graceful stop: refuse new connections, finish in-flight requests, close storage. */
  close(): Promise<void>;
}

/** Options that tests and the CLI set beyond the configuration. */
export interface StartOptions {
  readonly logger?: Logger;
  /** Called with human-readable start-up lines (the CLI prints them). */
  readonly print?: (line: string) => void;
  readonly eventSink?: EventSink;
}

/**
 * Identity store that exists only while unsealed: created at unseal, dropped at seal so no cached
 * secret outlives the seal.
 */
class UnsealedIdentities implements IdentityProvider {
  active = false;
  constructor(readonly store: IamStore) {}

  // Not async functions: the store's own promise is returned as is (no extra promise per lookup,
  // and these run on every request).
  resolveCredential(accessKeyId: string): ReturnType<IamStore['resolveCredential']> {
    return this.active ? this.store.resolveCredential(accessKeyId) : Promise.resolve(undefined);
  }

  policiesFor(principal: Principal): ReturnType<IamStore['policiesFor']> {
    if (!this.active) return Promise.resolve({ identity: [], session: [] });
    return this.store.policiesFor(principal);
  }

  recordKeyUse(accessKeyId: string, service: string, region: string): void {
    if (this.active) this.store.recordAccessKeyUse(accessKeyId, service, region);
  }
}

/** Starts a node from a resolved configuration. */
export async function startBulwark(config: BulwarkConfig, opts: StartOptions = {}): Promise<RunningBulwark> {
  const logger = opts.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  const print = opts.print ?? ((): void => {});
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const physical: PhysicalBackend = await openPhysicalBackend({ storage: config.storage, dataDir: config.dataDir });
  const seal = new SealManager(physical, { dataDir: config.dataDir });
  await seal.load();
  const store = new IamStore(seal.barrier, { accountId: config.accountId });
  // The audit trail: every API call's CloudTrail record is durable before the call is answered.
  const audit = new AuditTrail({
    kv: seal.barrier,
    accountId: config.accountId,
    region: config.region,
    bucketsRoot: config.bucketsRoot ?? defaultBucketsRoot(config.dataDir),
    retentionDays: config.auditRetentionDays,
    ...(config.auditDeliveryIntervalMs !== undefined ? { deliveryIntervalMs: config.auditDeliveryIntervalMs } : {}),
    onError: (e, what) => logger.error({ err: e }, `audit ${what} failed`),
  });
  // The WAF: wafv2 configuration (control plane) → compiled web ACLs → sites (data plane).
  const bucketsRoot = config.bucketsRoot ?? defaultBucketsRoot(config.dataDir);
  const wafStore = new WafConfigStore(seal.barrier);
  const sampled = new SampledRequests();
  const wafLogs = new WafLogWriter({ bucketsRoot, accountId: config.accountId, region: config.region });
  // The site manager starts after the API listener; the runtime reaches it through this holder.
  const siteHolder: { manager?: SiteManager; workers?: DataPlaneWorkers } = {};
  // --- data-plane workers --- with --data-plane-workers N the sites run in worker processes (src/data-plane.ts).
  const siteList = (): RunningSite[] => siteHolder.manager?.list() ?? siteHolder.workers?.sites() ?? [];
  // --- shield (shared rate counters) --- with --redis, rate-based counts are shared by every node.
  const redisCounter = config.redisUrl ? new RedisRateCounter({ url: config.redisUrl, logger }) : undefined;
  // --- data-plane workers --- the workers' rate-based counts meet in the primary's hub (with Redis, a mirror
  // of them): the primary serves no traffic, the hub is what GetRateBasedStatementManagedKeys reads.
  const rateHub = (config.dataPlaneWorkers ?? 0) > 0 ? new RateHub() : undefined;
  const rateCounter = rateHub ?? redisCounter;
  const waf = new WafRuntime({
    ...(rateCounter ? { rateCounter } : {}),
    store: wafStore,
    sampled,
    siteArn: (name) => siteArn(config.region, config.accountId, name),
    sites: () => siteList().map((s) => ({ name: s.name, arn: s.arn })),
    logger,
  });
  // --- shield (Shield Advanced) --- detection + automatic mitigation in the sites' web ACLs; the API is registered below.
  const shieldSettings = parseShieldSettings(config.file.shield);
  const shieldStore = new ShieldStore(seal.barrier);
  const shield = new ShieldController({
    store: shieldStore,
    placer: new MitigationPlacer({ store: wafStore, validateWebAcl: waf.hooks().validateWebAcl, accountId: config.accountId, region: config.region }),
    logger,
    siteArn: (name) => siteArn(config.region, config.accountId, name),
    ...shieldSettings,
  });
  // --- end shield (Shield Advanced) ---
  // --- guardduty --- threat detection over live API calls, WAF logs, Shield events and ingested logs.
  const gdConfig = parseGuardDutyConfig(config.file.guardduty);
  const guardduty = new GuardDuty({
    kv: seal.barrier,
    accountId: config.accountId,
    region: config.region,
    bucketsRoot,
    engine: (ctx) => new DetectionEngine(ctx, { ...(gdConfig.rules ? { extraRules: gdConfig.rules } : {}) }),
    // Detection (and ingestion parsing) on a thread of its own: the API thread keeps HTTP, SigV4 and findings.
    engineThread: { ...(gdConfig.rules ? { extraRules: gdConfig.rules } : {}) },
    typeInfo: findingTypeInfo,
    knownTypes: () => findingTypes,
    ...(gdConfig.retentionDays !== undefined ? { retentionDays: gdConfig.retentionDays } : {}),
    ...(gdConfig.publishIntervalSeconds !== undefined ? { publishIntervalMs: gdConfig.publishIntervalSeconds * 1000 } : {}),
    onError: (e, what) => logger.error({ err: e }, `guardduty ${what} failed`),
  });
  const gdLive = new LiveSources(guardduty, config.accountId, config.region);
  const gdResponder = new Responder({
    gd: guardduty,
    rules: gdConfig.response ?? [],
    accountId: config.accountId,
    region: config.region,
    waf: wafStore,
    iam: store,
    // Automated actions are audited as records made by the AWSService guardduty.amazonaws.com.
    audit: (r: ActionRecord) => {
      const ms = Date.parse(r.eventTime);
      const rec = r as unknown as Parameters<typeof audit.events.append>[0];
      return audit.events.append(rec, JSON.stringify(r), ms, audit.delivery.targetsFor(rec, ms));
    },
    onError: (e, what) => logger.error({ err: e }, `guardduty ${what} failed`),
  });
  // --- end guardduty ---
  // The IP lists of the AmazonIpReputationList / AnonymousIpList / Bot Control groups: files in
  // <data-dir>/ip-lists (or BULWARK_IP_LISTS_DIR; scripts/update-ip-lists.mjs fills it), reloaded on change.
  configureIpLists({ dir: process.env.BULWARK_IP_LISTS_DIR || join(config.dataDir, 'ip-lists'), watch: true });
  // Bot Control verifies bots claiming a search engine by reverse + forward DNS, as AWS does.
  setBotVerifier(reverseDnsBotVerifier());
  const identities = new UnsealedIdentities(store);
  let generated: RootCredentials | undefined;

  /** After every unseal: load identities and make sure the root user has an access key. */
  const onUnsealed = async (): Promise<RootCredentials | undefined> => {
    await store.load();
    await audit.load();
    await waf.load();
    await shield.start(); // --- shield (Shield Advanced) ---
    await guardduty.load(); // --- guardduty ---
    const given =
      config.rootAccessKeyId && config.rootSecretAccessKey
        ? { accessKeyId: config.rootAccessKeyId, secretAccessKey: config.rootSecretAccessKey }
        : undefined;
    const root = await store.ensureRootAccessKey(given);
    identities.active = true;
    if (root.created && !given) {
      const file = join(config.dataDir, 'root-credentials');
      writeFileSync(
        file,
        `[default]\naws_access_key_id = ${root.accessKeyId}\naws_secret_access_key = ${root.secretAccessKey}\n`,
        { mode: 0o600 },
      );
      chmodSync(file, 0o600);
      return { accessKeyId: root.accessKeyId, secretAccessKey: root.secretAccessKey };
    }
    return undefined;
  };

  let st = seal.status();
  if (!st.initialized && config.seal === 'dev') {
    await seal.initDev();
    logger.warn('dev seal: the unseal key is stored in the data directory; use --seal shamir in production');
  } else if (st.initialized && st.type === 'dev') {
    if (config.seal === 'shamir') logger.warn('this data directory was initialized with the dev seal; it stays dev');
    const r = await seal.autoUnsealDev();
    for (const w of r.warnings) logger.warn(w);
    logger.warn('dev seal: auto-unsealed from the key file in the data directory');
  } else if (st.initialized && st.type === 'shamir' && config.unsealKey) {
    await seal.unsealWithShares(config.unsealKey.split(',').map((s) => s.trim()).filter(Boolean));
  }
  st = seal.status();
  if (!st.sealed) generated = await onUnsealed();

  const sealControl: SealControl = {
    status: () => seal.status(),
    sealed: () => seal.barrier.sealed,
    async init({ shares, threshold }) {
      const r = await seal.init({ shares, threshold });
      await seal.unsealWithShares(r.shares.slice(0, threshold));
      const creds = await onUnsealed();
      return { shares: r.shares, ...(creds ? { rootCredentials: creds } : {}) };
    },
    async submitUnsealShare(share) {
      const r = await seal.submitUnsealShare(share);
      if (!r.sealed && !identities.active) await onUnsealed();
      return r;
    },
    async seal() {
      identities.active = false;
      audit.unload();
      await guardduty.unload(); // --- guardduty ---
      await shield.stop(); // --- shield (Shield Advanced) ---
      shieldStore.unload(); // --- shield (Shield Advanced) ---
      waf.unload();
      await seal.seal();
    },
    rekey: (o, current) => seal.rekey(o, current),
  };

  const tls = config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined;
  const server = new ApiServer({
    region: config.region,
    accountId: config.accountId,
    identities,
    seal: sealControl,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    version: VERSION,
    storageKind: physical.kind,
    ...(tls ? { tls } : {}),
    // Benchmarks measure the audit trail's cost against a node without it; nothing else may.
    ...(process.env.BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT === '1' ? {} : { eventSink: opts.eventSink ?? audit.sink }),
  });
  if (process.env.BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT === '1') {
    logger.warn('BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT=1: API calls are NOT recorded. For benchmarks only.');
  }
  server.register(iamService(store));
  server.register(stsService(store));
  // KMS: metadata in the barrier, key material only inside the keystore (also in the barrier).
  const kms = kmsService({ kv: seal.barrier, keystore: new KeyStore(seal.barrier), accountId: config.accountId, region: config.region });
  server.register(kms);
  const stopKmsScheduler = kms.startScheduler();
  server.register(audit.service());
  audit.start();
  server.register(wafv2Service({ kv: seal.barrier, accountId: config.accountId, region: config.region, engine: waf.hooks(), store: wafStore }));
  // --- shield (Shield Advanced) ---
  server.register(shieldService({
    kv: seal.barrier,
    accountId: config.accountId,
    region: config.region,
    store: shieldStore,
    siteExists: (arn) => siteList().some((s) => s.arn === arn),
    webAclFor: (arn) => wafStore.webAclArnFor(arn),
    onAutomaticResponseChange: (arn) => shield.automaticResponseChanged(arn),
  }));
  // --- end shield (Shield Advanced) ---
  server.registerInternal('trail/flush', {
    action: 'bulwark:FlushTrail',
    handler: async (body) => audit.flush(String(body.trail ?? '')),
  });
  server.registerInternal('trail/validate', {
    action: 'bulwark:ValidateTrail',
    handler: async (body) => {
      const range = {
        ...(typeof body.start === 'string' ? { start: new Date(body.start) } : {}),
        ...(typeof body.end === 'string' ? { end: new Date(body.end) } : {}),
      };
      return audit.validate(String(body.trail ?? ''), range);
    },
  });
  // --- posture --- the control catalogue checked against this node: /_bulwark/posture (bulwark:GetPosture),
  // a run at start and every 5 minutes, and each control status change recorded in the audit trail.
  const postureHolder: { endpoint?: string } = {};
  const posture: PostureService = new PostureService({
    sources: createPostureSources({
      config,
      iam: store,
      kv: seal.barrier,
      physical,
      audit,
      waf: wafStore,
      sites: siteList,
      seal: () => seal.status(),
      apiEndpoint: () => postureHolder.endpoint,
      bucketsRoot,
      monitor: (): ReturnType<PostureService['monitor']['state']> => posture.monitor.state(),
      // Shield: the resource ARNs that have a protection; GuardDuty: this account's detectors here.
      shieldProtections: async () => {
        await shieldStore.load();
        return [...shieldStore.protections.values()].map((p) => p.resourceArn);
      },
      guardDutyDetectors: async () =>
        guardduty.isLoaded ? guardduty.detectorsOf(config.accountId, config.region).map((d) => ({ id: d.rec.id, status: d.rec.status })) : [],
    }),
    version: VERSION,
    kv: seal.barrier,
    region: config.region,
    accountId: config.accountId,
    publish: async (e) => {
      await audit.sink(e);
      publishApiCall(e);
    },
    sealed: () => seal.status().sealed,
    onError: (e) => logger.error({ err: e }, 'posture run failed'),
  });
  server.registerInternal('posture', { action: 'bulwark:GetPosture', handler: (body) => posture.handle(body) });
  // --- end posture ---
  // --- guardduty --- the API, the signed ingestion endpoints, live sources and response.
  server.register(guardDutyService({ gd: guardduty, accountId: config.accountId, region: config.region }));
  registerIngestEndpoints(server, guardduty);
  gdLive.start();
  gdResponder.start();
  guardduty.start();
  // --- end guardduty ---

  // --- console --- the web console's static files, served before SigV4 (its API calls are signed).
  server.registerStatic(CONSOLE_PREFIX, consoleHandler());
  const addr = await server.listen(config.apiListen.host, config.apiListen.port);
  const started = await startSites({ config, logger, siteHolder, waf, wafStore, sampled, wafLogs, rateHub, registry: server.metrics.registry, sealed: () => seal.status().sealed, bucketsRoot });
  // --- console --- the sites this node protects, for the console (SigV4-signed, bulwark:ListSites).
  server.registerInternal('sites', {
    action: 'bulwark:ListSites',
    handler: async () => ({
      sites: siteList().map((s) => ({ name: s.name, arn: s.arn, listen: `${s.address.host}:${s.address.port}`, upstream: s.config.upstream, tls: s.config.tls !== undefined })),
    }),
  });
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const endpoint = `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
  postureHolder.endpoint = endpoint; // --- posture ---
  posture.monitor.start(); // --- posture ---
  logger.info({ endpoint, storage: physical.kind, sealed: seal.status().sealed }, 'bulwark listening');

  if (generated) printCredentials(print, endpoint, config.region, generated, join(config.dataDir, 'root-credentials'));
  for (const site of started) print(`Site ${site.name} on ${site.config.tls ? 'https' : 'http'}://${site.address.host}:${site.address.port} → ${site.config.upstream} (${site.arn})`);
  print(`Bulwark ${VERSION} listening on ${endpoint} (storage: ${physical.kind}, data: ${config.dataDir})`);
  print(`Console: ${endpoint}${CONSOLE_PREFIX}`); // --- console ---
  if (seal.status().sealed) {
    print(
      seal.status().initialized
        ? 'Bulwark is sealed. Unseal it with: bulwark operator unseal <share>'
        : 'Bulwark is not initialized. Run: bulwark operator init --key-shares 5 --key-threshold 3',
    );
  }

  let closed = false;
  return {
    endpoint,
    config,
    ...(generated ? { generatedRootCredentials: generated } : {}),
    sealed: () => seal.status().sealed,
    async close() {
      if (closed) return;
      closed = true;
      stopKmsScheduler();
      await posture.monitor.stop(); // --- posture ---
      await shield.stop(); // --- shield (Shield Advanced) ---
      await siteHolder.manager?.close();
      await siteHolder.workers?.stop(); // --- data-plane workers ---
      await redisCounter?.close(); // --- shield (shared rate counters) ---
      await server.close();
      await wafLogs.close();
      gdLive.stop(); // --- guardduty ---
      await gdResponder.close(); // --- guardduty ---
      await guardduty.close(); // --- guardduty ---
      await audit.close();
      configureIpLists({}); // stops watching the IP lists
      await physical.close();
      logger.flush?.();
    },
  };
}

/**
 * Starts the sites: in this process (a SiteManager fed by the WafRuntime), or, with
 * `--data-plane-workers N`, in N worker processes fed by configuration snapshots (src/data-plane.ts).
 */
async function startSites(o: {
  readonly config: BulwarkConfig;
  readonly logger: Logger;
  readonly siteHolder: { manager?: SiteManager; workers?: DataPlaneWorkers };
  readonly waf: WafRuntime;
  readonly wafStore: WafConfigStore;
  readonly sampled: SampledRequests;
  readonly wafLogs: WafLogWriter;
  readonly rateHub: RateHub | undefined;
  readonly registry: Registry;
  readonly sealed: () => boolean;
  readonly bucketsRoot: string;
}): Promise<RunningSite[]> {
  const { config, logger } = o;
  const workers = config.dataPlaneWorkers ?? 0;
  if (workers > 0) {
    o.siteHolder.workers = await startDataPlaneWorkers({
      workers,
      region: config.region,
      accountId: config.accountId,
      bucketsRoot: o.bucketsRoot,
      sites: config.file.sites ?? [],
      ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
      logLevel: config.logLevel,
      ipListsDir: process.env.BULWARK_IP_LISTS_DIR || join(config.dataDir, 'ip-lists'),
      logger,
      store: o.wafStore,
      sealed: o.sealed,
      sampled: o.sampled,
      ...(o.rateHub ? { rateHub: o.rateHub } : {}),
      registry: o.registry,
    });
    logger.info({ workers }, 'data plane running in worker processes');
    return o.siteHolder.workers.sites();
  }
  const sites = new SiteManager({
    region: config.region,
    accountId: config.accountId,
    acls: o.waf,
    registry: o.registry,
    sampled: o.sampled,
    logWriter: o.wafLogs,
    onEvent: (e) => logger.warn(e, 'proxy event'),
  });
  o.siteHolder.manager = sites;
  return sites.startAll(config.file.sites ?? []);
}

/** Prints the generated root credentials once, with the lines that point the AWS CLI at Bulwark. */
export function printCredentials(print: (l: string) => void, endpoint: string, region: string, c: RootCredentials, file: string): void {
  print('');
  print('Root user access key generated (shown once; also saved to ' + file + ', mode 0600):');
  print('');
  print(`  export AWS_ENDPOINT_URL=${endpoint}`);
  print(`  export AWS_ACCESS_KEY_ID=${c.accessKeyId}`);
  print(`  export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`);
  print(`  export AWS_REGION=${region}`);
  print(`  export AWS_DEFAULT_REGION=${region}`);
  print('');
  print('Then try: aws sts get-caller-identity');
}
