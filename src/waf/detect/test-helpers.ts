/**
 * Test-only helpers: reads the OWASP CRS v4 go-ftw regression cases and extracts the request parts
 * a WAF inspects (query and body arguments, their names, the path, cookies, other headers), URL
 * decoded once as AWS WAF's URL_DECODE transformation does, as byte strings.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Where the shared CRS regression data lives (not copied into the repo): ../shared beside the repository (as on every developer machine and in CI), or CRS_REGRESSION_DIR. */
export const CRS_ROOT = process.env.CRS_REGRESSION_DIR ?? fileURLToPath(new URL('../../../../shared/data/waf/crs-regression', import.meta.url));

/** One stage of a CRS test, reduced to what the detectors need. */
export interface CrsCase {
  /** e.g. '942100-3' */
  readonly id: string;
  readonly ruleId: number;
  readonly expectIds: readonly number[];
  readonly noExpectIds: readonly number[];
  /** Decoded inspected parts (byte strings). */
  readonly parts: readonly string[];
}

interface FtwInput {
  uri?: string;
  data?: string;
  headers?: Record<string, string>;
}
interface FtwFile {
  rule_id: number;
  tests: { test_id: number; stages: { input: FtwInput; output: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } } }[] }[];
}

/** Percent-decodes a byte string once; `+` becomes a space when `plus`. Invalid escapes stay. */
export function urlDecode(s: string, plus = true): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%' && i + 2 < s.length + 0 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+' && plus) out += ' ';
    else out += c;
  }
  return out;
}

/** UTF-8 text (as written in YAML) to a byte string. */
function bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function formParts(body: string, out: string[]): void {
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) { out.push(urlDecode(pair)); continue; }
    const name = urlDecode(pair.slice(0, eq));
    const value = urlDecode(pair.slice(eq + 1));
    if (name !== '') out.push(name);
    if (value !== '') out.push(value);
  }
}

function jsonParts(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(bytes(v));
  else if (Array.isArray(v)) for (const x of v) jsonParts(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) { out.push(bytes(k)); jsonParts(x, out); }
  } else if (v !== null && v !== undefined) out.push(String(v));
}

function xmlDecode(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return '\'';
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

function xmlParts(body: string, out: string[]): void {
  // Test code on trusted data: attribute values and text nodes.
  for (const m of body.matchAll(/\s[\w:-]+="([^"]*)"/g)) if (m[1]) out.push(bytes(xmlDecode(m[1])));
  for (const m of body.matchAll(/>([^<]+)</g)) if (m[1]) out.push(bytes(xmlDecode(m[1])));
}

const IGNORED_HEADERS = new Set(['host', 'accept', 'content-type', 'content-length', 'cache-control', 'connection',
  'accept-encoding', 'accept-language', 'transfer-encoding', 'proxy-connection', 'keep-alive']);

/** Extracts the inspected parts of one go-ftw input. */
export function requestParts(input: FtwInput): string[] {
  const out: string[] = [];
  const uri = bytes(input.uri ?? '/');
  const q = uri.indexOf('?');
  const path = q < 0 ? uri : uri.slice(0, q);
  out.push(urlDecode(path, false));
  if (q >= 0) formParts(uri.slice(q + 1), out);
  const headers = input.headers ?? {};
  let contentType = '';
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (n === 'content-type') contentType = value.toLowerCase();
    if (IGNORED_HEADERS.has(n)) continue;
    if (n === 'user-agent' && value === 'OWASP CRS test agent') continue;
    const v = bytes(String(value));
    if (n === 'cookie') {
      for (const c of v.split(';')) {
        const t = c.trim();
        const eq = t.indexOf('=');
        if (eq < 0) out.push(urlDecode(t, false));
        else { out.push(urlDecode(t.slice(0, eq), false)); out.push(urlDecode(t.slice(eq + 1), false)); }
      }
    } else {
      out.push(v);
      const d = urlDecode(v, false);
      if (d !== v) out.push(d);
    }
  }
  if (input.data !== undefined) {
    const data = String(input.data);
    if (contentType.includes('json')) {
      try { jsonParts(JSON.parse(data), out); } catch { out.push(bytes(data)); }
    } else if (contentType.includes('xml')) xmlParts(data, out);
    else formParts(bytes(data), out);
  }
  return out.filter((p) => p !== '' && p !== '/');
}

/** Loads every stage of the rule files of a family ('941', '942'); [] when the data is absent. */
export function loadCrsCases(family: string): CrsCase[] {
  if (!existsSync(CRS_ROOT)) return [];
  const out: CrsCase[] = [];
  for (const dir of readdirSync(CRS_ROOT).filter((d) => d.startsWith(`REQUEST-${family}`)).sort()) {
    for (const f of readdirSync(join(CRS_ROOT, dir)).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(CRS_ROOT, dir, f), 'utf8')) as FtwFile;
      for (const t of doc.tests) {
        t.stages.forEach((s, k) => {
          out.push({
            id: `${doc.rule_id}-${t.test_id}${t.stages.length > 1 ? `.${k + 1}` : ''}`,
            ruleId: doc.rule_id,
            expectIds: s.output.log?.expect_ids ?? [],
            noExpectIds: s.output.log?.no_expect_ids ?? [],
            parts: requestParts(s.input),
          });
        });
      }
    }
  }
  return out;
}
