/**
 * Browser challenges and CAPTCHA for the Challenge and Captcha rule actions. The interstitial page
 * carries a signed, IP-bound challenge string; its inline script finds a nonce such that
 * SHA-256(challenge || nonce) starts with N zero bits (WebCrypto), posts it to
 * `/.bulwark/challenge/verify`, and receives the `aws-waf-token` cookie: an HMAC-signed token with
 * the solve times and a hash of the client IP. The proxy verifies the cookie on every request and
 * hands the solve times to the engine (InspectedRequest.challengeSolvedAt / captchaSolvedAt), which
 * applies ImmunityTime. CAPTCHA is the same proof of work behind a click and a minimum human delay,
 * not an image puzzle. The HMAC secret lives only in memory (one per node, shared with workers).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The token cookie, named as AWS WAF names it. */
export const TOKEN_COOKIE = 'aws-waf-token';
/** The path the interstitial posts its solution to (answered by the proxy, never forwarded). */
export const VERIFY_PATH = '/.bulwark/challenge/verify';

/** Options of {@link ChallengeIssuer}. */
export interface ChallengeOptions {
  /** HMAC key (>= 32 bytes); random per process when absent. Share it between a node's workers. */
  readonly secret?: Buffer;
  /** Leading zero bits of the Challenge proof of work (default 14). */
  readonly challengeBits?: number;
  /** Leading zero bits of the CAPTCHA proof of work (default 16). */
  readonly captchaBits?: number;
  /** How long an issued challenge may be solved (default 5 minutes). */
  readonly challengeTtlMs?: number;
  /** CAPTCHA solutions faster than this after issue are refused (default 1500 ms; a human clicks). */
  readonly captchaMinSolveMs?: number;
  /** Tokens older than this are ignored whatever the ImmunityTime (default 3 days, AWS's maximum). */
  readonly tokenMaxAgeSec?: number;
}

/** Solve times carried by a valid token (seconds since epoch; 0 = never). */
export interface TokenTimes {
  readonly challengeAt: number;
  readonly captchaAt: number;
}

/** The outcome of verifying a posted solution. */
export type VerifyResult =
  | { readonly ok: true; readonly cookie: string; readonly kind: 'challenge' | 'captcha'; readonly times: TokenTimes }
  | { readonly ok: false; readonly reason: 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' | 'WRONG_CLIENT' | 'TOO_FAST' | 'BAD_PROOF' };

const TOKEN_CACHE_MAX = 10_000;

/** Counts leading zero bits of a digest. */
export function leadingZeroBits(d: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    const b = d[i] as number;
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

/** Solves a challenge the way the interstitial does (tests, scripted clients of one's own). */
export function solveChallenge(challenge: string, bits: number): string {
  for (let n = 0; ; n++) {
    const d = createHash('sha256').update(challenge + n).digest();
    if (leadingZeroBits(d) >= bits) return String(n);
  }
}

function b64u(b: Buffer): string {
  return b.toString('base64url');
}

/** Issues interstitials and tokens, verifies solutions and token cookies. */
export class ChallengeIssuer {
  readonly challengeBits: number;
  readonly captchaBits: number;
  private readonly secret: Buffer;
  private readonly ttlMs: number;
  private readonly captchaMinMs: number;
  private readonly maxAgeSec: number;
  /** token string -> [times, ipHash]; verified tokens are not re-MACed on every request. */
  private readonly cache = new Map<string, { times: TokenTimes; ipHash: string }>();

  constructor(o: ChallengeOptions = {}) {
    this.secret = o.secret ?? randomBytes(32);
    if (this.secret.length < 32) throw new Error('challenge secret must be at least 32 bytes');
    this.challengeBits = o.challengeBits ?? 14;
    this.captchaBits = o.captchaBits ?? 16;
    this.ttlMs = o.challengeTtlMs ?? 300_000;
    this.captchaMinMs = o.captchaMinSolveMs ?? 1500;
    this.maxAgeSec = o.tokenMaxAgeSec ?? 259_200;
  }

  private mac(data: string): string {
    return b64u(createHmac('sha256', this.secret).update(data).digest().subarray(0, 24));
  }

  private ipHash(ip: string): string {
    return b64u(createHmac('sha256', this.secret).update('ip\0' + ip).digest().subarray(0, 12));
  }

  private macOk(data: string, mac: string): boolean {
    const want = Buffer.from(this.mac(data));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** A new signed challenge string for a client. */
  issue(kind: 'challenge' | 'captcha', clientIp: string, nowMs: number): string {
    const bits = kind === 'captcha' ? this.captchaBits : this.challengeBits;
    const body = `${kind === 'captcha' ? 'k' : 'c'}.${nowMs}.${bits}.${b64u(randomBytes(12))}.${this.ipHash(clientIp)}`;
    return `${body}.${this.mac(body)}`;
  }

  /**
   * Verifies a posted solution and returns the new token cookie. `current` is the client's valid
   * token times, kept for the other kind.
   */
  verify(challenge: string, nonce: string, clientIp: string, nowMs: number, current: TokenTimes | undefined, secure: boolean): VerifyResult {
    const parts = challenge.split('.');
    if (parts.length !== 6 || !/^\d{1,12}$/.test(nonce)) return { ok: false, reason: 'MALFORMED' };
    const [k, issued, bits, , ipH, mac] = parts as [string, string, string, string, string, string];
    const body = challenge.slice(0, challenge.length - mac.length - 1);
    if (!this.macOk(body, mac)) return { ok: false, reason: 'BAD_SIGNATURE' };
    const issuedMs = Number(issued);
    if (!(nowMs - issuedMs <= this.ttlMs) || issuedMs > nowMs + 5000) return { ok: false, reason: 'EXPIRED' };
    const ipWant = Buffer.from(this.ipHash(clientIp));
    const ipGot = Buffer.from(ipH);
    if (ipGot.length !== ipWant.length || !timingSafeEqual(ipGot, ipWant)) return { ok: false, reason: 'WRONG_CLIENT' };
    const kind = k === 'k' ? 'captcha' : 'challenge';
    if (kind === 'captcha' && nowMs - issuedMs < this.captchaMinMs) return { ok: false, reason: 'TOO_FAST' };
    const digest = createHash('sha256').update(challenge + nonce).digest();
    if (leadingZeroBits(digest) < Number(bits)) return { ok: false, reason: 'BAD_PROOF' };
    const sec = Math.floor(nowMs / 1000);
    const times: TokenTimes = kind === 'captcha' ? { challengeAt: sec, captchaAt: sec } : { challengeAt: sec, captchaAt: current?.captchaAt ?? 0 };
    const token = this.token(times, clientIp);
    const cookie = `${TOKEN_COOKIE}=${token}; Path=/; Max-Age=${this.maxAgeSec}; SameSite=Lax${secure ? '; Secure' : ''}`;
    return { ok: true, cookie, kind, times };
  }

  /** Signs a token for a client (exposed for tests and token refresh). */
  token(times: TokenTimes, clientIp: string): string {
    const body = b64u(Buffer.from(`1:${times.challengeAt}:${times.captchaAt}:${this.ipHash(clientIp)}`));
    return `${body}.${this.mac(body)}`;
  }

  /** The solve times of a token if it is valid for this client now, else undefined. */
  verifyToken(token: string, clientIp: string, nowMs: number): TokenTimes | undefined {
    let hit = this.cache.get(token);
    if (hit === undefined) {
      const dot = token.indexOf('.');
      if (dot <= 0 || token.length > 512) return undefined;
      const body = token.slice(0, dot);
      if (!this.macOk(body, token.slice(dot + 1))) return undefined;
      const f = Buffer.from(body, 'base64url').toString('latin1').split(':');
      if (f.length !== 4 || f[0] !== '1') return undefined;
      const challengeAt = Number(f[1]);
      const captchaAt = Number(f[2]);
      if (!Number.isSafeInteger(challengeAt) || !Number.isSafeInteger(captchaAt)) return undefined;
      hit = { times: { challengeAt, captchaAt }, ipHash: f[3] as string };
      if (this.cache.size >= TOKEN_CACHE_MAX) this.cache.clear();
      this.cache.set(token, hit);
    }
    // The IP hash is not secret from its holder, but compare in constant time all the same.
    const want = Buffer.from(this.ipHash(clientIp));
    const got = Buffer.from(hit.ipHash);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const newest = Math.max(hit.times.challengeAt, hit.times.captchaAt);
    const nowSec = nowMs / 1000;
    if (nowSec - newest > this.maxAgeSec || newest > nowSec + 5) return undefined;
    return hit.times;
  }

  /** The interstitial HTML page for a challenge string. */
  page(kind: 'challenge' | 'captcha', challenge: string): string {
    const bits = kind === 'captcha' ? this.captchaBits : this.challengeBits;
    const title = kind === 'captcha' ? 'Please confirm you are human' : 'Checking your browser';
    const button = kind === 'captcha' ? '<p><button id="go" type="button">I am human</button></p>' : '';
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:34em;margin:4em auto;padding:0 1em">
<h1 style="font-size:1.3em">${title}</h1>
<p id="msg">${kind === 'captcha' ? 'Click the button to continue.' : 'This takes a moment. JavaScript must be enabled.'}</p>${button}
<noscript><p>JavaScript is required to continue.</p></noscript>
<script>
(function () {
  var C = ${JSON.stringify(challenge)}, BITS = ${bits}, PATH = ${JSON.stringify(VERIFY_PATH)};
  var enc = new TextEncoder(), msg = document.getElementById('msg');
  function lz(d) { var n = 0; for (var i = 0; i < d.length; i++) { if (d[i] === 0) { n += 8; continue; } return n + Math.clz32(d[i]) - 24; } return n; }
  async function solve() {
    msg.textContent = 'Verifying\\u2026';
    for (var n = 0; ; n++) {
      var d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(C + n)));
      if (lz(d) >= BITS) break;
    }
    var r = await fetch(PATH, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge: C, nonce: String(n) }) });
    if (r.ok) { location.reload(); } else { msg.textContent = 'Verification failed; reload the page to try again.'; }
  }
  var go = document.getElementById('go');
  if (go) { go.addEventListener('click', function () { go.disabled = true; solve(); }); } else { solve(); }
})();
</script>
</body></html>
`;
  }
}
