/**
 * Trail configurations, persisted in the KVStore under audit/trails/<name> and cached in memory so
 * the per-call sink can match trails without reading storage. The cache is this node's view: a
 * trail changed on another node is seen after load().
 */
import type { KVStore } from '../storage/index.js';

const PREFIX = 'audit/trails/';

/** A basic event selector (advanced selectors are not supported). */
export interface EventSelector {
  readonly ReadWriteType: 'ReadOnly' | 'WriteOnly' | 'All';
  readonly IncludeManagementEvents: boolean;
  readonly DataResources: readonly { readonly Type?: string; readonly Values?: readonly string[] }[];
  readonly ExcludeManagementEventSources: readonly string[];
}

/** The selectors of a trail that was never given any: all management events. */
export const DEFAULT_EVENT_SELECTORS: readonly EventSelector[] = [
  { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
];

/** One tag. */
export interface TrailTag {
  readonly Key: string;
  readonly Value?: string;
}

/** A trail as stored. */
export interface TrailConfig {
  readonly name: string;
  readonly s3BucketName: string;
  readonly s3KeyPrefix?: string;
  readonly includeGlobalServiceEvents: boolean;
  readonly isMultiRegionTrail: boolean;
  readonly logFileValidationEnabled: boolean;
  readonly isLogging: boolean;
  /** ms since epoch. */
  readonly startLoggingTime?: number;
  readonly stopLoggingTime?: number;
  readonly eventSelectors: readonly EventSelector[];
  readonly hasCustomEventSelectors: boolean;
  readonly tags: readonly TrailTag[];
  readonly createdAt: number;
}

/** True when the trail was logging at `ms` (StopLogging's own call, at the stop time, still counts). */
export function loggingAt(t: TrailConfig, ms: number): boolean {
  if (t.startLoggingTime === undefined || ms < t.startLoggingTime) return false;
  return t.isLogging || (t.stopLoggingTime !== undefined && ms <= t.stopLoggingTime);
}

/** True when one of the trail's event selectors takes a management event of `eventSource`. */
export function selectorsMatch(selectors: readonly EventSelector[], readOnly: boolean, eventSource: string): boolean {
  for (let i = 0; i < selectors.length; i++) {
    const s = selectors[i] as EventSelector;
    if (!s.IncludeManagementEvents) continue;
    if (s.ReadWriteType === 'ReadOnly' && !readOnly) continue;
    if (s.ReadWriteType === 'WriteOnly' && readOnly) continue;
    if (s.ExcludeManagementEventSources.includes(eventSource)) continue;
    return true;
  }
  return false;
}

/** The trails of this region. */
export class TrailStore {
  private readonly byName = new Map<string, TrailConfig>();
  private snapshot: readonly TrailConfig[] = [];

  constructor(private readonly kv: KVStore) {}

  /** (Re-)reads the trails from storage. */
  async load(): Promise<void> {
    const loaded = new Map<string, TrailConfig>();
    for (const key of await this.kv.list(PREFIX)) {
      const v = await this.kv.get(key);
      if (v) {
        const t = JSON.parse(v.toString('utf8')) as TrailConfig;
        loaded.set(t.name, t);
      }
    }
    this.byName.clear();
    for (const [k, t] of loaded) this.byName.set(k, t);
    this.refresh();
  }

  private refresh(): void {
    this.snapshot = [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** All trails, by name (a stable array: safe to iterate on the hot path). */
  list(): readonly TrailConfig[] {
    return this.snapshot;
  }

  get(name: string): TrailConfig | undefined {
    return this.byName.get(name);
  }

  /** Writes a trail durably, then updates the cache. */
  async put(t: TrailConfig): Promise<void> {
    await this.kv.put(PREFIX + t.name, Buffer.from(JSON.stringify(t), 'utf8'));
    this.byName.set(t.name, t);
    this.refresh();
  }

  async delete(name: string): Promise<void> {
    await this.kv.delete(PREFIX + name);
    this.byName.delete(name);
    this.refresh();
  }
}
