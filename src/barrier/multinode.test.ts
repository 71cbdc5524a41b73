/** Two Bulwark nodes sharing one PostgreSQL table: rotation on one is picked up by the other. */
import { expect, it } from 'vitest';
import { postgresPair } from './testing.js';

const withNodes = postgresPair('multinode');

it('node B decrypts values node A wrote after rotating, and rotates on top of A', () =>
  withNodes(async ({ a, b, shares }) => {
    await b.barrier.put('before', Buffer.from('term 1'));
    expect(await a.rotate()).toBe(2);
    await a.barrier.put('after', Buffer.from('term 2'));
    expect(b.status().termCount).toBe(1);
    // Many concurrent reads of an unknown term share one keyring reload.
    const reads = await Promise.all(Array.from({ length: 20 }, () => b.barrier.get('after')));
    for (const r of reads) expect(r?.toString()).toBe('term 2');
    expect(b.status().termCount).toBe(2);
    expect(await b.rotate()).toBe(3);
    await b.barrier.put('third', Buffer.from('term 3'));
    expect((await a.barrier.get('third'))?.toString()).toBe('term 3');
    expect((await a.barrier.get('before'))?.toString()).toBe('term 1');
    // A fresh node sees all three terms.
    a.seal();
    await a.unsealWithShares([shares[0] as string, shares[2] as string]);
    expect(a.status().termCount).toBe(3);
  }));
