/**
 * `bulwark ingest cloudtrail|vpcflow|dns <files or dirs...>`: reads logs from elsewhere and sends
 * them, in signed batches, to a running node's ingestion API, where the caller's GuardDuty detector
 * analyses them. Endpoint, credentials and Region are found as the AWS CLI finds them
 * (--endpoint-url / AWS_ENDPOINT_URL / the profile's endpoint_url; the default credential chain;
 * --region / AWS_REGION / AWS_DEFAULT_REGION / the profile's region). Never opens a data directory.
 * `--watch` polls the directories for new files (e.g. CloudTrail's delivery layout).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { signRequest } from '../auth/index.js';
import { INGEST_MAX_RECORDS, listFiles, readerFor, type ReadItem } from '../detector/client.js';
import type { IngestResult } from '../detector/index.js';

type Kind = 'cloudtrail' | 'vpcflow' | 'dns';

/** Options of the ingest commands. */
interface IngestFlags {
  endpointUrl?: string;
  profile?: string;
  region?: string;
  watch?: boolean;
  interval?: string;
  state?: string;
  json?: boolean;
  progress?: boolean;
}

/** Records per request the reader assembles (the server takes up to INGEST_MAX_RECORDS). */
const BATCH_RECORDS = Math.min(1000, INGEST_MAX_RECORDS);
/** Bytes of JSON per request (under the server's 5 MB cap). */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Requests in flight: enough that the server always has the next batch while one is answered. */
const MAX_INFLIGHT = 4;
/** Skip reasons printed in the summary. */
const MAX_REASONS = 20;

/** Values of one profile in an AWS shared config file (`[profile x]` / `[default]`). */
export function profileSettings(text: string, profile: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inside = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (sec) {
      inside = sec[1] === profile;
      continue;
    }
    if (!inside) continue;
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (kv) out[(kv[1] as string).toLowerCase()] = (kv[2] as string).trim();
  }
  return out;
}

function sharedConfig(profile: string): Record<string, string> {
  const file = process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  try {
    return profileSettings(readFileSync(file, 'utf8'), profile);
  } catch {
    return {};
  }
}

/**
 * Credentials from the default chain. Without a profile, the chain's first source is the
 * environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN): read it here, and
 * load the SDK's chain (a tenth of the command's start-up) only for the other sources.
 */
export async function credentialsOf(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!(profile ?? env.AWS_PROFILE) && key && secret) return { accessKeyId: key, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider(profile ? { profile } : {})();
}

/** Endpoint, Region and credentials as the AWS CLI would resolve them. */
export async function resolveClient(f: IngestFlags): Promise<{ endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } }> {
  const profile = f.profile ?? process.env.AWS_PROFILE ?? 'default';
  const cfg = sharedConfig(profile);
  const endpoint = (f.endpointUrl ?? process.env.AWS_ENDPOINT_URL ?? cfg.endpoint_url ?? 'http://127.0.0.1:4599').replace(/\/+$/, '');
  const region = f.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? cfg.region ?? 'us-east-1';
  const c = await credentialsOf(f.profile);
  return { endpoint, region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) } };
}

/** Running totals of one ingest run. */
export interface IngestSummary {
  files: number;
  read: number;
  accepted: number;
  duplicates: number;
  skipped: number;
  reasons: string[];
  findingsCreated: number;
  findingsUpdated: number;
}

/** Sends records to the ingestion API in batches, a few requests in flight. */
class Sender {
  /** Each record's JSON (serialised once: it sizes the batch and is the request body). */
  private batch: { json: string; where: string }[] = [];
  private bytes = 2;
  private inflight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private readonly url: URL;
  /** Keep-alive connections, one per request in flight (node:http writes the body Buffer as it is: no copy, no streams). */
  private readonly agent: HttpAgent;

  constructor(
    private readonly client: Awaited<ReturnType<typeof resolveClient>>,
    private readonly kind: Kind,
    private readonly sum: IngestSummary,
  ) {
    this.url = new URL(`${client.endpoint}/_bulwark/ingest/${kind}`);
    const opts = { keepAlive: true, maxSockets: MAX_INFLIGHT };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
  }

  /** One signed POST; resolves with the status and the body text. */
  private request(headers: Record<string, string>, body: Buffer): Promise<{ status: number; statusText: string; text: string }> {
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(this.url, { method: 'POST', headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async add(record: Record<string, unknown>, where: string): Promise<void> {
    const json = JSON.stringify(record);
    // UTF-16 length under-counts multi-byte characters; the 1 MB margin under the server's cap covers it.
    const size = json.length + 1;
    if (this.batch.length >= BATCH_RECORDS || (this.batch.length > 0 && this.bytes + size > BATCH_BYTES)) await this.send();
    this.batch.push({ json, where });
    this.bytes += size;
  }

  async send(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    this.bytes = 2;
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    const p = this.post(items).catch((e: unknown) => {
      this.failure = e as Error;
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /**
   * Sends a CloudTrail document as delivered (`{"Records":[...]}`, under the body cap) as the
   * request body, unparsed: the server parses it once, the reader not at all.
   */
  async sendDocument(body: Buffer, file: string): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    const p = this.postBody(body, (i) => `${file}:record ${i + 1}`, true).then(
      (ok) => {
        if (!ok) this.skip(`${file}: invalid JSON`);
      },
      (e: unknown) => {
        this.failure = e as Error;
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private skip(reason: string): void {
    this.sum.skipped++;
    this.sum.read++;
    if (this.sum.reasons.length < MAX_REASONS) this.sum.reasons.push(reason);
  }

  async finish(): Promise<void> {
    try {
      await this.send();
      await Promise.all(this.inflight);
    } finally {
      this.agent.destroy();
    }
    if (this.failure) throw this.failure;
  }

  private async post(items: { json: string; where: string }[]): Promise<void> {
    const body = Buffer.from(`{"records":[${items.map((i) => i.json).join(',')}]}`);
    await this.postBody(body, (i) => items[i]?.where ?? '?', false);
  }

  /** POSTs one batch; false when the server could not parse a document body. */
  private async postBody(body: Buffer, whereOf: (index: number) => string, document: boolean): Promise<boolean> {
    const headers = signRequest({ method: 'POST', url: this.url, headers: { 'content-type': 'application/json' }, body, region: this.client.region, service: 'bulwark', credentials: this.client.credentials });
    headers['content-length'] = String(body.length);
    let res: { status: number; statusText: string; text: string };
    try {
      res = await this.request(headers, body);
    } catch (e) {
      throw new Error(`cannot reach Bulwark at ${this.client.endpoint}: ${(e as Error).message}`);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    if (document && res.status === 400 && json.__type === 'SerializationException') return false;
    if (res.status < 200 || res.status > 299) throw new Error(`${String(json.__type ?? res.status)}: ${String(json.message ?? res.statusText)}`);
    const r = json as unknown as IngestResult;
    this.sum.accepted += r.accepted;
    this.sum.duplicates += r.duplicates;
    this.sum.findingsCreated += r.findingsCreated;
    this.sum.findingsUpdated += r.findingsUpdated;
    if (document) this.sum.read += r.accepted + r.duplicates;
    for (const s of r.skipped) {
      if (document) this.skip(`${whereOf(s.index)}: ${s.reason}`);
      else {
        this.sum.skipped++;
        if (this.sum.reasons.length < MAX_REASONS) this.sum.reasons.push(`${whereOf(s.index)}: ${s.reason}`);
      }
    }
    return true;
  }
}

/** A one-line progress display on stderr (TTY only). */
class Progress {
  private last = 0;
  constructor(private readonly on: boolean, private readonly total: number) {}

  tick(sum: IngestSummary, force = false): void {
    if (!this.on) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const done = this.total === 0 ? 1 : sum.files / this.total;
    const bar = '#'.repeat(Math.round(done * width)).padEnd(width, '.');
    process.stderr.write(`\r[${bar}] ${sum.files}/${this.total} files  ${sum.read} events  ${sum.findingsCreated} findings`);
  }

  end(): void {
    if (this.on) process.stderr.write('\n');
  }
}

/** A CloudTrail file as CloudTrail delivers it (`{"Records":[...]}`, gzip or not) under the body cap, else undefined. */
function deliveredDocument(file: string): Buffer | undefined {
  if (statSync(file).size > BATCH_BYTES) return undefined;
  let buf: Buffer = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf, { maxOutputLength: BATCH_BYTES + 1 });
  if (buf.length > BATCH_BYTES) return undefined;
  return DOCUMENT_START.test(buf.subarray(0, 64).toString('utf8')) ? buf : undefined;
}

const DOCUMENT_START = /^\s*\{\s*"Records"\s*:\s*\[/;

/** Reads and sends the given files; updates `sum`. */
export async function ingestFiles(kind: Kind, files: readonly string[], client: Awaited<ReturnType<typeof resolveClient>>, sum: IngestSummary, showProgress: boolean): Promise<void> {
  const sender = new Sender(client, kind, sum);
  const progress = new Progress(showProgress, files.length + sum.files);
  const read = readerFor(kind);
  for (const file of files) {
    let it: AsyncGenerator<ReadItem>;
    try {
      if (kind === 'cloudtrail') {
        const doc = deliveredDocument(file);
        if (doc) {
          await sender.sendDocument(doc, file);
          sum.files++;
          progress.tick(sum);
          continue;
        }
      }
      it = read(file);
      for await (const item of it) {
        sum.read++;
        if ('skip' in item) {
          sum.skipped++;
          if (sum.reasons.length < MAX_REASONS) sum.reasons.push(`${item.where}: ${item.skip}`);
        } else await sender.add(item.record, item.where);
        if ((sum.read & 1023) === 0) progress.tick(sum);
      }
    } catch (e) {
      sum.skipped++;
      if (sum.reasons.length < MAX_REASONS) sum.reasons.push(`${file}: ${(e as Error).message}`);
    }
    sum.files++;
    progress.tick(sum);
  }
  await sender.finish();
  progress.tick(sum, true);
  progress.end();
}

function printSummary(sum: IngestSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(sum) + '\n');
    return;
  }
  const lines = [
    `Files read: ${sum.files}`,
    `Events read: ${sum.read}`,
    `Accepted: ${sum.accepted}  duplicates (already ingested): ${sum.duplicates}`,
    `Skipped: ${sum.skipped}`,
    ...sum.reasons.map((r) => `  ${r}`),
    ...(sum.skipped > sum.reasons.length ? [`  … and ${sum.skipped - sum.reasons.length} more`] : []),
    `Findings created: ${sum.findingsCreated}  updated: ${sum.findingsUpdated}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

const emptySummary = (): IngestSummary => ({ files: 0, read: 0, accepted: 0, duplicates: 0, skipped: 0, reasons: [], findingsCreated: 0, findingsUpdated: 0 });

async function run(kind: Kind, paths: string[], f: IngestFlags): Promise<void> {
  const client = await resolveClient(f);
  const tty = f.progress !== false && process.stderr.isTTY === true;
  if (!f.watch) {
    const sum = emptySummary();
    await ingestFiles(kind, listFiles(paths), client, sum, tty);
    printSummary(sum, f.json === true);
    return;
  }
  // Watched directories: poll for files not processed before (path + size + mtime), remember them.
  const seen = new Set<string>();
  if (f.state) {
    try {
      for (const k of JSON.parse(readFileSync(f.state, 'utf8')) as string[]) seen.add(k);
    } catch {
      // no state yet
    }
  }
  const interval = Math.max(1, Number(f.interval ?? 5)) * 1000;
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  process.once('SIGTERM', () => (stopping = true));
  process.stderr.write(`bulwark: watching ${paths.join(', ')} every ${interval / 1000}s (Ctrl-C to stop)\n`);
  while (!stopping) {
    const fresh: string[] = [];
    for (const file of listFiles(paths)) {
      const st = statSync(file);
      const key = `${file}\0${st.size}\0${st.mtimeMs}`;
      if (!seen.has(key)) {
        seen.add(key);
        fresh.push(file);
      }
    }
    if (fresh.length > 0) {
      const sum = emptySummary();
      await ingestFiles(kind, fresh, client, sum, false);
      printSummary(sum, f.json === true);
      if (f.state) writeFileSync(f.state, JSON.stringify([...seen]));
    }
    for (let waited = 0; waited < interval && !stopping; waited += 200) await new Promise((r) => setTimeout(r, 200));
  }
}

/** The `ingest` command group. */
export function ingestCommands(): Command {
  const cmd = new Command('ingest').description("Send logs from elsewhere to a running node's GuardDuty detector (the caller's account and Region)");
  const kinds: [Kind, string][] = [
    ['cloudtrail', 'CloudTrail logs: {"Records":[...]} files, .json.gz, JSON arrays, JSON lines; directories recursively (AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/)'],
    ['vpcflow', 'VPC flow logs: the default version 2 format, or a custom format with a header line'],
    ['dns', 'Route 53 Resolver query logs (JSON lines)'],
  ];
  for (const [kind, desc] of kinds) {
    cmd
      .command(`${kind} <paths...>`)
      .description(desc)
      .addOption(new Option('--endpoint-url <url>', 'Bulwark API endpoint (env AWS_ENDPOINT_URL, profile endpoint_url)'))
      .addOption(new Option('--profile <name>', 'AWS profile for credentials, Region and endpoint (env AWS_PROFILE)'))
      .addOption(new Option('--region <region>', 'Region of the detector (env AWS_REGION / AWS_DEFAULT_REGION, profile region)'))
      .addOption(new Option('--watch', 'keep polling the paths for new files'))
      .addOption(new Option('--interval <seconds>', 'poll interval with --watch (default 5)'))
      .addOption(new Option('--state <file>', 'with --watch: remember processed files in <file> across runs'))
      .addOption(new Option('--json', 'print the summary as JSON'))
      .addOption(new Option('--no-progress', 'no progress bar'))
      .action(async (paths: string[], f: IngestFlags) => {
        try {
          await run(kind, paths, f);
        } catch (e) {
          process.stderr.write(`bulwark: ${(e as Error).message}\n`);
          process.exit(1);
        }
      });
  }
  return cmd;
}
