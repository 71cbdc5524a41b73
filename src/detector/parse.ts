/**
 * Readers for log files from elsewhere, used by `bulwark ingest`: CloudTrail (`{"Records":[...]}`
 * documents as CloudTrail delivers them, JSON arrays, JSON lines; gzip by magic bytes), VPC flow
 * logs (the default version 2 format, or any custom format whose first line is the field header),
 * Route 53 Resolver query logs (JSON lines). Line-oriented formats are streamed; JSON documents are
 * read whole (CloudTrail delivers them in objects of a few MB). Every record comes with where it
 * was read (`file:line`) so skips can be reported precisely.
 */
import { createReadStream, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FlowRecord } from './types.js';

/** One record read from a file, or a reason it could not be. */
export type ReadItem = { readonly record: Record<string, unknown>; readonly where: string } | { readonly skip: string; readonly where: string };

/** Largest JSON document read whole. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024;

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function lineStream(file: string): Readable {
  const raw = createReadStream(file);
  return isGzip(file) ? raw.pipe(createGunzip()) : raw;
}

/** Files under the given paths (directories recursively, sorted; hidden entries and CloudTrail digests skipped). */
export function listFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (!e.startsWith('.')) walk(join(p, e));
    } else if (st.isFile()) {
      if (!/CloudTrail-Digest/.test(p)) out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** CloudTrail records of one file. */
export async function* readCloudTrail(file: string): AsyncGenerator<ReadItem> {
  const size = statSync(file).size;
  if (size > MAX_DOCUMENT_BYTES) {
    yield { skip: 'file larger than 1 GiB', where: file };
    return;
  }
  let buf = await readFile(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const text = buf.toString('utf8');
  let doc: unknown;
  let whole = true;
  try {
    doc = JSON.parse(text);
  } catch {
    whole = false;
  }
  if (whole) {
    const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { Records?: unknown }).Records) ? (doc as { Records: unknown[] }).Records : [doc];
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r && typeof r === 'object' && !Array.isArray(r)) yield { record: r as Record<string, unknown>, where: `${file}:record ${i + 1}` };
      else yield { skip: 'not a JSON object', where: `${file}:record ${i + 1}` };
    }
    return;
  }
  // JSON lines (one record, or one {"Records":[...]} document, per line).
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const l = (lines[n] as string).trim();
    if (l === '') continue;
    const where = `${file}:${n + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      yield { skip: 'invalid JSON', where };
      continue;
    }
    const recs = v && typeof v === 'object' && Array.isArray((v as { Records?: unknown }).Records) ? (v as { Records: unknown[] }).Records : [v];
    for (const r of recs) {
      if (r && typeof r === 'object' && !Array.isArray(r)) yield { record: r as Record<string, unknown>, where };
      else yield { skip: 'not a JSON object', where };
    }
  }
}

/** Route 53 Resolver query log records (JSON lines) of one file. */
export async function* readDns(file: string): AsyncGenerator<ReadItem> {
  let n = 0;
  for await (const line of createInterface({ input: lineStream(file), crlfDelay: Infinity })) {
    n++;
    const l = line.trim();
    if (l === '') continue;
    const where = `${file}:${n}`;
    try {
      const v: unknown = JSON.parse(l);
      if (v && typeof v === 'object' && !Array.isArray(v)) yield { record: v as Record<string, unknown>, where };
      else yield { skip: 'not a JSON object', where };
    } catch {
      yield { skip: 'invalid JSON', where };
    }
  }
}

/** The default (version 2) flow log format. */
export const DEFAULT_FLOW_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'] as const;

const FLOW_FIELD = /^[a-z][a-z0-9-]*$/;
const NUMERIC = new Set(['version', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end']);
const NAMES: Record<string, keyof FlowRecord> = {
  version: 'version',
  'account-id': 'accountId',
  'interface-id': 'interfaceId',
  srcaddr: 'srcAddr',
  dstaddr: 'dstAddr',
  srcport: 'srcPort',
  dstport: 'dstPort',
  protocol: 'protocol',
  packets: 'packets',
  bytes: 'bytes',
  start: 'start',
  end: 'end',
  action: 'action',
  'log-status': 'logStatus',
};

/** Parses one flow log line against a field list; returns the record or why not. */
export function parseFlowLine(fields: readonly string[], line: string): FlowRecord | string {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== fields.length) return `expected ${fields.length} fields, got ${parts.length}`;
  const rec: Record<string, unknown> = {};
  const extra: Record<string, string> = {};
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i] as string;
    const v = parts[i] as string;
    const key = NAMES[name];
    if (!key) {
      if (v !== '-') extra[name] = v;
      continue;
    }
    if (v === '-') continue;
    if (NUMERIC.has(name)) {
      const n = Number(v);
      if (!Number.isFinite(n)) return `${name} is not a number`;
      rec[key] = n;
    } else rec[key] = v;
  }
  if (rec.logStatus === 'NODATA' || rec.logStatus === 'SKIPDATA') return `${String(rec.logStatus)} record`;
  if (typeof rec.srcAddr !== 'string' || typeof rec.dstAddr !== 'string') return 'no srcaddr/dstaddr';
  if (typeof rec.start !== 'number' || typeof rec.end !== 'number') return 'no start/end';
  if (Object.keys(extra).length > 0) rec.extra = extra;
  return rec as unknown as FlowRecord;
}

/** VPC flow log records of one file (header line → custom format; otherwise the default format). */
export async function* readVpcFlow(file: string): AsyncGenerator<ReadItem> {
  let fields: readonly string[] | undefined;
  let n = 0;
  for await (const line of createInterface({ input: lineStream(file), crlfDelay: Infinity })) {
    n++;
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    const where = `${file}:${n}`;
    if (!fields) {
      const toks = l.split(/\s+/);
      if (toks.every((t) => FLOW_FIELD.test(t)) && toks.some((t) => t === 'srcaddr' || t === 'dstaddr')) {
        fields = toks;
        continue;
      }
      fields = DEFAULT_FLOW_FIELDS;
    }
    const r = parseFlowLine(fields, l);
    if (typeof r === 'string') yield { skip: r, where };
    else yield { record: r as unknown as Record<string, unknown>, where };
  }
}

/** The reader of a kind. */
export function readerFor(kind: 'cloudtrail' | 'vpcflow' | 'dns'): (file: string) => AsyncGenerator<ReadItem> {
  return kind === 'cloudtrail' ? readCloudTrail : kind === 'vpcflow' ? readVpcFlow : readDns;
}
