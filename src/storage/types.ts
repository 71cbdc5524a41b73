/**
 * The physical storage contract. Backends store opaque bytes under string keys and know nothing
 * of what they hold: everything above them goes through the encrypting barrier, so a backend
 * (a SQLite file, a PostgreSQL table) only ever sees ciphertext.
 */

/** One write in an atomic batch. */
export type BatchOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly op: 'delete'; readonly key: string };

/**
 * A key/value store of bytes. Keys are UTF-8 strings using '/' as a path separator.
 * Every method is atomic; `batch` applies all of its operations or none.
 */
export interface KVStore {
  /** The value at `key`, or undefined. */
  get(key: string): Promise<Buffer | undefined>;
  /** Writes `value` at `key` durably before resolving. */
  put(key: string, value: Buffer): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** All keys starting with `prefix`, sorted ascending (byte order of UTF-8). */
  list(prefix: string): Promise<string[]>;
  /** Applies every operation atomically, in order. */
  batch(ops: readonly BatchOp[]): Promise<void>;
  /**
   * Optional: settles, now, the promises of writes that are already durable but whose completion
   * would otherwise only be seen when the event loop next polls (the SQLite backend's writer
   * thread). A hot path that queues writes calls it so a busy event loop does not hold a finished
   * commit, and every client waiting on it, for a whole loop iteration. Cheap when nothing is done.
   */
  settle?(): void;
}

/** A physical backend: a KVStore plus lifecycle. */
export interface PhysicalBackend extends KVStore {
  /** A short name for logs and health: 'sqlite' or 'postgres'. */
  readonly kind: string;
  /** Flushes and releases resources. Further calls fail. */
  close(): Promise<void>;
}
