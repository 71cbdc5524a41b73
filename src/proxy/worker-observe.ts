/**
 * The data plane's observations across processes. Shield's detector (`bulwark:proxy-request`,
 * `bulwark:proxy-connection`) and GuardDuty's WAF-log input (`bulwark:waf-log`) subscribe in the
 * primary; a worker's proxy publishes on its own process's channels. A worker therefore listens on
 * the channels the primary wants (nothing is built for a channel nobody listens to), queues the
 * messages, and the composition root drains them in batches over IPC; the primary republishes them
 * on its channels, where the subscribers cannot tell them from local ones.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { PROXY_CONNECTION_CHANNEL, PROXY_REQUEST_CHANNEL, proxyConnectionChannel, proxyRequestChannel, type ProxyConnectionEvent, type ProxyRequestObservation } from './observe.js';
import { publishWafLog, WAF_LOG_CHANNEL, type WafLogEvent } from './waf-log.js';

/** Which channels have subscribers in the primary. */
export interface ObservationWants {
  readonly requests: boolean;
  readonly connections: boolean;
  readonly wafLogs: boolean;
}

/** One batch of observations from a worker. */
export interface ObservationBatch {
  readonly requests: readonly ProxyRequestObservation[];
  readonly connections: readonly ProxyConnectionEvent[];
  readonly wafLogs: readonly WafLogEvent[];
}

/** The primary's current wants (what its services subscribe to). */
export function currentWants(): ObservationWants {
  return {
    requests: proxyRequestChannel.hasSubscribers,
    connections: proxyConnectionChannel.hasSubscribers,
    wafLogs: diagnostics_channel.channel(WAF_LOG_CHANNEL).hasSubscribers,
  };
}

/** Queues a worker's observations for the primary (see the module comment). */
export class ObservationForwarder {
  private requests: ProxyRequestObservation[] = [];
  private connections: ProxyConnectionEvent[] = [];
  private wafLogs: WafLogEvent[] = [];
  private wants: ObservationWants = { requests: false, connections: false, wafLogs: false };
  /** Observations dropped because the queue was full (the primary is not keeping up). */
  dropped = 0;

  private readonly onRequest = (m: unknown): void => {
    if (this.requests.length < this.maxQueued) this.requests.push(m as ProxyRequestObservation);
    else this.dropped++;
  };
  private readonly onConnection = (m: unknown): void => {
    if (this.connections.length < this.maxQueued) this.connections.push(m as ProxyConnectionEvent);
    else this.dropped++;
  };
  private readonly onWafLog = (m: unknown): void => {
    if (this.wafLogs.length < this.maxQueued) this.wafLogs.push(m as WafLogEvent);
    else this.dropped++;
  };

  /** `maxQueued` bounds each queue between two drains. */
  constructor(private readonly maxQueued = 50_000) {}

  /** Subscribes to exactly the channels the primary wants. */
  want(w: ObservationWants): void {
    const toggle = (name: string, was: boolean, now: boolean, fn: (m: unknown) => void): void => {
      if (now && !was) diagnostics_channel.subscribe(name, fn);
      if (!now && was) diagnostics_channel.unsubscribe(name, fn);
    };
    toggle(PROXY_REQUEST_CHANNEL, this.wants.requests, w.requests, this.onRequest);
    toggle(PROXY_CONNECTION_CHANNEL, this.wants.connections, w.connections, this.onConnection);
    toggle(WAF_LOG_CHANNEL, this.wants.wafLogs, w.wafLogs, this.onWafLog);
    this.wants = { requests: w.requests, connections: w.connections, wafLogs: w.wafLogs };
  }

  /** The queued observations (undefined when there are none); the queues start over. */
  drain(): ObservationBatch | undefined {
    if (this.requests.length === 0 && this.connections.length === 0 && this.wafLogs.length === 0) return undefined;
    const b = { requests: this.requests, connections: this.connections, wafLogs: this.wafLogs };
    this.requests = [];
    this.connections = [];
    this.wafLogs = [];
    return b;
  }

  /** Unsubscribes from everything. */
  close(): void {
    this.want({ requests: false, connections: false, wafLogs: false });
  }
}

/** Publishes a worker's batch on the primary's channels. */
export function republish(b: ObservationBatch): void {
  if (proxyRequestChannel.hasSubscribers) for (const o of b.requests) proxyRequestChannel.publish(o);
  if (proxyConnectionChannel.hasSubscribers) for (const o of b.connections) proxyConnectionChannel.publish(o);
  for (const e of b.wafLogs) publishWafLog(e);
}
