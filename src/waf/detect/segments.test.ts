import { describe, expect, it } from 'vitest';
import { detectSqli, detectXss, MAX_SEGMENTS, valueSegments } from './index.js';

describe('valueSegments', () => {
  it('form data: each value after its name; a piece without a name is kept whole', () => {
    expect(valueSegments("name=D'Arcy&msg=1' OR '1'='1&rating=5")).toEqual(["D'Arcy", "1' OR '1'='1", '5']);
    expect(valueSegments('a=1&-->=x&b=')).toEqual(['1', '-->=x']);
    expect(valueSegments('data[x][y]=1&k.v-w=2')).toEqual(['1', '2']);
  });

  it('prose with an = somewhere is not form data', () => {
    expect(valueSegments('so x = 3 and y = 4')).toEqual([]);
    expect(valueSegments("it's 5 & 6 = 11")).toEqual([]);
    expect(valueSegments('plain words')).toEqual([]);
  });

  it('JSON: every string, keys included, unescaped', () => {
    expect(valueSegments('{ "in (0,1)": "foo", "n": 2, "q": "say \\"hi\\"\\u0021" }')).toEqual(['in (0,1)', 'foo', 'n', 'q', 'say "hi"!']);
    expect(valueSegments('[ "a\\\\b", "" ]')).toEqual(['a\\b']);
  });

  it('XML: attribute values (a decoded quote inside stays) and text nodes', () => {
    expect(valueSegments('<?xml version="1.0"?><root><a probe="1234 OR 1=1"></a></root>')).toEqual(['1.0', '1234 OR 1=1']);
    expect(valueSegments('<r><a x="v1" y=\'v2\'>text here</a></r>')).toEqual(['v1', 'v2', 'text here']);
    expect(valueSegments('<a probe="ab"=sleep(12)="">')).toEqual(['ab"=sleep(12)="']);
  });

  it('is bounded', () => {
    const many = Array.from({ length: 500 }, (_, i) => `k${i}=v${i}`).join('&');
    expect(valueSegments(many)).toHaveLength(MAX_SEGMENTS);
  });
});

describe('detectors look inside serialised values', () => {
  it('SQLi in one form field, JSON value and XML attribute', () => {
    expect(detectSqli("name=Mary&comment=x' OR 'a'='a", 'LOW')).toBe(true);
    expect(detectSqli('{"q": "1 OR 1=1", "page": 2}', 'LOW')).toBe(true);
    expect(detectSqli('<?xml version="1.0"?><root><a probe="1234 OR 1=1"></a></root>', 'LOW')).toBe(true);
  });

  it('XSS in an attribute context inside a form field', () => {
    expect(detectXss('name=Mary&bio=" onmouseover="alert(1)')).toBe(true);
  });

  it('prose in the same shapes stays quiet', () => {
    const prose = "It's 5 o'clock; don't select the first option -- or do, if you'd rather.";
    for (const body of [
      `name=${prose}&email=a@example.com&message=${prose}`,
      JSON.stringify({ author: "Mary O'Neil", body: prose, tags: ['union station', 'drop-off'] }),
      `<?xml version="1.0"?><note author="O'Brien">${prose}</note>`,
    ]) {
      expect(detectSqli(body, 'LOW')).toBe(false);
      expect(detectXss(body)).toBe(false);
    }
  });
});
