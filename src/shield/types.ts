/**
 * What Shield consumes from the data plane and publishes: the proxy's request and connection
 * events (published by src/proxy on `bulwark:proxy-request` / `bulwark:proxy-connection`, types
 * from its public index) and Shield's own attack events.
 */
import type { ProxyConnectionEvent, ProxyConnectionKind, ProxyRequestObservation } from '../proxy/index.js';

/** A completed proxy request as published on `bulwark:proxy-request` (the proxy defines it). */
export type ProxyRequestEvent = ProxyRequestObservation;

/** Why the proxy refused or cut a connection. */
export type ConnectionRejectKind = ProxyConnectionKind;

export type { ProxyConnectionEvent };

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
