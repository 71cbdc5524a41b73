import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt, HEADER_LEN, TAG_LEN, termOf } from './envelope.js';
import { BarrierError } from './errors.js';

describe('envelope', () => {
  const key = createSecretKey(randomBytes(32));
  const aad = Buffer.from('p/1');

  it('lays out version | term | nonce | ciphertext | tag and round-trips', () => {
    const ct = encrypt(key, 0xdeadbeef, Buffer.from('abc'), aad);
    expect(ct.length).toBe(HEADER_LEN + 3 + TAG_LEN);
    expect(ct[0]).toBe(1);
    expect(termOf(ct, 'p/1')).toBe(0xdeadbeef);
    expect(decrypt(key, ct, aad, 'p/1').toString()).toBe('abc');
  });

  it('never repeats a nonce across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const ct = encrypt(key, 1, Buffer.alloc(0), aad);
      seen.add(ct.subarray(5, 17).toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('fails with Integrity under a wrong key or AAD', () => {
    const ct = encrypt(key, 1, Buffer.from('abc'), aad);
    expect(() => decrypt(createSecretKey(randomBytes(32)), ct, aad, 'p/1')).toThrow(BarrierError);
    expect(() => decrypt(key, ct, Buffer.from('p/2'), 'p/2')).toThrow(/failed authentication/);
  });
});
