/**
 * The physical backend conformance suite: one set of vitest cases every backend must pass, so the
 * SQLite, PostgreSQL and in-memory backends are interchangeable. Call it from a `*.test.ts` file;
 * `factory` must return a fresh, empty backend each time (the suite closes it after each case).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchOp, PhysicalBackend } from './types.js';
import { compareUtf8 } from './validate.js';

/** Registers the conformance cases for one backend under `describe(name)`. */
export function backendConformance(name: string, factory: () => Promise<PhysicalBackend>): void {
  describe(`PhysicalBackend conformance: ${name}`, () => {
    let open: PhysicalBackend[] = [];
    const make = async (): Promise<PhysicalBackend> => {
      const b = await factory();
      open.push(b);
      return b;
    };
    afterEach(async () => {
      for (const b of open) await b.close();
      open = [];
    });

    it('returns undefined for a missing key', async () => {
      const b = await make();
      expect(await b.get('missing')).toBeUndefined();
      expect(await b.get('')).toBeUndefined();
    });

    it('puts, gets and overwrites', async () => {
      const b = await make();
      await b.put('a/b', Buffer.from('one'));
      expect(await b.get('a/b')).toEqual(Buffer.from('one'));
      await b.put('a/b', Buffer.from('two'));
      expect(await b.get('a/b')).toEqual(Buffer.from('two'));
      expect(await b.list('')).toEqual(['a/b']);
    });

    it('stores binary values exactly: empty, all 256 byte values, NUL-laden', async () => {
      const b = await make();
      const all = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      const reversed = Buffer.from(all).reverse();
      const nuls = Buffer.from([0, 0, 0, 1, 0, 0xff, 0]);
      await b.put('empty', Buffer.alloc(0));
      await b.put('all', all);
      await b.put('reversed', reversed);
      await b.put('nuls', nuls);
      const empty = await b.get('empty');
      expect(Buffer.isBuffer(empty)).toBe(true);
      expect(empty?.length).toBe(0);
      expect((await b.get('all'))?.equals(all)).toBe(true);
      expect((await b.get('reversed'))?.equals(reversed)).toBe(true);
      expect((await b.get('nuls'))?.equals(nuls)).toBe(true);
    });

    it('does not alias the caller buffer', async () => {
      const b = await make();
      const v = Buffer.from('abc');
      await b.put('k', v);
      v[0] = 0x7a;
      const got = await b.get('k');
      expect(got?.toString()).toBe('abc');
      if (got) got[1] = 0x7a;
      expect((await b.get('k'))?.toString()).toBe('abc');
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const b = await make();
      await b.delete('never-existed');
      await b.put('x', Buffer.from('1'));
      await b.delete('x');
      expect(await b.get('x')).toBeUndefined();
      await b.delete('x');
      expect(await b.list('')).toEqual([]);
    });

    it('lists keys under a prefix in UTF-8 byte order', async () => {
      const b = await make();
      // U+FFFF sorts before U+10000 in UTF-8 (EF BF BF < F0 90 80 80) but after it in UTF-16.
      const keys = ['b', 'a', 'B', 'A', 'a/b', 'a/b/c', 'a/bc', 'a/c', 'é', 'z', '\uffff', '\u{10000}', '\u0001', 'a b', 'ab'];
      for (const k of keys) await b.put(k, Buffer.from(k));
      const sorted = [...keys].sort(compareUtf8);
      expect(sorted.indexOf('\uffff')).toBeLessThan(sorted.indexOf('\u{10000}'));
      expect(await b.list('')).toEqual(sorted);
      expect(await b.list('a/')).toEqual(['a/b', 'a/b/c', 'a/bc', 'a/c']);
      // A prefix that is itself a full key includes that key and longer keys, not siblings.
      expect(await b.list('a/b')).toEqual(['a/b', 'a/b/c', 'a/bc']);
      expect(await b.list('a/b/c')).toEqual(['a/b/c']);
      expect(await b.list('a/b/c/')).toEqual([]);
      expect(await b.list('nothing')).toEqual([]);
      expect(await b.list('a')).toEqual(['a', 'a b', 'a/b', 'a/b/c', 'a/bc', 'a/c', 'ab']);
      expect(await b.list('A')).toEqual(['A']);
      expect(await b.list('\uffff')).toEqual(['\uffff']);
      expect(await b.list('\u{10000}')).toEqual(['\u{10000}']);
    });

    it('lists correctly for prefixes at the edges of Unicode', async () => {
      const b = await make();
      const keys = [
        'p\uffff', 'p\uffffx', 'p\u{10000}', 'p\u{10000}x',
        'q\u{10ffff}', 'q\u{10ffff}a', 'q\u{10ffff}\u{10ffff}', 'r',
        'k\ud7ff', 'k\ud7ffz', 'k\ue000',
        '\u{10ffff}', '\u{10ffff}\u{10ffff}', 'é/1', 'é/2', 'éa', 'e/1', '日本/語', '日本語',
      ];
      for (const k of keys) await b.put(k, Buffer.from('v'));
      expect(await b.list('p\uffff')).toEqual(['p\uffff', 'p\uffffx']);
      expect(await b.list('p\u{10000}')).toEqual(['p\u{10000}', 'p\u{10000}x']);
      expect(await b.list('q\u{10ffff}')).toEqual(['q\u{10ffff}', 'q\u{10ffff}\u{10ffff}', 'q\u{10ffff}a'].sort(compareUtf8));
      expect(await b.list('k\ud7ff')).toEqual(['k\ud7ff', 'k\ud7ffz']);
      expect(await b.list('\u{10ffff}')).toEqual(['\u{10ffff}', '\u{10ffff}\u{10ffff}']);
      expect(await b.list('é')).toEqual(['é/1', 'é/2', 'éa']);
      expect(await b.list('日本')).toEqual(['日本/語', '日本語']);
      expect(await b.list('')).toEqual([...keys].sort(compareUtf8));
    });

    it('rejects malformed keys the same way everywhere', async () => {
      const b = await make();
      await expect(b.put('a\0b', Buffer.from('x'))).rejects.toThrow(TypeError);
      await expect(b.put('lone\ud800', Buffer.from('x'))).rejects.toThrow(TypeError);
      await expect(b.get('lone\udc00')).rejects.toThrow(TypeError);
      await expect(b.list('\0')).rejects.toThrow(TypeError);
      await expect(b.put('k', 'not a buffer' as unknown as Buffer)).rejects.toThrow(TypeError);
      expect(await b.list('')).toEqual([]);
    });

    it('applies a batch in order', async () => {
      const b = await make();
      await b.put('gone', Buffer.from('x'));
      await b.batch([
        { op: 'put', key: 'k', value: Buffer.from('1') },
        { op: 'delete', key: 'k' },
        { op: 'put', key: 'k', value: Buffer.from('2') },
        { op: 'put', key: 'j', value: Buffer.from('3') },
        { op: 'delete', key: 'j' },
        { op: 'delete', key: 'gone' },
        { op: 'put', key: 'e', value: Buffer.alloc(0) },
      ]);
      expect((await b.get('k'))?.toString()).toBe('2');
      expect(await b.get('j')).toBeUndefined();
      expect(await b.get('gone')).toBeUndefined();
      expect((await b.get('e'))?.length).toBe(0);
      await b.batch([]);
      expect(await b.list('')).toEqual(['e', 'k']);
    });

    it('applies nothing from a batch that fails midway', async () => {
      const b = await make();
      await b.put('a', Buffer.from('orig'));
      const bad: BatchOp[] = [
        { op: 'put', key: 'b', value: Buffer.from('new') },
        { op: 'delete', key: 'a' },
        { op: 'put', key: 'a', value: Buffer.from('changed') },
        { op: 'frobnicate', key: 'c' } as unknown as BatchOp,
        { op: 'put', key: 'd', value: Buffer.from('late') },
      ];
      await expect(b.batch(bad)).rejects.toThrow();
      const badValue: BatchOp[] = [
        { op: 'put', key: 'b', value: Buffer.from('new') },
        { op: 'put', key: 'c', value: 42 as unknown as Buffer },
      ];
      await expect(b.batch(badValue)).rejects.toThrow();
      const badKey: BatchOp[] = [
        { op: 'delete', key: 'a' },
        { op: 'put', key: 'bad\0key', value: Buffer.from('x') },
      ];
      await expect(b.batch(badKey)).rejects.toThrow();
      expect((await b.get('a'))?.toString()).toBe('orig');
      expect(await b.list('')).toEqual(['a']);
      // The backend is still usable after a failed batch.
      await b.batch([{ op: 'put', key: 'b', value: Buffer.from('ok') }]);
      expect(await b.list('')).toEqual(['a', 'b']);
    });

    it('stores a 1 MiB value', async () => {
      const b = await make();
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      await b.put('big', big);
      expect((await b.get('big'))?.equals(big)).toBe(true);
      await b.batch([{ op: 'put', key: 'big2', value: big }]);
      expect((await b.get('big2'))?.equals(big)).toBe(true);
    });

    it('handles concurrent puts', async () => {
      const b = await make();
      const n = 64;
      await Promise.all(Array.from({ length: n }, (_, i) => b.put(`c/${String(i).padStart(3, '0')}`, Buffer.from(String(i)))));
      const listed = await b.list('c/');
      expect(listed).toHaveLength(n);
      for (let i = 0; i < n; i++) expect((await b.get(`c/${String(i).padStart(3, '0')}`))?.toString()).toBe(String(i));
      // Racing writers to one key: the result is exactly one of the written values.
      const values = Array.from({ length: 32 }, (_, i) => `w${i}`);
      await Promise.all(values.map((v) => b.put('same', Buffer.from(v))));
      expect(values).toContain((await b.get('same'))?.toString());
      await Promise.all([
        b.batch([{ op: 'put', key: 'x', value: Buffer.from('1') }, { op: 'put', key: 'y', value: Buffer.from('1') }]),
        b.batch([{ op: 'put', key: 'x', value: Buffer.from('2') }, { op: 'put', key: 'y', value: Buffer.from('2') }]),
      ]);
      // Each batch is atomic, so x and y come from the same batch.
      expect((await b.get('x'))?.toString()).toBe((await b.get('y'))?.toString());
    });

    it('fails after close', async () => {
      const b = await factory();
      await b.put('k', Buffer.from('v'));
      await b.close();
      await expect(b.get('k')).rejects.toThrow();
      await expect(b.put('k', Buffer.from('v'))).rejects.toThrow();
      await expect(b.list('')).rejects.toThrow();
    });
  });
}
