/** The KMS keystore: the one module that holds KMS key material and performs its cryptography. */
export {
  IMPORT_PARAMETERS_TTL_MS,
  KeyStore,
  MAX_PLAINTEXT_BYTES,
  type DecryptResult,
  type DestroyScope,
  type ImportParameters,
} from './keystore.js';
export { OVERHEAD_BYTES as CIPHERTEXT_OVERHEAD_BYTES, encodeContext } from './ciphertext.js';
export {
  KEY_SPECS,
  MAC_ALGORITHMS,
  SIGNING_ALGORITHMS_FOR,
  type DataKeyPairSpec,
  type KmsKeySpec,
  type WrappingAlgorithm,
} from './specs.js';
