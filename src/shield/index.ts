/** AWS Shield Advanced: the Shield API, baseline-driven attack detection, automatic application-layer mitigation and attack events. */
export { shieldService, resourceTypeOf, DEFAULT_SHIELD_LIMITS, type ShieldService, type ShieldServiceDeps, type ShieldLimits } from './service.js';
export { ShieldStore } from './store.js';
export { ShieldController, type ShieldControllerOptions } from './controller.js';
export { MitigationPlacer, SHIELD_RULE_PRIORITY, SHIELD_GROUP_PREFIX, type MitigationDeps } from './mitigation.js';
export { DEFAULT_DETECTION, type DetectionConfig } from './detector.js';
export { parseShieldSettings, type ShieldSettings } from './config.js';
export { SHIELD_ATTACK_CHANNEL, onShieldAttack } from './events.js';
export type { ShieldAttackEvent, ProxyRequestEvent, ProxyConnectionEvent, VectorType } from './types.js';
