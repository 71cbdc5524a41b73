/** The encrypting barrier and the seal: everything else stores through `SealManager.barrier`. */
export { Barrier } from './barrier.js';
export { BarrierError, type BarrierErrorCode } from './errors.js';
export {
  DEV_KEY_FILE,
  SealManager,
  type SealConfig,
  type SealManagerOptions,
  type SealStatus,
  type SealType,
} from './seal.js';
