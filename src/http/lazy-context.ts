/**
 * Condition contexts that are built only when read. Most policies on the request path (the default
 * KMS key policy, AdministratorAccess, ...) carry no conditions and no policy variables, so the
 * evaluator never looks a key up: building a dozen-entry Map per request for them is wasted work.
 * The built Map has exactly the entries, values and order the eager code produced.
 */
import type { ConditionContext } from '../iam/index.js';

type Value = string | readonly string[];

/** A read-only Map built by `build()` on first use. */
export abstract class LazyConditionContext implements ReadonlyMap<string, Value> {
  private built: Map<string, Value> | undefined;

  /** Builds the entries (called at most once). */
  protected abstract build(): Map<string, Value>;

  /** The materialised entries. */
  protected map(): Map<string, Value> {
    return (this.built ??= this.build());
  }

  get(key: string): Value | undefined {
    return this.map().get(key);
  }

  has(key: string): boolean {
    return this.map().has(key);
  }

  get size(): number {
    return this.map().size;
  }

  forEach(fn: (value: Value, key: string, map: ReadonlyMap<string, Value>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map()) fn.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, Value]> {
    return this.map().entries();
  }

  keys(): MapIterator<string> {
    return this.map().keys();
  }

  values(): MapIterator<Value> {
    return this.map().values();
  }

  [Symbol.iterator](): MapIterator<[string, Value]> {
    return this.map()[Symbol.iterator]();
  }
}

/**
 * `base` with `overlay`'s entries set over it (what `new Map(base)` plus `set` for each overlay
 * entry gives), without copying either unless the whole context is iterated.
 */
export class MergedConditionContext extends LazyConditionContext {
  constructor(
    private readonly base: ConditionContext,
    private readonly overlay: ConditionContext,
  ) {
    super();
  }

  protected build(): Map<string, Value> {
    const m = new Map(this.base);
    for (const [k, v] of this.overlay) m.set(k, v);
    return m;
  }

  override get(key: string): Value | undefined {
    return this.overlay.has(key) ? this.overlay.get(key) : this.base.get(key);
  }

  override has(key: string): boolean {
    return this.overlay.has(key) || this.base.has(key);
  }
}
