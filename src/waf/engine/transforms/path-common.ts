/** Path normalization shared by NORMALIZE_PATH and NORMALIZE_PATH_WIN (internal). */

/**
 * Removes empty segments (multiple slashes), "." segments and ".." segments together with the
 * segment before them. A ".." with nothing left to remove is kept in a relative path ("../a",
 * "a/../../b" is "../b") and dropped in an absolute one ("/../a" is "/a"). A leading '/' and a
 * trailing '/' are kept ("/a/b/../" is "/a/"); a path that reduces to nothing is "" when relative
 * and "/" when absolute.
 */
export function normalizePath(input: string): string {
  const n = input.length;
  if (n === 0) return input;
  if (!needsWork(input)) return input;
  const absolute = input.charCodeAt(0) === 0x2f;
  const trailing = input.charCodeAt(n - 1) === 0x2f;
  const segs: string[] = [];
  let kept = 0; // number of leading ".." segments in segs (relative paths only)
  let i = 0;
  while (i <= n) {
    let j = input.indexOf('/', i);
    if (j < 0) j = n;
    const len = j - i;
    if (len === 0 || (len === 1 && input.charCodeAt(i) === 0x2e)) {
      // empty or "."
    } else if (len === 2 && input.charCodeAt(i) === 0x2e && input.charCodeAt(i + 1) === 0x2e) {
      if (segs.length > kept) segs.pop();
      else if (!absolute) { segs.push('..'); kept++; }
    } else {
      segs.push(input.slice(i, j));
    }
    i = j + 1;
  }
  let out = absolute ? '/' + segs.join('/') : segs.join('/');
  if (trailing && out.length > 0 && out.charCodeAt(out.length - 1) !== 0x2f) out += '/';
  return out === input ? input : out;
}

/** A quick scan for "//", "/./", "/../" or a leading/trailing "." or ".." segment. */
function needsWork(s: string): boolean {
  const n = s.length;
  let segStart = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || s.charCodeAt(i) === 0x2f) {
      const len = i - segStart;
      if (len === 0 && i > 0 && i < n) return true; // "//" (an empty inner segment)
      if (len === 1 && s.charCodeAt(segStart) === 0x2e) return true;
      if (len === 2 && s.charCodeAt(segStart) === 0x2e && s.charCodeAt(segStart + 1) === 0x2e) return true;
      segStart = i + 1;
    }
  }
  return false;
}
