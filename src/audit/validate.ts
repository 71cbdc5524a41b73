/**
 * Log file integrity validation, like `aws cloudtrail validate-logs`: walks a trail's digest chain
 * from the newest digest back, verifies each digest's SHA256withRSA signature with the public key
 * its fingerprint names, checks each digest against the hash and signature the next one recorded,
 * and checks every listed log file's SHA-256. Reports per file: valid, invalid (changed), missing
 * (deleted), moved (found under another name), unlisted (no digest vouches for it), and gaps.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  digestFolder, digestNameTime, digestSigningString, logFolder, objectPath, sha256Hex, SIGNATURE_SUFFIX,
  type DigestFile, type DigestSignatureFile,
} from './layout.js';

/** What to validate. */
export interface ValidateTrailOptions {
  readonly bucketsRoot: string;
  readonly accountId: string;
  readonly region: string;
  readonly trail: { readonly name: string; readonly s3BucketName: string; readonly s3KeyPrefix?: string };
  /** The digest signing public keys (ListPublicKeys): fingerprint and DER SPKI. */
  readonly publicKeys: readonly { readonly fingerprint: string; readonly value: Buffer }[];
  /** Only digests ending at or after this time are checked (default: all). */
  readonly start?: Date;
  /** Only digests ending at or before this time are checked (default: all). */
  readonly end?: Date;
  /** The object key of the newest digest the trail wrote: detects deletion of the newest digest. */
  readonly latestDigest?: string;
}

/** A digest file's verdict. */
export interface DigestResult {
  readonly object: string;
  readonly status: 'valid' | 'invalid' | 'missing';
  readonly reason?: string;
}

/** A log file's verdict. */
export interface LogFileResult {
  readonly object: string;
  readonly status: 'valid' | 'invalid' | 'missing' | 'moved' | 'unlisted';
  /** For 'moved': where a file with the listed hash was found. */
  readonly movedTo?: string;
  readonly reason?: string;
  /** The digest that lists it (absent for unlisted files). */
  readonly digest?: string;
}

/** A break in the digest chain. */
export interface ChainGap {
  /** The older digest before the gap, if any. */
  readonly after?: string;
  /** The newer digest after the gap. */
  readonly before: string;
  readonly reason: string;
}

/** The validation result; `ok` is false on any problem (the CLI exits non-zero). */
export interface ValidationReport {
  readonly ok: boolean;
  readonly digests: readonly DigestResult[];
  readonly logFiles: readonly LogFileResult[];
  readonly gaps: readonly ChainGap[];
  readonly summary: string;
}

interface LoadedDigest {
  readonly object: string;
  readonly end: Date;
  readonly json?: Buffer;
  readonly digest?: DigestFile;
  readonly signature?: string;
  readonly error?: string;
}

async function listFiles(root: string): Promise<string[]> {
  try {
    const names = await readdir(root, { recursive: true, withFileTypes: true });
    const out: string[] = [];
    for (const d of names) {
      if (!d.isFile()) continue;
      out.push(relative(root, join(d.parentPath, d.name)).split(sep).join('/'));
    }
    return out;
  } catch {
    return [];
  }
}

async function loadDigest(opts: ValidateTrailOptions, object: string, end: Date): Promise<LoadedDigest> {
  const path = objectPath(opts.bucketsRoot, opts.trail.s3BucketName, object);
  let json: Buffer;
  try {
    json = gunzipSync(await readFile(path));
  } catch {
    return { object, end, error: 'not a readable gzip file' };
  }
  let digest: DigestFile;
  try {
    digest = JSON.parse(json.toString('utf8')) as DigestFile;
  } catch {
    return { object, end, json, error: 'not valid JSON' };
  }
  let signature: string | undefined;
  try {
    const sig = JSON.parse(await readFile(path + SIGNATURE_SUFFIX, 'utf8')) as DigestSignatureFile;
    if (typeof sig.signature === 'string') signature = sig.signature;
  } catch {
    // reported below
  }
  return { object, end, json, digest, ...(signature ? { signature } : {}) };
}

/** Validates a trail's digests and log files. */
export async function validateTrail(opts: ValidateTrailOptions): Promise<ValidationReport> {
  const bucket = opts.trail.s3BucketName;
  const prefix = opts.trail.s3KeyPrefix;
  const keys = new Map<string, KeyObject>();
  for (const k of opts.publicKeys) keys.set(k.fingerprint, createPublicKey({ key: k.value, format: 'der', type: 'spki' }));
  const startMs = opts.start?.getTime() ?? -Infinity;
  const endMs = opts.end?.getTime() ?? Infinity;
  const inRange = (d: Date): boolean => d.getTime() >= startMs && d.getTime() <= endMs;

  // Every digest file of this trail on disk, newest first.
  const dFolder = digestFolder(prefix, opts.accountId, opts.region);
  const onDisk = new Map<string, Date>();
  for (const rel of await listFiles(objectPath(opts.bucketsRoot, bucket, dFolder))) {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const t = digestNameTime(name, opts.accountId, opts.region, opts.trail.name);
    if (t) onDisk.set(dFolder + rel, t);
  }
  const newestFirst = [...onDisk.entries()].filter(([, t]) => inRange(t)).sort((a, b) => b[1].getTime() - a[1].getTime() || (a[0] < b[0] ? 1 : -1));

  const digests: DigestResult[] = [];
  const gaps: ChainGap[] = [];
  const listed = new Map<string, { hash: string; digest: string }>();
  const visited = new Set<string>();
  let newestValidEnd: number | undefined;
  let oldestCheckedStart: number | undefined;

  if (opts.latestDigest && !onDisk.has(opts.latestDigest)) {
    const name = opts.latestDigest.slice(opts.latestDigest.lastIndexOf('/') + 1);
    const t = digestNameTime(name, opts.accountId, opts.region, opts.trail.name);
    if (!t || inRange(t)) {
      digests.push({ object: opts.latestDigest, status: 'missing', reason: 'the newest digest the trail wrote is not found' });
      gaps.push({ before: opts.latestDigest, ...(newestFirst[0] ? { after: newestFirst[0][0] } : {}), reason: 'newest digest missing' });
    }
  }

  // Walk the chain. `expect` is what the newer digest recorded about its predecessor.
  let idx = 0;
  let current: string | undefined = newestFirst[0]?.[0];
  let expect: { from: string; hash: string | null; signature: string | null; end: string } | undefined;
  while (current !== undefined) {
    visited.add(current);
    const loaded = await loadDigest(opts, current, onDisk.get(current) as Date);
    let problem = loaded.error;
    const d = loaded.digest;
    if (!problem && d) {
      const key = keys.get(d.digestPublicKeyFingerprint);
      if (d.digestS3Object !== current || d.digestS3Bucket !== bucket) problem = 'the digest names another object: it was moved or copied';
      else if (!loaded.signature) problem = 'signature file missing';
      else if (!key) problem = `signed by an unknown key (fingerprint ${String(d.digestPublicKeyFingerprint).slice(0, 32)})`;
      else if (!verify('sha256', Buffer.from(digestSigningString(d, loaded.json as Buffer), 'utf8'), key, Buffer.from(loaded.signature, 'hex'))) {
        problem = 'signature verification failed: the digest was changed';
      }
    }
    if (!problem && expect && loaded.json) {
      if (expect.hash !== sha256Hex(loaded.json) || expect.signature !== loaded.signature) {
        problem = `hash or signature does not match the one recorded in ${expect.from}`;
      }
    }
    if (!problem && expect && d && d.digestEndTime !== expect.end) {
      gaps.push({ after: current, before: expect.from, reason: `time gap: ${d.digestEndTime} to ${expect.end}` });
    }
    digests.push(problem ? { object: current, status: 'invalid', reason: problem } : { object: current, status: 'valid' });
    if (!problem && d) {
      newestValidEnd ??= loaded.end.getTime();
      oldestCheckedStart = Date.parse(d.digestStartTime);
      for (const lf of d.logFiles) listed.set(lf.s3Object, { hash: lf.hashValue, digest: current });
    }

    // The predecessor: from the digest's own link when it is trustworthy, else the next one on disk.
    while (idx < newestFirst.length && visited.has((newestFirst[idx] as [string, Date])[0])) idx++;
    const nextOnDisk = newestFirst[idx]?.[0];
    if (!problem && d) {
      if (d.previousDigestS3Object === null) break; // start of the chain
      const prevObj = d.previousDigestS3Object;
      const prevName = prevObj.slice(prevObj.lastIndexOf('/') + 1);
      const prevTime = digestNameTime(prevName, opts.accountId, opts.region, opts.trail.name);
      if (prevTime && !inRange(prevTime)) break;
      const link = { from: current, hash: d.previousDigestHashValue, signature: d.previousDigestSignature, end: d.digestStartTime };
      if (onDisk.has(prevObj) && d.previousDigestS3Bucket === bucket) {
        current = prevObj;
        expect = link;
        continue;
      }
      digests.push({ object: prevObj, status: 'missing', reason: `listed as the previous digest of ${current} but not found` });
      gaps.push({ before: current, ...(nextOnDisk ? { after: nextOnDisk } : {}), reason: 'digest missing' });
      current = nextOnDisk;
      expect = undefined;
      continue;
    }
    if (nextOnDisk) gaps.push({ before: current, after: nextOnDisk, reason: 'chain broken by an invalid digest' });
    current = nextOnDisk;
    expect = undefined;
  }

  // Log files: every listed one, then files on disk no digest lists.
  const lFolder = logFolder(prefix, opts.accountId, opts.region);
  const present = new Set<string>();
  for (const rel of await listFiles(objectPath(opts.bucketsRoot, bucket, lFolder))) {
    if (rel.endsWith('.json.gz')) present.add(lFolder + rel);
  }
  const hashCache = new Map<string, string | undefined>();
  const hashOf = async (object: string): Promise<string | undefined> => {
    if (hashCache.has(object)) return hashCache.get(object);
    let h: string | undefined;
    try {
      h = sha256Hex(gunzipSync(await readFile(objectPath(opts.bucketsRoot, bucket, object))));
    } catch {
      h = undefined;
    }
    hashCache.set(object, h);
    return h;
  };
  const unlisted = [...present].filter((o) => !listed.has(o)).sort();
  const claimed = new Set<string>();
  const logFiles: LogFileResult[] = [];
  for (const [object, { hash, digest }] of listed) {
    if (present.has(object)) {
      const h = await hashOf(object);
      logFiles.push(
        h === hash
          ? { object, status: 'valid', digest }
          : { object, status: 'invalid', digest, reason: h === undefined ? 'not a readable gzip file' : 'hash value does not match: the file was changed' },
      );
      continue;
    }
    let movedTo: string | undefined;
    for (const u of unlisted) {
      if (!claimed.has(u) && (await hashOf(u)) === hash) {
        movedTo = u;
        break;
      }
    }
    if (movedTo) {
      claimed.add(movedTo);
      logFiles.push({ object, status: 'moved', movedTo, digest, reason: `found as ${movedTo}` });
    } else {
      logFiles.push({ object, status: 'missing', digest, reason: 'not found: the file was deleted (or moved and changed)' });
    }
  }
  for (const object of unlisted) {
    if (claimed.has(object)) continue;
    const t = logNameTime(object);
    // Only files a digest should already list: delivered before the newest valid digest, within the range checked.
    if (!t || newestValidEnd === undefined || t + 60_000 > newestValidEnd) continue;
    if (oldestCheckedStart !== undefined && t <= oldestCheckedStart) continue;
    logFiles.push({ object, status: 'unlisted', reason: 'no digest lists this file: it was added or renamed' });
  }
  for (const [object] of newestFirst) {
    if (!visited.has(object)) digests.push({ object, status: 'invalid', reason: 'not part of the digest chain' });
  }

  const ok = gaps.length === 0 && digests.every((d) => d.status === 'valid') && logFiles.every((l) => l.status === 'valid');
  return { ok, digests, logFiles, gaps, summary: summarize(opts, digests, logFiles, gaps, ok) };
}

const LOG_NAME_TIME = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]{16}\.json\.gz$/;

function logNameTime(object: string): number | undefined {
  const m = LOG_NAME_TIME.exec(object);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) : undefined;
}

function summarize(opts: ValidateTrailOptions, digests: readonly DigestResult[], logs: readonly LogFileResult[], gaps: readonly ChainGap[], ok: boolean): string {
  const b = opts.trail.s3BucketName;
  const lines: string[] = [];
  const range = `${opts.start ? opts.start.toISOString() : 'the first digest'} to ${opts.end ? opts.end.toISOString() : 'now'}`;
  lines.push(`Validating log files for trail ${opts.trail.name} (s3://${b}/${opts.trail.s3KeyPrefix ?? ''}) from ${range}`);
  for (const d of digests) if (d.status !== 'valid') lines.push(`Digest file  s3://${b}/${d.object}  ${d.status.toUpperCase()}: ${d.reason ?? ''}`);
  for (const l of logs) if (l.status !== 'valid') lines.push(`Log file  s3://${b}/${l.object}  ${l.status.toUpperCase()}: ${l.reason ?? ''}`);
  for (const g of gaps) lines.push(`Gap  ${g.reason}${g.after ? ` between s3://${b}/${g.after}` : ''} and s3://${b}/${g.before}`);
  const validDigests = digests.filter((d) => d.status === 'valid').length;
  const validLogs = logs.filter((l) => l.status === 'valid').length;
  lines.push('');
  lines.push(`${validDigests}/${digests.length} digest files valid${digests.length > validDigests ? `, ${digests.length - validDigests} INVALID or MISSING` : ''}`);
  lines.push(`${validLogs}/${logs.length} log files valid${logs.length > validLogs ? `, ${logs.length - validLogs} INVALID, MISSING, MOVED or UNLISTED` : ''}`);
  if (gaps.length > 0) lines.push(`${gaps.length} gap(s) in the digest chain`);
  lines.push(ok ? 'Result: VALID' : 'Result: PROBLEMS FOUND');
  return lines.join('\n');
}
