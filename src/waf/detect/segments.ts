/**
 * The values inside serialised request content. A body carries its values in a serialisation —
 * urlencoded `name=value&…`, a JSON document, an XML document — and an injection begins at the
 * start of one value, not at the start of the whole text (`comment=x' OR '1'='1`, `{"q":"1 OR 1=1"}`,
 * `<a probe="1 OR 1=1"/>`). The detectors analyse the input as a whole and then each value found
 * here, as they analyse each query argument. Single pass, bounded in count and size.
 */

/** Values returned per input at most. */
export const MAX_SEGMENTS = 64;
/** Bytes of the input looked at for structure. */
const MAX_SCAN = 16384;

const NAME = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const c = String.fromCharCode(i);
  if (/[A-Za-z0-9_.\-[\]$:@%]/.test(c)) NAME[i] = 1;
}

/** True when `s[from, to)` reads as a parameter name (`var`, `data[x][y]`, `a.b-c`), at most 128 bytes. */
function isName(s: string, from: number, to: number): boolean {
  if (to <= from || to - from > 128) return false;
  for (let i = from; i < to; i++) if (NAME[s.charCodeAt(i)] !== 1) return false;
  return true;
}

function firstNonBlank(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 0x20) i++;
  return i;
}

/**
 * The values of `s` when it is urlencoded form data, a JSON document or an XML/HTML document;
 * empty otherwise (a plain value is analysed as it is). Form: each `&`-separated piece's value
 * after its first `=` (when what precedes is a name; otherwise the whole piece, which is then a
 * name carrying the payload). JSON: every string, keys included, unescaped. XML: attribute values
 * (to the end of the tag, so a value with a decoded quote inside stays whole) and text nodes.
 */
export function valueSegments(s: string): string[] {
  const end = Math.min(s.length, MAX_SCAN);
  const start = firstNonBlank(s);
  const c0 = s.charCodeAt(start);
  if (c0 === 0x7b /* { */ || c0 === 0x5b /* [ */) return jsonStrings(s, start, end);
  if (c0 === 0x3c /* < */) return xmlValues(s, start, end);
  return formValues(s, end);
}

function formValues(s: string, end: number): string[] {
  const eq0 = s.indexOf('=');
  if (eq0 < 0 || eq0 >= end) return [];
  const amp0 = s.indexOf('&');
  // The first piece must be `name=…`: prose with an `=` somewhere is not form data.
  if ((amp0 >= 0 && amp0 < eq0) || !isName(s, 0, eq0)) return [];
  const out: string[] = [];
  let i = 0;
  while (i < end && out.length < MAX_SEGMENTS) {
    let amp = s.indexOf('&', i);
    if (amp < 0 || amp > end) amp = end;
    if (amp > i) {
      const eq = s.indexOf('=', i);
      if (eq >= 0 && eq < amp && isName(s, i, eq)) {
        if (amp > eq + 1) out.push(s.slice(eq + 1, amp));
      } else out.push(s.slice(i, amp));
    }
    i = amp + 1;
  }
  return out;
}

function jsonStrings(s: string, start: number, end: number): string[] {
  const out: string[] = [];
  let i = start;
  while (i < end && out.length < MAX_SEGMENTS) {
    const q = s.indexOf('"', i);
    if (q < 0 || q >= end) break;
    let v = '';
    let j = q + 1;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c && j + 1 < end) {
        const e = s[j + 1];
        if (e === 'u' && j + 5 < end) {
          const code = parseInt(s.slice(j + 2, j + 6), 16);
          if (Number.isFinite(code)) { v += code < 256 ? String.fromCharCode(code) : '?'; j += 6; continue; }
        }
        v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'b' || e === 'f' ? ' ' : e;
        j += 2;
        continue;
      }
      v += s[j];
      j++;
    }
    if (v.length > 0) out.push(v);
    i = j + 1;
  }
  return out;
}

function xmlValues(s: string, start: number, end: number): string[] {
  const out: string[] = [];
  let i = start;
  while (i < end && out.length < MAX_SEGMENTS) {
    const c = s.charCodeAt(i);
    if (c === 0x3e /* > */) {
      // Text node up to the next tag.
      let lt = s.indexOf('<', i + 1);
      if (lt < 0 || lt > end) lt = end;
      if (lt > i + 1 && s.slice(i + 1, lt).trim().length > 0) out.push(s.slice(i + 1, lt));
      i = lt;
      continue;
    }
    if (c === 0x3d /* = */ && (s.charCodeAt(i + 1) === 0x22 || s.charCodeAt(i + 1) === 0x27)) {
      // Attribute value: up to its closing quote when a blank, `/`, `?` or `>` follows it; otherwise
      // (a quote decoded from `&quot;` inside the value) to the end of the tag.
      let gt = s.indexOf('>', i + 2);
      if (gt < 0 || gt > end) gt = end;
      const q = s.charCodeAt(i + 1);
      let stop = gt;
      const close = s.indexOf(String.fromCharCode(q), i + 2);
      if (close >= 0 && close < gt) {
        const after = s.charCodeAt(close + 1);
        if (after <= 0x20 || after === 0x2f || after === 0x3f || after === 0x3e || close + 1 >= end) stop = close;
      }
      let v = s.slice(i + 2, stop);
      if (stop === gt) {
        let k = v.length;
        while (k > 0 && (v.charCodeAt(k - 1) === 0x2f || v.charCodeAt(k - 1) === 0x3f)) k--;
        if (k > 0 && v.charCodeAt(k - 1) === q) k--;
        v = v.slice(0, k);
      }
      if (v.length > 0) out.push(v);
      i = stop === gt ? gt : stop + 1;
      continue;
    }
    i++;
  }
  return out;
}
