/** The barrier's and seal's own error type; callers branch on `code`, never on the message. */

/** Why a barrier or seal operation failed. */
export type BarrierErrorCode =
  /** A caller tried to read or write a reserved `core/` path. */
  | 'ReservedPath'
  /** A stored value failed AES-GCM authentication: tampered, moved to another path, or wrong key. */
  | 'Integrity'
  /** A stored value is not in the barrier format. */
  | 'Format'
  /** A stored value names a keyring term this node cannot find, even after reloading the keyring. */
  | 'UnknownTerm'
  /** Two nodes rotated concurrently and produced different keys for the same term. */
  | 'KeyringConflict'
  | 'NotInitialized'
  | 'AlreadyInitialized'
  /** The operation belongs to the other seal type ('dev' versus 'shamir'). */
  | 'SealTypeMismatch'
  /** Bad shares/threshold parameters. */
  | 'InvalidSealParameters'
  /** A share that cannot be decoded or does not fit the others; unseal progress was reset. */
  | 'InvalidShare'
  /** The same share was submitted twice; progress is kept. */
  | 'DuplicateShare'
  /** The shares or key combined into a key that does not decrypt the root key. */
  | 'InvalidUnsealKey'
  /** The dev unseal key file is missing or malformed. */
  | 'DevKeyMissing';

/** An error from the barrier or the seal. Messages never contain key material. */
export class BarrierError extends Error {
  readonly code: BarrierErrorCode;

  constructor(code: BarrierErrorCode, message: string) {
    super(message);
    this.name = 'BarrierError';
    this.code = code;
  }
}
