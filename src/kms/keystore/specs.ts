/**
 * Static facts about KMS key specs and algorithms: which algorithms a key spec supports, digest
 * sizes, OAEP plaintext limits, HMAC key sizes. Pure data, no key material.
 */

/** A KMS key spec the keystore can hold material for. */
export type KmsKeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512';

/** Key specs of asymmetric data key pairs (GenerateDataKeyPair). */
export type DataKeyPairSpec =
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519';

/** Wrapping algorithms of GetParametersForImport. */
export type WrappingAlgorithm =
  | 'RSAES_OAEP_SHA_1'
  | 'RSAES_OAEP_SHA_256'
  | 'RSA_AES_KEY_WRAP_SHA_1'
  | 'RSA_AES_KEY_WRAP_SHA_256'
  | 'RSAES_PKCS1_V1_5';

/** Every key spec, in the order of the KMS model. */
export const KEY_SPECS: readonly KmsKeySpec[] = [
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
];

/** The broad family of a key spec, which decides how its material is held. */
export type KeyFamily = 'aes' | 'rsa' | 'ec' | 'ed25519' | 'hmac';

/** A key spec's family and parameters. */
export interface SpecInfo {
  readonly family: KeyFamily;
  /** RSA modulus bits. */
  readonly modulusBits?: number;
  /** OpenSSL curve name for EC keys (as KeyObject.asymmetricKeyDetails.namedCurve reports it). */
  readonly curve?: string;
  /** HMAC: node hash name; generated key length; accepted imported key lengths. */
  readonly hash?: string;
  readonly keyBytes?: number;
  readonly minImportBytes?: number;
  readonly maxImportBytes?: number;
}

/** Facts for every key spec. HMAC import ranges are AWS's documented ones. */
export const SPEC_INFO: Readonly<Record<KmsKeySpec, SpecInfo>> = {
  SYMMETRIC_DEFAULT: { family: 'aes', keyBytes: 32 },
  RSA_2048: { family: 'rsa', modulusBits: 2048 },
  RSA_3072: { family: 'rsa', modulusBits: 3072 },
  RSA_4096: { family: 'rsa', modulusBits: 4096 },
  ECC_NIST_P256: { family: 'ec', curve: 'prime256v1' },
  ECC_NIST_P384: { family: 'ec', curve: 'secp384r1' },
  ECC_NIST_P521: { family: 'ec', curve: 'secp521r1' },
  ECC_SECG_P256K1: { family: 'ec', curve: 'secp256k1' },
  ECC_NIST_EDWARDS25519: { family: 'ed25519' },
  HMAC_224: { family: 'hmac', hash: 'sha224', keyBytes: 28, minImportBytes: 28, maxImportBytes: 64 },
  HMAC_256: { family: 'hmac', hash: 'sha256', keyBytes: 32, minImportBytes: 32, maxImportBytes: 64 },
  HMAC_384: { family: 'hmac', hash: 'sha384', keyBytes: 48, minImportBytes: 48, maxImportBytes: 128 },
  HMAC_512: { family: 'hmac', hash: 'sha512', keyBytes: 64, minImportBytes: 64, maxImportBytes: 128 },
};

/** True when `s` names a key spec the keystore supports. */
export function isKeySpec(s: string): s is KmsKeySpec {
  return Object.prototype.hasOwnProperty.call(SPEC_INFO, s);
}

/** How a signing algorithm signs. */
export interface SigningAlgorithmInfo {
  readonly scheme: 'pss' | 'pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph';
  /** Node hash name of the message digest (sha512 for both Ed25519 variants). */
  readonly hash: string;
  /** Digest size in bytes: the required length of a DIGEST message. */
  readonly digestBytes: number;
}

/** Every signing algorithm the keystore knows. SM2DSA and ML_DSA are not supported. */
export const SIGNING_ALGORITHMS: Readonly<Record<string, SigningAlgorithmInfo>> = {
  RSASSA_PSS_SHA_256: { scheme: 'pss', hash: 'sha256', digestBytes: 32 },
  RSASSA_PSS_SHA_384: { scheme: 'pss', hash: 'sha384', digestBytes: 48 },
  RSASSA_PSS_SHA_512: { scheme: 'pss', hash: 'sha512', digestBytes: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { scheme: 'pkcs1', hash: 'sha256', digestBytes: 32 },
  RSASSA_PKCS1_V1_5_SHA_384: { scheme: 'pkcs1', hash: 'sha384', digestBytes: 48 },
  RSASSA_PKCS1_V1_5_SHA_512: { scheme: 'pkcs1', hash: 'sha512', digestBytes: 64 },
  ECDSA_SHA_256: { scheme: 'ecdsa', hash: 'sha256', digestBytes: 32 },
  ECDSA_SHA_384: { scheme: 'ecdsa', hash: 'sha384', digestBytes: 48 },
  ECDSA_SHA_512: { scheme: 'ecdsa', hash: 'sha512', digestBytes: 64 },
  ED25519_SHA_512: { scheme: 'ed25519', hash: 'sha512', digestBytes: 64 },
  ED25519_PH_SHA_512: { scheme: 'ed25519ph', hash: 'sha512', digestBytes: 64 },
};

const RSA_SIGNING = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
] as const;

/** Signing algorithms per key spec, as AWS pairs them (each ECC curve has exactly one). */
export const SIGNING_ALGORITHMS_FOR: Readonly<Partial<Record<KmsKeySpec, readonly string[]>>> = {
  RSA_2048: RSA_SIGNING,
  RSA_3072: RSA_SIGNING,
  RSA_4096: RSA_SIGNING,
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_NIST_P384: ['ECDSA_SHA_384'],
  ECC_NIST_P521: ['ECDSA_SHA_512'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256'],
  ECC_NIST_EDWARDS25519: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
};

/** RSA encryption algorithms and their OAEP hash. */
export const RSA_ENCRYPTION_ALGORITHMS: Readonly<Record<string, { readonly hash: 'sha1' | 'sha256'; readonly hashBytes: number }>> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', hashBytes: 20 },
  RSAES_OAEP_SHA_256: { hash: 'sha256', hashBytes: 32 },
};

/** Largest OAEP plaintext: k - 2·hLen - 2 (RSA_2048: 214 / 190 bytes, as AWS documents). */
export function oaepMaxPlaintext(modulusBits: number, hashBytes: number): number {
  return modulusBits / 8 - 2 * hashBytes - 2;
}

/** MAC algorithms and the HMAC key spec each belongs to. */
export const MAC_ALGORITHMS: Readonly<Record<string, KmsKeySpec>> = {
  HMAC_SHA_224: 'HMAC_224',
  HMAC_SHA_256: 'HMAC_256',
  HMAC_SHA_384: 'HMAC_384',
  HMAC_SHA_512: 'HMAC_512',
};

/** Largest message for Sign/Verify (RAW) and GenerateMac/VerifyMac, in bytes. */
export const MAX_MESSAGE_BYTES = 4096;
