/**
 * Cross-site scripting detection: an HTML5-tokenizer-style scanner over a byte string, run in the
 * contexts a reflected value can land in (HTML data, inside an attribute value unquoted / single- /
 * double- / backtick-quoted, a URL attribute, a JavaScript string), with our own rule set.
 *
 * Linear time: one pass per context with bounded lookahead; the data-state scan reads at most
 * MAX_XSS_BYTES bytes, the attribute contexts MAX_XSS_ATTR_BYTES. No regex runs on the input.
 */
import { shortcuts } from './shortcuts.js';

/** Bytes scanned in the HTML data state (documented limit). */
export const MAX_XSS_BYTES = 65536;
/** Bytes scanned in each attribute-value context. */
export const MAX_XSS_ATTR_BYTES = 8192;

/** Where the injection was found. */
export type XssContext = 'data' | 'attr-unquoted' | 'attr-single' | 'attr-double' | 'attr-backtick' | 'url' | 'script';

/** The result of analysing an input. */
export interface XssMatch {
  readonly context: XssContext;
  /** Which rule matched, e.g. 'tag:script', 'event-handler:onerror', 'url-scheme:href'. */
  readonly rule: string;
}

/** Tags that run script or change how the page loads by themselves. */
const DANGEROUS_TAGS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math',
  'style', 'link', 'meta', 'base', 'vmlframe', 'xml', 'import', 'isindex', 'bgsound', 'portal', 'layer', 'ilayer']);
/** Attributes whose value is a URL that a browser fetches or navigates to. */
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'lowsrc',
  'dynsrc', 'poster', 'codebase', 'from', 'to', 'values', 'by', 'ping', 'cite', 'longdesc', 'usemap', 'manifest']);
/** Event handler names (used where no tag was seen, to keep words like `online=` quiet). */
const EVENTS = new Set(('abort afterprint animationend animationiteration animationstart auxclick beforecopy beforecut ' +
  'beforeinput beforepaste beforeprint beforeunload begin blur canplay canplaythrough change click close contextmenu ' +
  'copy cuechange cut dblclick drag dragend dragenter dragleave dragover dragstart drop durationchange end ended ' +
  'error focus focusin focusout formdata hashchange input invalid keydown keypress keyup load loadeddata ' +
  'loadedmetadata loadstart message mousedown mouseenter mouseleave mousemove mouseout mouseover mouseup ' +
  'mousewheel offline online pagehide pageshow paste pause play playing pointerdown pointerenter pointerleave ' +
  'pointermove pointerout pointerover pointerup popstate progress ratechange readystatechange repeat reset resize ' +
  'scroll scrollend search seeked seeking select selectionchange selectstart show stalled storage submit suspend ' +
  'timeupdate toggle touchend touchmove touchstart transitionend unload volumechange waiting wheel filterchange ' +
  'activate beforeactivate beforedeactivate deactivate propertychange start finish bounce').split(' ').map((e) => 'on' + e));
/** Globals and functions an injected script calls. */
const JS_SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'settimeout', 'setinterval', 'function', 'constructor',
  'fetch', 'import', 'document', 'window', 'location', 'top', 'self', 'parent', 'frames', 'globalthis', 'atob',
  'print', 'open', 'execscript', 'msgbox', 'xmlhttprequest', 'navigator', 'reflect', 'string', 'this', 'new']);

const enum K { ALPHA = 1, DIGIT = 2, SPACE = 4 }
const KIND = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  if ((i >= 0x41 && i <= 0x5a) || (i >= 0x61 && i <= 0x7a)) KIND[i] = K.ALPHA;
  else if (i >= 0x30 && i <= 0x39) KIND[i] = K.DIGIT;
  else if (i === 0x20 || i === 0x09 || i === 0x0a || i === 0x0c || i === 0x0d) KIND[i] = K.SPACE;
}
const isSpace = (c: number): boolean => KIND[c] === K.SPACE;

// ---------------------------------------------------------------------------------------------
// Entity decoding and URL scheme checks

const NAMED: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
  sol: '/', bsol: '\\', semi: ';', equals: '=', grave: '`', nbsp: ' ', period: '.', comma: ',', excl: '!',
  lbrace: '{', rbrace: '}', lsqb: '[', rsqb: ']', num: '#', dollar: '$', percnt: '%', plus: '+', quest: '?',
};

/**
 * Decodes HTML character references (named subset, decimal, hex; `;` optional) in one pass. Text
 * between references is copied as slices, and an input without a decodable reference comes back
 * as the same string: most inputs have an `&` only as a form separator.
 */
export function decodeEntities(s: string): string {
  let i = s.indexOf('&');
  if (i < 0) return s;
  let out = '';
  let copied = 0; // s[copied, i) is still to be appended
  while (i >= 0) {
    let j = i + 1;
    if (s.charCodeAt(j) === 0x23) { // numeric
      j++;
      const hex = (s.charCodeAt(j) | 0x20) === 0x78;
      if (hex) j++;
      let v = 0; let digits = 0;
      while (j < s.length && digits < 10) {
        const d = s.charCodeAt(j);
        let x = -1;
        if (d >= 0x30 && d <= 0x39) x = d - 0x30;
        else if (hex && (d | 0x20) >= 0x61 && (d | 0x20) <= 0x66) x = (d | 0x20) - 0x57;
        if (x < 0) break;
        v = v * (hex ? 16 : 10) + x; j++; digits++;
      }
      if (digits === 0) { i = s.indexOf('&', i + 1); continue; } // a literal `&`
      while (j < s.length && s.charCodeAt(j) === 0x30 + 0 && digits >= 10) j++; // swallow absurd zero padding
      if (s.charCodeAt(j) === 0x3b) j++;
      out += s.slice(copied, i) + (v < 256 ? String.fromCharCode(v) : v === 0xff1c ? '<' : v === 0xff1e ? '>' : '?');
      copied = j;
      i = s.indexOf('&', j);
      continue;
    }
    let k = j;
    while (k < s.length && k - j < 10 && KIND[s.charCodeAt(k)] === K.ALPHA) k++;
    const rep = k > j ? NAMED[s.slice(j, k).toLowerCase()] : undefined;
    if (rep !== undefined) {
      out += s.slice(copied, i) + rep;
      copied = s.charCodeAt(k) === 0x3b ? k + 1 : k;
      i = s.indexOf('&', copied);
      continue;
    }
    i = s.indexOf('&', i + 1); // a literal `&`
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** Lower-cases and drops blanks/control characters, as browsers ignore them inside a URL scheme. */
function squeeze(s: string, max: number): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) continue;
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c | 0x20) : s[i];
  }
  return out;
}

const SCRIPT_SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:'];
const DATA_ACTIVE = ['data:text/html', 'data:image/svg', 'data:application/x', 'data:application/xhtml',
  'data:text/xml', 'data:text/javascript', 'data:application/javascript', 'data:text/xsl'];

/** The scheme rule for a URL attribute value: script schemes and active data: URLs. */
function dangerousUrl(value: string, anyData: boolean): string | undefined {
  const head = value.length > 512 ? value.slice(0, 512) : value;
  // Every scheme looked for ends with `:`; without one, or a reference that could decode to one,
  // there is no scheme.
  if (shortcuts.enabled && !head.includes(':') && !head.includes('&')) return undefined;
  const v = squeeze(decodeEntities(head), 40);
  for (const p of SCRIPT_SCHEMES) if (v.startsWith(p)) return p.slice(0, -1);
  if (v.startsWith('data:')) {
    if (anyData) return 'data';
    for (const p of DATA_ACTIVE) if (v.startsWith(p)) return 'data';
  }
  return undefined;
}

/** A style value that runs script (old IE expression(), behaviors, XBL bindings, javascript: URLs). */
function dangerousStyle(value: string): boolean {
  const v = squeeze(decodeEntities(value.length > 2048 ? value.slice(0, 2048) : value).replace(/\\/g, ''), 2048)
    .replace(/\/\*[^*]*\*\//g, '');
  return v.includes('expression(') || v.includes('javascript:') || v.includes('vbscript:') ||
    v.includes('-moz-binding') || v.includes('behavior:') || v.includes('behaviour:');
}

// ---------------------------------------------------------------------------------------------
// Tag and attribute scanning

interface AttrScan { pos: number; match?: string }

/**
 * Where the attribute scans of one analyzeXss call have been: SCANNED[j] === scanRound when a scan
 * of the current input, with the same `end` and no tag, was at the top of its loop at `j` and found
 * nothing from there. That loop's only state is `j` (the input, `end` and the tag being fixed), so
 * another such scan reaching `j` would find nothing either and can stop. The contexts start at the
 * first quote of each kind and at the first blank, and their scans of prose fall into step after a
 * word or two: all but the first stop there instead of reading the rest again.
 */
const SCANNED = new Uint32Array(MAX_XSS_ATTR_BYTES + 1);
let scanRound = 0;

/** A fresh round for SCANNED, or 0 (no memo) with the shortcuts off. */
function nextScanRound(): number {
  if (!shortcuts.enabled) return 0;
  if (scanRound === 0xffffffff) { SCANNED.fill(0); scanRound = 0; }
  return ++scanRound;
}

/**
 * Parses attributes from `j` until `>` or the end. `tag` is the element name ('' when the scan
 * starts inside an attribute value). Returns where it stopped and the rule that matched, if any.
 * `round` (tag '' only): see SCANNED; the returned position is then meaningless when nothing matched.
 */
function scanAttributes(s: string, j: number, end: number, tag: string, round = 0): AttrScan {
  const strict = tag === '';
  if (round !== 0) {
    // Only an attribute with a value can match, and a value needs a `=` in [j, end] (the check
    // after a name that runs to `end` reads the byte at `end`).
    const eq = s.indexOf('=', j);
    if (eq < 0 || eq > end) return { pos: end };
  }
  while (j < end) {
    if (round !== 0) {
      if (SCANNED[j] === round) return { pos: end };
      SCANNED[j] = round;
    }
    while (j < end && (isSpace(s.charCodeAt(j)) || s.charCodeAt(j) === 0x2f || s.charCodeAt(j) === 0)) j++;
    if (j >= end) return { pos: end };
    if (s.charCodeAt(j) === 0x3e) return { pos: j + 1 };
    const ns = j;
    j++; // the first character may be anything, even '='
    while (j < end) {
      const c = s.charCodeAt(j);
      if (isSpace(c) || c === 0x2f || c === 0x3e || c === 0x3d) break;
      j++;
    }
    const nameEnd = Math.min(j, ns + 64);
    let p = j;
    while (p < end && isSpace(s.charCodeAt(p))) p++;
    let value: string | undefined;
    if (s.charCodeAt(p) === 0x3d) {
      p++;
      while (p < end && isSpace(s.charCodeAt(p))) p++;
      const q = s.charCodeAt(p);
      if (q === 0x22 || q === 0x27 || q === 0x60) { // ", ', ` (old IE)
        let e = s.indexOf(String.fromCharCode(q), p + 1);
        if (e < 0 || e > end) e = end;
        value = s.slice(p + 1, e);
        j = e + 1;
      } else {
        let e = p;
        while (e < end && !isSpace(s.charCodeAt(e)) && s.charCodeAt(e) !== 0x3e) e++;
        value = s.slice(p, e);
        j = e;
      }
    }
    if (value === undefined) continue;
    // The name is only read for an attribute with a value: prose has many words and few `=`.
    const m = checkAttribute(tag, s.slice(ns, nameEnd).toLowerCase(), value, strict);
    if (m !== undefined) return { pos: j, match: m };
  }
  return { pos: end };
}

function checkAttribute(tag: string, name: string, value: string, strict: boolean): string | undefined {
  if (name.length > 4 && name.charCodeAt(0) === 0x6f && name.charCodeAt(1) === 0x6e) { // on*
    let letters = true;
    for (let i = 2; i < name.length; i++) if (KIND[name.charCodeAt(i)] !== K.ALPHA) { letters = false; break; }
    if (letters && (!strict || EVENTS.has(name) || value.includes('(') || value.includes('`'))) return `event-handler:${name}`;
  }
  if (URL_ATTRS.has(name) || name.endsWith(':href')) {
    const anyData = tag === 'script' || tag === 'iframe' || tag === 'object' || tag === 'embed' || tag === 'frame';
    const u = dangerousUrl(value, anyData);
    if (u !== undefined) return `url-scheme:${name}:${u}`;
  }
  if (name === 'style' && dangerousStyle(value)) return 'style-script';
  if (name === 'srcdoc' && value.includes('<')) return 'srcdoc';
  if (name === 'http-equiv' && value.toLowerCase().includes('refresh')) return 'meta-refresh';
  return undefined;
}

/** Reads a tag name from `j`; returns its lower-cased local name (after any `prefix:`) and end. */
function tagName(s: string, j: number, end: number): { name: string; pos: number } {
  const start = j;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (isSpace(c) || c === 0x2f || c === 0x3e || c === 0) break;
    j++;
  }
  let name = s.slice(start, Math.min(j, start + 64)).toLowerCase();
  const colon = name.lastIndexOf(':');
  if (colon >= 0) name = name.slice(colon + 1);
  return { name, pos: j };
}

/** The HTML data state: tags, end tags, comments, processing instructions. */
function scanData(s: string, end: number): string | undefined {
  let i = s.indexOf('<');
  while (i >= 0 && i < end) {
    const c = s.charCodeAt(i + 1);
    if (KIND[c] === K.ALPHA || (c === 0x3a && KIND[s.charCodeAt(i + 2)] === K.ALPHA)) {
      const t = tagName(s, i + 1, end);
      if (DANGEROUS_TAGS.has(t.name)) return `tag:${t.name}`;
      // XInclude (`<xi:include href=…>`): the XML parser fetches and inlines another document.
      if (t.name === 'include' && s.charCodeAt(t.pos - 8) === 0x3a) return 'tag:xinclude';
      const a = scanAttributes(s, t.pos, end, t.name);
      if (a.match !== undefined) return a.match;
      i = s.indexOf('<', Math.max(a.pos, i + 1));
      continue;
    }
    if (c === 0x2f) { // end tag: leaving a script/style/title/textarea element is a breakout
      const t = tagName(s, i + 2, end);
      if (t.name === 'script' || t.name === 'style' || t.name === 'title' || t.name === 'textarea' ||
          t.name === 'noscript' || t.name === 'xmp' || t.name === 'iframe' || t.name === 'noembed') return `end-tag:${t.name}`;
    } else if (c === 0x21) { // <!-- [if ...]> conditional comments, <![CDATA[ in HTML
      const head = s.slice(i + 2, i + 16).toLowerCase().replace(/\s/g, '');
      if (head.startsWith('--[if') || head.startsWith('[if') || head.startsWith('--<') || head.startsWith('[cdata[<')) return 'conditional-comment';
    } else if (c === 0x3f) { // <?import (old IE)
      const t = tagName(s, i + 2, end);
      if (t.name === 'import') return 'tag:import';
    }
    i = s.indexOf('<', i + 1);
  }
  return undefined;
}

/** Reads a JS identifier path at `j` (bounded) and returns its first segment lower-cased. */
function jsIdent(s: string, j: number): { id: string; pos: number } | undefined {
  const start = j;
  while (j < s.length && j - start < 32) {
    const c = s.charCodeAt(j);
    if (KIND[c] === K.ALPHA || KIND[c] === K.DIGIT || c === 0x5f || c === 0x24) j++;
    else break;
  }
  if (j === start) return undefined;
  return { id: s.slice(start, j).toLowerCase(), pos: j };
}

/** JavaScript-string breakouts and script-only syntax (quote then operator then a sink call). */
function scanScript(s: string, end: number): string | undefined {
  let bracketRuns = 0;
  let nextTemplate = 0;
  let jsfuckChars = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29 || c === 0x21 || c === 0x2b || c === 0x20) jsfuckChars++;
    if (c === 0x60 && i > 0) { // tagged template call: alert`1`, [].sort.call`${alert}`
      const w = s.slice(Math.max(0, i - 16), i).toLowerCase().trimEnd();
      if (w.endsWith('.call') || w.endsWith('.apply') || w.endsWith('.bind')) return 'js-tagged-template';
      let k = w.length;
      while (k > 0 && KIND[w.charCodeAt(k - 1)] === K.ALPHA) k--;
      if (JS_SINKS.has(w.slice(k)) && w.slice(k) !== 'this' && w.slice(k) !== 'new' && w.slice(k) !== 'string') return 'js-tagged-template';
    }
    if (c === 0x22 || c === 0x27 || c === 0x60) {
      // "; alert(1)//   '-alert(1)-'   `+eval(x)+`
      let j = i + 1;
      let ops = 0;
      while (j < end && j - i < 12) {
        const d = s.charCodeAt(j);
        if (isSpace(d)) { j++; continue; }
        if (d === 0x3b || d === 0x2b || d === 0x2d || d === 0x2a || d === 0x2f || d === 0x7c || d === 0x26 ||
            d === 0x5e || d === 0x25 || d === 0x2c || d === 0x29 || d === 0x7d || d === 0x3f || d === 0x3a ||
            d === 0x7e || d === 0x21 || d === 0x3c || d === 0x3e || d === 0x5d) { j++; ops++; continue; }
        break;
      }
      if (ops > 0) {
        const id = jsIdent(s, j);
        if (id !== undefined && JS_SINKS.has(id.id)) {
          let p = id.pos;
          while (p < end && (isSpace(s.charCodeAt(p)) || s.charCodeAt(p) === 0x2e) && p - id.pos < 8) p++;
          const n = s.charCodeAt(p);
          if (n === 0x28 || n === 0x60 || n === 0x3d || (n !== 0x20 && p > id.pos && jsIdent(s, p) !== undefined)) return 'js-breakout';
        }
      }
    } else if (c === 0x24 && s.charCodeAt(i + 1) === 0x7b) { // ${alert}
      let j = i + 2;
      while (j < end && isSpace(s.charCodeAt(j)) && j - i < 10) j++;
      const id = jsIdent(s, j);
      if (id !== undefined && JS_SINKS.has(id.id)) return 'js-template';
    } else if (c === 0x7b && s.charCodeAt(i + 1) === 0x7b && i >= nextTemplate) { // {{constructor.constructor(..)}}
      const w = s.slice(i + 2, Math.min(end, i + 256)).toLowerCase();
      const close = w.indexOf('}}');
      const body = close < 0 ? w : w.slice(0, close);
      nextTemplate = i + 2 + body.length; // each byte is looked at by one window only
      if (body.includes('constructor') || body.includes('$eval') || body.includes('$on.') ||
          (body.includes('(') && (body.includes('alert') || body.includes('prompt') || body.includes('eval')))) return 'template-injection';
    } else if (c === 0x5b && s.charCodeAt(i + 1) === 0x5d) { // JSFuck: ![] +[] [][
      let b = i - 1;
      while (b > 0 && s.charCodeAt(b) === 0x20 && i - b < 4) b--;
      const before = s.charCodeAt(b);
      if (before === 0x21 || before === 0x2b || before === 0x5b || before === 0x28) bracketRuns++;
      if (bracketRuns >= 3) return 'jsfuck';
    }
  }
  // The Function constructor reached through a constructor chain (`x.constructor.constructor(…)`,
  // `''['constructor']['constructor']`) or by name (`new Function(…)`, case-sensitive as JavaScript is):
  // a sandbox or filter escape that evaluates a string as code.
  if (end >= 12 && hasFunctionConstructor(s, end)) return 'js-function-constructor';
  // Short inputs written only in JSFuck's alphabet.
  if (bracketRuns >= 1 && end >= 4 && jsfuckChars >= end * 0.9) return 'jsfuck';
  return undefined;
}

const CONSTRUCTOR_CHAIN = /constructor['"`]?\s*\]?\s*(?:\.|\[\s*['"`]?)\s*constructor\b|\bnew\s+Function\s*\(/;

/** `constructor.constructor` / `new Function(` in the first MAX_XSS_BYTES (one regex, no nested quantifiers). */
function hasFunctionConstructor(s: string, end: number): boolean {
  if (!s.includes('onstructor') && !s.includes('Function')) return false;
  return CONSTRUCTOR_CHAIN.test(end < s.length ? s.slice(0, end) : s);
}

const QUOTE_CONTEXTS: readonly (readonly [string, XssContext])[] = [['"', 'attr-double'], ['\'', 'attr-single'], ['`', 'attr-backtick']];

/** Analyses `input` in every context; the first match, or undefined. */
export function analyzeXss(input: string): XssMatch | undefined {
  const end = Math.min(input.length, MAX_XSS_BYTES);
  const d = scanData(input, end);
  if (d !== undefined) return { context: 'data', rule: d };
  // A whole value used as a URL.
  const u = dangerousUrl(input, false);
  if (u !== undefined && u !== 'data') {
    const rest = input.slice(0, 512);
    // A scheme hidden behind blanks, control characters or character references is never prose.
    if (!rest.trimStart().slice(0, u.length + 1).toLowerCase().startsWith(u + ':') || rest.includes('(') || rest.includes('`') || rest.includes('=') || rest.includes('\\') || rest.includes('[') ||
        rest.includes('&#') || rest.includes('/')) return { context: 'url', rule: `url-scheme:${u}` };
  } else if (u === 'data') return { context: 'url', rule: 'url-scheme:data' };
  // A whole value used as a style (style="<input>"). Each pattern has a `:`, which squeeze() never
  // makes, so an input without one in the bytes squeezed cannot match.
  const colon = input.indexOf(':');
  if ((colon >= 0 && colon < 2048) || !shortcuts.enabled) {
    const st = squeeze(input.length > 2048 ? input.slice(0, 2048) : input, 2048);
    if (st.includes('-moz-binding:') || st.includes(':expression(') || st.includes('behavior:url(')) return { context: 'attr-unquoted', rule: 'style-script' };
  }
  // Inside an attribute value: the first quote (or blank, unquoted) ends it; attributes follow.
  const aend = Math.min(input.length, MAX_XSS_ATTR_BYTES);
  const round = nextScanRound();
  for (const [q, ctx] of QUOTE_CONTEXTS) {
    const at = input.indexOf(q);
    if (at < 0 || at >= aend) continue;
    const a = scanAttributes(input, at + 1, aend, '', round);
    if (a.match !== undefined) return { context: ctx, rule: a.match };
  }
  let sp = 0;
  while (sp < aend && !isSpace(input.charCodeAt(sp))) sp++;
  if (sp < aend) {
    const a = scanAttributes(input, sp, aend, '', round);
    if (a.match !== undefined) return { context: 'attr-unquoted', rule: a.match };
  }
  const js = scanScript(input, end);
  if (js !== undefined) return { context: 'script', rule: js };
  return undefined;
}

/** UTF-8 of the fullwidth brackets U+FF1C/U+FF1E, which applications normalising to NFKC turn into `<` `>`. */
const FULLWIDTH_LT = '\xef\xbc\x9c';
const FULLWIDTH_GT = '\xef\xbc\x9e';

/**
 * Analyses the input and, when it carries character references, its decoded form too; fullwidth
 * angle brackets are read as ASCII ones.
 */
export function analyzeXssDecoded(input: string): XssMatch | undefined {
  const m = analyzeXssRaw(input);
  if (m !== undefined) return m;
  const head = decodableHead(input);
  const dec = decodeEntities(head);
  return dec === head ? undefined : analyzeXss(dec);
}

/** analyzeXssDecoded without the character-reference pass: the input as is and with fullwidth brackets read as ASCII. */
export function analyzeXssRaw(input: string): XssMatch | undefined {
  const m = analyzeXss(input);
  if (m !== undefined) return m;
  if (input.includes(FULLWIDTH_LT)) {
    const n = analyzeXss(input.split(FULLWIDTH_LT).join('<').split(FULLWIDTH_GT).join('>'));
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The part of `input` whose character references analyzeXssDecoded decodes. */
export function decodableHead(input: string): string {
  return input.length > MAX_XSS_BYTES ? input.slice(0, MAX_XSS_BYTES) : input;
}
