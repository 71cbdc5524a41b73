/**
 * ECDSA over a precomputed digest (Sign/Verify with MessageType DIGEST). node:crypto only signs
 * messages it hashes itself, so this module does the ECDSA arithmetic: the expensive k·G runs in
 * OpenSSL through crypto.createECDH; the scalar arithmetic mod n and the verification equation
 * use BigInt. Verification works on public data only. Signing briefly holds the private scalar as
 * a BigInt (BigInts cannot be wiped, and their arithmetic is not constant time); the nonce inverse
 * is blinded. RAW signing never comes here: it uses crypto.sign.
 */
import { createECDH, randomBytes, type KeyObject } from 'node:crypto';

/** Short-Weierstrass curve y² = x³ + a·x + b over GF(p), base point G of prime order n. */
interface Curve {
  readonly name: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  /** Bytes of a field element / scalar. */
  readonly bytes: number;
  readonly nBits: number;
}

function curve(name: string, p: bigint, a: bigint, n: bigint, gx: bigint, gy: bigint): Curve {
  const bytes = Math.ceil(p.toString(2).length / 8);
  return { name, p, a: ((a % p) + p) % p, n, gx, gy, bytes, nBits: n.toString(2).length };
}

/** The curves, keyed by the OpenSSL name KeyObject reports. Parameters from SEC 2 / FIPS 186-4. */
const CURVES: ReadonlyMap<string, Curve> = new Map([
  [
    'prime256v1',
    curve(
      'prime256v1',
      0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
      -3n,
      0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
      0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
      0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    ),
  ],
  [
    'secp384r1',
    curve(
      'secp384r1',
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
      -3n,
      0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
      0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
      0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    ),
  ],
  [
    'secp521r1',
    curve(
      'secp521r1',
      (1n << 521n) - 1n,
      -3n,
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
      0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
      0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    ),
  ],
  [
    'secp256k1',
    curve(
      'secp256k1',
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
      0n,
      0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
      0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
      0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
    ),
  ],
]);

/** The curve named `name`, for tests. */
export function curveParams(name: string): { n: bigint; gx: bigint; gy: bigint; bytes: number } | undefined {
  const c = CURVES.get(name);
  return c === undefined ? undefined : { n: c.n, gx: c.gx, gy: c.gy, bytes: c.bytes };
}

const mod = (x: bigint, m: bigint): bigint => {
  const r = x % m;
  return r < 0n ? r + m : r;
};

/** Inverse mod m (extended Euclid; x must be coprime to m). */
function inv(x: bigint, m: bigint): bigint {
  let [a, b] = [mod(x, m), m];
  let [u, v] = [1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [b, a] = [a, b - q * a];
    [v, u] = [u, v - q * u];
  }
  if (b !== 1n) throw new Error('not invertible');
  return mod(v, m);
}

function toBig(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`);
}

function toFixed(x: bigint, len: number): Buffer {
  return Buffer.from(x.toString(16).padStart(len * 2, '0'), 'hex');
}

/** The integer ECDSA signs: the leftmost nBits bits of the digest (SEC 1, 4.1.3 step 5). */
function digestToInt(c: Curve, digest: Buffer): bigint {
  const e = toBig(digest);
  const bits = digest.length * 8;
  return bits > c.nBits ? e >> BigInt(bits - c.nBits) : e;
}

/** A uniformly random scalar in [1, n-1] (rejection sampling). */
function randomScalar(c: Curve): bigint {
  const extra = c.bytes * 8 - c.nBits;
  for (;;) {
    const b = randomBytes(c.bytes);
    if (extra > 0) b[0] = (b[0] as number) & (0xff >> extra);
    const k = toBig(b);
    b.fill(0);
    if (k >= 1n && k < c.n) return k;
  }
}

// Jacobian coordinates: (X, Y, Z) is the affine point (X/Z², Y/Z³); Z = 0 is infinity.
type Jac = [bigint, bigint, bigint];
const INF: Jac = [1n, 1n, 0n];

function jDouble(c: Curve, P: Jac): Jac {
  const [X, Y, Z] = P;
  if (Z === 0n || Y === 0n) return INF;
  const p = c.p;
  const YY = (Y * Y) % p;
  const S = (4n * X * YY) % p;
  const ZZ = (Z * Z) % p;
  const M = (3n * X * X + c.a * ZZ * ZZ) % p;
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * YY * YY, p);
  const Z3 = (2n * Y * Z) % p;
  return [X3, Y3, Z3];
}

function jAdd(c: Curve, P: Jac, Q: Jac): Jac {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const p = c.p;
  const [X1, Y1, Z1] = P;
  const [X2, Y2, Z2] = Q;
  const Z1Z1 = (Z1 * Z1) % p;
  const Z2Z2 = (Z2 * Z2) % p;
  const U1 = (X1 * Z2Z2) % p;
  const U2 = (X2 * Z1Z1) % p;
  const S1 = (((Y1 * Z2) % p) * Z2Z2) % p;
  const S2 = (((Y2 * Z1) % p) * Z1Z1) % p;
  if (U1 === U2) return S1 === S2 ? jDouble(c, P) : INF;
  const H = mod(U2 - U1, p);
  const R = mod(S2 - S1, p);
  const HH = (H * H) % p;
  const HHH = (H * HH) % p;
  const V = (U1 * HH) % p;
  const X3 = mod(R * R - HHH - 2n * V, p);
  const Y3 = mod(R * (V - X3) - S1 * HHH, p);
  const Z3 = (((Z1 * Z2) % p) * H) % p;
  return [X3, Y3, Z3];
}

/** u1·G + u2·Q by Shamir's trick (public inputs only: not constant time). */
function mulAdd(c: Curve, u1: bigint, Q: Jac, u2: bigint): Jac {
  const G: Jac = [c.gx, c.gy, 1n];
  const GQ = jAdd(c, G, Q);
  let R: Jac = INF;
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    R = jDouble(c, R);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) R = jAdd(c, R, GQ);
    else if (b1) R = jAdd(c, R, G);
    else if (b2) R = jAdd(c, R, Q);
  }
  return R;
}

function affineX(c: Curve, P: Jac): bigint {
  const zi = inv(P[2], c.p);
  return (P[0] * ((zi * zi) % c.p)) % c.p;
}

/** DER: SEQUENCE { INTEGER r, INTEGER s }, minimal encodings (what AWS and OpenSSL produce). */
export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const int = (x: bigint): Buffer => {
    let h = x.toString(16);
    if (h.length % 2) h = `0${h}`;
    let b = Buffer.from(h, 'hex');
    if ((b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

/** Strict DER parse of an ECDSA signature; undefined when malformed. */
export function decodeDerSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  let o = 0;
  const byte = (): number | undefined => (o < sig.length ? (sig[o++] as number) : undefined);
  const length = (): number | undefined => {
    const l = byte();
    if (l === undefined) return undefined;
    if (l < 0x80) return l;
    if (l !== 0x81) return undefined;
    const l2 = byte();
    return l2 !== undefined && l2 >= 0x80 ? l2 : undefined;
  };
  const integer = (): bigint | undefined => {
    if (byte() !== 0x02) return undefined;
    const l = length();
    if (l === undefined || l === 0 || o + l > sig.length) return undefined;
    const b = sig.subarray(o, o + l);
    o += l;
    if ((b[0] as number) & 0x80) return undefined; // negative
    if (l > 1 && b[0] === 0 && !((b[1] as number) & 0x80)) return undefined; // not minimal
    return toBig(b);
  };
  if (byte() !== 0x30) return undefined;
  const total = length();
  if (total === undefined || o + total !== sig.length) return undefined;
  const r = integer();
  const s = integer();
  if (r === undefined || s === undefined || o !== sig.length) return undefined;
  return { r, s };
}

function curveOf(key: KeyObject): Curve {
  const name = key.asymmetricKeyDetails?.namedCurve;
  const c = name === undefined ? undefined : CURVES.get(name);
  if (c === undefined) throw new Error(`unsupported curve ${String(name)}`);
  return c;
}

/** ECDSA signature (DER) of a precomputed `digest` with an EC private key. */
export function ecdsaSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const c = curveOf(privateKey);
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new Error('EC private key has no scalar');
  const dBuf = Buffer.from(jwk.d, 'base64url');
  const d = toBig(dBuf);
  dBuf.fill(0);
  const e = digestToInt(c, digest);
  const ecdh = createECDH(c.name);
  for (;;) {
    const k = randomScalar(c);
    const kBuf = toFixed(k, c.bytes);
    ecdh.setPrivateKey(kBuf);
    kBuf.fill(0);
    const point = ecdh.getPublicKey(); // 04 || x || y: k·G computed by OpenSSL
    const r = toBig(point.subarray(1, 1 + c.bytes)) % c.n;
    if (r === 0n) continue;
    // s = k⁻¹(e + r·d), with the inverse blinded: k⁻¹ = b·(k·b)⁻¹.
    const b = randomScalar(c);
    const kInv = (b * inv((k * b) % c.n, c.n)) % c.n;
    const s = (kInv * ((e + r * d) % c.n)) % c.n;
    if (s === 0n) continue;
    ecdh.setPrivateKey(toFixed(1n, c.bytes)); // drop k from the ECDH object
    return encodeDerSignature(r, s);
  }
}

/** Verifies a DER ECDSA signature over a precomputed `digest` with an EC public key. */
export function ecdsaVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const c = curveOf(publicKey);
  const rs = decodeDerSignature(signature);
  if (rs === undefined) return false;
  const { r, s } = rs;
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return false;
  const Q: Jac = [toBig(Buffer.from(jwk.x, 'base64url')), toBig(Buffer.from(jwk.y, 'base64url')), 1n];
  const e = digestToInt(c, digest);
  const w = inv(s, c.n);
  const R = mulAdd(c, (e * w) % c.n, Q, (r * w) % c.n);
  if (R[2] === 0n) return false;
  return affineX(c, R) % c.n === r;
}
