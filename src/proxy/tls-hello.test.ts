import { createHash } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientHelloReader,
  HELLO_DONE,
  HELLO_INVALID,
  HELLO_MORE,
  isGrease,
  ja3,
  ja3String,
  ja4,
  ja4Alpn,
  parseClientHello,
  type ClientHello,
} from './tls-hello.js';

// ---- ClientHello builders (test side, from RFC 8446 §4.1.2) ----

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const ext = (type: number, data: number[]): number[] => [...be16(type), ...be16(data.length), ...data];
const list16 = (values: number[]): number[] => {
  const body = values.flatMap(be16);
  return [...be16(body.length), ...body];
};
const list8of16 = (values: number[]): number[] => {
  const body = values.flatMap(be16);
  return [body.length, ...body];
};
const sni = (name: string): number[] => {
  const n = [...Buffer.from(name)];
  const entry = [0, ...be16(n.length), ...n];
  return ext(0x0000, [...be16(entry.length), ...entry]);
};
const alpnExt = (protocols: (string | number[])[]): number[] => {
  const body = protocols.flatMap((p) => {
    const b = typeof p === 'string' ? [...Buffer.from(p)] : p;
    return [b.length, ...b];
  });
  return ext(0x0010, [...be16(body.length), ...body]);
};

/** A ClientHello message body; `exts` undefined leaves the extensions block out. */
function helloBody(version: number, ciphers: number[], exts?: number[][]): number[] {
  const body = [...be16(version), ...new Array<number>(32).fill(0x42), 32, ...new Array<number>(32).fill(0x17), ...list16(ciphers), 1, 0];
  if (exts !== undefined) {
    const e = exts.flat();
    body.push(...be16(e.length), ...e);
  }
  return body;
}

/** The handshake message (header + body). */
function handshake(body: number[]): Buffer {
  return Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body]);
}

/** The handshake message in TLS records of at most `fragment` bytes each. */
function records(msg: Buffer, fragment = 16384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += fragment) {
    const f = msg.subarray(i, i + fragment);
    out.push(Buffer.from([22, 3, 1, ...be16(f.length)]), f);
  }
  return Buffer.concat(out);
}

function parse(body: number[]): ClientHello {
  const h = parseClientHello(Buffer.from(body));
  expect(h).toBeDefined();
  return h as ClientHello;
}

// ---- Node's own client: ClientHellos captured from real handshakes on loopback ----

let recorder: net.Server;
let recorderPort = 0;
const captured: ((b: Buffer) => void)[] = [];

beforeAll(async () => {
  // Records the first TLS record of each connection, then hangs up (no ServerHello is ever sent).
  recorder = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('error', () => undefined);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        captured.shift()?.(buf.subarray(0, 5 + buf.readUInt16BE(3)));
        s.destroy();
      }
    });
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  recorderPort = (recorder.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => recorder.close(() => r()));
});

/** The first TLS record Node's TLS client sends with these options. */
function nodeHello(opts: tls.ConnectionOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ClientHello recorded')), 5000);
    captured.push((b) => {
      clearTimeout(timer);
      resolve(b);
    });
    const c = tls.connect({ port: recorderPort, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
    c.on('error', () => undefined);
    c.on('close', () => c.destroy());
  });
}

/** A second, deliberately plain reading of one record holding a whole ClientHello (test oracle). */
function byHand(rec: Buffer): { version: number; ciphers: number[]; exts: number[]; groups: number[]; formats: number[]; sigs: number[]; versions: number[]; sni: boolean; alpn: string | undefined } {
  expect(rec[0]).toBe(22);
  expect(rec[5]).toBe(1);
  let p = 9;
  const version = rec.readUInt16BE(p);
  p += 2 + 32;
  p += 1 + rec[p]!;
  const cl = rec.readUInt16BE(p);
  p += 2;
  const ciphers: number[] = [];
  for (let i = 0; i < cl; i += 2) ciphers.push(rec.readUInt16BE(p + i));
  p += cl;
  p += 1 + rec[p]!;
  const end = p + 2 + rec.readUInt16BE(p);
  p += 2;
  const out = { version, ciphers, exts: [] as number[], groups: [] as number[], formats: [] as number[], sigs: [] as number[], versions: [] as number[], sni: false, alpn: undefined as string | undefined };
  const u16s = (d: Buffer): number[] => Array.from({ length: d.length / 2 }, (_, i) => d.readUInt16BE(2 * i));
  while (p < end) {
    const t = rec.readUInt16BE(p);
    const d = rec.subarray(p + 4, p + 4 + rec.readUInt16BE(p + 2));
    out.exts.push(t);
    if (t === 0) out.sni = true;
    if (t === 10) out.groups = u16s(d.subarray(2));
    if (t === 11) out.formats = [...d.subarray(1)];
    if (t === 13) out.sigs = u16s(d.subarray(2));
    if (t === 43) out.versions = u16s(d.subarray(1));
    if (t === 16) out.alpn = d.subarray(3, 3 + d[2]!).toString('latin1');
    p += 4 + d.length;
  }
  expect(p).toBe(rec.length);
  return out;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
const noGrease = (xs: number[]): number[] => xs.filter((v) => !((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)));

describe('JA3 (published examples, github.com/salesforce/ja3)', () => {
  it('769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0 → ada70206e40642a3e4461f35503241d5', () => {
    const h = parse(helloBody(769, [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4], [sni('example.com'), ext(10, list16([23, 24, 25])), ext(11, [1, 0])]));
    expect(ja3String(h)).toBe('769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0');
    expect(ja3(h)).toBe('ada70206e40642a3e4461f35503241d5');
  });

  it('no extensions leaves the last three fields empty: 769,4-5-10-9-100-98-3-6-19-18-99,,, → de350869b8c85de67a350c8d186f11e6', () => {
    const h = parse(helloBody(769, [4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99]));
    expect(h.extensions).toEqual([]);
    expect(ja3String(h)).toBe('769,4-5-10-9-100-98-3-6-19-18-99,,,');
    expect(ja3(h)).toBe('de350869b8c85de67a350c8d186f11e6');
  });

  it('ignores GREASE in ciphers, extensions and groups', () => {
    const h = parse(helloBody(769, [0x2a2a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4], [ext(0xdada, []), sni('a.b'), ext(10, list16([0x3a3a, 23, 24, 25])), ext(11, [1, 0]), ext(0xfafa, [0])]));
    expect(ja3(h)).toBe('ada70206e40642a3e4461f35503241d5');
  });
});

describe('JA4 (published examples, FoxIO technical_details/JA4.md)', () => {
  const ciphers = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  const sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  // JA4_ro's extension order: 001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015
  const exts = (sigList: number[]): number[][] => [
    ext(0x001b, [2, 0, 2]),
    sni('example.com'),
    ext(0x0033, [0, 0]),
    alpnExt(['h2', 'http/1.1']),
    ext(0x4469, []),
    ext(0x0017, []),
    ext(0x002d, [1, 1]),
    ext(0x000d, list16(sigList)),
    ext(0x0005, [1, 0, 0, 0, 0]),
    ext(0x0023, []),
    ext(0x0012, []),
    ext(0x002b, list8of16([0x7a7a, 0x0304, 0x0303])),
    ext(0xff01, [0]),
    ext(0x000b, [1, 0]),
    ext(0x000a, list16([0x1d, 0x17, 0x18])),
    ext(0x0015, [0, 0, 0]),
  ];

  it('t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    const h = parse(helloBody(0x0303, ciphers, exts(sigs)));
    expect(ja4(h)).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('GREASE anywhere is ignored (ciphers, extensions, versions, signature algorithms)', () => {
    const e = exts([0x0a0a, ...sigs]);
    e.splice(3, 0, ext(0x9a9a, []));
    const h = parse(helloBody(0x0303, [0xbaba, ...ciphers], e));
    expect(ja4(h)).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('without signature algorithms the extension list alone is hashed (…ff01 = 6d807ffa2a79)', () => {
    const h = parse(helloBody(0x0303, ciphers, exts([])));
    expect(ja4(h)).toBe('t13d1516h2_8daaf6152771_6d807ffa2a79');
  });

  it('empty lists give twelve zeros; no SNI is i; no ALPN is 00; version from legacy_version without supported_versions', () => {
    const h = parse(helloBody(0x0303, [], []));
    expect(ja4(h)).toBe('t12i000000_000000000000_000000000000');
    expect(ja4(parse(helloBody(0x0301, [0x002f])))).toMatch(/^t10i010000_/);
    expect(ja4(parse(helloBody(0x0300, [0x002f])))).toMatch(/^ts3i010000_/);
    expect(ja4(parse(helloBody(0x0999, [0x002f])))).toMatch(/^t00i010000_/);
  });

  it('counts are capped at 99', () => {
    const many = Array.from({ length: 120 }, (_, i) => 0x0100 + i);
    expect(ja4(parse(helloBody(0x0303, many)))).toMatch(/^t12i990000_/);
  });

  it('ALPN characters, including the published non-alphanumeric cases', () => {
    expect(ja4Alpn(undefined)).toBe('00');
    expect(ja4Alpn(new Uint8Array())).toBe('00');
    expect(ja4Alpn(Buffer.from('h2'))).toBe('h2');
    expect(ja4Alpn(Buffer.from('http/1.1'))).toBe('h1');
    expect(ja4Alpn(Buffer.from('h'))).toBe('hh');
    expect(ja4Alpn(Uint8Array.of(0xab))).toBe('ab');
    expect(ja4Alpn(Uint8Array.of(0xab, 0xcd))).toBe('ad');
    expect(ja4Alpn(Uint8Array.of(0x30, 0xab))).toBe('3b');
    expect(ja4Alpn(Uint8Array.of(0x30, 0x31, 0xab, 0xcd))).toBe('3d');
    expect(ja4Alpn(Uint8Array.of(0x30, 0xab, 0xcd, 0x31))).toBe('01');
    // An empty first ALPN value also gives 00.
    expect(ja4(parse(helloBody(0x0303, [0x1301], [alpnExt([[], 'h2'])])))).toMatch(/^t12i010100_/);
  });

  it('GREASE is exactly the RFC 8701 set', () => {
    const all = Array.from({ length: 65536 }, (_, v) => v).filter(isGrease);
    expect(all).toEqual(Array.from({ length: 16 }, (_, i) => i * 0x1010 + 0x0a0a));
  });
});

describe("Node's own TLS client (ClientHellos captured on loopback)", () => {
  it('fingerprints a default client (no SNI to an IP, no ALPN) as read by hand', async () => {
    const rec = await nodeHello();
    const f = byHand(rec);
    const h = parseClientHello(rec, 9);
    expect(h).toBeDefined();
    const expectedJa3 = `${f.version},${noGrease(f.ciphers).join('-')},${noGrease(f.exts).join('-')},${noGrease(f.groups).join('-')},${f.formats.join('-')}`;
    expect(ja3String(h!)).toBe(expectedJa3);
    expect(ja3(h!)).toBe(md5(expectedJa3));
    expect(f.sni).toBe(false);
    expect(f.versions).toContain(0x0304);
    const c = noGrease(f.ciphers);
    const e = noGrease(f.exts);
    const hex = (v: number): string => v.toString(16).padStart(4, '0');
    const cPart = e.filter((x) => x !== 0 && x !== 16).sort((x, y) => x - y).map(hex).join(',') + (f.sigs.length ? '_' + f.sigs.map(hex).join(',') : '');
    expect(ja4(h!)).toBe(`t13i${String(c.length).padStart(2, '0')}${String(e.length).padStart(2, '0')}00_${sha12([...c].sort((x, y) => x - y).map(hex).join(','))}_${sha12(cPart)}`);
  });

  it('sees SNI and ALPN when the client sends them', async () => {
    const rec = await nodeHello({ servername: 'shop.example', ALPNProtocols: ['h2', 'http/1.1'] });
    const f = byHand(rec);
    expect(f.sni).toBe(true);
    expect(f.alpn).toBe('h2');
    const h = parseClientHello(rec, 9)!;
    expect(h.serverName).toBe(true);
    expect(ja4(h)).toMatch(/^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
    expect(ja3(h)).toBe(md5(`${f.version},${noGrease(f.ciphers).join('-')},${noGrease(f.exts).join('-')},${noGrease(f.groups).join('-')},${f.formats.join('-')}`));
    // The same client without SNI/ALPN differs in JA3 (the extension list) and in JA4's a part only.
    const plain = parseClientHello((await nodeHello()), 9)!;
    expect(ja3(plain)).not.toBe(ja3(h));
    expect(ja4(plain).split('_').slice(1)).toEqual(ja4(h).split('_').slice(1));
  });
});

describe('ClientHelloReader', () => {
  let hello: Buffer;
  let expected: string;
  beforeAll(async () => {
    hello = await nodeHello({ servername: 'shop.example', ALPNProtocols: ['http/1.1'] });
    expected = ja4(parseClientHello(hello, 9)!);
  });

  const feed = (r: ClientHelloReader, chunks: Buffer[]): number => {
    let st = HELLO_MORE;
    for (const c of chunks) st = r.push(c);
    return st;
  };

  it('reads a ClientHello in one read, and split at every byte into two reads', () => {
    const one = new ClientHelloReader();
    expect(one.push(hello)).toBe(HELLO_DONE);
    expect(ja4(one.hello!)).toBe(expected);
    expect(one.received()).toEqual(hello);
    for (let i = 1; i < hello.length; i++) {
      const r = new ClientHelloReader();
      expect(r.push(hello.subarray(0, i))).toBe(HELLO_MORE);
      expect(r.push(hello.subarray(i))).toBe(HELLO_DONE);
      expect(ja4(r.hello!)).toBe(expected);
      expect(r.received()).toEqual(hello);
    }
  });

  it('reads one byte per read', () => {
    const r = new ClientHelloReader();
    const chunks = [...hello].map((b) => Buffer.from([b]));
    expect(feed(r, chunks.slice(0, -1))).toBe(HELLO_MORE);
    expect(r.push(chunks[chunks.length - 1]!)).toBe(HELLO_DONE);
    expect(r.received()).toEqual(hello);
  });

  it('reassembles a ClientHello fragmented over several records (1..300-byte fragments)', () => {
    const msg = hello.subarray(5);
    for (const size of [1, 2, 3, 4, 5, 7, 64, 300]) {
      const r = new ClientHelloReader();
      const wire = records(msg, size);
      expect(r.push(wire)).toBe(HELLO_DONE);
      expect(ja4(r.hello!)).toBe(expected);
    }
  });

  it('keeps bytes after the ClientHello for the TLS server', () => {
    const r = new ClientHelloReader();
    const extra = Buffer.concat([hello, Buffer.from([20, 3, 3, 0, 1, 1])]);
    expect(r.push(extra)).toBe(HELLO_DONE);
    expect(r.received()).toEqual(extra);
  });

  it('gives up at once on what is not a ClientHello', () => {
    expect(new ClientHelloReader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe(HELLO_INVALID);
    expect(new ClientHelloReader().push(Buffer.from([21, 3, 3, 0, 2, 2, 40]))).toBe(HELLO_INVALID); // alert
    expect(new ClientHelloReader().push(Buffer.from([22, 3, 1, 0, 0]))).toBe(HELLO_INVALID); // empty record
    expect(new ClientHelloReader().push(Buffer.from([22, 3, 1, 0x40, 0x01]))).toBe(HELLO_INVALID); // record > 2^14
    expect(new ClientHelloReader().push(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0]))).toBe(HELLO_INVALID); // ServerHello
    expect(new ClientHelloReader().push(Buffer.from([22, 3, 1, 0, 1, 2]))).toBe(HELLO_INVALID); // first byte of a ServerHello
    expect(new ClientHelloReader().push(Buffer.from([0x80, 0x2e, 1, 3, 1]))).toBe(HELLO_INVALID); // SSLv2-style hello
  });

  it('bounds memory: a ClientHello announced larger than the limit is refused from its header', () => {
    const r = new ClientHelloReader(1024);
    expect(r.push(Buffer.from([22, 3, 1, 0x04, 0x00, 1, 0, 0x08, 0x00]))).toBe(HELLO_INVALID);
    expect(r.size).toBe(9);
  });

  it('bounds memory: a ClientHello that never completes stops being read at the limit', () => {
    // A fragment record stream of 1-byte records that only ever carries a small handshake header.
    const r = new ClientHelloReader(1024);
    const wire = records(handshake(new Array<number>(900).fill(0)), 1);
    let st = HELLO_MORE;
    let i = 0;
    while (st === HELLO_MORE && i < wire.length) st = r.push(wire.subarray(i, (i += 50)));
    expect(st).toBe(HELLO_INVALID);
    expect(r.size).toBeLessThanOrEqual(1024 + 50);
  });

  it('a message whose body does not parse is invalid (lengths lying inside the hello)', () => {
    const body = helloBody(0x0303, [0x1301], [ext(10, list16([0x1d]))]);
    body[body.length - 3] = 9; // the groups list claims 9 bytes
    expect(new ClientHelloReader().push(records(handshake(body)))).toBe(HELLO_INVALID);
  });
});

describe('parser robustness (fast-check)', () => {
  let valid: Buffer;
  beforeAll(async () => {
    valid = await nodeHello({ servername: 'shop.example', ALPNProtocols: ['h2'] });
  });

  it('never throws on random bytes, and every list it returns fits in its input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const h = parseClientHello(b);
        if (h !== undefined) {
          expect(h.ciphers.length * 2 + h.extensions.length * 4).toBeLessThanOrEqual(b.length);
          ja3(h);
          ja4(h);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on truncations and on any 1–4 bytes of a real hello overwritten (lengths lying)', () => {
    const body = valid.subarray(9);
    for (let n = 0; n < body.length; n++) {
      const h = parseClientHello(body.subarray(0, n));
      if (h !== undefined) ja4(h);
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(body.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = Buffer.from(body);
        for (const [i, v] of edits) b[i] = v;
        const h = parseClientHello(b);
        if (h !== undefined) {
          expect(ja3(h)).toMatch(/^[0-9a-f]{32}$/);
          expect(ja4(h)).toMatch(/^t..[di]\d{4}.._[0-9a-f]{12}_[0-9a-f]{12}$/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the reader terminates, never throws, keeps every byte it was given and stays within its bound', () => {
    const limit = 2048;
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 4000 }),
      // Record-shaped garbage: handshake records with random (lying) lengths.
      fc.array(fc.tuple(fc.integer({ min: 0, max: 0x4100 }), fc.uint8Array({ maxLength: 80 })), { maxLength: 60 }).map((rs) =>
        Uint8Array.from(rs.flatMap(([len, body]) => [22, 3, 1, len >> 8, len & 0xff, ...body])),
      ),
      // A real hello, re-fragmented into records, truncated or with one byte changed.
      fc.tuple(fc.integer({ min: 1, max: 400 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([frag, at, v, truncate]) => {
        const w = Buffer.from(records(valid.subarray(5), frag));
        if (truncate) return w.subarray(0, at % w.length);
        w[at % w.length] = v;
        return w;
      }),
    );
    fc.assert(
      fc.property(input, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (bytes, cuts) => {
        const r = new ClientHelloReader(limit);
        let at = 0;
        let k = 0;
        let st = HELLO_MORE;
        let last = 0;
        while (st === HELLO_MORE && at < bytes.length) {
          const n = cuts[k++ % cuts.length]!;
          const chunk = Buffer.from(bytes.subarray(at, at + n));
          last = chunk.length;
          at += chunk.length;
          st = r.push(chunk);
        }
        expect(r.received()).toEqual(Buffer.from(bytes.subarray(0, at)));
        expect(r.size).toBeLessThanOrEqual(limit + last);
        if (st === HELLO_DONE) expect(r.hello).toBeDefined();
        // Once decided, more bytes change nothing.
        if (st !== HELLO_MORE) expect(r.push(Buffer.from([1, 2, 3]))).toBe(st);
      }),
      { numRuns: 2000 },
    );
  });
});
