/** Physical storage: the backend contract, its implementations, and the factory main.ts uses. */
import { MemoryBackend } from './memory.js';
import type { PhysicalBackend } from './types.js';

export type { BatchOp, KVStore, PhysicalBackend } from './types.js';
export { MemoryBackend };

/** Options for {@link openPhysicalBackend}. */
export interface OpenPhysicalBackendOptions {
  /** 'sqlite', or a postgres:// / postgresql:// connection URL. */
  readonly storage: string;
  /** Data directory (the SQLite file lives here). */
  readonly dataDir: string;
  /** PostgreSQL table name; default 'bulwark_kv'. */
  readonly pgTable?: string;
}

/** Opens the physical backend named by `storage`. Throws on an unknown storage kind. */
export async function openPhysicalBackend(opts: OpenPhysicalBackendOptions): Promise<PhysicalBackend> {
  if (opts.storage === 'sqlite') {
    const { SqliteBackend } = await import('./sqlite.js');
    return SqliteBackend.open({ dataDir: opts.dataDir });
  }
  if (/^postgres(ql)?:\/\//.test(opts.storage)) {
    const { PostgresBackend } = await import('./postgres.js');
    return PostgresBackend.open({ url: opts.storage, ...(opts.pgTable !== undefined ? { table: opts.pgTable } : {}) });
  }
  throw new Error(`unknown storage ${JSON.stringify(redactUrl(opts.storage))}: expected 'sqlite' or a postgres:// URL`);
}

/** Hides a password in a URL-looking string so the error message cannot leak it. */
function redactUrl(s: string): string {
  return s.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
