/** Timestamp parsing and formatting for the three wire formats (strict parsers, no Date.parse guessing). */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const EPOCH_STRING = /^-?\d{1,15}(?:\.\d{1,9})?$/;
/** ECMAScript's Date range. */
const MAX_MS = 8.64e15;

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Reject 2026-02-30 and the like: Date.UTC rolls them over.
  const probe = new Date(t);
  if (probe.getUTCDate() !== d || probe.getUTCMonth() !== mo - 1) return undefined;
  const out = t - offsetMin * 60_000;
  return Math.abs(out) <= MAX_MS ? new Date(out) : undefined;
}

/** Parses RFC 3339 / ISO 8601 date-times (`2026-11-29T11:03:03Z`, fractions, offsets). */
export function parseIso(s: string): Date | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const offset = m[8] !== undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  return build(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), frac, offset);
}

/** Parses IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). */
export function parseHttpDate(s: string): Date | undefined {
  const m = HTTP_DATE.exec(s);
  if (!m) return undefined;
  return build(Number(m[3]), MONTHS.indexOf(m[2] as string) + 1, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0, 0);
}

/** Epoch seconds (fractions allowed) to a Date. */
export function fromEpochSeconds(n: number): Date | undefined {
  if (!Number.isFinite(n)) return undefined;
  const ms = Math.round(n * 1000);
  return Math.abs(ms) <= MAX_MS ? new Date(ms) : undefined;
}

/** Epoch seconds given as a decimal string. */
export function parseEpochString(s: string): Date | undefined {
  return EPOCH_STRING.test(s) ? fromEpochSeconds(Number(s)) : undefined;
}

/** ISO 8601 in UTC, with milliseconds only when non-zero (`2026-11-29T11:03:03Z`). */
export function formatIso(d: Date): string {
  const s = d.toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}

/** Epoch seconds with millisecond fraction. */
export function toEpochSeconds(d: Date): number {
  return d.getTime() / 1000;
}

/** IMF-fixdate for headers. */
export function formatHttpDate(d: Date): string {
  return d.toUTCString();
}
