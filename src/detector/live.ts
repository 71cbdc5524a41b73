/**
 * Live sources of the threat detector: Bulwark's own API calls (the `bulwark:api-call` channel,
 * turned into CloudTrail records exactly as the audit trail writes them), WAF log records
 * (`bulwark:waf-log`) and Shield attack events (`bulwark:shield-attack`). Publishers must not be
 * slowed: events are queued and analysed in batches on the next turn of the event loop.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { toCloudTrailRecord } from '../audit/index.js';
import { onApiCall, type ApiCallEvent } from '../events/index.js';
import { onWafLog, type WafLogEvent } from '../proxy/index.js';
import type { GuardDuty } from './guardduty.js';
import type { CloudTrailRecord, DetectorInput, ShieldAttackEvent } from './types.js';

/** The Shield attack channel (published by src/shield/). */
export const SHIELD_ATTACK_CHANNEL = 'bulwark:shield-attack';

/** Largest queue of unprocessed live inputs; beyond it new ones are dropped (and counted). */
const MAX_QUEUE = 100_000;

/** Subscribes the detector to the live channels. */
export class LiveSources {
  private queue: (DetectorInput | ApiCallEvent)[] = [];
  private scheduled = false;
  private unsubs: (() => void)[] = [];
  /** Inputs dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly gd: GuardDuty, private readonly accountId: string, private readonly region: string) {}

  /** Starts listening. */
  start(): void {
    if (this.unsubs.length) return;
    this.unsubs.push(onApiCall((e: ApiCallEvent) => {
      // The CloudTrail record is built in the batch, off the API path (the event is immutable).
      // Without a detector nothing would read it: no record is built (about 4 us per call).
      if (this.gd.wantsLive) this.push(e);
    }));
    this.unsubs.push(onWafLog((e: WafLogEvent) => {
      if (this.gd.wantsLive) this.push({ kind: 'waf', record: e.record as never });
    }));
    const shield = (msg: unknown): void => {
      if (this.gd.wantsLive) this.push({ kind: 'shield', event: msg as ShieldAttackEvent });
    };
    diagnostics_channel.subscribe(SHIELD_ATTACK_CHANNEL, shield);
    this.unsubs.push(() => diagnostics_channel.unsubscribe(SHIELD_ATTACK_CHANNEL, shield));
  }

  /** Stops listening and analyses what is queued. */
  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
    this.drain();
  }

  private push(input: DetectorInput | ApiCallEvent): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.queue.push(input);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Analyses every queued input now. */
  drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!this.gd.wantsLive) return;
    for (let i = 0; i < batch.length; i++) {
      const x = batch[i] as DetectorInput | ApiCallEvent;
      const input: DetectorInput = 'kind' in x ? x : { kind: 'cloudtrail', record: toCloudTrailRecord(x, this.accountId) as unknown as CloudTrailRecord, source: 'live' };
      this.gd.live(input, this.accountId, input.kind === 'cloudtrail' ? input.record.awsRegion : this.region);
    }
  }
}
