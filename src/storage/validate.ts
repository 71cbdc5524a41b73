/**
 * Input checks shared by every physical backend, so that all of them accept and reject exactly the
 * same keys and batches (PostgreSQL cannot store NUL or lone surrogates in TEXT; SQLite and the
 * in-memory backend could, which would make the backends silently disagree).
 */
import type { BatchOp } from './types.js';

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const BAD_KEY = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws unless `key` is a string of well-formed UTF-16 without NUL characters. */
export function checkKey(key: string): void {
  if (typeof key !== 'string') throw new TypeError('storage key must be a string');
  if (BAD_KEY.test(key)) throw new TypeError('storage key must be well-formed Unicode without NUL characters');
}

/** Throws unless `value` is a Buffer (or Uint8Array). */
export function checkValue(value: Buffer): void {
  if (!(value instanceof Uint8Array)) throw new TypeError('storage value must be a Buffer');
}

/** Validates every operation of a batch before any is applied. */
export function checkBatch(ops: readonly BatchOp[]): void {
  if (!Array.isArray(ops)) throw new TypeError('batch operations must be an array');
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BatchOp | undefined;
    if (op === null || typeof op !== 'object') throw new TypeError(`batch operation ${i} is not an object`);
    if (op.op === 'put') {
      checkKey(op.key);
      checkValue(op.value);
    } else if (op.op === 'delete') {
      checkKey(op.key);
    } else {
      throw new TypeError(`batch operation ${i} has unknown op ${JSON.stringify((op as { op?: unknown }).op)}`);
    }
  }
}

/**
 * The smallest string greater than every string that starts with `prefix`, in UTF-8 byte order
 * (which equals Unicode code point order), or undefined when no such string exists (the prefix is
 * empty or made only of U+10FFFF). Keys in [prefix, upperBound) are exactly the keys with the prefix.
 * The bound is itself well-formed Unicode, so it can be bound as TEXT in SQLite and PostgreSQL.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < 0x10ffff) {
      // Skip the surrogate range: U+D800..U+DFFF are not scalar values and have no UTF-8 encoding.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      cps.push(next);
      return String.fromCodePoint(...cps);
    }
  }
  return undefined;
}

/** Compares two strings in UTF-8 byte order (code point order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
