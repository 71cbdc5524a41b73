/**
 * KMS key specs, key usages and the algorithms each combination supports, as AWS KMS documents
 * them, plus the service's limits. Pure data: the service validates requests against it.
 */
import type { KmsKeySpec } from './keystore/index.js';

/** A key usage (KeyUsageType). */
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

/** What a spec + usage pair offers; undefined lists are omitted from KeyMetadata. */
export interface UsageProfile {
  readonly encryptionAlgorithms?: readonly string[];
  readonly signingAlgorithms?: readonly string[];
  readonly macAlgorithms?: readonly string[];
  readonly keyAgreementAlgorithms?: readonly string[];
}

const RSA_ENC = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const;
const RSA_SIGN = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
] as const;
const ECDH = ['ECDH'] as const;

/** The valid KeySpec × KeyUsage matrix (AWS: "Key spec reference"). */
export const SPEC_USAGES: Readonly<Record<KmsKeySpec, Partial<Record<KeyUsage, UsageProfile>>>> = {
  SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: { encryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } },
  RSA_2048: { ENCRYPT_DECRYPT: { encryptionAlgorithms: RSA_ENC }, SIGN_VERIFY: { signingAlgorithms: RSA_SIGN } },
  RSA_3072: { ENCRYPT_DECRYPT: { encryptionAlgorithms: RSA_ENC }, SIGN_VERIFY: { signingAlgorithms: RSA_SIGN } },
  RSA_4096: { ENCRYPT_DECRYPT: { encryptionAlgorithms: RSA_ENC }, SIGN_VERIFY: { signingAlgorithms: RSA_SIGN } },
  ECC_NIST_P256: { SIGN_VERIFY: { signingAlgorithms: ['ECDSA_SHA_256'] }, KEY_AGREEMENT: { keyAgreementAlgorithms: ECDH } },
  ECC_NIST_P384: { SIGN_VERIFY: { signingAlgorithms: ['ECDSA_SHA_384'] }, KEY_AGREEMENT: { keyAgreementAlgorithms: ECDH } },
  ECC_NIST_P521: { SIGN_VERIFY: { signingAlgorithms: ['ECDSA_SHA_512'] }, KEY_AGREEMENT: { keyAgreementAlgorithms: ECDH } },
  // secp256k1 is for signing only (AWS lists ECDH key agreement for the NIST curves and SM2).
  ECC_SECG_P256K1: { SIGN_VERIFY: { signingAlgorithms: ['ECDSA_SHA_256'] } },
  ECC_NIST_EDWARDS25519: { SIGN_VERIFY: { signingAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] } },
  HMAC_224: { GENERATE_VERIFY_MAC: { macAlgorithms: ['HMAC_SHA_224'] } },
  HMAC_256: { GENERATE_VERIFY_MAC: { macAlgorithms: ['HMAC_SHA_256'] } },
  HMAC_384: { GENERATE_VERIFY_MAC: { macAlgorithms: ['HMAC_SHA_384'] } },
  HMAC_512: { GENERATE_VERIFY_MAC: { macAlgorithms: ['HMAC_SHA_512'] } },
};

/** Key specs in the model that Bulwark does not implement (China-region SM2, post-quantum ML-DSA). */
export const UNSUPPORTED_KEY_SPECS: ReadonlySet<string> = new Set(['SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87']);

/** True for a KeySpec Bulwark implements. */
export function isKmsKeySpec(s: string): s is KmsKeySpec {
  return Object.prototype.hasOwnProperty.call(SPEC_USAGES, s);
}

/** Data key pair specs Bulwark can generate (DataKeyPairSpec without SM2). */
export const DATA_KEY_PAIR_SPECS: ReadonlySet<string> = new Set([
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519',
]);

/** RSAES-OAEP plaintext limits in bytes: k - 2*hLen - 2 (AWS's table for asymmetric Encrypt). */
export const RSA_OAEP_MAX_PLAINTEXT: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  RSA_2048: { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 },
  RSA_3072: { RSAES_OAEP_SHA_1: 342, RSAES_OAEP_SHA_256: 318 },
  RSA_4096: { RSAES_OAEP_SHA_1: 470, RSAES_OAEP_SHA_256: 446 },
};

/** The digest length a DIGEST message must have for a signing algorithm (ED25519_SHA_512 takes RAW only). */
export const DIGEST_LENGTH: Readonly<Record<string, number>> = {
  RSASSA_PSS_SHA_256: 32, RSASSA_PSS_SHA_384: 48, RSASSA_PSS_SHA_512: 64,
  RSASSA_PKCS1_V1_5_SHA_256: 32, RSASSA_PKCS1_V1_5_SHA_384: 48, RSASSA_PKCS1_V1_5_SHA_512: 64,
  ECDSA_SHA_256: 32, ECDSA_SHA_384: 48, ECDSA_SHA_512: 64, ED25519_PH_SHA_512: 64,
};

/** Grant operations (GrantOperation enum). */
export const GRANT_OPERATIONS: ReadonlySet<string> = new Set([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign',
  'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
]);

const GRANT_COMMON = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

/** Grant operations that are valid for a key, by key type (AWS: "Grant operations"). */
export function grantOperationsFor(spec: KmsKeySpec, usage: KeyUsage): ReadonlySet<string> {
  if (spec === 'SYMMETRIC_DEFAULT') {
    return new Set([...GRANT_COMMON, 'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom',
      'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']);
  }
  switch (usage) {
    case 'ENCRYPT_DECRYPT': return new Set([...GRANT_COMMON, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey']);
    case 'SIGN_VERIFY': return new Set([...GRANT_COMMON, 'Sign', 'Verify', 'GetPublicKey']);
    case 'GENERATE_VERIFY_MAC': return new Set([...GRANT_COMMON, 'GenerateMac', 'VerifyMac']);
    case 'KEY_AGREEMENT': return new Set([...GRANT_COMMON, 'DeriveSharedSecret', 'GetPublicKey']);
  }
}

/** Service limits (AWS KMS quotas and parameter ranges). */
export const KMS_LIMITS = {
  /** Symmetric Encrypt plaintext, bytes. */
  maxPlaintext: 4096,
  /** GenerateDataKey NumberOfBytes and GenerateRandom NumberOfBytes. */
  maxDataKeyBytes: 1024,
  minPendingWindowInDays: 7,
  maxPendingWindowInDays: 30,
  defaultPendingWindowInDays: 30,
  minRotationPeriodInDays: 90,
  maxRotationPeriodInDays: 2560,
  defaultRotationPeriodInDays: 365,
  /** On-demand rotations per key. */
  maxOnDemandRotations: 10,
  /** Tags per key. */
  maxTags: 50,
  /** Aliases per key. */
  maxAliasesPerKey: 50,
  /** Grants per key. */
  maxGrantsPerKey: 50_000,
  /** Key policy document size in bytes. */
  maxKeyPolicyBytes: 32_768,
  /** ValidTo of imported key material: at most this far in the future (365 days). */
  maxImportValidityMs: 365 * 86_400_000,
} as const;
