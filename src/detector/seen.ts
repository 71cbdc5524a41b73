/**
 * The ingestion dedup memory: which records a detector has already analysed (CloudTrail eventIDs,
 * flow/DNS record contents), as 64-bit hashes in two generations of open-addressing tables of
 * Int32 pairs. When the current generation holds half the bound, it becomes the previous one and
 * the oldest generation is dropped: memory stays bounded (16 bytes per remembered record at most)
 * and look-ups cost two probes, with no per-record objects for the garbage collector.
 */

/** Two 32-bit hashes of a string (FNV-1a and a murmur-style mix), in `H1`/`H2` to avoid allocating. */
let H1 = 0;
let H2 = 0;

function hash2(s: string, seed: number): void {
  let a = (0x811c9dc5 ^ seed) | 0;
  let b = (0x9747b28c ^ Math.imul(seed, 0x2545f491)) | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  H1 = a;
  // 0/0 marks an empty slot.
  H2 = b === 0 && a === 0 ? 1 : b;
}

/**
 * An open-addressing set of (hi, lo) Int32 pairs that grows by doubling. Each slot's two halves sit
 * side by side in one array, so a probe touches one cache line.
 */
class PairTable {
  private t: Int32Array;
  size = 0;
  private mask: number;

  constructor(capacity = 1024) {
    this.t = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  has(a: number, b: number): boolean {
    const t = this.t;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = t[2 * i] as number;
      const y = t[2 * i + 1] as number;
      if (x === a && y === b) return true;
      if (x === 0 && y === 0) return false;
      i = (i + 1) & this.mask;
    }
  }

  add(a: number, b: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const t = this.t;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = t[2 * i] as number;
      const y = t[2 * i + 1] as number;
      if (x === 0 && y === 0) break;
      if (x === a && y === b) return;
      i = (i + 1) & this.mask;
    }
    t[2 * i] = a;
    t[2 * i + 1] = b;
    this.size++;
  }

  private grow(): void {
    const old = this.t;
    this.t = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.add(old[i] as number, old[i + 1] as number);
  }
}

/** Seeds that keep the kinds' hash spaces apart. */
export const SEEN_SEED = { cloudtrail: 1, vpcflow: 2, dns: 3 } as const;

/** A bounded memory of record hashes. */
export class SeenSet {
  private cur = new PairTable();
  private prev: PairTable | undefined;
  private pending: number[] = [];

  /** `cap`: records remembered at least (between cap/2 and cap are). */
  constructor(readonly cap: number) {}

  /** Records `key` (of a kind); true when it was already there. */
  checkAndAdd(key: string, seed: number): boolean {
    hash2(key, seed);
    const a = H1;
    const b = H2;
    if (this.cur.has(a, b) || (this.prev !== undefined && this.prev.has(a, b))) return true;
    this.insert(a, b);
    this.pending.push(a, b);
    return false;
  }

  private insert(a: number, b: number): void {
    if (this.cur.size >= this.cap / 2) {
      this.prev = this.cur;
      this.cur = new PairTable();
    }
    this.cur.add(a, b);
  }

  /** Restores hashes read back from storage (pairs of Int32). */
  restore(pairs: Int32Array): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) this.insert(pairs[i] as number, pairs[i + 1] as number);
  }

  /** Hashes added since the last call, to persist. */
  takePending(): Int32Array | undefined {
    if (this.pending.length === 0) return undefined;
    const a = Int32Array.from(this.pending);
    this.pending = [];
    return a;
  }
}
