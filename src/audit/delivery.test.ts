import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/index.js';
import { AuditTrail, type DigestFile } from './index.js';
import { digestSigningString } from './layout.js';
import { ACCOUNT, REGION, apiEvent, callOperation } from './testing.js';

const SECRET = 'PLAINTEXT-KNOWN-SECRET-4711';
let dir: string;
let kv: MemoryBackend;
let audit: AuditTrail;
let clock: Date;

const bucket = (...p: string[]) => join(dir, 'logs', ...p);
const call = (op: string, input: Record<string, unknown>) => callOperation(audit.service(), audit.sink, op, input, clock);
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const filesUnder = (root: string): string[] =>
  existsSync(root) ? (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)) : [];
const readDigest = (path: string): DigestFile => JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as DigestFile;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-delivery-'));
  mkdirSync(join(dir, 'logs'));
  clock = new Date('2024-05-01T12:00:00Z');
  kv = new MemoryBackend();
  audit = new AuditTrail({ kv, accountId: ACCOUNT, region: REGION, bucketsRoot: dir, now: () => clock, digestIntervalMs: 3_600_000, deliveryIntervalMs: 300_000 });
  await audit.load();
  await call('CreateTrail', { Name: 'main', S3BucketName: 'logs', S3KeyPrefix: 'pfx' });
  await call('StartLogging', { Name: 'main' });
});
afterEach(async () => {
  await audit.close();
  rmSync(dir, { recursive: true, force: true });
});

async function someCalls(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    advance(1000);
    await audit.sink(apiEvent({ time: clock, operation: 'Encrypt', requestParameters: { KeyId: 'alias/app', Plaintext: SECRET, EncryptionContext: { nested: { Plaintext: SECRET } } }, responseElements: { CiphertextBlob: SECRET } }));
  }
}

describe('delivery', () => {
  it('writes gzip log files in CloudTrail layout with the records, and no secrets', async () => {
    await someCalls(3);
    advance(1000);
    const { logFiles, digest } = await audit.flush('main');
    expect(logFiles).toHaveLength(1);
    expect(logFiles[0]).toMatch(new RegExp(`^pfx/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2024/05/01/${ACCOUNT}_CloudTrail_${REGION}_20240501T1200Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    expect(digest).toMatch(new RegExp(`^pfx/AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/2024/05/01/${ACCOUNT}_CloudTrail-Digest_${REGION}_main_${REGION}_20240501T120004Z\\.json\\.gz$`));
    const body = gunzipSync(readFileSync(bucket(...logFiles[0]!.split('/')))).toString('utf8');
    const parsed = JSON.parse(body) as { Records: { eventName: string; responseElements: unknown; requestParameters: Record<string, unknown> }[] };
    // StartLogging (its own call is recorded by the trail it starts) and the three Encrypt calls, oldest first.
    expect(parsed.Records.map((r) => r.eventName)).toEqual(['StartLogging', 'Encrypt', 'Encrypt', 'Encrypt']);
    expect(parsed.Records[1]!.responseElements).toBeNull();
    expect(parsed.Records[1]!.requestParameters).toEqual({ KeyId: 'alias/app', EncryptionContext: { nested: {} } });
    // The secret is nowhere: not in delivered files, not in the stored history.
    for (const f of filesUnder(join(dir, 'logs'))) {
      const raw = readFileSync(f);
      const text = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      expect(text, f).not.toContain(SECRET);
    }
    for (const k of await kv.list('')) expect((await kv.get(k))!.toString('latin1')).not.toContain(SECRET);
    // Nothing pending after the flush.
    expect((await audit.flush('main')).logFiles).toEqual([]);
  });

  it('delivers only what the event selectors match, until logging stops (StopLogging included)', async () => {
    advance(1000);
    await call('PutEventSelectors', { TrailName: 'main', EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] });
    advance(1000);
    await audit.sink(apiEvent({ time: clock, operation: 'ListKeys', readOnly: true }));
    advance(1000);
    await audit.sink(apiEvent({ time: clock, operation: 'CreateKey' }));
    advance(1000);
    await call('StopLogging', { Name: 'main' });
    advance(1000);
    await audit.sink(apiEvent({ time: clock, operation: 'CreateAlias' }));
    const { logFiles } = await audit.flush('main');
    const names = logFiles.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(bucket(...f.split('/')))).toString('utf8')) as { Records: { eventName: string }[] }).Records.map((r) => r.eventName));
    expect(names).toEqual(['StartLogging', 'PutEventSelectors', 'CreateKey', 'StopLogging']);
  });

  it('delivers on the timer interval and writes a digest every hour, even without log files', async () => {
    await someCalls(1);
    advance(300_000);
    await audit.tick();
    const logs = filesUnder(bucket('pfx', 'AWSLogs', ACCOUNT, 'CloudTrail'));
    expect(logs).toHaveLength(1);
    expect(filesUnder(bucket('pfx', 'AWSLogs', ACCOUNT, 'CloudTrail-Digest'))).toHaveLength(0);
    advance(3_600_000);
    await audit.tick();
    advance(3_600_000);
    await audit.tick();
    const digests = filesUnder(bucket('pfx', 'AWSLogs', ACCOUNT, 'CloudTrail-Digest')).filter((f) => f.endsWith('.json.gz')).sort();
    expect(digests).toHaveLength(2);
    const [d1, d2] = digests.map(readDigest) as [DigestFile, DigestFile];
    expect(d1.logFiles).toHaveLength(1);
    expect(d2.logFiles).toEqual([]);
    expect(d2.newestEventTime).toBeNull();
    expect(d2.digestStartTime).toBe(d1.digestEndTime);
    expect(d2.previousDigestS3Object).toBe(d1.digestS3Object);
    expect((await audit.validate('main')).ok).toBe(true);
    expect((await call('GetTrailStatus', { Name: 'main' })).LatestDigestDeliveryTime).toEqual(clock);
  });

  it('writes digests in CloudTrail format, chained and signed SHA256withRSA with a listed public key', async () => {
    await someCalls(2);
    advance(1000);
    const first = await audit.flush('main');
    await someCalls(2);
    advance(1000);
    const second = await audit.flush('main');
    const path = bucket(...second.digest!.split('/'));
    const json = gunzipSync(readFileSync(path));
    const d = JSON.parse(json.toString('utf8')) as DigestFile;
    expect(Object.keys(d)).toEqual([
      'awsAccountId', 'digestStartTime', 'digestEndTime', 'digestS3Bucket', 'digestS3Object', 'digestPublicKeyFingerprint', 'digestSignatureAlgorithm',
      'newestEventTime', 'oldestEventTime', 'previousDigestS3Bucket', 'previousDigestS3Object', 'previousDigestHashValue', 'previousDigestHashAlgorithm',
      'previousDigestSignature', 'logFiles',
    ]);
    expect(d).toMatchObject({ awsAccountId: ACCOUNT, digestS3Bucket: 'logs', digestS3Object: second.digest, digestSignatureAlgorithm: 'SHA256withRSA', previousDigestHashAlgorithm: 'SHA-256', previousDigestS3Bucket: 'logs', previousDigestS3Object: first.digest });
    // The log file hash is SHA-256 of the uncompressed file.
    const lf = d.logFiles[0]!;
    expect(lf.hashValue).toBe(createHash('sha256').update(gunzipSync(readFileSync(bucket(...lf.s3Object.split('/'))))).digest('hex'));
    // The previous digest hash and signature link the chain.
    const prevJson = gunzipSync(readFileSync(bucket(...first.digest!.split('/'))));
    expect(d.previousDigestHashValue).toBe(createHash('sha256').update(prevJson).digest('hex'));
    const prevSig = JSON.parse(readFileSync(bucket(...first.digest!.split('/')) + '.sig.json', 'utf8')) as { signature: string };
    expect(d.previousDigestSignature).toBe(prevSig.signature);
    // The signature verifies with node:crypto over CloudTrail's signing string, with the ListPublicKeys key.
    const sig = JSON.parse(readFileSync(path + '.sig.json', 'utf8')) as { signature: string; 'signature-algorithm': string };
    expect(sig['signature-algorithm']).toBe('SHA256withRSA');
    const keys = (await call('ListPublicKeys', {})) as { PublicKeyList: { Value: Buffer; Fingerprint: string; ValidityStartTime: Date; ValidityEndTime: Date }[] };
    expect(keys.PublicKeyList).toHaveLength(1);
    const key = keys.PublicKeyList[0]!;
    expect(key.Fingerprint).toBe(createHash('md5').update(key.Value).digest('hex'));
    expect(key.Fingerprint).toBe(d.digestPublicKeyFingerprint);
    const signingString = `${d.digestEndTime}\n${d.digestS3Bucket}/${d.digestS3Object}\n${createHash('sha256').update(json).digest('hex')}\n${d.previousDigestSignature}`;
    expect(verify('sha256', Buffer.from(signingString), createPublicKey({ key: key.Value, format: 'der', type: 'spki' }), Buffer.from(sig.signature, 'hex'))).toBe(true);
    // The first digest's previous fields are null and its signing string ends with "null".
    const d0 = JSON.parse(prevJson.toString('utf8')) as DigestFile;
    expect(d0.previousDigestSignature).toBeNull();
    expect(d0.previousDigestHashAlgorithm).toBeNull();
  });

  it('rotates the signing key and ListPublicKeys returns each key with its validity', async () => {
    await audit.close();
    audit = new AuditTrail({ kv, accountId: ACCOUNT, region: REGION, bucketsRoot: dir, now: () => clock, keyRotationMs: 3_600_000 });
    await audit.load();
    await someCalls(1);
    await audit.flush('main');
    advance(2 * 3_600_000);
    await someCalls(1);
    await audit.flush('main');
    const all = (await call('ListPublicKeys', { StartTime: new Date('2024-01-01T00:00:00Z') })) as { PublicKeyList: { Fingerprint: string; ValidityStartTime: Date; ValidityEndTime: Date }[] };
    expect(all.PublicKeyList).toHaveLength(2);
    expect(all.PublicKeyList[0]!.ValidityEndTime).toEqual(all.PublicKeyList[1]!.ValidityStartTime);
    expect(((await call('ListPublicKeys', {})) as { PublicKeyList: unknown[] }).PublicKeyList).toHaveLength(1);
    expect((await audit.validate('main')).ok).toBe(true);
  });

  it('keeps undelivered records across a restart (outbox in the store)', async () => {
    await someCalls(2);
    await audit.close();
    audit = new AuditTrail({ kv, accountId: ACCOUNT, region: REGION, bucketsRoot: dir, now: () => clock });
    await audit.load();
    const { logFiles } = await audit.flush('main');
    const recs = (JSON.parse(gunzipSync(readFileSync(bucket(...logFiles[0]!.split('/')))).toString('utf8')) as { Records: unknown[] }).Records;
    expect(recs).toHaveLength(3);
  });
});

describe('validateTrail tamper detection', () => {
  /** Three flushes: three digests, three log files. */
  async function deliverThree(): Promise<{ logs: string[]; digests: string[] }> {
    const logs: string[] = [];
    const digests: string[] = [];
    for (let i = 0; i < 3; i++) {
      await someCalls(2);
      advance(60_000);
      const r = await audit.flush('main');
      logs.push(...r.logFiles);
      digests.push(r.digest!);
    }
    return { logs, digests };
  }
  const p = (object: string) => bucket(...object.split('/'));

  it('reports an untouched trail valid', async () => {
    const { logs, digests } = await deliverThree();
    const r = await audit.validate('main');
    expect(r.ok).toBe(true);
    expect(r.digests.map((d) => d.status)).toEqual(['valid', 'valid', 'valid']);
    expect(r.logFiles.filter((l) => l.status === 'valid')).toHaveLength(logs.length);
    expect(r.summary).toContain(`${digests.length}/${digests.length} digest files valid`);
    expect(r.summary).toContain('Result: VALID');
  });

  it('detects one changed byte in a log file', async () => {
    const { logs } = await deliverThree();
    const raw = gunzipSync(readFileSync(p(logs[1]!)));
    const i = raw.indexOf('Encrypt');
    raw[i] = 'e'.charCodeAt(0);
    writeFileSync(p(logs[1]!), gzipSync(raw));
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.logFiles.filter((l) => l.status !== 'valid')).toEqual([expect.objectContaining({ object: logs[1], status: 'invalid' })]);
    expect(r.summary).toContain(`${logs[1]}  INVALID: hash value does not match`);
  });

  it('detects a deleted log file', async () => {
    const { logs } = await deliverThree();
    unlinkSync(p(logs[0]!));
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.logFiles.filter((l) => l.status !== 'valid')).toEqual([expect.objectContaining({ object: logs[0], status: 'missing' })]);
    expect(r.summary).toContain(`${logs[0]}  MISSING`);
  });

  it('detects a moved (renamed) log file and names where it went', async () => {
    const { logs } = await deliverThree();
    const moved = logs[2]!.replace(/_[A-Za-z0-9]{16}\.json\.gz$/, '_AAAAAAAAAAAAAAAA.json.gz');
    renameSync(p(logs[2]!), p(moved));
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.logFiles.filter((l) => l.status !== 'valid')).toEqual([expect.objectContaining({ object: logs[2], status: 'moved', movedTo: moved })]);
    expect(r.summary).toContain('MOVED');
  });

  it('detects a deleted digest as missing with a gap', async () => {
    const { digests } = await deliverThree();
    unlinkSync(p(digests[1]!));
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.digests.find((d) => d.object === digests[1])).toMatchObject({ status: 'missing' });
    expect(r.gaps).toHaveLength(1);
    expect(r.summary).toContain(`${digests[1]}  MISSING`);
  });

  it('detects deletion of the newest digest', async () => {
    const { digests } = await deliverThree();
    unlinkSync(p(digests[2]!));
    unlinkSync(p(digests[2]!) + '.sig.json');
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.digests.find((d) => d.object === digests[2])).toMatchObject({ status: 'missing' });
  });

  it('detects a digest edited and re-signed with another key', async () => {
    const { logs, digests } = await deliverThree();
    // The attacker changes a log file, fixes its hash in the digest, and re-signs the digest with their own key.
    const target = digests[1]!;
    const d = readDigest(p(target));
    const lf = d.logFiles[0]!;
    const raw = gunzipSync(readFileSync(p(lf.s3Object)));
    raw[raw.indexOf('Encrypt')] = 'e'.charCodeAt(0);
    writeFileSync(p(lf.s3Object), gzipSync(raw));
    const forged: DigestFile = { ...d, logFiles: [{ ...lf, hashValue: createHash('sha256').update(raw).digest('hex') }] };
    const forgedJson = Buffer.from(JSON.stringify(forged));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(p(target), gzipSync(forgedJson));
    writeFileSync(p(target) + '.sig.json', JSON.stringify({ signature: sign('sha256', Buffer.from(digestSigningString(forged, forgedJson)), privateKey).toString('hex'), 'signature-algorithm': 'SHA256withRSA' }));
    const r = await audit.validate('main');
    expect(r.ok).toBe(false);
    expect(r.digests.find((x) => x.object === target)).toMatchObject({ status: 'invalid' });
    expect(r.summary).toContain(`${target}  INVALID`);
    expect(logs).toContain(lf.s3Object);
    // Also with the attacker's own fingerprint in the digest: an unknown key.
    const forged2: DigestFile = { ...forged, digestPublicKeyFingerprint: 'ffffffffffffffffffffffffffffffff' };
    const forged2Json = Buffer.from(JSON.stringify(forged2));
    writeFileSync(p(target), gzipSync(forged2Json));
    writeFileSync(p(target) + '.sig.json', JSON.stringify({ signature: sign('sha256', Buffer.from(digestSigningString(forged2, forged2Json)), privateKey).toString('hex'), 'signature-algorithm': 'SHA256withRSA' }));
    const r2 = await audit.validate('main');
    expect(r2.digests.find((x) => x.object === target)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('unknown key') });
  });

  it('limits validation to a time range', async () => {
    const { digests } = await deliverThree();
    unlinkSync(p(digests[0]!));
    const r = await audit.validate('main', { start: new Date(Date.parse(readDigest(p(digests[1]!)).digestEndTime)) });
    expect(r.digests.map((d) => d.object)).toEqual([digests[2], digests[1]]);
    expect(r.summary).toContain('Result: VALID');
    expect(r.ok).toBe(true);
  });
});
