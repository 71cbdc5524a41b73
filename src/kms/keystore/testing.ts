/** Test helpers shared by the keystore's tests. */
import { expect } from 'vitest';
import { AwsError } from '../../errors/index.js';

/** Asserts that `p` rejects with an AwsError of exactly `code`. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof AwsError && e.code === code);
}

/** Asserts that `fn` throws an AwsError of exactly `code`. */
export function expectCodeSync(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown instanceof AwsError && thrown.code, String(thrown)).toBe(code);
}
