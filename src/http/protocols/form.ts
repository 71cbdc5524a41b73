/** Strict application/x-www-form-urlencoded parsing for the query protocol (IAM, STS). */
import { AwsError } from '../../errors/index.js';

const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const PLUS = /\+/g;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeComponent(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  const t = s.replace(PLUS, ' ');
  if (BAD_PERCENT.test(t)) throw malformed();
  try {
    return decodeURIComponent(t);
  } catch {
    // Percent-escapes that do not form valid UTF-8.
    throw malformed();
  }
}

function malformed(): AwsError {
  return new AwsError('MalformedQueryString', 'The query string contains an invalid percent-encoded sequence.');
}

/**
 * Parses a form body (or a URL query string) into URLSearchParams. Unlike URLSearchParams itself it
 * rejects malformed percent-encoding and percent-encoded invalid UTF-8 with AWS's
 * `MalformedQueryString` (HTTP 404, as AWS's query endpoints answer) instead of passing it through.
 */
export function parseFormBody(body: Buffer): URLSearchParams {
  const out = new URLSearchParams();
  if (body.length === 0) return out;
  let utf8: string;
  try {
    utf8 = STRICT_UTF8.decode(body);
  } catch {
    throw malformed();
  }
  let start = 0;
  while (start <= utf8.length) {
    let end = utf8.indexOf('&', start);
    if (end === -1) end = utf8.length;
    if (end > start) {
      const piece = utf8.slice(start, end);
      const eq = piece.indexOf('=');
      const k = decodeComponent(eq === -1 ? piece : piece.slice(0, eq));
      const v = eq === -1 ? '' : decodeComponent(piece.slice(eq + 1));
      out.append(k, v);
    }
    start = end + 1;
  }
  return out;
}
