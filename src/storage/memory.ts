/** An in-memory physical backend: for unit tests and the conformance suite's reference. Not durable. */
import type { BatchOp, PhysicalBackend } from './types.js';
import { checkBatch, checkKey, checkValue, compareUtf8 } from './validate.js';

/** A PhysicalBackend held in a Map; values are copied in and out so callers cannot alias them. */
export class MemoryBackend implements PhysicalBackend {
  readonly kind = 'memory';
  private readonly data = new Map<string, Buffer>();
  private closed = false;

  async get(key: string): Promise<Buffer | undefined> {
    this.check();
    checkKey(key);
    const v = this.data.get(key);
    return v === undefined ? undefined : Buffer.from(v);
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.check();
    checkKey(key);
    checkValue(value);
    this.data.set(key, Buffer.from(value));
  }

  async delete(key: string): Promise<void> {
    this.check();
    checkKey(key);
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    checkKey(prefix);
    const out: string[] = [];
    for (const k of this.data.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort(compareUtf8);
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.check();
    // Validating everything first makes the batch all-or-nothing: nothing below can throw.
    checkBatch(ops);
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
