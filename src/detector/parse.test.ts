import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, parseFlowLine, readCloudTrail, readDns, readVpcFlow, DEFAULT_FLOW_FIELDS, type ReadItem } from './parse.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(it: AsyncGenerator<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const ev = (id: string): Record<string, unknown> => ({ eventID: id, eventTime: '2026-01-01T00:00:00Z', eventSource: 'iam.amazonaws.com', eventName: 'ListUsers' });

describe('CloudTrail files', () => {
  it('reads {"Records":[...]} gzipped in the delivery layout, arrays and JSON lines', async () => {
    const day = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '01', '01');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, '111122223333_CloudTrail_us-east-1_20260101T0000Z_abc.json.gz'), gzipSync(JSON.stringify({ Records: [ev('a'), ev('b')] })));
    mkdirSync(join(dir, 'AWSLogs', '111122223333', 'CloudTrail-Digest'), { recursive: true });
    writeFileSync(join(dir, 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'd.json.gz'), gzipSync('{}'));
    writeFileSync(join(dir, 'array.json'), JSON.stringify([ev('c'), 7]));
    writeFileSync(join(dir, 'lines.jsonl'), `${JSON.stringify(ev('d'))}\n\n{broken\n${JSON.stringify({ Records: [ev('e')] })}\n`);
    const files = listFiles([dir]);
    expect(files.some((f) => f.includes('Digest'))).toBe(false);
    const gz = files.find((f) => f.endsWith('.json.gz')) as string;
    expect((await all(readCloudTrail(gz))).map((x) => ('record' in x ? x.record.eventID : x.skip))).toEqual(['a', 'b']);
    const arr = await all(readCloudTrail(join(dir, 'array.json')));
    expect(arr.map((x) => ('record' in x ? x.record.eventID : `${x.where} ${x.skip}`))).toEqual(['c', `${join(dir, 'array.json')}:record 2 not a JSON object`]);
    const lines = await all(readCloudTrail(join(dir, 'lines.jsonl')));
    expect(lines.map((x) => ('record' in x ? x.record.eventID : `${x.where} ${x.skip}`))).toEqual(['d', `${join(dir, 'lines.jsonl')}:3 invalid JSON`, 'e']);
  });
});

describe('VPC flow logs', () => {
  it('parses the default v2 format', () => {
    const r = parseFlowLine(DEFAULT_FLOW_FIELDS, '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK');
    expect(r).toEqual({ version: 2, accountId: '123456789010', interfaceId: 'eni-1235b8ca123456789', srcAddr: '172.31.16.139', dstAddr: '172.31.16.21', srcPort: 20641, dstPort: 22, protocol: 6, packets: 20, bytes: 4249, start: 1418530010, end: 1418530070, action: 'ACCEPT', logStatus: 'OK' });
    expect(parseFlowLine(DEFAULT_FLOW_FIELDS, '2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA')).toBe('NODATA record');
    expect(parseFlowLine(DEFAULT_FLOW_FIELDS, '2 1 2')).toBe('expected 14 fields, got 3');
  });

  it('custom formats with a header line keep unknown fields in extra', async () => {
    const f = join(dir, 'custom.log');
    writeFileSync(f, 'version vpc-id srcaddr dstaddr dstport protocol start end tcp-flags\n5 vpc-1 10.0.0.1 198.51.100.1 443 6 100 160 2\n5 vpc-1 10.0.0.1\n');
    const items = await all(readVpcFlow(f));
    expect(items[0]).toEqual({ record: { version: 5, srcAddr: '10.0.0.1', dstAddr: '198.51.100.1', dstPort: 443, protocol: 6, start: 100, end: 160, extra: { 'vpc-id': 'vpc-1', 'tcp-flags': '2' } }, where: `${f}:2` });
    expect(items[1]).toEqual({ skip: 'expected 9 fields, got 3', where: `${f}:3` });
  });
});

describe('Route 53 Resolver query logs', () => {
  it('reads JSON lines, gzipped too', async () => {
    const f = join(dir, 'dns.log.gz');
    writeFileSync(f, gzipSync('{"version":"1.100000","query_timestamp":"2026-01-01T00:00:00Z","query_name":"example.com.","srcaddr":"10.0.0.1"}\nnot json\n'));
    const items = await all(readDns(f));
    expect(items[0] && 'record' in items[0] && items[0].record.query_name).toBe('example.com.');
    expect(items[1]).toEqual({ skip: 'invalid JSON', where: `${f}:2` });
  });
});
