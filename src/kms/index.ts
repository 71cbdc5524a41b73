/** AWS KMS: the API service over the keystore (key material) and the KV store (metadata). */
export { kmsService, type KmsService, type KmsServiceDeps } from './service.js';
export { KMS_LIMITS } from './specs.js';
