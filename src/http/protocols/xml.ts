/** Minimal XML text escaping for the query protocol's responses. */

// Markup characters, whitespace controls (escaped so parsers keep them exactly: a literal CR would
// be normalised away), characters XML 1.0 forbids, and unpaired surrogates.
const NEEDS_ESCAPE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[&<>\t\n\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ESCAPE_ALL = new RegExp(NEEDS_ESCAPE.source, 'g');

function replacement(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '\t':
      return '&#9;';
    case '\n':
      return '&#10;';
    case '\r':
      return '&#13;';
    default:
      // Not representable in XML 1.0, not even as a character reference.
      return '\uFFFD';
  }
}

/**
 * Escapes text for element content (the only place responses put variable text). `&<>` become
 * entities (quotes stay literal, as AWS's messages show them), TAB/LF/CR
 * numeric references; other C0 controls, U+FFFE/U+FFFF and lone surrogates (illegal in XML 1.0)
 * become U+FFFD.
 */
export function escapeXml(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_ALL, replacement) : s;
}
