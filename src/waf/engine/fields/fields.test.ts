import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InspectedRequest } from '../types.js';
import { compileField, FIELD_TYPES, type FieldValues } from './index.js';

/** Builds an InspectedRequest; strings are byte strings. */
function req(over: Partial<Omit<InspectedRequest, 'body'>> & { body?: string } = {}): InspectedRequest {
  const body = Buffer.from(over.body ?? '', 'latin1');
  return {
    method: 'GET', uriPath: '/', queryString: '', uriFragment: '', httpVersion: 'HTTP/1.1',
    headers: [['Host', 'example.com']], clientIp: '192.0.2.1', timeMs: 0,
    bodySize: body.length, bodyOversize: false,
    ...over,
    body,
  };
}

const opts = { bodyLimitBytes: 16 };
const values = (...v: string[]): FieldValues => ({ kind: 'values', values: v });

interface Case { name: string; ftm: Record<string, unknown>; req: InspectedRequest; want: FieldValues; location?: string }

const manyHeaders = (n: number, size = 1): [string, string][] => Array.from({ length: n }, (_, i) => [`h${i}`, 'v'.repeat(size)]);

const cases: Case[] = [
  // SingleHeader
  { name: 'SingleHeader is case-insensitive', ftm: { SingleHeader: { Name: 'user-AGENT' } }, req: req({ headers: [['User-Agent', 'curl/8']] }), want: values('curl/8'), location: 'HEADER' },
  { name: 'SingleHeader missing gives no values', ftm: { SingleHeader: { Name: 'x-missing' } }, req: req(), want: values() },
  { name: 'SingleHeader repeated gives every value', ftm: { SingleHeader: { Name: 'x-a' } }, req: req({ headers: [['X-A', '1'], ['Host', 'h'], ['x-a', '2']] }), want: values('1', '2') },
  // Headers
  { name: 'Headers All ALL', ftm: { Headers: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Host', 'h'], ['X-A', '1']] }), want: values('Host', 'h', 'X-A', '1') },
  { name: 'Headers Included KEY', ftm: { Headers: { MatchPattern: { IncludedHeaders: ['x-a', 'HOST'] }, MatchScope: 'KEY', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Host', 'h'], ['X-A', '1'], ['X-B', '2']] }), want: values('Host', 'X-A') },
  { name: 'Headers Excluded VALUE', ftm: { Headers: { MatchPattern: { ExcludedHeaders: ['host'] }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Host', 'h'], ['X-A', '1'], ['X-B', '2']] }), want: values('1', '2') },
  { name: 'Headers over 200 MATCH', ftm: { Headers: { MatchPattern: { All: {} }, MatchScope: 'KEY', OversizeHandling: 'MATCH' } }, req: req({ headers: manyHeaders(201) }), want: { kind: 'oversize', handling: 'MATCH', values: [] } },
  { name: 'Headers at 200 is not oversize', ftm: { Headers: { MatchPattern: { All: {} }, MatchScope: 'VALUE', OversizeHandling: 'NO_MATCH' } }, req: req({ headers: manyHeaders(200) }), want: values(...Array<string>(200).fill('v')) },
  { name: 'Headers over 8 KB CONTINUE inspects whole headers that fit', ftm: { Headers: { MatchPattern: { All: {} }, MatchScope: 'KEY', OversizeHandling: 'CONTINUE' } }, req: req({ headers: manyHeaders(3, 4000) }), want: { kind: 'oversize', handling: 'CONTINUE', values: ['h0', 'h1'] } },
  { name: 'Headers over 8 KB NO_MATCH', ftm: { Headers: { MatchPattern: { All: {} }, MatchScope: 'KEY', OversizeHandling: 'NO_MATCH' } }, req: req({ headers: manyHeaders(1, 8200) }), want: { kind: 'oversize', handling: 'NO_MATCH', values: [] } },
  // Cookies
  { name: 'Cookies All ALL with spaces, quotes, duplicates, no "="', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Cookie', ' a=1 ;b="x y";; a=2; flag ; c = 3 ;d=e=f']] }), want: values('a', '1', 'b', 'x y', 'a', '2', 'flag', '', 'c', '3', 'd', 'e=f'), location: 'COOKIES' },
  { name: 'Cookies from several Cookie headers', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['cookie', 'a=1'], ['Host', 'h'], ['COOKIE', 'b=2']] }), want: values('1', '2') },
  { name: 'Cookies Included is case-sensitive', ftm: { Cookies: { MatchPattern: { IncludedCookies: ['session'] }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Cookie', 'session=s1; Session=s2; other=o']] }), want: values('s1') },
  { name: 'Cookies Excluded KEY', ftm: { Cookies: { MatchPattern: { ExcludedCookies: ['a'] }, MatchScope: 'KEY', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Cookie', 'a=1; b=2; a=3']] }), want: values('b') },
  { name: 'Cookies lone quote and empty value kept', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Cookie', 'a="; b=; c=""']] }), want: values('"', '', '') },
  { name: 'Cookies over 200 MATCH', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'KEY', OversizeHandling: 'MATCH' } }, req: req({ headers: [['Cookie', Array.from({ length: 201 }, (_, i) => `c${i}=1`).join('; ')]] }), want: { kind: 'oversize', handling: 'MATCH', values: [] } },
  { name: 'Cookies over 8 KB CONTINUE', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'KEY', OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Cookie', `a=${'x'.repeat(5000)}; b=${'y'.repeat(5000)}`]] }), want: { kind: 'oversize', handling: 'CONTINUE', values: ['a'] } },
  { name: 'Cookies none', ftm: { Cookies: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'NO_MATCH' } }, req: req(), want: values() },
  // Query arguments
  { name: 'SingleQueryArgument case-insensitive, repeated, raw values', ftm: { SingleQueryArgument: { Name: 'UserName' } }, req: req({ queryString: 'username=a+b&x=1&USERNAME=%41%zz&username' }), want: values('a+b', '%41%zz', ''), location: 'SINGLE_QUERY_ARG' },
  { name: 'SingleQueryArgument matches a percent-encoded name', ftm: { SingleQueryArgument: { Name: 'user name' } }, req: req({ queryString: 'user%20name=1&user+name=2&user%4eame=3' }), want: values('1', '2') },
  { name: 'SingleQueryArgument absent', ftm: { SingleQueryArgument: { Name: 'q' } }, req: req({ queryString: 'a=1' }), want: values() },
  { name: 'AllQueryArguments values only, args without "=", empty pieces', ftm: { AllQueryArguments: {} }, req: req({ queryString: 'a=1&&b&c=%20+&=v&d=x=y' }), want: values('1', '', '%20+', 'v', 'x=y'), location: 'ALL_QUERY_ARGS' },
  { name: 'AllQueryArguments ";" is not a separator', ftm: { AllQueryArguments: {} }, req: req({ queryString: 'a=1;b=2' }), want: values('1;b=2') },
  { name: 'QueryString raw', ftm: { QueryString: {} }, req: req({ queryString: 'a=%41+b' }), want: values('a=%41+b'), location: 'QUERY_STRING' },
  { name: 'QueryString empty', ftm: { QueryString: {} }, req: req(), want: values('') },
  { name: 'UriPath raw', ftm: { UriPath: {} }, req: req({ uriPath: '/a/%2e%2e/b' }), want: values('/a/%2e%2e/b'), location: 'URI' },
  { name: 'Method', ftm: { Method: {} }, req: req({ method: 'PoSt' }), want: values('PoSt'), location: 'METHOD' },
  // UriFragment, JA3, JA4
  { name: 'UriFragment present', ftm: { UriFragment: { FallbackBehavior: 'MATCH' } }, req: req({ uriFragment: 'top' }), want: values('top'), location: 'URI_FRAGMENT' },
  { name: 'UriFragment absent MATCH', ftm: { UriFragment: { FallbackBehavior: 'MATCH' } }, req: req(), want: { kind: 'invalid', fallback: 'MATCH', values: [] } },
  { name: 'UriFragment absent NO_MATCH', ftm: { UriFragment: { FallbackBehavior: 'NO_MATCH' } }, req: req(), want: { kind: 'invalid', fallback: 'NO_MATCH', values: [] } },
  { name: 'UriFragment absent without fallback', ftm: { UriFragment: {} }, req: req(), want: values() },
  { name: 'JA3 present', ftm: { JA3Fingerprint: { FallbackBehavior: 'NO_MATCH' } }, req: req({ ja3: 'abc' }), want: values('abc'), location: 'JA3_FINGERPRINT' },
  { name: 'JA3 absent', ftm: { JA3Fingerprint: { FallbackBehavior: 'MATCH' } }, req: req(), want: { kind: 'invalid', fallback: 'MATCH', values: [] } },
  { name: 'JA4 present', ftm: { JA4Fingerprint: { FallbackBehavior: 'MATCH' } }, req: req({ ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1' }), want: values('t13d1516h2_8daaf6152771_e5627efa2ab1'), location: 'JA4_FINGERPRINT' },
  { name: 'JA4 absent', ftm: { JA4Fingerprint: { FallbackBehavior: 'NO_MATCH' } }, req: req(), want: { kind: 'invalid', fallback: 'NO_MATCH', values: [] } },
  // HeaderOrder
  { name: 'HeaderOrder', ftm: { HeaderOrder: { OversizeHandling: 'CONTINUE' } }, req: req({ headers: [['Host', 'h'], ['User-Agent', 'u'], ['accept', '*/*']] }), want: values('Host:User-Agent:accept'), location: 'HEADER_ORDER' },
  { name: 'HeaderOrder oversize CONTINUE', ftm: { HeaderOrder: { OversizeHandling: 'CONTINUE' } }, req: req({ headers: manyHeaders(202) }), want: { kind: 'oversize', handling: 'CONTINUE', values: [manyHeaders(200).map((h) => h[0]).join(':')] } },
  { name: 'HeaderOrder oversize NO_MATCH', ftm: { HeaderOrder: { OversizeHandling: 'NO_MATCH' } }, req: req({ headers: manyHeaders(202) }), want: { kind: 'oversize', handling: 'NO_MATCH', values: [] } },
  // Body
  { name: 'Body within limit', ftm: { Body: {} }, req: req({ body: 'a=1\xff' }), want: values('a=1\xff'), location: 'BODY' },
  { name: 'Body empty', ftm: { Body: { OversizeHandling: 'MATCH' } }, req: req(), want: values('') },
  { name: 'Body over limit defaults to CONTINUE with the first bytes', ftm: { Body: {} }, req: req({ body: '0123456789abcdefXYZ' }), want: { kind: 'oversize', handling: 'CONTINUE', values: ['0123456789abcdef'] } },
  { name: 'Body bodyOversize MATCH', ftm: { Body: { OversizeHandling: 'MATCH' } }, req: req({ body: 'abc', bodyOversize: true, bodySize: 100000 }), want: { kind: 'oversize', handling: 'MATCH', values: [] } },
  { name: 'Body bodyOversize NO_MATCH', ftm: { Body: { OversizeHandling: 'NO_MATCH' } }, req: req({ body: 'abc', bodySize: 100 }), want: { kind: 'oversize', handling: 'NO_MATCH', values: [] } },
];

const JB = (extra: Record<string, unknown>): Record<string, unknown> => ({ JsonBody: { MatchPattern: { All: {} }, MatchScope: 'ALL', ...extra } });
const big = { bodyLimitBytes: 8192 };
interface JsonCase { name: string; ftm: Record<string, unknown>; body: string; want: FieldValues; oversize?: boolean }
const jsonCases: JsonCase[] = [
  { name: 'All ALL in document order', ftm: JB({}), body: '{"a":1,"b":{"c":"x","d":[true,null,-1.5e3]}}', want: values('a', '1', 'b', 'c', 'x', 'd', 'true', 'null', '-1.5e3') },
  { name: 'All KEY', ftm: JB({ MatchScope: 'KEY' }), body: '{"a":1,"b":{"c":"x"},"e":[{"f":2}]}', want: values('a', 'b', 'c', 'e', 'f') },
  { name: 'All VALUE', ftm: JB({ MatchScope: 'VALUE' }), body: '[1,"two",{"k":"v"}]', want: values('1', 'two', 'v') },
  { name: 'string escapes decode to bytes', ftm: JB({ MatchScope: 'VALUE' }), body: '{"s":"a\\"\\\\\\/\\n\\u0041\\u00e9\\ud83d\\ude00"}', want: values('a"\\/\nA\xc3\xa9\xf0\x9f\x98\x80') },
  { name: 'raw UTF-8 bytes kept', ftm: JB({ MatchScope: 'VALUE' }), body: '{"s":"caf\xc3\xa9"}', want: values('caf\xc3\xa9') },
  { name: 'IncludedPaths selects subtrees and keys', ftm: JB({ MatchPattern: { IncludedPaths: ['/dogs/0/name', '/cat'] } }), body: '{"dogs":[{"name":"rex","age":3},{"name":"fido"}],"cat":{"name":"tom"},"x":"y"}', want: values('name', 'rex', 'cat', 'name', 'tom') },
  { name: 'IncludedPaths VALUE with escaped pointer', ftm: JB({ MatchScope: 'VALUE', MatchPattern: { IncludedPaths: ['/a~1b', '/t~0'] } }), body: '{"a/b":1,"t~":2,"a":{"b":3}}', want: values('1', '2') },
  { name: 'IncludedPaths "/" is the whole document', ftm: JB({ MatchScope: 'VALUE', MatchPattern: { IncludedPaths: ['/'] } }), body: '{"a":[1,2]}', want: values('1', '2') },
  { name: 'IncludedPaths array index', ftm: JB({ MatchScope: 'VALUE', MatchPattern: { IncludedPaths: ['/1'] } }), body: '["a","b",["c"]]', want: values('b') },
  { name: 'tolerates missing comma, missing colon, extra colons', ftm: JB({}), body: '{"key1"::"value1""key2""value2",}', want: values('key1', 'value1', 'key2', 'value2') },
  { name: 'invalid without fallback inspects tokens read so far', ftm: JB({ MatchScope: 'VALUE' }), body: '{"a":"1","b":tru}', want: values('1') },
  { name: 'invalid token MATCH', ftm: JB({ InvalidFallbackBehavior: 'MATCH' }), body: '{"a":bad}', want: { kind: 'invalid', fallback: 'MATCH', values: ['a'] } },
  { name: 'duplicate keys NO_MATCH', ftm: JB({ InvalidFallbackBehavior: 'NO_MATCH' }), body: '{"a":1,"a":2}', want: { kind: 'invalid', fallback: 'NO_MATCH', values: ['a', '1'] } },
  { name: 'scalar root EVALUATE_AS_STRING gives the body text', ftm: JB({ InvalidFallbackBehavior: 'EVALUATE_AS_STRING' }), body: '"just a string"', want: { kind: 'invalid', fallback: 'EVALUATE_AS_STRING', values: ['"just a string"'] } },
  { name: 'truncated EVALUATE_AS_STRING', ftm: JB({ InvalidFallbackBehavior: 'EVALUATE_AS_STRING' }), body: '{"a":[1,2', want: { kind: 'invalid', fallback: 'EVALUATE_AS_STRING', values: ['{"a":[1,2'] } },
  { name: 'trailing garbage is invalid', ftm: JB({ InvalidFallbackBehavior: 'MATCH', MatchScope: 'KEY' }), body: '{"a":1} x', want: { kind: 'invalid', fallback: 'MATCH', values: ['a'] } },
  { name: 'bad escape is invalid', ftm: JB({ InvalidFallbackBehavior: 'NO_MATCH' }), body: '{"a":"\\q"}', want: { kind: 'invalid', fallback: 'NO_MATCH', values: ['a'] } },
  { name: 'leading zero number is invalid', ftm: JB({ InvalidFallbackBehavior: 'NO_MATCH', MatchScope: 'VALUE' }), body: '[01]', want: { kind: 'invalid', fallback: 'NO_MATCH', values: [] } },
  { name: 'empty body has nothing to inspect', ftm: JB({ InvalidFallbackBehavior: 'MATCH' }), body: '', want: values() },
  { name: 'deep nesting does not overflow', ftm: JB({ MatchScope: 'VALUE' }), body: '['.repeat(4000) + '1' + ']'.repeat(4000), want: values('1') },
  { name: 'oversize MATCH', ftm: JB({ OversizeHandling: 'MATCH' }), body: '{"a":1}', oversize: true, want: { kind: 'oversize', handling: 'MATCH', values: [] } },
  { name: 'oversize CONTINUE truncated without fallback', ftm: JB({ MatchScope: 'VALUE' }), body: '{"a":"1","b":"2', oversize: true, want: { kind: 'oversize', handling: 'CONTINUE', values: ['1'] } },
  { name: 'oversize CONTINUE truncated with fallback', ftm: JB({ MatchScope: 'VALUE', InvalidFallbackBehavior: 'NO_MATCH' }), body: '{"a":"1","b":"2', oversize: true, want: { kind: 'invalid', fallback: 'NO_MATCH', values: ['1'] } },
];

describe('compileField extraction', () => {
  for (const c of cases) {
    it(c.name, () => {
      const f = compileField(c.ftm, opts);
      expect(f.extract(c.req)).toEqual(c.want);
      if (c.location) expect(f.location).toBe(c.location);
    });
  }
  for (const c of jsonCases) {
    it(`JsonBody: ${c.name}`, () => {
      const f = compileField(c.ftm, big);
      expect(f.location).toBe('BODY');
      expect(f.extract(req({ body: c.body, bodyOversize: c.oversize ?? false }))).toEqual(c.want);
    });
  }
  it('JsonBody inspects only the first bodyLimitBytes', () => {
    const f = compileField(JB({ MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' }), { bodyLimitBytes: 10 });
    expect(f.extract(req({ body: '{"a":"1"}  {"b":2}' }))).toEqual({ kind: 'oversize', handling: 'CONTINUE', values: ['1'] });
  });
});

describe('compileField keys', () => {
  it('are stable and distinguish configurations', () => {
    const k = (ftm: Record<string, unknown>, o = opts): string => compileField(ftm, o).key;
    expect(k({ SingleHeader: { Name: 'User-Agent' } })).toBe(k({ SingleHeader: { Name: 'user-agent' } }));
    expect(k({ SingleHeader: { Name: 'a' } })).not.toBe(k({ SingleQueryArgument: { Name: 'a' } }));
    const h = (names: string[], scope = 'KEY'): string => k({ Headers: { MatchPattern: { IncludedHeaders: names }, MatchScope: scope, OversizeHandling: 'CONTINUE' } });
    expect(h(['b', 'a'])).toBe(h(['A', 'B']));
    expect(h(['a'])).not.toBe(h(['a'], 'VALUE'));
    expect(k({ Body: {} })).toBe(k({ Body: { OversizeHandling: 'CONTINUE' } }));
    expect(k({ Body: {} })).not.toBe(k({ Body: {} }, { bodyLimitBytes: 32 }));
    expect(k(JB({}))).not.toBe(k(JB({ InvalidFallbackBehavior: 'MATCH' })));
    const all = [...FIELD_TYPES.keys()];
    expect(all).toHaveLength(14);
  });
});

describe('compileField validation', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no component', {}, /exactly one/],
    ['two components', { UriPath: {}, Method: {} }, /exactly one/],
    ['unknown component', { Foo: {} }, /unknown request component 'Foo'/],
    ['SingleHeader without Name', { SingleHeader: {} }, /SingleHeader\.Name/],
    ['SingleHeader blank Name', { SingleHeader: { Name: '   ' } }, /SingleHeader\.Name/],
    ['SingleHeader long Name', { SingleHeader: { Name: 'x'.repeat(65) } }, /SingleHeader\.Name/],
    ['Headers two patterns', { Headers: { MatchPattern: { All: {}, IncludedHeaders: ['a'] }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, /exactly one of All/],
    ['Headers bad scope', { Headers: { MatchPattern: { All: {} }, MatchScope: 'BOTH', OversizeHandling: 'CONTINUE' } }, /Headers\.MatchScope/],
    ['Headers missing OversizeHandling', { Headers: { MatchPattern: { All: {} }, MatchScope: 'ALL' } }, /Headers\.OversizeHandling.*required/],
    ['Cookies empty list', { Cookies: { MatchPattern: { IncludedCookies: [] }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, /IncludedCookies/],
    ['HeaderOrder missing OversizeHandling', { HeaderOrder: {} }, /HeaderOrder\.OversizeHandling/],
    ['JA3 missing fallback', { JA3Fingerprint: {} }, /JA3Fingerprint\.FallbackBehavior/],
    ['UriFragment bad fallback', { UriFragment: { FallbackBehavior: 'EVALUATE_AS_STRING' } }, /UriFragment\.FallbackBehavior/],
    ['Body bad OversizeHandling', { Body: { OversizeHandling: 'DROP' } }, /Body\.OversizeHandling/],
    ['Method with a setting', { Method: { Name: 'x' } }, /Method\.Name/],
    ['JsonBody both patterns', { JsonBody: { MatchPattern: { All: {}, IncludedPaths: ['/a'] }, MatchScope: 'ALL' } }, /exactly one of All, IncludedPaths/],
    ['JsonBody bad pointer', { JsonBody: { MatchPattern: { IncludedPaths: ['a/b'] }, MatchScope: 'ALL' } }, /IncludedPaths\[0\]/],
    ['JsonBody bad tilde', { JsonBody: { MatchPattern: { IncludedPaths: ['/a~2'] }, MatchScope: 'ALL' } }, /IncludedPaths\[0\]/],
    ['JsonBody bad fallback', { JsonBody: { MatchPattern: { All: {} }, MatchScope: 'ALL', InvalidFallbackBehavior: 'CONTINUE' } }, /InvalidFallbackBehavior/],
    ['JsonBody missing scope', { JsonBody: { MatchPattern: { All: {} } } }, /JsonBody\.MatchScope/],
  ];
  for (const [name, ftm, re] of bad) {
    it(name, () => expect(() => compileField(ftm, opts)).toThrow(re));
  }
  it('rejects a bad body limit', () => {
    expect(() => compileField({ Body: {} }, { bodyLimitBytes: -1 })).toThrow(/body inspection limit/);
  });
});

describe('extraction is total', () => {
  const tricky = fc.array(fc.constantFrom(...'{}[]":,\\u0aeE-+.1 tfn=;&%"\x00\xff'.split('')), { maxLength: 60 }).map((a) => a.join(''));
  const bytes = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('latin1'));
  it('never throws and yields byte strings for arbitrary requests', () => {
    const fields = [
      compileField(JB({ InvalidFallbackBehavior: 'EVALUATE_AS_STRING' }), big),
      compileField(JB({ MatchPattern: { IncludedPaths: ['/a', '/0/b'] } }), big),
      compileField({ Cookies: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, opts),
      compileField({ AllQueryArguments: {} }, opts),
      compileField({ SingleQueryArgument: { Name: 'a' } }, opts),
      compileField({ Headers: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }, opts),
    ];
    fc.assert(fc.property(fc.oneof(tricky, bytes), (s) => {
      const r = req({ body: s, queryString: s, headers: [['Cookie', s], ['X', s]] });
      for (const f of fields) {
        const out = f.extract(r);
        for (const v of out.values) for (let i = 0; i < v.length; i++) expect(v.charCodeAt(i)).toBeLessThanOrEqual(0xff);
      }
    }), { numRuns: 1000 });
  });
});
