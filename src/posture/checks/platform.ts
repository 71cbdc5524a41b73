/**
 * Platform self-tests: evidence Bulwark produces about its own controls by exercising them — the
 * barrier encrypts, secrets are never stored in plaintext, every route refuses unsigned and
 * wrongly signed requests, delivered audit files validate, the runtime is supported, posture runs.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { signRequest } from '../../auth/index.js';
import type { Check, ResourceResult } from '../types.js';
import { notApplicable } from './util.js';

/** BULWARK.1: a canary written through the barrier is ciphertext in the physical backend. */
export const barrierEncrypts: Check = async ({ sources }) => {
  const { barrier, physical } = sources.selfTest;
  const path = `posture/self-test/canary-${randomBytes(6).toString('hex')}`;
  const canary = Buffer.from(`bulwark-posture-canary:${randomBytes(24).toString('hex')}`);
  await barrier.put(path, canary);
  try {
    const raw = await physical.get(path);
    if (!raw) return { status: 'FAIL', evidence: `the canary written to ${path} is not in the physical backend` };
    if (raw.includes(canary) || raw.includes(canary.subarray(0, 16)) || raw.includes(canary.subarray(-16))) {
      return { status: 'FAIL', evidence: `the physical row at ${path} contains the canary in plaintext` };
    }
    const back = await barrier.get(path);
    if (!back || !back.equals(canary)) return { status: 'FAIL', evidence: 'the canary did not decrypt to the value written' };
    return { status: 'PASS', evidence: `a ${canary.length}-byte canary was stored as ${raw.length} bytes of ciphertext and decrypted back` };
  } finally {
    await barrier.delete(path);
  }
};

/** Rows scanned per prefix at most, so the self-test stays bounded on large stores. */
const MAX_ROWS = 2000;

/** BULWARK.2: no KMS or IAM row in the physical backend contains the plaintext it decrypts to. */
export const secretsNotPlaintext: Check = async ({ sources }) => {
  const { barrier, physical } = sources.selfTest;
  let checked = 0;
  const leaks: ResourceResult[] = [];
  for (const prefix of ['kms/', 'iam/']) {
    const keys = (await physical.list(prefix)).slice(0, MAX_ROWS);
    for (const k of keys) {
      const [raw, plain] = await Promise.all([physical.get(k), barrier.get(k)]);
      if (!raw || !plain || plain.length < 8) continue;
      checked++;
      // Windows at the start, middle and end: any one in the raw row means the row is plaintext.
      const w = Math.min(16, plain.length);
      const mid = Math.max(0, Math.floor(plain.length / 2) - Math.floor(w / 2));
      if (raw.includes(plain.subarray(0, w)) || raw.includes(plain.subarray(mid, mid + w)) || raw.includes(plain.subarray(plain.length - w))) {
        leaks.push({ id: k, status: 'FAIL', detail: 'physical row contains its plaintext' });
      }
    }
  }
  if (leaks.length > 0) return { status: 'FAIL', evidence: `${leaks.length} of ${checked} KMS/IAM rows hold plaintext`, resources: leaks };
  if (checked === 0) return { status: 'ERROR', evidence: 'no KMS or IAM rows found to check (the root access key should always be there)' };
  return { status: 'PASS', evidence: `${checked} KMS and IAM rows in the physical backend hold none of their plaintext` };
};

interface Probe {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Sign with these credentials (a wrong secret) instead of sending unsigned. */
  readonly wrongSignature?: { accessKeyId: string; service: string };
}

const AUTH_ERRORS = /MissingAuthenticationToken|IncompleteSignature|InvalidSignature|SignatureDoesNotMatch|UnrecognizedClient|InvalidClientTokenId|AccessDenied|MissingAuthenticationTokenException/;

function send(endpoint: string, p: Probe, region: string): Promise<{ status: number; body: string }> {
  const url = new URL(p.path, endpoint);
  let headers: Record<string, string> = { ...p.headers };
  if (p.wrongSignature) {
    headers = signRequest({
      method: 'POST',
      url,
      headers,
      body: Buffer.from(p.body),
      region,
      service: p.wrongSignature.service,
      // The right key id with a wrong secret: only signature verification can refuse it.
      credentials: { accessKeyId: p.wrongSignature.accessKeyId, secretAccessKey: randomBytes(30).toString('base64') },
    });
  }
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      // The node's own listener: its certificate may be for a name other than the address used here.
      { method: 'POST', headers, timeout: 5000, ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(p.body);
  });
}

/** BULWARK.3: unsigned and wrongly signed requests are refused on the live listener. */
export const sigv4Enforced: Check = async ({ sources }) => {
  const endpoint = sources.selfTest.apiEndpoint();
  if (!endpoint) return { status: 'ERROR', evidence: 'the API listener is not running' };
  const cfg = await sources.config();
  const json = (target: string): Record<string, string> => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const probes: Probe[] = [
    { name: 'iam ListUsers (unsigned)', path: '/', headers: form, body: 'Action=ListUsers&Version=2010-05-08' },
    { name: 'sts GetCallerIdentity (unsigned)', path: '/', headers: form, body: 'Action=GetCallerIdentity&Version=2011-06-15' },
    { name: 'kms ListKeys (unsigned)', path: '/', headers: json('TrentService.ListKeys'), body: '{}' },
    { name: 'cloudtrail LookupEvents (unsigned)', path: '/', headers: json('CloudTrail_20131101.LookupEvents'), body: '{}' },
    { name: 'wafv2 ListWebACLs (unsigned)', path: '/', headers: json('AWSWAF_20190729.ListWebACLs'), body: '{"Scope":"REGIONAL"}' },
    { name: '/_bulwark/trail/flush (unsigned)', path: '/_bulwark/trail/flush', headers: { 'content-type': 'application/json' }, body: '{"trail":"x"}' },
  ];
  // Wrong signatures go to an operator endpoint, which the audit trail does not record, so the
  // periodic self-test leaves no failed-signature events behind for the threat detector.
  const key = (await sources.iamAccessKeys()).find((k) => k.status === 'Active');
  if (key) {
    probes.push({
      name: '/_bulwark/posture (signed with a wrong secret)',
      path: '/_bulwark/posture',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      wrongSignature: { accessKeyId: key.id, service: 'bulwark' },
    });
  }
  const resources: ResourceResult[] = [];
  for (const p of probes) {
    try {
      const r = await send(endpoint, p, cfg.region);
      const refused = (r.status === 403 || r.status === 400) && AUTH_ERRORS.test(r.body);
      resources.push({ id: p.name, status: refused ? 'PASS' : 'FAIL', detail: `HTTP ${r.status} ${(/"__type":"([^"]+)"|<Code>([^<]+)<\/Code>/.exec(r.body) ?? [])
        .slice(1)
        .find(Boolean) ?? ''}`.trim() });
    } catch (e) {
      resources.push({ id: p.name, status: 'FAIL', detail: `request failed: ${(e as Error).message}` });
    }
  }
  const failing = resources.filter((r) => r.status === 'FAIL');
  return failing.length === 0
    ? { status: 'PASS', evidence: `${resources.length} unauthenticated requests to ${endpoint} were refused`, resources }
    : { status: 'FAIL', evidence: `${failing.length} of ${resources.length} unauthenticated requests were not refused`, resources };
};

/** BULWARK.4: every trail with a delivered digest validates. */
export const auditChainValid: Check = async ({ sources }) => {
  const trails = (await sources.trails()).filter((t) => t.hasDigest);
  if (trails.length === 0) return notApplicable('no trail has delivered a digest yet (the event history is recorded; enable a trail with log file validation)');
  const resources: ResourceResult[] = [];
  for (const t of trails) {
    const r = await sources.selfTest.validateTrail(t.name);
    resources.push({ id: t.arn, status: r.ok ? 'PASS' : 'FAIL', detail: r.summary.trim().split('\n')[0] ?? '' });
  }
  const failing = resources.filter((r) => r.status === 'FAIL');
  return failing.length === 0
    ? { status: 'PASS', evidence: `${resources.length} trail(s) validated: digests, signatures and log files intact`, resources }
    : { status: 'FAIL', evidence: `${failing.length} trail(s) failed validation`, resources, commands: failing.map((r) => `bulwark trail validate --trail ${r.id.slice(r.id.lastIndexOf('/') + 1)} --verbose`) };
};

/**
 * End of life of Node.js release lines (nodejs.org release schedule). Even lines are LTS; odd lines
 * live six months past their release.
 */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30', 19: '2023-06-01', 20: '2026-04-30', 21: '2024-06-01', 22: '2027-04-30', 23: '2025-06-01', 24: '2028-04-30', 25: '2026-06-01', 26: '2029-04-30',
};

/** True when `version` satisfies package.json engines: >=20.19 <21 || >=22. */
export function satisfiesEngines(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return (major === 20 && minor >= 19) || major >= 22;
}

/** BULWARK.5: the Node.js release satisfies engines and has not reached end of life. */
export const runtimeSupported: Check = async ({ sources, now }) => {
  const v = sources.selfTest.nodeVersion;
  const major = Number(/^v?(\d+)/.exec(v)?.[1] ?? NaN);
  const fix = ['node --version   # install Node.js 22 LTS or later, then:', 'npm ci && npm run build'];
  if (!satisfiesEngines(v)) return { status: 'FAIL', evidence: `Node.js ${v} does not satisfy engines (>=20.19 <21 || >=22)`, commands: fix };
  const eol = NODE_END_OF_LIFE[major];
  if (eol && now.getTime() >= Date.parse(`${eol}T00:00:00Z`)) {
    return { status: 'FAIL', evidence: `Node.js ${v}: the ${major}.x line reached end of life on ${eol} and gets no security fixes`, commands: fix };
  }
  return { status: 'PASS', evidence: `Node.js ${v} is supported${eol ? ` until ${eol}` : ''}` };
};

/** BULWARK.11: the periodic posture run completed within two intervals. */
export const postureMonitoring: Check = async ({ sources, now }) => {
  const m = sources.selfTest.monitor?.();
  if (!m) return notApplicable('not running inside a node (one-off report)');
  const limit = 2 * m.intervalMs;
  if (m.lastRun) {
    const age = now.getTime() - m.lastRun.getTime();
    return age <= limit
      ? { status: 'PASS', evidence: `the last periodic run finished at ${m.lastRun.toISOString()} (every ${m.intervalMs / 1000} s)` }
      : { status: 'FAIL', evidence: `the last periodic run finished at ${m.lastRun.toISOString()}, more than two intervals ago` };
  }
  return now.getTime() - m.startedAt.getTime() <= limit
    ? { status: 'PASS', evidence: `the monitor started at ${m.startedAt.toISOString()}; its first run is in progress` }
    : { status: 'FAIL', evidence: `no periodic run completed since ${m.startedAt.toISOString()}` };
};

/** Controls only people can attest to. */
export const manualAttestation: Check = async () => notApplicable('manual control: Bulwark cannot check it; record the attestation in your own compliance system');
