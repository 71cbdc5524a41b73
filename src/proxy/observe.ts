/**
 * Observation channels of the data plane for Shield's detector and anyone else who listens: one
 * `bulwark:proxy-request` message per request, when it completes or, for a request that has to wait
 * for the upstream gate, when it starts waiting (`queued`: a flood that piles up in front of a
 * saturated upstream is seen as it arrives, not as the upstream works through it), and one
 * `bulwark:proxy-connection` message per connection the limits rejected or cut. Publishers check
 * `hasSubscribers` first, so nothing is built when nobody listens.
 */
import { channel } from 'node:diagnostics_channel';

/** The diagnostics channel name of completed proxy requests. */
export const PROXY_REQUEST_CHANNEL = 'bulwark:proxy-request';
/** The diagnostics channel name of rejected or cut connections. */
export const PROXY_CONNECTION_CHANNEL = 'bulwark:proxy-connection';

/** One request as the proxy saw it, when it completed or started waiting at the upstream gate. */
export interface ProxyRequestObservation {
  readonly site: string;
  readonly siteArn: string;
  /** Request arrival, ms since the epoch. */
  readonly time: number;
  readonly clientIp: string;
  readonly country?: string;
  readonly method: string;
  /** The path only (no query string). */
  readonly uri: string;
  readonly hasQuery: boolean;
  readonly userAgent?: string;
  readonly referer?: string;
  /** The status sent to the client (0 when the connection closed before a response, or `queued`). */
  readonly status: number;
  /** Published when the request started waiting at the upstream gate: its outcome is not known (and not published later). */
  readonly queued?: true;
  readonly action: 'ALLOW' | 'BLOCK' | 'COUNT' | 'CAPTCHA' | 'CHALLENGE';
  readonly terminatingRuleId?: string;
  readonly labels?: readonly string[];
}

/** Why a connection was refused or cut by the site's limits. */
export type ProxyConnectionKind = 'PER_IP_CONNECTIONS' | 'CONNECTION_RATE' | 'GLOBAL_SHED' | 'SLOW_HEADERS' | 'SLOW_BODY' | 'SLOW_READ' | 'IDLE' | 'OVERSIZE';

/** One connection refused or cut by the site's limits. */
export interface ProxyConnectionEvent {
  readonly site: string;
  readonly siteArn: string;
  /** ms since the epoch. */
  readonly time: number;
  readonly clientIp: string;
  readonly kind: ProxyConnectionKind;
}

/** The request channel (module-held so it is never collected). */
export const proxyRequestChannel = channel(PROXY_REQUEST_CHANNEL);
/** The connection channel (module-held so it is never collected). */
export const proxyConnectionChannel = channel(PROXY_CONNECTION_CHANNEL);

/** Subscribes to completed proxy requests; returns the unsubscribe function. */
export function onProxyRequest(fn: (o: ProxyRequestObservation) => void): () => void {
  const h = (m: unknown): void => fn(m as ProxyRequestObservation);
  proxyRequestChannel.subscribe(h);
  return () => {
    proxyRequestChannel.unsubscribe(h);
  };
}

/** Subscribes to rejected or cut connections; returns the unsubscribe function. */
export function onProxyConnection(fn: (e: ProxyConnectionEvent) => void): () => void {
  const h = (m: unknown): void => fn(m as ProxyConnectionEvent);
  proxyConnectionChannel.subscribe(h);
  return () => {
    proxyConnectionChannel.unsubscribe(h);
  };
}
