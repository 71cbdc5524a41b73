/** The posture service a node runs: the catalogue, reports on request (the signed endpoint) and the periodic monitor. */
import { awsError } from '../errors/index.js';
import type { ApiCallEvent } from '../events/index.js';
import type { KVStore } from '../storage/index.js';
import { CATALOGUE_FILES, loadCatalogue } from './catalogue.js';
import { CHECKS } from './checks/index.js';
import { runPosture } from './engine.js';
import { PostureMonitor } from './monitor.js';
import { assessmentResults, componentDefinition } from './oscal.js';
import type { CatalogueControl, PostureReport, PostureSources } from './types.js';

/** Output formats of the report. */
export const POSTURE_FORMATS = ['json', 'oscal-ar', 'oscal-cd'] as const;
/** One output format. */
export type PostureFormat = (typeof POSTURE_FORMATS)[number];

/** Options of {@link PostureService}. */
export interface PostureServiceOptions {
  readonly sources: PostureSources;
  readonly version: string;
  readonly kv: KVStore;
  readonly region: string;
  readonly accountId: string;
  readonly publish: (event: ApiCallEvent) => Promise<void>;
  /** True while the store is sealed: the periodic run skips. */
  readonly sealed: () => boolean;
  readonly intervalMs?: number;
  readonly onError?: (e: unknown) => void;
}

/** Posture for one node. The catalogue is loaded and validated at construction. */
export class PostureService {
  readonly catalogue: readonly CatalogueControl[] = loadCatalogue(CATALOGUE_FILES, CHECKS);
  readonly monitor: PostureMonitor;

  constructor(private readonly o: PostureServiceOptions) {
    this.monitor = new PostureMonitor({
      run: async () => (o.sealed() ? undefined : this.run()),
      publish: o.publish,
      kv: o.kv,
      region: o.region,
      accountId: o.accountId,
      ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  /** Runs every check now. */
  run(): Promise<PostureReport> {
    return runPosture({ catalogue: this.catalogue, checks: CHECKS, sources: this.o.sources, version: this.o.version });
  }

  /** The /_bulwark/posture handler: `{format?: 'json'|'oscal-ar'|'oscal-cd'}`. Every report feeds the monitor. */
  async handle(body: Record<string, unknown>): Promise<unknown> {
    const format = body.format ?? 'json';
    if (typeof format !== 'string' || !(POSTURE_FORMATS as readonly string[]).includes(format)) {
      throw awsError('ValidationException', `format must be one of ${POSTURE_FORMATS.join(', ')}`);
    }
    if (format === 'oscal-cd') return componentDefinition(this.catalogue, this.o.version, new Date().toISOString());
    const report = await this.run();
    await this.monitor.observe(report);
    return format === 'oscal-ar' ? assessmentResults(report) : report;
  }
}
