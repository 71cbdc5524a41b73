/**
 * Event ids: UUIDs in the time-ordered layout of RFC 9562 version 7 (48-bit Unix milliseconds,
 * version nibble 7, 74 random bits with the variant bits 10). CloudTrail's eventID is an opaque
 * GUID to clients; carrying the record's millisecond lets the audit event store find a record by
 * its id without a per-record index row.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = Buffer.alloc(10 * POOL_IDS);
let poolAt = POOL_IDS;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MAX_MS = 2 ** 48 - 1;

/** A version-7 UUID (lowercase, hyphenated) for an event at Unix millisecond `ms`. */
export function eventIdAt(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_MS) throw new RangeError('event time out of range');
  if (poolAt === POOL_IDS) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const o = poolAt++ * 10;
  const t = ms.toString(16).padStart(12, '0');
  const r = (i: number): string => HEX[pool[o + i] as number] as string;
  // 4 random bits after the version nibble 7, then 2 variant bits 10 before 6 random bits.
  const verLow = (7 << 4) | ((pool[o] as number) & 0x0f);
  const variant = 0x80 | ((pool[o + 2] as number) & 0x3f);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${HEX[verLow]}${r(1)}-${HEX[variant]}${r(3)}-${r(4)}${r(5)}${r(6)}${r(7)}${r(8)}${r(9)}`;
}

const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The millisecond a version-7 event id carries, or undefined for any other id. */
export function eventIdMs(id: string): number | undefined {
  const m = V7.exec(id);
  if (!m) return undefined;
  return parseInt((m[1] as string) + (m[2] as string), 16);
}
