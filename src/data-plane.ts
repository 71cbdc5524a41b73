/**
 * The data plane over several cores (`bulwark start --data-plane-workers N`): the composition of
 * the primary's side and of the worker processes. The primary keeps the API, storage and the
 * barrier, audit, Shield and GuardDuty; workers run only the sites, and never get key material or
 * the store. What a worker gets:
 *
 * - at start, the settings it needs (sites, region, account, buckets root, Redis URL) in the IPC
 *   `init` message, not from the node's environment or configuration file;
 * - a configuration snapshot: per site its association, the associated web ACL with the IP sets,
 *   regex pattern sets and rule groups it references (Shield's mitigation groups included), and
 *   the web ACL's logging configuration, versioned. The primary checks for changes every 50 ms and
 *   sends a new snapshot to every worker; each worker rebuilds a configuration store from it,
 *   compiles the sites' web ACLs, and swaps them in (requests in flight finish with the old ones; no
 *   connection is touched). A heartbeat with the current version every second lets a worker that
 *   missed one ask again; a restarted worker gets the current snapshot with its `init`.
 *
 * What comes back, in batches every 100 ms: the observations Shield and GuardDuty consume (only
 * the channels that have subscribers in the primary), sampled requests (merged into the primary's
 * SampledRequests that GetSampledRequests reads), and, when asked at scrape time, the workers'
 * proxy metrics. Rate-based counts are shared through the primary (proxy/worker-rate.ts) or Redis.
 */
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  ChallengeIssuer, onProxyRequest, parseSites, SiteManager, startDataPlane, WafLogWriter,
  type AclProvider, type DataPlane, type RunningSite, type SampledRequests, type SiteProtection,
} from './proxy/index.js';
import {
  currentWants, ForwardingSampledRequests, includeWorkerMetrics, joinDataPlane, MirroredRateCounter, ObservationForwarder, republish, reviveSamples, WorkerRateCounter,
  type MetricsJson, type ObservationBatch, type ObservationWants, type RateHub, type RateSyncItem, type RateSyncTotals, type SampleBatchItem, type WorkerContext,
} from './proxy/workers.js';
import { MemoryBackend } from './storage/index.js';
import {
  configureIpLists, RedisRateCounter, reverseDnsBotVerifier, setBotVerifier, WafConfigStore, WafRuntime,
  type EntityRecord, type IPSet, type LoggingConfiguration, type RateCounter, type RuleGroup,
} from './waf/index.js';

/** What a worker needs to run the sites (the `init` payload). */
export interface DataPlaneWorkerSettings {
  readonly region: string;
  readonly accountId: string;
  readonly bucketsRoot: string;
  /** The config file's `sites` section, as written. */
  readonly sites: unknown;
  readonly redisUrl?: string;
  readonly logLevel: string;
  readonly ipListsDir: string;
  /** The current configuration snapshot (encoded). */
  readonly snapshot: string;
}

/** The read side of the wafv2 configuration store the primary snapshots (WafConfigStore satisfies it). */
export interface SnapshotSource {
  readonly version: number;
  webAclArnFor(siteArn: string): string | undefined;
  record(arn: string): EntityRecord | undefined;
  readonly resolvers: { ipSet(arn: string): IPSet | undefined; regexPatternSet(arn: string): unknown; ruleGroup(arn: string): RuleGroup | undefined };
  loggingConfigFor(webAclArn: string): LoggingConfiguration | undefined;
}

/** What the data plane compiles, as the primary sends it. */
export interface ConfigSnapshot {
  readonly v: number;
  readonly sealed: boolean;
  readonly wants: ObservationWants;
  readonly entities: readonly EntityRecord[];
  readonly serviceOwned: readonly { readonly arn: string; readonly type: 'rulegroup' | 'ipset'; readonly entity: RuleGroup | IPSet }[];
  /** [site ARN, web ACL ARN] */
  readonly associations: readonly (readonly [string, string])[];
  readonly logging: readonly LoggingConfiguration[];
}

// ---- the snapshot ----

/** ARNs referenced by statements anywhere under `o` (IPSet/RegexPatternSet/RuleGroup references). */
function collectReferences(o: unknown, out: string[]): void {
  if (Array.isArray(o)) {
    for (const x of o) collectReferences(x, out);
  } else if (typeof o === 'object' && o !== null && !ArrayBuffer.isView(o)) {
    for (const [k, v] of Object.entries(o)) {
      if (k.endsWith('ReferenceStatement') && typeof (v as { ARN?: unknown })?.ARN === 'string') out.push((v as { ARN: string }).ARN);
      collectReferences(v, out);
    }
  }
}

/** Builds the snapshot of what the given sites need (see the module comment). */
export function buildSnapshot(store: SnapshotSource, siteArns: readonly string[], v: number, sealed: boolean, wants: ObservationWants): ConfigSnapshot {
  const entities: EntityRecord[] = [];
  const serviceOwned: { arn: string; type: 'rulegroup' | 'ipset'; entity: RuleGroup | IPSet }[] = [];
  const associations: [string, string][] = [];
  const logging: LoggingConfiguration[] = [];
  const seen = new Set<string>();
  const visit = (arn: string): void => {
    if (seen.has(arn)) return;
    seen.add(arn);
    const rec = store.record(arn);
    const refs: string[] = [];
    if (rec) {
      entities.push(rec);
      collectReferences(rec.entity, refs);
    } else {
      const rg = store.resolvers.ruleGroup(arn);
      const ip = rg ? undefined : store.resolvers.ipSet(arn);
      if (rg) serviceOwned.push({ arn, type: 'rulegroup', entity: rg });
      else if (ip) serviceOwned.push({ arn, type: 'ipset', entity: ip });
      collectReferences(rg ?? ip, refs);
    }
    for (const r of refs) visit(r);
  };
  if (!sealed) {
    for (const site of siteArns) {
      const acl = store.webAclArnFor(site);
      if (acl === undefined) continue;
      associations.push([site, acl]);
      if (seen.has(acl)) continue;
      visit(acl);
      const l = store.loggingConfigFor(acl);
      if (l) logging.push(l);
    }
  }
  return { v, sealed, wants, entities, serviceOwned, associations, logging };
}

/** JSON with Buffers (model blobs such as ByteMatch SearchString) as `{ $blob: base64 }`, as the store keeps them. */
export function encodeSnapshot(s: ConfigSnapshot): string {
  return JSON.stringify(s, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return Buffer.isBuffer(raw) ? { $blob: raw.toString('base64') } : v;
  });
}

/** The inverse of {@link encodeSnapshot}. */
export function decodeSnapshot(text: string): ConfigSnapshot {
  return JSON.parse(text, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && typeof (v as { $blob?: unknown }).$blob === 'string' && Object.keys(v).length === 1) {
      return Buffer.from((v as { $blob: string }).$blob, 'base64');
    }
    return v;
  }) as ConfigSnapshot;
}

/** A configuration store holding exactly a snapshot (a worker's; in memory). */
export async function storeFromSnapshot(s: ConfigSnapshot): Promise<WafConfigStore> {
  const store = new WafConfigStore(new MemoryBackend());
  await store.load();
  for (const r of s.entities) await store.putEntity(r);
  for (const o of s.serviceOwned) store.setServiceOwned(o.arn, o.type, o.entity);
  for (const [site, acl] of s.associations) await store.associate(site, acl);
  for (const l of s.logging) await store.putLogging(l);
  return store;
}

// ---- the worker ----

const SEALED_ERROR = new Error('Bulwark is sealed (or the data plane has no configuration yet)');
const SEALED: SiteProtection = {
  acl: {
    name: 'sealed',
    arn: 'arn:aws:wafv2:sealed',
    evaluate() {
      throw SEALED_ERROR;
    },
  },
};

/** A worker's AclProvider: the runtime compiled from the latest snapshot, swapped in whole. */
export class SnapshotAcls implements AclProvider {
  private runtime: WafRuntime | undefined;
  private sealed = true;
  /** Version of the snapshot in force (-1 before the first). */
  version = -1;

  constructor(
    private readonly o: { readonly siteArn: (name: string) => string; readonly siteNames: () => readonly string[]; readonly sampled: SampledRequests; readonly rateCounter: RateCounter; readonly logger: Logger },
  ) {}

  forSite(siteName: string): SiteProtection | undefined {
    const r = this.runtime;
    if (this.sealed || r === undefined) return SEALED;
    return r.forSite(siteName);
  }

  /** Builds and compiles a snapshot, then puts it in force. Older or equal versions are ignored. */
  async apply(s: ConfigSnapshot): Promise<boolean> {
    if (s.v <= this.version) return false;
    const store = await storeFromSnapshot(s);
    const runtime = new WafRuntime({
      store,
      sampled: this.o.sampled,
      siteArn: this.o.siteArn,
      sites: () => this.o.siteNames().map((name) => ({ name, arn: this.o.siteArn(name) })),
      logger: this.o.logger,
      rateCounter: this.o.rateCounter,
    });
    await runtime.load();
    // Compile before the swap: the first request after it does not pay for the compile.
    for (const name of this.o.siteNames()) runtime.forSite(name);
    if (s.v <= this.version) return false;
    this.runtime = runtime;
    this.sealed = s.sealed;
    this.version = s.v;
    return true;
  }
}

/** Runs in a worker process (src/data-plane-worker.ts): the sites, fed by the primary. */
export async function runDataPlaneWorker(): Promise<void> {
  await joinDataPlane(setupWorker);
}

async function setupWorker(ctx: WorkerContext): Promise<void> {
  const s = ctx.init as DataPlaneWorkerSettings;
  const logger = pino({ level: s.logLevel, base: { pid: process.pid, dataPlaneWorker: ctx.workerId } }, pino.destination(2));
  configureIpLists({ dir: s.ipListsDir, watch: true });
  setBotVerifier(reverseDnsBotVerifier());
  const siteConfigs = parseSites(s.sites);
  const siteArn = (name: string): string => `arn:aws:bulwark:${s.region}:${s.accountId}:site/${name}`;
  const registry = new Registry();
  const dropped = new Counter({ name: 'bulwark_data_plane_observations_dropped_total', help: 'Observations a data-plane worker dropped because the primary did not keep up', registers: [registry] });
  // One series per worker (the other metrics are summed over workers): shows how load spreads.
  const served = new Counter({ name: 'bulwark_data_plane_worker_requests_total', help: 'Requests completed by each data-plane worker', labelNames: ['worker'], registers: [registry] }).labels(String(ctx.workerId));
  const stopCounting = onProxyRequest(() => served.inc());
  const sampled = new ForwardingSampledRequests();
  const forwarder = new ObservationForwarder();
  const wafLogs = new WafLogWriter({ bucketsRoot: s.bucketsRoot, accountId: s.accountId, region: s.region, onError: (e) => logger.error({ err: e }, 'WAF log write failed') });

  // Rate-based counts go through the primary's hub; with Redis they are counted there (shared with
  // other nodes) and mirrored to the hub, which lists this node's keys for the API.
  const rateReplies = new Map<number, { resolve: (t: RateSyncTotals[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let rateId = 0;
  const throughPrimary = new WorkerRateCounter({
        exchange: (items: RateSyncItem[]) =>
          new Promise<RateSyncTotals[]>((resolve, reject) => {
            const id = ++rateId;
            const timer = setTimeout(() => {
              rateReplies.delete(id);
              reject(new Error('rate sync timed out'));
            }, 2000);
            rateReplies.set(id, { resolve, reject, timer });
            if (!ctx.send({ bulwarkDataPlane: 'rate', id, items })) {
              clearTimeout(timer);
              rateReplies.delete(id);
              reject(new Error('not connected'));
            }
          }),
  });
  const rateCounter: RateCounter & { close(): unknown } = s.redisUrl
    ? new MirroredRateCounter(new RedisRateCounter({ url: s.redisUrl, logger }), throughPrimary)
    : throughPrimary;

  const acls = new SnapshotAcls({ siteArn, siteNames: () => siteConfigs.map((c) => c.name), sampled, rateCounter, logger });
  let chain: Promise<unknown> = Promise.resolve();
  let askedAt = 0;
  const apply = (text: string): void => {
    chain = chain
      .then(async () => {
        const snap = decodeSnapshot(text);
        if (await acls.apply(snap)) {
          forwarder.want(snap.wants);
          ctx.send({ bulwarkDataPlane: 'applied', v: snap.v });
        }
      })
      .catch((e: unknown) => logger.error({ err: e }, 'data plane configuration could not be applied; asking again'));
  };
  ctx.onMessage((m) => {
    switch (m.bulwarkDataPlane) {
      case 'config':
        apply(String(m.snapshot));
        return;
      case 'version': {
        // The heartbeat: ask for the snapshot when behind (a missed or failed one), at most every 2 s.
        if (Number(m.v) > acls.version && Date.now() - askedAt > 2000) {
          askedAt = Date.now();
          ctx.send({ bulwarkDataPlane: 'config?' });
        }
        return;
      }
      case 'rate': {
        const r = rateReplies.get(Number(m.id));
        if (!r) return;
        rateReplies.delete(Number(m.id));
        clearTimeout(r.timer);
        r.resolve(m.totals as RateSyncTotals[]);
        return;
      }
      case 'metrics':
        void registry.getMetricsAsJSON().then((metrics) => ctx.send({ bulwarkDataPlane: 'metrics', id: m.id, metrics }));
        return;
    }
  });
  apply(s.snapshot);
  await chain;

  const sites = new SiteManager({
    region: s.region,
    accountId: s.accountId,
    acls,
    challenge: new ChallengeIssuer({ secret: ctx.challengeSecret }),
    registry,
    sampled,
    logWriter: wafLogs,
    onEvent: (e) => logger.warn(e, 'proxy event'),
  });
  const started = await sites.startAll(s.sites);
  ctx.send({ bulwarkDataPlane: 'sites', sites: started });

  // Observations and samples go to the primary every 100 ms; at most 4 batches in flight, beyond
  // that the primary is not keeping up and batches are dropped (and counted), never queued forever.
  let inFlight = 0;
  const flush = (): Promise<void> => {
    const batch = forwarder.drain();
    const samples = sampled.drain();
    const lost = forwarder.dropped;
    forwarder.dropped = 0;
    if (lost > 0) dropped.inc(lost);
    if (batch === undefined && samples.length === 0) return Promise.resolve();
    if (inFlight >= 4) {
      dropped.inc((batch?.requests.length ?? 0) + (batch?.connections.length ?? 0) + (batch?.wafLogs.length ?? 0));
      return Promise.resolve();
    }
    inFlight++;
    return new Promise((resolve) => {
      const ok = ctx.send({ bulwarkDataPlane: 'observations', batch, samples }, () => {
        inFlight--;
        resolve();
      });
      if (!ok && !process.connected) resolve();
    });
  };
  const timer = setInterval(() => void flush(), 100);
  timer.unref();
  ctx.onStop(async () => {
    clearInterval(timer);
    // Finish in-flight requests (up to the drain timeout), then hand over what they produced.
    await sites.close();
    await wafLogs.close();
    await flush();
    forwarder.close();
    stopCounting();
    await rateCounter.close();
    configureIpLists({});
    logger.flush?.();
  });
}

// ---- the primary ----

/** What the primary's wiring needs from the composition root. */
export interface DataPlaneWorkersOptions extends Omit<DataPlaneWorkerSettings, 'snapshot'> {
  readonly workers: number;
  readonly logger: Logger;
  readonly store: SnapshotSource;
  readonly sealed: () => boolean;
  /** The primary's sample (GetSampledRequests reads it). */
  readonly sampled: SampledRequests;
  /** The primary's rate hub (when rate counts go through the primary). */
  readonly rateHub?: RateHub;
  /** The API's metrics registry: /_bulwark/metrics gets the workers' metrics. */
  readonly registry: Registry;
  /** The worker entry script (default dist's data-plane-worker.js next to this file). */
  readonly exec?: string;
  /** How often the primary looks for configuration changes (default 50 ms). */
  readonly pollMs?: number;
}

/** The primary's handle on the workers. */
export interface DataPlaneWorkers {
  /** The sites the workers run (as the first ready worker reported them). */
  sites(): RunningSite[];
  /** The current configuration snapshot version. */
  version(): number;
  /** Configuration version each ready worker has in force. */
  applied(): ReadonlyMap<number, number>;
  readonly plane: DataPlane;
  /** Stops the workers: in-flight requests finish, their observations arrive, they exit. */
  stop(): Promise<void>;
}

/** Forks the workers and keeps them configured (see the module comment). */
export async function startDataPlaneWorkers(o: DataPlaneWorkersOptions): Promise<DataPlaneWorkers> {
  const siteConfigs = parseSites(o.sites);
  const siteArns = siteConfigs.map((c) => `arn:aws:bulwark:${o.region}:${o.accountId}:site/${c.name}`);
  const logger = o.logger;

  const workersGauge = new Gauge({ name: 'bulwark_data_plane_workers', help: 'Data-plane worker processes that are ready', registers: [o.registry] });
  const restartsCounter = new Counter({ name: 'bulwark_data_plane_worker_restarts_total', help: 'Data-plane workers restarted after they exited', registers: [o.registry] });
  const versionGauge = new Gauge({ name: 'bulwark_data_plane_config_version', help: 'Version of the configuration snapshot sent to the data-plane workers', registers: [o.registry] });
  const applySeconds = new Histogram({
    name: 'bulwark_data_plane_config_apply_seconds',
    help: 'From a configuration change seen by the primary to the new version in force in a worker',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [o.registry],
  });

  let v = 0;
  let key = '';
  let content = '';
  let snapshot = '';
  let changedAt = Date.now();
  /** The last version sent to running workers (the apply latency is measured for those, not for a worker's start). */
  let broadcastV = -1;
  // Set once the workers are up; the closures below run before and after.
  const holder: { plane?: DataPlane } = {};
  let stopping = false;
  /**
   * Rebuilds the snapshot when the store, the seal or the subscribers changed and what the sites
   * compile differs (a change to an entity no site uses sends nothing), and sends it to the ready
   * workers (a worker that is starting gets it in its init, or asks after the next heartbeat).
   */
  const refresh = (): boolean => {
    const sealed = o.sealed();
    const wants = currentWants();
    const k = `${o.store.version}|${sealed}|${wants.requests}|${wants.connections}|${wants.wafLogs}`;
    if (k === key) return false;
    key = k;
    const snap = buildSnapshot(o.store, siteArns, 0, sealed, wants);
    const c = encodeSnapshot(snap);
    if (c === content) return false;
    content = c;
    v++;
    changedAt = Date.now();
    snapshot = encodeSnapshot({ ...snap, v });
    versionGauge.set(v);
    if (holder.plane) {
      broadcastV = v;
      holder.plane.broadcast({ bulwarkDataPlane: 'config', snapshot });
    }
    return true;
  };
  refresh();

  const applied = new Map<number, number>();
  let sites: RunningSite[] = [];
  const metricRequests = new Map<number, { got: MetricsJson[]; left: number; done: () => void }>();
  let metricId = 0;

  const onMessage = (id: number, m: Record<string, unknown>): void => {
    switch (m.bulwarkDataPlane) {
      case 'observations': {
        const batch = m.batch as ObservationBatch | undefined;
        if (batch) republish(batch);
        for (const it of (m.samples as SampleBatchItem[] | undefined) ?? []) {
          o.sampled.absorb(it.webAclArn, it.ruleMetricName, it.slotStart, it.population, reviveSamples(it.samples as unknown as Record<string, unknown>[]));
        }
        return;
      }
      case 'rate': {
        const totals = o.rateHub ? o.rateHub.apply(m.items as RateSyncItem[]) : [];
        holder.plane?.send(id, { bulwarkDataPlane: 'rate', id: m.id, totals });
        return;
      }
      case 'config?':
        if (!refresh()) holder.plane?.send(id, { bulwarkDataPlane: 'config', snapshot });
        return;
      case 'applied': {
        const av = Number(m.v);
        applied.set(id, av);
        if (av === v && av === broadcastV) applySeconds.observe((Date.now() - changedAt) / 1000);
        return;
      }
      case 'sites':
        if (sites.length === 0) sites = (m.sites as RunningSite[]).map((x) => Object.freeze(x));
        return;
      case 'metrics': {
        const r = metricRequests.get(Number(m.id));
        if (!r) return;
        r.got.push(m.metrics as MetricsJson);
        if (--r.left === 0) r.done();
        return;
      }
    }
  };

  // Workers get settings through IPC only: strip the node's own settings (root keys, unseal key,
  // storage URL) from the environment they inherit.
  const env: Record<string, undefined> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('BULWARK_')) env[k] = undefined;
  const started = await startDataPlane({
    workers: o.workers,
    exec: o.exec ?? fileURLToPath(new URL('./data-plane-worker.js', import.meta.url)),
    env,
    init: (): DataPlaneWorkerSettings => {
      refresh();
      return {
        region: o.region,
        accountId: o.accountId,
        bucketsRoot: o.bucketsRoot,
        sites: o.sites,
        ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
        logLevel: o.logLevel,
        ipListsDir: o.ipListsDir,
        snapshot,
      };
    },
    onMessage,
    onWorkerReady: () => workersGauge.set(holder.plane?.workerIds().length ?? 0),
    onWorkerExit: (id, code, signal) => {
      applied.delete(id);
      workersGauge.set(holder.plane?.workerIds().length ?? 0);
      if (holder.plane !== undefined && !stopping) {
        restartsCounter.inc();
        logger.warn({ worker: id, code, signal }, 'data plane worker exited; starting a new one');
      }
    },
  });
  holder.plane = started;
  workersGauge.set(started.workerIds().length);

  const poll = setInterval(refresh, o.pollMs ?? 50);
  poll.unref();
  const heartbeat = setInterval(() => started.broadcast({ bulwarkDataPlane: 'version', v }), 1000);
  heartbeat.unref();

  includeWorkerMetrics(o.registry, () =>
    new Promise<MetricsJson[]>((resolve) => {
      const ids = started.workerIds();
      if (ids.length === 0) return resolve([]);
      const id = ++metricId;
      const got: MetricsJson[] = [];
      const done = (): void => {
        clearTimeout(timer);
        metricRequests.delete(id);
        resolve(got);
      };
      const timer = setTimeout(done, 1000);
      metricRequests.set(id, { got, left: ids.length, done });
      for (const w of ids) if (!started.send(w, { bulwarkDataPlane: 'metrics', id })) metricRequests.get(id)!.left--;
      if (metricRequests.get(id)!.left <= 0) done();
    }),
  );

  return {
    sites: () => sites,
    version: () => v,
    applied: () => applied,
    plane: started,
    async stop() {
      stopping = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      await started.stop();
    },
  };
}
