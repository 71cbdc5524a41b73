/** An in-memory physical backend: for unit tests and the conformance suite's reference. Not durable. */
import type { BatchOp, PhysicalBackend } from './types.js';

/** A PhysicalBackend held in a Map; values are copied in and out so callers cannot alias them. */
export class MemoryBackend implements PhysicalBackend {
  readonly kind = 'memory';
  private readonly data = new Map<string, Buffer>();
  private closed = false;

  async get(key: string): Promise<Buffer | undefined> {
    this.check();
    const v = this.data.get(key);
    return v === undefined ? undefined : Buffer.from(v);
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.check();
    this.data.set(key, Buffer.from(value));
  }

  async delete(key: string): Promise<void> {
    this.check();
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    const out: string[] = [];
    for (const k of this.data.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.check();
    for (const op of ops) {
      if (op.op === 'put') this.data.set(op.key, Buffer.from(op.value));
      else this.data.delete(op.key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('backend closed');
  }
}
