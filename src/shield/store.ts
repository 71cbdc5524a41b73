/**
 * Shield state in the barrier KVStore: the subscription (shield/subscription), protections
 * (shield/protections/<id>), protection groups (shield/groups/<id>) and attacks
 * (shield/attacks/<id>), mirrored in memory. Writes are serialised so checks and writes of one
 * call do not interleave with another's.
 */
import type { KVStore } from '../storage/index.js';
import type { VectorType } from './types.js';

/** A tag as the Shield API carries it. */
export interface ShieldTag {
  readonly Key: string;
  readonly Value: string;
}

/** The subscription. */
export interface SubscriptionRecord {
  readonly id: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly timeCommitmentSeconds: number;
  readonly autoRenew: 'ENABLED' | 'DISABLED';
}

/** A protection. */
export interface ProtectionRecord {
  readonly id: string;
  readonly name: string;
  readonly resourceArn: string;
  readonly arn: string;
  readonly alar?: { readonly status: 'ENABLED' | 'DISABLED'; readonly action: 'Block' | 'Count' };
  readonly tags: readonly ShieldTag[];
}

/** A protection group. */
export interface ProtectionGroupRecord {
  readonly id: string;
  readonly arn: string;
  readonly aggregation: 'SUM' | 'MEAN' | 'MAX';
  readonly pattern: 'ALL' | 'ARBITRARY' | 'BY_RESOURCE_TYPE';
  readonly resourceType?: string;
  readonly members: readonly string[];
  readonly tags: readonly ShieldTag[];
}

/** A top contributor list of one attack property. */
export interface RecordedProperty {
  readonly identifier: 'SOURCE_IP_ADDRESS' | 'SOURCE_COUNTRY' | 'SOURCE_USER_AGENT' | 'DESTINATION_URL' | 'REFERRER';
  readonly total: number;
  readonly top: readonly { readonly name: string; readonly value: number }[];
}

/** A recorded attack (times as ISO strings). */
export interface AttackRecord {
  readonly id: string;
  readonly resourceArn: string;
  readonly startTime: string;
  endTime?: string;
  vectors: VectorType[];
  requests: number;
  maxRps: number;
  /** Connection rejections by kind. */
  connections: Record<string, number>;
  properties: RecordedProperty[];
  /** Top source addresses (SubResources of type IP). */
  topSources: { ip: string; count: number }[];
  mitigations: string[];
}

const SUB = 'shield/subscription';
const PROT = 'shield/protections/';
const GROUP = 'shield/groups/';
const ATTACK = 'shield/attacks/';
/** Attacks kept (oldest dropped first). */
export const MAX_ATTACKS = 1000;

const enc = (o: unknown): Buffer => Buffer.from(JSON.stringify(o), 'utf8');
const dec = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;

/** Shield's persisted state. */
export class ShieldStore {
  subscription: SubscriptionRecord | undefined;
  readonly protections = new Map<string, ProtectionRecord>();
  readonly groups = new Map<string, ProtectionGroupRecord>();
  readonly attacks = new Map<string, AttackRecord>();
  private loading: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly kv: KVStore) {}

  /** Loads everything once (later calls wait for the same load). */
  load(): Promise<void> {
    this.loading ??= this.doLoad().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  /** Forgets the cached state (at seal). */
  unload(): void {
    this.loading = undefined;
    this.subscription = undefined;
    this.protections.clear();
    this.groups.clear();
    this.attacks.clear();
  }

  private async doLoad(): Promise<void> {
    this.protections.clear();
    this.groups.clear();
    this.attacks.clear();
    const sub = await this.kv.get(SUB);
    this.subscription = sub ? dec<SubscriptionRecord>(sub) : undefined;
    for (const key of await this.kv.list('shield/')) {
      const b = key === SUB ? undefined : await this.kv.get(key);
      if (!b) continue;
      if (key.startsWith(PROT)) {
        const p = dec<ProtectionRecord>(b);
        this.protections.set(p.id, p);
      } else if (key.startsWith(GROUP)) {
        const g = dec<ProtectionGroupRecord>(b);
        this.groups.set(g.id, g);
      } else if (key.startsWith(ATTACK)) {
        const a = dec<AttackRecord>(b);
        this.attacks.set(a.id, a);
      }
    }
  }

  /** Runs `fn` after every earlier mutation has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes the subscription. */
  async putSubscription(s: SubscriptionRecord): Promise<void> {
    await this.kv.put(SUB, enc(s));
    this.subscription = s;
  }

  /** Deletes the subscription. */
  async deleteSubscription(): Promise<void> {
    await this.kv.delete(SUB);
    this.subscription = undefined;
  }

  /** Writes a protection. */
  async putProtection(p: ProtectionRecord): Promise<void> {
    await this.kv.put(PROT + p.id, enc(p));
    this.protections.set(p.id, p);
  }

  /** Deletes a protection. */
  async deleteProtection(id: string): Promise<void> {
    await this.kv.delete(PROT + id);
    this.protections.delete(id);
  }

  /** The protection of a resource, if any. */
  protectionFor(resourceArn: string): ProtectionRecord | undefined {
    for (const p of this.protections.values()) if (p.resourceArn === resourceArn) return p;
    return undefined;
  }

  /** Writes a protection group. */
  async putGroup(g: ProtectionGroupRecord): Promise<void> {
    await this.kv.put(GROUP + g.id, enc(g));
    this.groups.set(g.id, g);
  }

  /** Deletes a protection group. */
  async deleteGroup(id: string): Promise<void> {
    await this.kv.delete(GROUP + id);
    this.groups.delete(id);
  }

  /** Writes an attack, dropping the oldest beyond MAX_ATTACKS. */
  async putAttack(a: AttackRecord): Promise<void> {
    await this.kv.put(ATTACK + a.id, enc(a));
    this.attacks.set(a.id, a);
    if (this.attacks.size > MAX_ATTACKS) {
      const oldest = [...this.attacks.values()].sort((x, y) => (x.startTime < y.startTime ? -1 : 1))[0] as AttackRecord;
      await this.kv.delete(ATTACK + oldest.id);
      this.attacks.delete(oldest.id);
    }
  }
}
