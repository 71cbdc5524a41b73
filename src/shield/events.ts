/** Shield's channels: attack start/end published for the detector and the console, and the proxy channels it consumes. */
import diagnostics_channel from 'node:diagnostics_channel';
import type { ShieldAttackEvent } from './types.js';

export { PROXY_REQUEST_CHANNEL, PROXY_CONNECTION_CHANNEL } from '../proxy/index.js';

/** The channel attack start and end events are published on. */
export const SHIELD_ATTACK_CHANNEL = 'bulwark:shield-attack';

const attackChannel = diagnostics_channel.channel(SHIELD_ATTACK_CHANNEL);

/** Publishes an attack event (no cost when nobody listens). */
export function publishShieldAttack(e: ShieldAttackEvent): void {
  if (attackChannel.hasSubscribers) attackChannel.publish(e);
}

/** Subscribes to attack events; returns the unsubscribe function. */
export function onShieldAttack(listener: (e: ShieldAttackEvent) => void): () => void {
  const fn = (msg: unknown): void => listener(msg as ShieldAttackEvent);
  diagnostics_channel.subscribe(SHIELD_ATTACK_CHANNEL, fn);
  return () => diagnostics_channel.unsubscribe(SHIELD_ATTACK_CHANNEL, fn);
}
