/**
 * What Shield consumes from the data plane and publishes: the proxy's request and connection
 * events (published by src/proxy on `bulwark:proxy-request` / `bulwark:proxy-connection`; defined
 * here so Shield does not depend on the proxy's internals) and Shield's own attack events.
 */

/** A completed proxy request as published on `bulwark:proxy-request`. */
export interface ProxyRequestEvent {
  readonly site: string;
  readonly siteArn: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly clientIp: string;
  readonly country?: string;
  readonly method: string;
  /** The path (no query string). */
  readonly uri: string;
  readonly hasQuery: boolean;
  readonly userAgent?: string;
  readonly referer?: string;
  readonly status: number;
  readonly action: 'ALLOW' | 'BLOCK' | 'COUNT' | 'CAPTCHA' | 'CHALLENGE';
  readonly terminatingRuleId?: string;
  readonly labels?: readonly string[];
}

/** Why the proxy refused or cut a connection. */
export type ConnectionRejectKind =
  | 'PER_IP_CONNECTIONS' | 'CONNECTION_RATE' | 'GLOBAL_SHED' | 'SLOW_HEADERS' | 'SLOW_BODY' | 'SLOW_READ' | 'IDLE' | 'OVERSIZE';

/** A connection rejection as published on `bulwark:proxy-connection`. */
export interface ProxyConnectionEvent {
  readonly site: string;
  readonly siteArn: string;
  readonly time: number;
  readonly clientIp: string;
  readonly kind: ConnectionRejectKind;
}

/** The AWS attack vector types Bulwark reports (AttackVectorDescription.VectorType values). */
export type VectorType = 'REQUEST_FLOOD' | 'SYN_FLOOD';

/** An attack start or end as published on `bulwark:shield-attack`. */
export interface ShieldAttackEvent {
  readonly phase: 'start' | 'end';
  readonly attackId: string;
  readonly resourceArn: string;
  readonly startTime: Date;
  readonly endTime?: Date;
  readonly vectors: readonly VectorType[];
  readonly topSources: readonly { readonly ip: string; readonly count: number }[];
}
