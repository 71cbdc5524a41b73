/**
 * CloudTrail's on-disk (S3) layout and digest format, shared by delivery and validation: object
 * keys of log and digest files, the digest JSON, its signing string, and atomic file writes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One log file as a digest lists it. */
export interface DigestLogFile {
  readonly s3Bucket: string;
  readonly s3Object: string;
  /** Hex SHA-256 of the uncompressed log file. */
  readonly hashValue: string;
  readonly hashAlgorithm: 'SHA-256';
  readonly newestEventTime: string;
  readonly oldestEventTime: string;
}

/** A digest file's JSON, in CloudTrail's field order. */
export interface DigestFile {
  readonly awsAccountId: string;
  readonly digestStartTime: string;
  readonly digestEndTime: string;
  readonly digestS3Bucket: string;
  readonly digestS3Object: string;
  readonly digestPublicKeyFingerprint: string;
  readonly digestSignatureAlgorithm: 'SHA256withRSA';
  readonly newestEventTime: string | null;
  readonly oldestEventTime: string | null;
  readonly previousDigestS3Bucket: string | null;
  readonly previousDigestS3Object: string | null;
  readonly previousDigestHashValue: string | null;
  readonly previousDigestHashAlgorithm: 'SHA-256' | null;
  readonly previousDigestSignature: string | null;
  readonly logFiles: readonly DigestLogFile[];
}

/** The signature file written next to a digest (`<digest>.sig.json`); AWS keeps it in S3 object metadata. */
export interface DigestSignatureFile {
  readonly signature: string;
  readonly 'signature-algorithm': 'SHA256withRSA';
}

/** Suffix of the signature file of a digest. */
export const SIGNATURE_SUFFIX = '.sig.json';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `YYYY/MM/DD` of a date (UTC). */
export function datePath(d: Date): string {
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
}

/** `YYYYMMDDTHHmmZ` (log files) or `YYYYMMDDTHHmmssZ` (digests). */
export function compactTime(d: Date, seconds: boolean): string {
  const base = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  return seconds ? `${base}${pad(d.getUTCSeconds())}Z` : `${base}Z`;
}

function prefixed(prefix: string | undefined, key: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${key}` : key;
}

/** The object key of a new log file delivered at `at`. */
export function logObjectKey(prefix: string | undefined, account: string, region: string, at: Date): string {
  const rnd = randomBytes(16);
  let suffix = '';
  for (let i = 0; i < 16; i++) suffix += ALNUM[(rnd[i] as number) % ALNUM.length];
  return prefixed(prefix, `AWSLogs/${account}/CloudTrail/${region}/${datePath(at)}/${account}_CloudTrail_${region}_${compactTime(at, false)}_${suffix}.json.gz`);
}

/** The object key of the digest ending at `end`. */
export function digestObjectKey(prefix: string | undefined, account: string, region: string, trail: string, end: Date): string {
  return prefixed(prefix, `AWSLogs/${account}/CloudTrail-Digest/${region}/${datePath(end)}/${account}_CloudTrail-Digest_${region}_${trail}_${region}_${compactTime(end, true)}.json.gz`);
}

/** Folder holding a trail's log files (object key prefix). */
export function logFolder(prefix: string | undefined, account: string, region: string): string {
  return prefixed(prefix, `AWSLogs/${account}/CloudTrail/${region}/`);
}

/** Folder holding a trail's digest files (object key prefix). */
export function digestFolder(prefix: string | undefined, account: string, region: string): string {
  return prefixed(prefix, `AWSLogs/${account}/CloudTrail-Digest/${region}/`);
}

/** Parses the end time out of a digest file name of `trail`, or undefined if it is not one. */
export function digestNameTime(name: string, account: string, region: string, trail: string): Date | undefined {
  const head = `${account}_CloudTrail-Digest_${region}_${trail}_${region}_`;
  if (!name.startsWith(head) || !name.endsWith('.json.gz')) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name.slice(head.length, -'.json.gz'.length));
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Hex SHA-256. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CloudTrail's digest signing string. */
export function digestSigningString(d: Pick<DigestFile, 'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'>, digestJson: Buffer | string): string {
  return `${d.digestEndTime}\n${d.digestS3Bucket}/${d.digestS3Object}\n${sha256Hex(digestJson)}\n${d.previousDigestSignature ?? 'null'}`;
}

/** The local path of `object` in `bucket`. */
export function objectPath(bucketsRoot: string, bucket: string, object: string): string {
  return join(bucketsRoot, bucket, ...object.split('/'));
}

/** Writes a file atomically: a temporary file, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o640);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await dh.close();
  }
}
