import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileChain, getTransformation, TEXT_TRANSFORMATION_TYPES, TRANSFORMATIONS, type TextTransformationType } from './index.js';

interface Vectors {
  transformations: Record<string, { in: string; out: string }[]>;
  chains: { chain: { Priority: number; Type: string }[]; key: string; in: string; out: string }[];
}
const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as Vectors;
const models = JSON.parse(readFileSync(new URL('../../../models/wafv2.json', import.meta.url), 'utf8')) as {
  shapes: Record<string, { enum?: string[] }>;
};

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const byteString = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1'));
// Inputs biased towards the characters the decoders care about.
const trickyString = fc
  .array(fc.constantFrom(...'%uU+&#xX;\\/.0123456789abcdefABCDEFzZ \t\n*"\'^,(lLtTqQ=~\x00\xa0\xc3\xa9\xff\xf0\x9f'.split('')), { maxLength: 48 })
  .map((a) => a.join(''));

describe('registry', () => {
  it('implements every TextTransformationType of the wafv2 model', () => {
    const modelTypes = models.shapes['TextTransformationType']?.enum ?? [];
    expect(modelTypes.length).toBe(21);
    expect([...TEXT_TRANSFORMATION_TYPES].sort()).toEqual([...modelTypes].sort());
    for (const t of modelTypes) expect(TRANSFORMATIONS.get(t as TextTransformationType)?.type).toBe(t);
  });

  it('getTransformation throws naming an unknown type', () => {
    expect(() => getTransformation('URL_DECODE_TWICE')).toThrow(/URL_DECODE_TWICE/);
    expect(getTransformation('MD5').type).toBe('MD5');
  });
});

describe('conformance vectors', () => {
  for (const type of TEXT_TRANSFORMATION_TYPES) {
    const cases = vectors.transformations[type] ?? [];
    it(`${type} has at least 5 vectors`, () => expect(cases.length).toBeGreaterThanOrEqual(5));
    for (const [i, v] of cases.entries()) {
      it(`${type} #${i} ${JSON.stringify(v.in).slice(0, 40)}`, () => {
        const out = getTransformation(type).apply(v.in);
        expect(hex(out)).toBe(hex(v.out));
        if (v.out === v.in) expect(out).toBe(v.in);
      });
    }
  }
});

describe('compileChain', () => {
  for (const [i, c] of vectors.chains.entries()) {
    it(`chain #${i} ${c.key || '(identity)'}`, () => {
      const chain = compileChain(c.chain);
      expect(chain.key).toBe(c.key);
      expect(hex(chain.apply(c.in))).toBe(hex(c.out));
    });
  }

  it('rejects unknown types, duplicate and invalid priorities', () => {
    expect(() => compileChain([{ Priority: 0, Type: 'BOGUS' }])).toThrow(/BOGUS/);
    expect(() => compileChain([{ Priority: 1, Type: 'NONE' }, { Priority: 1, Type: 'LOWERCASE' }])).toThrow(/Duplicate/);
    expect(() => compileChain([{ Priority: -1, Type: 'NONE' }])).toThrow(/priority/);
    expect(() => compileChain([{ Priority: 1.5, Type: 'NONE' }])).toThrow(/priority/);
  });

  it('does not depend on the order of the list, only on priorities', () => {
    const a = compileChain([{ Priority: 2, Type: 'LOWERCASE' }, { Priority: 1, Type: 'BASE64_DECODE' }]);
    const b = compileChain([{ Priority: 1, Type: 'BASE64_DECODE' }, { Priority: 2, Type: 'LOWERCASE' }]);
    expect(a.key).toBe(b.key);
    expect(a.apply('SEVMTE8=')).toBe('hello');
    expect(b.apply('SEVMTE8=')).toBe('hello');
  });
});

describe('properties', () => {
  for (const type of TEXT_TRANSFORMATION_TYPES) {
    it(`${type} is total and yields byte strings`, () => {
      const t = getTransformation(type);
      fc.assert(
        fc.property(fc.oneof(byteString, trickyString), (s) => {
          const out = t.apply(s);
          expect(typeof out).toBe('string');
          for (let i = 0; i < out.length; i++) expect(out.charCodeAt(i)).toBeLessThanOrEqual(0xff);
          if (type === 'MD5') expect(out.length).toBe(16);
        }),
        { numRuns: 300 },
      );
    });
  }

  const shrinking: TextTransformationType[] = [
    'URL_DECODE', 'URL_DECODE_UNI', 'HTML_ENTITY_DECODE', 'BASE64_DECODE', 'BASE64_DECODE_EXT', 'HEX_DECODE',
    'REPLACE_COMMENTS', 'REMOVE_NULLS', 'REPLACE_NULLS', 'CMD_LINE', 'ESCAPE_SEQ_DECODE', 'SQL_HEX_DECODE', 'CSS_DECODE',
    'JS_DECODE', 'NORMALIZE_PATH', 'NORMALIZE_PATH_WIN', 'COMPRESS_WHITE_SPACE', 'LOWERCASE', 'NONE',
  ];
  it('decoders never lengthen their input', () => {
    fc.assert(fc.property(fc.oneof(byteString, trickyString), (s) => {
      for (const type of shrinking) expect(getTransformation(type).apply(s).length).toBeLessThanOrEqual(s.length);
    }), { numRuns: 500 });
  });

  it('idempotent transformations are idempotent', () => {
    const idem: TextTransformationType[] = ['LOWERCASE', 'COMPRESS_WHITE_SPACE', 'REMOVE_NULLS', 'REPLACE_NULLS', 'NORMALIZE_PATH', 'NORMALIZE_PATH_WIN', 'CMD_LINE'];
    fc.assert(fc.property(fc.oneof(byteString, trickyString), (s) => {
      for (const type of idem) {
        const t = getTransformation(type);
        const once = t.apply(s);
        expect(t.apply(once)).toBe(once);
      }
    }), { numRuns: 500 });
  });

  it('returns the same string when nothing changes', () => {
    const plain = 'hello world 123';
    for (const type of TEXT_TRANSFORMATION_TYPES) {
      if (type === 'MD5' || type.startsWith('BASE64') || type === 'HEX_DECODE') continue;
      expect(getTransformation(type).apply(plain)).toBe(plain);
    }
  });

  it('URL_DECODE agrees with decodeURIComponent on valid escapes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
      const encoded = [...bytes].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
      expect(getTransformation('URL_DECODE').apply(encoded)).toBe(Buffer.from(bytes).toString('latin1'));
    }));
  });

  it('BASE64_DECODE inverts Buffer base64 encoding', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const b = Buffer.from(bytes);
      expect(getTransformation('BASE64_DECODE').apply(b.toString('base64'))).toBe(b.toString('latin1'));
      expect(getTransformation('BASE64_DECODE_EXT').apply(b.toString('base64').replace(/(.{4})/g, '$1\n'))).toBe(b.toString('latin1'));
    }));
  });

  it('UTF8_TO_UNICODE encodes every code point of valid UTF-8', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), (s) => {
      const expected = [...s].map((ch) => {
        const cp = ch.codePointAt(0) as number;
        return cp < 0x80 ? ch : '%u' + cp.toString(16).padStart(4, '0');
      }).join('');
      expect(getTransformation('UTF8_TO_UNICODE').apply(Buffer.from(s, 'utf8').toString('latin1'))).toBe(expected);
    }));
  });
});

// The straightforward byte loops that URL_DECODE and LOWERCASE replaced with faster paths (a
// reused decode buffer, native regex scans); the fast paths must agree with them on every input.
function referenceUrlDecode(input: string): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    const h = input.slice(i + 1, i + 3);
    if (c === 0x25 && i + 2 < input.length && /^[0-9a-fA-F]{2}$/.test(h)) {
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else out += c === 0x2b ? ' ' : input[i];
  }
  return out;
}
function referenceLowercase(input: string): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c | 0x20) : input[i];
  }
  return out;
}

describe('URL_DECODE and LOWERCASE fast paths', () => {
  const urlDecode = getTransformation('URL_DECODE');
  const lowercase = getTransformation('LOWERCASE');
  // Strings that are not byte strings (char codes above 0xff) take the general paths.
  const wideString = fc.array(fc.constantFrom('%', '4', '1', '+', 'A', 'z', '\xc0', '\u0100', '\u2603', '\ud83d'), { maxLength: 24 }).map((a) => a.join(''));

  it('agree with the reference loops', () => {
    fc.assert(fc.property(fc.oneof(byteString, trickyString, wideString), (s) => {
      expect(urlDecode.apply(s)).toBe(referenceUrlDecode(s));
      expect(lowercase.apply(s)).toBe(referenceLowercase(s));
    }), { numRuns: 2000 });
  });

  it('agree on long values (the decode buffer grows, and very long values get their own)', () => {
    for (const n of [5000, 200_000]) {
      const s = 'Ab%41+%zz%4'.repeat(Math.ceil(n / 11)).slice(0, n) + '%2B\xe9';
      expect(urlDecode.apply(s)).toBe(referenceUrlDecode(s));
      expect(lowercase.apply(s)).toBe(referenceLowercase(s));
      // The reused buffer does not leak one result into the next.
      expect(urlDecode.apply('a+b')).toBe('a b');
    }
  });

  it('return the input itself when nothing changes', () => {
    for (const s of ['', 'abc', '%zz%4', 'caf\xe9 \xc0', '100%']) expect(urlDecode.apply(s)).toBe(s);
    for (const s of ['', 'abc', 'caf\xe9 \xc0', '\u2603x']) expect(lowercase.apply(s)).toBe(s);
  });
});
