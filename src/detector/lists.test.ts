import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainMatcher, IpMatcher, loadList, parseList, resolveLocation } from './lists.js';

describe('list formats', () => {
  it('TXT: IPs, CIDRs and domains, one per line, comments skipped', () => {
    const p = parseList('TXT', '# comment\n198.51.100.1\n203.0.113.0/24\n2001:db8::/32\nEvil.Example.\nnot a thing!\n10.0.0.0/33\n');
    expect(p.cidrs).toEqual(['198.51.100.1', '203.0.113.0/24', '2001:db8::/32']);
    expect(p.domains).toEqual(['evil.example']);
    expect(p.rejected).toBe(2);
  });

  it('STIX 1.x XML and STIX 2.x JSON', () => {
    const xml = `<stix:STIX_Package><cybox:Object><AddressObj:Address_Value condition="Equals">192.0.2.5</AddressObj:Address_Value></cybox:Object>
      <cybox:Object><DomainNameObj:Value>bad.example</DomainNameObj:Value></cybox:Object>
      <cybox:Object><AddressObj:Address_Value condition="Equals" apply_condition="ANY">192.0.2.6##comma##192.0.2.0/28</AddressObj:Address_Value></cybox:Object></stix:STIX_Package>`;
    const a = parseList('STIX', xml);
    expect(a.cidrs).toEqual(['192.0.2.5', '192.0.2.6', '192.0.2.0/28']);
    expect(a.domains).toEqual(['bad.example']);
    const json = JSON.stringify({ type: 'bundle', objects: [{ type: 'indicator', pattern: "[ipv4-addr:value = '198.51.100.9']" }, { type: 'indicator', pattern: "[domain-name:value = 'c2.example']" }, { type: 'ipv4-addr', value: '198.51.100.10' }] });
    const b = parseList('STIX', json);
    expect(b.cidrs.sort()).toEqual(['198.51.100.10', '198.51.100.9']);
    expect(b.domains).toEqual(['c2.example']);
  });

  it('OTX_CSV: the Indicator column', () => {
    const p = parseList('OTX_CSV', 'Indicator type,Indicator,Description\nIPv4,198.51.100.20,"scanner, noisy"\ndomain,otx.example,\nURL,http://u.example/x,\nFileHash-MD5,d41d8cd98f00b204e9800998ecf8427e,\n');
    expect(p.cidrs).toEqual(['198.51.100.20']);
    expect(p.domains).toEqual(['otx.example', 'u.example']);
    expect(p.rejected).toBe(1);
  });

  it('ALIEN_VAULT: the address before the first #', () => {
    const p = parseList('ALIEN_VAULT', '198.51.100.30#4#2#Malicious Host#US#City#37.7,-122.4#3\n198.51.100.31#3#2#Scanning Host#CN##0,0#11\n');
    expect(p.cidrs).toEqual(['198.51.100.30', '198.51.100.31']);
  });

  it('PROOF_POINT and FIRE_EYE: the ip/domain columns of their CSVs', () => {
    expect(parseList('PROOF_POINT', 'ip,category,score\n198.51.100.40,CnC,127\n198.51.100.41,Scanner,90\n').cidrs).toEqual(['198.51.100.40', '198.51.100.41']);
    expect(parseList('PROOF_POINT', 'domain,category,score\npp.example,CnC,127\n').domains).toEqual(['pp.example']);
    const fe = parseList('FIRE_EYE', 'reportId,title,ip,domain,networkIdentifier\n17-00001,APT,198.51.100.50,fe.example,Attacker\n');
    expect(fe.cidrs).toEqual(['198.51.100.50']);
    expect(fe.domains).toEqual(['fe.example']);
  });
});

describe('locations', () => {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-lists-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('maps file paths, file:// URLs and S3 URLs under the buckets root', () => {
    expect(resolveLocation('/tmp/x.txt', root)).toBe('/tmp/x.txt');
    expect(resolveLocation('file:///tmp/x%20y.txt', root)).toBe('/tmp/x y.txt');
    expect(resolveLocation('s3://my-bucket/lists/a.txt', root)).toBe(join(root, 'my-bucket/lists/a.txt'));
    expect(resolveLocation('https://s3.amazonaws.com/my-bucket/a.txt', root)).toBe(join(root, 'my-bucket/a.txt'));
    expect(resolveLocation('https://my-bucket.s3.us-east-1.amazonaws.com/a.txt', root)).toBe(join(root, 'my-bucket/a.txt'));
    expect(resolveLocation('s3://my-bucket/../../etc/passwd', root)).toBeUndefined();
    expect(resolveLocation('ftp://x/y', root)).toBeUndefined();
  });

  it('reads plain and gzipped lists; unreadable locations throw', () => {
    mkdirSync(join(root, 'bkt'));
    writeFileSync(join(root, 'bkt', 'l.txt'), '198.51.100.60\n');
    writeFileSync(join(root, 'bkt', 'l.txt.gz'), gzipSync('198.51.100.61\n'));
    expect(loadList('TXT', 's3://bkt/l.txt', root).cidrs).toEqual(['198.51.100.60']);
    expect(loadList('TXT', 's3://bkt/l.txt.gz', root).cidrs).toEqual(['198.51.100.61']);
    expect(() => loadList('TXT', 's3://bkt/none.txt', root)).toThrow(/could not be read/);
  });
});

describe('compiled matchers', () => {
  it('finds IPv4 addresses in overlapping CIDRs and single addresses', () => {
    const m = new IpMatcher<string>([['10.0.0.0/8', 'wide'], ['10.1.2.0/24', 'narrow'], ['192.0.2.7', 'one'], ['0.0.0.0/0', 'all']].map(([a, b]) => [a as string, b as string] as const));
    expect(m.get('10.1.2.3')).toBeDefined();
    expect(m.get('192.0.2.7')).toBeDefined();
    const n = new IpMatcher<string>([['10.0.0.0/8', 'wide'], ['192.0.2.7', 'one']]);
    expect(n.get('10.255.255.255')).toBe('wide');
    expect(n.get('11.0.0.0')).toBeUndefined();
    expect(n.get('192.0.2.8')).toBeUndefined();
    expect(n.get('192.0.2.7')).toBe('one');
    expect(n.get('::ffff:192.0.2.7')).toBe('one');
    expect(n.get('not-an-ip')).toBeUndefined();
  });

  it('an empty matcher answers undefined for any address', () => {
    const e = new IpMatcher<string>([]);
    expect(['10.1.2.3', '2001:db8::1', '::ffff:192.0.2.7', 'not-an-ip', ''].map((ip) => e.get(ip))).toEqual(Array(5).fill(undefined));
    expect(e.size).toBe(0);
    const v6only = new IpMatcher<string>([['2001:db8::/32', 'doc']]);
    expect([v6only.get('2001:db8::1'), v6only.get('10.1.2.3')]).toEqual(['doc', undefined]);
  });

  it('finds IPv6 addresses in prefixes', () => {
    const m = new IpMatcher<number>([['2001:db8::/32', 1], ['2001:db8:ffff::1', 2], ['fe80::/10', 3]]);
    expect(m.get('2001:db8:1::5')).toBe(1);
    expect(m.get('fe80::1')).toBe(3);
    expect(m.get('2001:db9::1')).toBeUndefined();
  });

  it('matches a listed domain and its subdomains, not its parents', () => {
    const d = new DomainMatcher<number>([['evil.example', 1]]);
    expect(d.get('evil.example')).toBe(1);
    expect(d.get('a.b.EVIL.example.')).toBe(1);
    expect(d.get('example')).toBeUndefined();
    expect(d.get('notevil.example')).toBeUndefined();
  });
});
