/** Finding the Credential value in an Authorization header without running a regex over it. */

/** JavaScript's \s, by char code. */
function isRegexSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** What /Credential=([^,\s]+)/ captures in `auth` (undefined when it does not match), found with indexOf. */
export function credentialOf(auth: string): string | undefined {
  const n = auth.length;
  let from = 0;
  for (;;) {
    const i = auth.indexOf('Credential=', from);
    if (i === -1) return undefined;
    const j = i + 11;
    let k = j;
    while (k < n) {
      const c = auth.charCodeAt(k);
      if (c === 0x2c || isRegexSpace(c)) break;
      k++;
    }
    if (k > j) return auth.slice(j, k);
    from = i + 1;
  }
}
