/**
 * SQL injection detection by tokenizing and fingerprinting, in the spirit of libinjection (written
 * from the published description of the technique, with our own tokenizer and rule set).
 *
 * The input (a byte string) is tokenized as SQL in the contexts an injection can start in: as-is,
 * as if it continued a single-quoted string (MySQL backslash escapes, and ANSI without them), and a
 * double-quoted one. The token stream is folded (multi-word keywords merged, arithmetic collapsed,
 * statement heads recognised) into a string of one-character token types, the *fingerprint*, and
 * fingerprint rules decide whether the input changes the query. See docs/waf-detection.md.
 *
 * Linear time: the lexer is single-pass with bounded lookahead; each context analyses at most
 * MAX_SQLI_BYTES bytes and MAX_TOKENS tokens; rules are regexes over the short fingerprint only.
 */
import { shortcuts } from './shortcuts.js';

/** Bytes analysed per context; the rest of the input is ignored (documented limit). */
export const MAX_SQLI_BYTES = 8192;
/** Folded tokens kept per context. */
const MAX_TOKENS = 2048;
/** Length of the prefix fingerprint the anchored rules look at. */
const PREFIX_TOKENS = 8;

/**
 * Token types, one character each so a fingerprint is a short string.
 * s string · n number (and NULL/TRUE/FALSE) · v variable · b bareword/identifier · f known SQL
 * function call · g other word directly followed by `(` · T time-delay function or WAITFOR DELAY ·
 * E statement keyword · X recognised statement head (E plus what makes it unambiguous) · U UNION ·
 * k keyword · B clause keyword that extends a query (ORDER BY, GROUP BY, HAVING, LIMIT, COLLATE,
 * PROCEDURE) · O INTO OUTFILE/DUMPFILE · & logic operator (AND OR XOR && ||) · = comparison
 * (incl. LIKE, IN, IS, BETWEEN, PostgreSQL JSON operators) · ! negated comparison (!= <> IS NOT,
 * NOT LIKE/REGEXP/IN) · o other operator · ( ) , ; · c trailing comment · x other byte ·
 * F call of a function that only serves exfiltration or file/command access (LOAD_FILE, LO_GET,
 * EXTRACTVALUE, XP_CMDSHELL…) · S system catalog (INFORMATION_SCHEMA, SYSOBJECTS, PG_CATALOG…) ·
 * K PostgreSQL cast to a SQL type (`::int`, `::jsonb`) · W WHEN/THEN of a CASE expression.
 */
export type SqlTokenType =
  | 's' | 'n' | 'v' | 'b' | 'f' | 'g' | 'T' | 'E' | 'X' | 'U' | 'k' | 'B' | 'O'
  | '&' | '=' | '!' | 'o' | '(' | ')' | ',' | ';' | 'c' | 'x' | 'F' | 'S' | 'K' | 'W';

/** A lexed token: its type, its text (upper-cased for words), and where it was. */
export interface SqlToken {
  type: SqlTokenType;
  value: string;
  /** For words: the following non-blank byte is `(`; for `(`: not used. */
  callFollows?: boolean;
  /** For words: immediately (no blank) followed by `(`. */
  callAdjacent?: boolean;
  /** For words: immediately followed by a closed block comment (DROP, comment, name), an obfuscation. */
  commentAdjacent?: boolean;
}

/** The contexts an injection can start in. */
export type SqlContext = 'as-is' | 'single-quote' | 'single-quote-ansi' | 'double-quote';

const enum C { WORD = 1, DIGIT = 2, SPACE = 4 }
const CLASS = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  if ((i >= 0x41 && i <= 0x5a) || (i >= 0x61 && i <= 0x7a) || i === 0x5f || i === 0x24 || i >= 0x80) CLASS[i] = C.WORD;
  else if (i >= 0x30 && i <= 0x39) CLASS[i] = C.DIGIT;
  else if (i <= 0x20 || i === 0x7f || i === 0xa0) CLASS[i] = C.SPACE;
}

// ---------------------------------------------------------------------------------------------
// Keyword tables (curated; multi-dialect). Words not listed are barewords.

const WORDS = new Map<string, SqlTokenType>();
function words(type: SqlTokenType, list: string): void {
  for (const w of list.split(/\s+/)) if (w) WORDS.set(w, type);
}
words('&', 'AND OR XOR');
words('=', 'LIKE RLIKE ILIKE REGEXP GLOB SIMILAR IS IN BETWEEN ISNULL SOUNDS MATCH');
words('!', 'NOTNULL');
words('o', 'NOT DIV MOD ESCAPE');
words('n', 'NULL TRUE FALSE UNKNOWN');
words('U', 'UNION INTERSECT EXCEPT MINUS');
words('E', 'SELECT INSERT UPDATE DELETE DROP CREATE ALTER TRUNCATE EXEC EXECUTE DECLARE SHUTDOWN SET ' +
  'RENAME GRANT REVOKE MERGE CALL HANDLER');
words('k', 'FROM WHERE INTO VALUES TABLE DATABASE SCHEMA USER FUNCTION VIEW INDEX TRIGGER COLUMN ' +
  'LOGIN AS ON JOIN CASE WHEN THEN ELSE END DISTINCT DISTINCTROW TOP ALL ANY SOME EXISTS ' +
  'IMMEDIATE OFFSET DESC ASC BY DELAY WAITFOR OUTFILE DUMPFILE ORDER GROUP MYSQL DUAL PLACING');
words('W', 'WHEN THEN');
/** System catalogs: naming one is reconnaissance, not something a user types. */
words('S', 'INFORMATION_SCHEMA SYSOBJECTS SYSCOLUMNS SYSDATABASES SYSUSERS MSYSOBJECTS PG_CATALOG PG_SHADOW ' +
  'PG_USER PG_TABLES PG_DATABASE SQLITE_MASTER SQLITE_SCHEMA SQLITE_TEMP_MASTER ALL_TABLES ALL_TAB_COLUMNS ' +
  'USER_TABLES USER_TAB_COLUMNS DBA_TABLES DBA_USERS SYS.OBJECTS SYS.TABLES SYS.COLUMNS SYS.DATABASES ' +
  'MYSQL.USER MYSQL.DB MASTER..SYSDATABASES MASTER.DBO.SYSDATABASES');
/**
 * Functions whose only use in a request is exfiltration, file or command access, or error-based
 * extraction: a call is evidence on its own (`F`).
 */
const DANGEROUS_FUNCS = new Set(('LOAD_FILE LO_GET LO_IMPORT LO_EXPORT LO_FROM_BYTEA PG_READ_FILE ' +
  'PG_READ_BINARY_FILE PG_LS_DIR PG_STAT_FILE XP_CMDSHELL XP_REGREAD XP_DIRTREE XP_FILEEXIST SP_EXECUTESQL ' +
  'SP_OACREATE SP_OAMETHOD SP_PASSWORD OPENROWSET OPENDATASOURCE OPENQUERY UTL_HTTP.REQUEST ' +
  'UTL_INADDR.GET_HOST_ADDRESS UTL_INADDR.GET_HOST_NAME EXTRACTVALUE UPDATEXML CTXSYS.DRITHSX.SN ' +
  'DBMS_XMLGEN.GETXML NAME_CONST GTID_SUBSET GTID_SUBTRACT DBMS_JAVA.RUNJAVA SYS_EVAL SYS_EXEC ' +
  'MASTER..XP_CMDSHELL MASTER.DBO.XP_CMDSHELL').split(' '));
/** Type names a PostgreSQL `::` cast names (`'..'::jsonb`, `password::int`). */
const CAST_TYPES = new Set(('INT INT2 INT4 INT8 INTEGER BIGINT SMALLINT TEXT VARCHAR CHAR BPCHAR NUMERIC ' +
  'DECIMAL FLOAT FLOAT4 FLOAT8 REAL DOUBLE BOOL BOOLEAN JSON JSONB REGCLASS REGPROC OID BYTEA XML UUID ' +
  'INET CIDR DATE TIMESTAMP TIMESTAMPTZ INTERVAL MONEY NAME TSVECTOR TSQUERY').split(' '));
words('B', 'HAVING LIMIT COLLATE PROCEDURE');
/** Functions that only make sense for delaying a response (time-based blind injection). */
const TIME_FUNCS = new Set(['SLEEP', 'BENCHMARK', 'PG_SLEEP', 'DBMS_LOCK.SLEEP', 'DBMS_PIPE.RECEIVE_MESSAGE',
  'RANDOMBLOB', 'GENERATE_SERIES', 'PG_SLEEP_FOR']);
/** Known SQL functions: classified as `f` when followed by `(`. */
const FUNCS = new Set((
  'CHAR CHR NCHAR CONCAT CONCAT_WS GROUP_CONCAT STRING_AGG CAST CONVERT ASCII ORD HEX UNHEX BIN ' +
  'SUBSTRING SUBSTR MID LEFT RIGHT LENGTH LEN CHAR_LENGTH LOWER UPPER LCASE UCASE REVERSE REPLACE ' +
  'TRIM LTRIM RTRIM LPAD RPAD INSTR LOCATE POSITION STRCMP MD5 SHA1 SHA2 COMPRESS UNCOMPRESS ' +
  'LOAD_FILE USER CURRENT_USER SESSION_USER SYSTEM_USER USER_NAME SUSER_NAME DATABASE SCHEMA VERSION ' +
  'DB_NAME HOST_NAME CONNECTION_ID LAST_INSERT_ID ROW_COUNT FOUND_ROWS EXTRACTVALUE UPDATEXML XMLTYPE ' +
  'IF IIF IFNULL NULLIF COALESCE NVL ISNULL COUNT SUM AVG MIN MAX ABS FLOOR CEIL CEILING ROUND RAND ' +
  'RANDOM EXP LOG LN POW POWER SQRT PI NOW SYSDATE CURDATE CURTIME UTL_INADDR.GET_HOST_ADDRESS ' +
  'UTL_HTTP.REQUEST LO_IMPORT LO_EXPORT LO_GET JSON_EXTRACT JSON_KEYS JSON_SEARCH JSON_ARRAY JSON_OBJECT ' +
  'ELT FIELD MAKE_SET EXPORT_SET INET_ATON CURRENT_SETTING PG_READ_FILE PG_LS_DIR QUOTENAME OPENROWSET ' +
  'OPENQUERY OPENDATASOURCE XP_CMDSHELL SP_EXECUTESQL CTXSYS.DRITHSX.SN NAME_CONST POLYGON GEOMETRYCOLLECTION ' +
  'MULTIPOINT LINESTRING EXP UNISTR STARTS_WITH DECODE ENCODE TO_CHAR TO_NUMBER XMLELEMENT DBMS_XMLGEN.GETXML ' +
  'DATE DAY MONTH YEAR HOUR MINUTE SECOND QUARTER WEEK DAYNAME MONTHNAME DATE_FORMAT DATEDIFF DATE_ADD FORMAT'
).split(' '));

/** Statement keywords that, followed by these keywords, are unambiguous. */
const DDL_OBJECTS = new Set(['TABLE', 'DATABASE', 'SCHEMA', 'USER', 'FUNCTION', 'PROCEDURE', 'VIEW', 'INDEX',
  'TRIGGER', 'COLUMN', 'LOGIN']);

/**
 * Every upper-case word the folding and the rules compare a word token's value with, besides the
 * tables above: `ORDER BY`, `WAITFOR TIME`, `PROCEDURE ANALYSE`, `EXEC MASTER`, the catalog heads of
 * qualified names. shortcuts.test.ts checks that each upper-case literal of this file is a known word.
 */
const COMPARED_WORDS = ['ALL', 'DISTINCT', 'DISTINCTROW', 'ORDER', 'GROUP', 'BY', 'WAITFOR', 'DELAY', 'TIME', 'INTO',
  'OUTFILE', 'DUMPFILE', 'PROCEDURE', 'ANALYSE', 'NOT', 'IS', 'SOUNDS', 'LIKE', 'BENCHMARK', 'PG_SLEEP', 'SELECT',
  'TOP', 'FROM', 'SET', 'IMMEDIATE', 'MASTER', 'INSERT', 'DELETE', 'UPDATE', 'DROP', 'CREATE', 'ALTER', 'TRUNCATE',
  'RENAME', 'EXEC', 'EXECUTE', 'DECLARE', 'SHUTDOWN', 'INFORMATION_SCHEMA', 'PG_CATALOG', 'SYS', 'MYSQL'];

/**
 * A bit per hash bucket (2^20) of the known words, upper-cased: a word whose bit is clear is none
 * of them (see isPlainWord); a set bit may be a collision (about 1 word of prose in 1000).
 */
const KNOWN_BITS = new Uint32Array(1 << 15);
const FNV_BASIS = 0x811c9dc5;
/** One step of FNV-1a over a byte, ASCII letters upper-cased. */
function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ (c >= 0x61 && c <= 0x7a ? c - 0x20 : c), 16777619);
}
/** The 20-bit bucket of an FNV-1a hash, mixed. */
function bucketOf(h: number): number {
  h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12;
  return h & 0xfffff;
}
function wordBucket(s: string, i: number, j: number): number {
  let h = FNV_BASIS;
  for (let k = i; k < j; k++) h = fnvStep(h, s.charCodeAt(k));
  return bucketOf(h);
}
function knownBit(b: number): boolean {
  return (KNOWN_BITS[b >>> 5]! & (1 << (b & 31))) !== 0;
}
for (const w of [...WORDS.keys(), ...FUNCS, ...TIME_FUNCS, ...DANGEROUS_FUNCS, ...DDL_OBJECTS, ...COMPARED_WORDS]) {
  const b = wordBucket(w, 0, w.length);
  KNOWN_BITS[b >>> 5]! |= 1 << (b & 31);
}

/** For tests: true when the bucket of `w` is marked (every known word; rarely another). */
export function isKnownSqlWord(w: string): boolean {
  return knownBit(wordBucket(w, 0, w.length));
}

/**
 * True when the word `s[i, j)` is provably a plain bareword, so the lexer may keep it as written and
 * classify it at once (see lex). The value of a word is only ever compared for equality with the
 * known words (the tables above, COMPARED_WORDS), looked up in those tables, split at a dot, or
 * tested for an XP_/SP_/MASTER. prefix (EXEC). A word of ASCII letters, digits, `_` and `$` only,
 * not starting with XP_ or SP_, whose upper case is no known word (its bit in KNOWN_BITS is
 * clear), gives the same results whether its value is upper-cased or not: no comparison or lookup
 * succeeds either way (an as-written value equal to a known word would be that word's upper case),
 * and classifyWord makes it `g` before a `(` and leaves it `b` otherwise. Most words of prose are
 * such words; this saves an upper-case copy and the table lookups per word.
 */
function isPlainWord(s: string, i: number, j: number): boolean {
  if (j - i > 32) return false;
  let h = FNV_BASIS;
  for (let k = i; k < j; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x80 || c === 0x2e) return false;
    h = fnvStep(h, c);
  }
  if (j - i >= 3 && s.charCodeAt(i + 2) === 0x5f && (s.charCodeAt(i + 1) | 0x20) === 0x70) {
    const c0 = s.charCodeAt(i) | 0x20;
    if (c0 === 0x78 || c0 === 0x73) return false; // XP_, SP_
  }
  return !knownBit(bucketOf(h));
}

// ---------------------------------------------------------------------------------------------
// Lexer

/** Tokenizes `s[start, end)` as SQL; `openQuote` starts inside a string literal of that quote. */
export function tokenizeSql(s: string, openQuote?: '\'' | '"', backslashEscapes = true): SqlToken[] {
  return lex(s, openQuote, backslashEscapes, false);
}

/**
 * tokenizeSql; with `classify`, word tokens come out classified as foldTokens' first pass would
 * classify them (classifyWord depends on the word and its call flags only, both final when the
 * token is pushed), and plain barewords keep their text as written (see isPlainWord).
 */
function lex(s: string, openQuote: '\'' | '"' | undefined, backslashEscapes: boolean, classify: boolean): SqlToken[] {
  const end = Math.min(s.length, MAX_SQLI_BYTES);
  const head = end < s.length ? s.slice(0, end) : s;
  // Backslash escapes only matter where there is a backslash to escape with (see scanString).
  const backslashes = backslashEscapes && (!shortcuts.enabled || head.includes('\\'));
  const out: SqlToken[] = [];
  let i = 0;
  // Index in `out` of the last word or quoted identifier: the tokens of type `b` before
  // classification, which a closed block comment right after marks commentAdjacent.
  let lastWord = -1;
  if (openQuote !== undefined) {
    const close = scanString(s, head, 0, end, openQuote.charCodeAt(0), backslashes);
    out.push({ type: 's', value: s.slice(0, close.contentEnd) });
    i = close.next;
  }
  while (i < end && out.length < MAX_TOKENS) {
    const ch = s.charCodeAt(i);
    const cls = CLASS[ch] ?? 0;
    if (cls === C.SPACE) { i++; continue; }
    // Comments.
    if (ch === 0x2d /* - */ && s.charCodeAt(i + 1) === 0x2d) {
      const nl = lineEnd(s, i, end);
      if (nl >= end) out.push({ type: 'c', value: '--' });
      i = nl; continue;
    }
    if (ch === 0x23 /* # */) {
      const nl = lineEnd(s, i, end);
      if (nl >= end) out.push({ type: 'c', value: '#' });
      i = nl; continue;
    }
    if (ch === 0x2f /* / */ && s.charCodeAt(i + 1) === 0x2a /* * */) {
      if (s.charCodeAt(i + 2) === 0x21 /* ! */) {
        // MySQL executable comment: its body is SQL. Skip `/*!` and an optional version number.
        i += 3;
        let d = 0;
        while (d < 6 && i < end && CLASS[s.charCodeAt(i)] === C.DIGIT) { i++; d++; }
        continue;
      }
      const close = s.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > end) { out.push({ type: 'c', value: '/*' }); i = end; continue; }
      const prev = out.length > 0 ? out[out.length - 1] : undefined;
      if (prev !== undefined && lastWord === out.length - 1 && i > 0 && (CLASS[s.charCodeAt(i - 1)] ?? 0) !== C.SPACE) prev.commentAdjacent = true;
      i = close + 2; continue;
    }
    if (ch === 0x2a && s.charCodeAt(i + 1) === 0x2f) { i += 2; continue; } // stray `*/` (end of /*! */)
    // Strings.
    if (ch === 0x27 || ch === 0x22) {
      const r = scanString(s, head, i + 1, end, ch, backslashes);
      out.push({ type: 's', value: s.slice(i + 1, r.contentEnd) });
      i = r.next; continue;
    }
    if (ch === 0x60 /* ` */) { // MySQL quoted identifier
      const close = s.indexOf('`', i + 1);
      const stop = close < 0 || close >= end ? end : close;
      const tok: SqlToken = { type: 'b', value: s.slice(i + 1, stop).toUpperCase() };
      if (classify) classifyWord(tok);
      lastWord = out.length;
      out.push(tok);
      i = stop + 1; continue;
    }
    // Numbers.
    if (cls === C.DIGIT || (ch === 0x2e && CLASS[s.charCodeAt(i + 1)] === C.DIGIT)) {
      i = scanNumber(s, i, end);
      out.push({ type: 'n', value: '0' });
      continue;
    }
    // PostgreSQL JSON containment `@>` before variables.
    if (ch === 0x40 && s.charCodeAt(i + 1) === 0x3e) { out.push({ type: '=', value: '@>' }); i += 2; continue; }
    // Variables: @x, @@version, bare @.
    if (ch === 0x40 /* @ */) {
      let j = i + 1;
      if (s.charCodeAt(j) === 0x40) j++;
      while (j < end && (CLASS[s.charCodeAt(j)] === C.WORD || CLASS[s.charCodeAt(j)] === C.DIGIT || s.charCodeAt(j) === 0x2e)) j++;
      out.push({ type: 'v', value: s.slice(i, j) });
      i = j; continue;
    }
    // Words (identifiers, keywords, functions); dots join qualified names.
    if (cls === C.WORD) {
      let j = i + 1;
      while (j < end) {
        const c = s.charCodeAt(j);
        const k = CLASS[c];
        if (k === C.WORD || k === C.DIGIT || c === 0x2e) j++;
        else break;
      }
      // Trailing dots end a sentence, not a qualified name (the first byte is never a dot).
      while (s.charCodeAt(j - 1) === 0x2e) j--;
      const plain = classify && isPlainWord(s, i, j);
      const tok: SqlToken = { type: 'b', value: plain ? s.slice(i, j) : s.slice(i, j).toUpperCase() };
      // Bounded lookahead for a call: blanks then `(`.
      let p = j; let blanks = 0;
      while (p < end && blanks < 64 && CLASS[s.charCodeAt(p)] === C.SPACE) { p++; blanks++; }
      if (s.charCodeAt(p) === 0x28) { tok.callFollows = true; tok.callAdjacent = p === j; }
      else if (s.charCodeAt(p) === 0x2f && s.startsWith('/**/(', p)) tok.callFollows = true;
      if (plain) { if (tok.callFollows === true) tok.type = 'g'; } else if (classify) classifyWord(tok);
      lastWord = out.length;
      out.push(tok);
      i = j; continue;
    }
    // Brackets and punctuation.
    if (ch === 0x28) { out.push({ type: '(', value: '(' }); i++; continue; }
    if (ch === 0x29) { out.push({ type: ')', value: ')' }); i++; continue; }
    if (ch === 0x2c) { out.push({ type: ',', value: ',' }); i++; continue; }
    if (ch === 0x3b) { out.push({ type: ';', value: ';' }); i++; continue; }
    if (ch === 0x7b /* { */) {
      // ODBC escape `{fn expr}`, `{if expr}`, `{d '..'}`: MySQL reads the expression and ignores the
      // identifier after the brace, so skip both (only when a blank follows the identifier).
      i++;
      let j = i;
      while (j < end && CLASS[s.charCodeAt(j)] === C.SPACE) j++;
      let k = j;
      while (k < end && CLASS[s.charCodeAt(k)] === C.WORD) k++;
      if (k > j && k - j <= 3 && CLASS[s.charCodeAt(k)] === C.SPACE) i = k;
      continue;
    }
    if (ch === 0x7d || ch === 0x5c /* \ */) { i++; continue; } // ODBC braces, stray escapes
    // Operators, longest first.
    const two = s.slice(i, i + 2);
    if (two === '||' || two === '&&') { out.push({ type: '&', value: two }); i += 2; continue; }
    if (s.startsWith('<=>', i)) { out.push({ type: '=', value: '<=>' }); i += 3; continue; }
    if (two === '<=' || two === '>=' || two === '<>' || two === '!=' || two === '==') {
      let j = i + 2;
      while (j < end && s.charCodeAt(j) === 0x3d) j++; // `===` and friends
      out.push({ type: two === '<>' || two === '!=' ? '!' : '=', value: two }); i = j; continue;
    }
    if (two === '::') {
      // A PostgreSQL cast names a type: `x::int` is K; anything else (`std::string`, IPv6) stays `o`.
      let j = i + 2;
      while (j < end && CLASS[s.charCodeAt(j)] === C.SPACE) j++;
      let k = j;
      while (k < end && CLASS[s.charCodeAt(k)] === C.WORD) k++;
      if (k > j && k - j <= 12 && CAST_TYPES.has(s.slice(j, k).toUpperCase())) {
        out.push({ type: 'K', value: '::' }); i = k; continue;
      }
      out.push({ type: 'o', value: two }); i += 2; continue;
    }
    if (two === '->' || two === '<@' || two === '?|' || two === '?&') { // JSON operators (PostgreSQL, MySQL)
      i += s.charCodeAt(i + 2) === 0x3e && two === '->' ? 3 : 2;
      out.push({ type: '=', value: two }); continue;
    }
    if (two === ':=' || two === '<<' || two === '>>' || two === '!!') {
      out.push({ type: 'o', value: two }); i += 2; continue;
    }
    if (ch === 0x3d || ch === 0x3c || ch === 0x3e) { out.push({ type: '=', value: s[i] ?? '' }); i++; continue; }
    if ('+-*/%^|&~!?:.'.includes(s[i] ?? '')) { out.push({ type: 'o', value: s[i] ?? '' }); i++; continue; }
    out.push({ type: 'x', value: s[i] ?? '' });
    i++;
  }
  return out;
}

function lineEnd(s: string, i: number, end: number): number {
  const nl = s.indexOf('\n', i);
  return nl < 0 || nl > end ? end : nl + 1;
}

/**
 * Scans a string body from `i` (after the opening quote); handles doubling and backslashes.
 * `head` is `s` cut at `end`. Without backslash escapes the loop below only stops at quotes, so
 * it jumps from quote to quote with indexOf (prose inside a string is long).
 */
function scanString(s: string, head: string, i: number, end: number, q: number, backslash: boolean): { contentEnd: number; next: number } {
  if (!backslash && shortcuts.enabled) {
    const quote = q === 0x22 ? '"' : '\'';
    for (;;) {
      const k = head.indexOf(quote, i);
      if (k < 0) return { contentEnd: Math.min(end, s.length), next: end };
      if (s.charCodeAt(k + 1) === q) { i = k + 2; continue; } // '' doubling (may look at `end`, as below)
      return { contentEnd: k, next: k + 1 };
    }
  }
  while (i < end) {
    const c = s.charCodeAt(i);
    if (backslash && c === 0x5c) { i += 2; continue; }
    if (c === q) {
      if (s.charCodeAt(i + 1) === q) { i += 2; continue; } // '' doubling
      return { contentEnd: i, next: i + 1 };
    }
    i++;
  }
  return { contentEnd: Math.min(end, s.length), next: end };
}

function scanNumber(s: string, i: number, end: number): number {
  const c0 = s.charCodeAt(i);
  const c1 = s.charCodeAt(i + 1) | 0x20;
  if (c0 === 0x30 && (c1 === 0x78 || c1 === 0x62)) { // 0x.., 0b..
    let j = i + 2;
    const hex = c1 === 0x78;
    while (j < end) {
      const c = s.charCodeAt(j);
      if ((c >= 0x30 && c <= 0x39) || (hex && (((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)))) j++;
      else break;
    }
    if (j > i + 2) return j;
  }
  let j = i;
  while (j < end && CLASS[s.charCodeAt(j)] === C.DIGIT) j++;
  if (s.charCodeAt(j) === 0x2e) { j++; while (j < end && CLASS[s.charCodeAt(j)] === C.DIGIT) j++; }
  if ((s.charCodeAt(j) | 0x20) === 0x65) { // exponent
    let k = j + 1;
    if (s.charCodeAt(k) === 0x2b || s.charCodeAt(k) === 0x2d) k++;
    if (CLASS[s.charCodeAt(k)] === C.DIGIT) { j = k; while (j < end && CLASS[s.charCodeAt(j)] === C.DIGIT) j++; }
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Folding

function classifyWord(t: SqlToken): void {
  const w = t.value;
  if (t.callFollows) {
    if (TIME_FUNCS.has(w)) { t.type = 'T'; return; }
    if (DANGEROUS_FUNCS.has(w)) { t.type = 'F'; return; }
    if (FUNCS.has(w)) { t.type = 'f'; return; }
  }
  const kw = WORDS.get(w);
  if (kw !== undefined) {
    // IN ( and EXISTS ( are operators, not calls.
    t.type = kw; return;
  }
  const dot = w.indexOf('.');
  if (dot > 0) {
    const head = w.slice(0, dot);
    if (head === 'INFORMATION_SCHEMA' || head === 'PG_CATALOG') { t.type = 'S'; return; }
    if (head === 'MASTER' || head === 'SYS' || head === 'MYSQL') { t.type = 'k'; return; }
  }
  if (w === 'PG_SLEEP') { t.type = 'T'; return; }
  if (t.callFollows) t.type = 'g';
}

/** Merges multi-word keywords, classifies words, collapses arithmetic and recognises statement heads. */
export function foldSql(raw: readonly SqlToken[]): SqlToken[] {
  return foldTokens(raw, true, false);
}

/**
 * foldSql; `copy` false reuses (mutates) the raw tokens, for the internal path that owns them;
 * `classified` when lex already classified the words.
 */
function foldTokens(raw: readonly SqlToken[], copy: boolean, classified: boolean): SqlToken[] {
  // Pass 1: word classes and multi-word merges.
  const a: SqlToken[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i];
    if (t === undefined) break;
    const tok: SqlToken = copy ? { ...t } : t;
    if (!classified && tok.type === 'b') classifyWord(tok);
    // Guarded reads: a negative index is a slow named-property lookup for V8, not an array read.
    const prev = a.length > 0 ? a[a.length - 1] : undefined;
    if (prev !== undefined) {
      const pv = prev.value; const v = tok.value;
      if (prev.type === 'U' && (v === 'ALL' || v === 'DISTINCT' || v === 'DISTINCTROW')) continue;
      if ((pv === 'ORDER' || pv === 'GROUP') && v === 'BY') { prev.type = 'B'; prev.value = pv + ' BY'; continue; }
      if (pv === 'WAITFOR' && (v === 'DELAY' || v === 'TIME')) { prev.type = 'T'; prev.value = 'WAITFOR ' + v; continue; }
      if (pv === 'INTO' && (v === 'OUTFILE' || v === 'DUMPFILE')) { prev.type = 'O'; prev.value = 'INTO ' + v; continue; }
      if (pv === 'PROCEDURE' && v === 'ANALYSE') { prev.type = 'F'; prev.value = 'PROCEDURE ANALYSE'; continue; }
      if (pv === 'NOT' && tok.type === '=') { prev.type = '!'; prev.value = 'NOT ' + v; continue; }
      if (pv === 'IS' && v === 'NOT') { prev.type = '!'; prev.value = 'IS NOT'; continue; }
      if (pv === 'SOUNDS' && v === 'LIKE') continue;
      if (prev.type === 's' && tok.type === 's') continue; // 'a' 'b' concatenation
      // PostgreSQL jsonb `?` between strings ('{..}' ? 'a') is a comparison.
      if (tok.type === 's' && prev.type === 'o' && pv === '?' && a.length > 1 && a[a.length - 2]!.type === 's') prev.type = '=';
    }
    a.push(tok);
  }
  // Pass 2: collapse arithmetic (n o n -> n) and unary signs (o n at an operand start -> n).
  const b: SqlToken[] = [];
  for (const tok of a) {
    const p1 = b.length > 0 ? b[b.length - 1] : undefined;
    const p2 = b.length > 1 ? b[b.length - 2] : undefined;
    if (tok.type === 'n' && p1 !== undefined && p1.type === 'o' && (isArith(p1.value) || p1.value === '!' || p1.value === '~')) {
      if (p2 !== undefined && p2.type === 'n' && isArith(p1.value)) { b.pop(); continue; }
      if (p2 === undefined || p2.type === '(' || p2.type === '=' || p2.type === '!' || p2.type === '&' || p2.type === ',') {
        b.pop(); b.push(tok); continue;
      }
    }
    b.push(tok);
  }
  // Pass 3: statement heads.
  for (let i = 0; i < b.length; i++) {
    const t = b[i];
    if (t !== undefined && t.type === 'E' && isStrongHead(b, i)) t.type = 'X';
    // BENCHMARK delays only with a count and an expression: `benchmark (2023)` is prose.
    else if (t !== undefined && t.type === 'T' && t.value === 'BENCHMARK' && b[i + 3]?.type !== ',') t.type = 'g';
  }
  return b;
}

function isArith(op: string): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === 'DIV' || op === 'MOD' || op === '^';
}

const SELECT_OPERAND_END = new Set<SqlTokenType>([',', ')', ';', 'c', 'U', '&', '=', '!', 'B', 'O']);

/** What may follow `@v` in DECLARE/SET: an assignment or the end of the declaration. */
const VAR_FOLLOW = new Set<SqlTokenType>(['=', 'o', ',', ';', 'c']);

/** True when the statement keyword at `i` is followed by what makes it unambiguously SQL. */
function isStrongHead(b: readonly SqlToken[], i: number): boolean {
  const head = b[i]?.value ?? '';
  const t1 = b[i + 1];
  const t2 = b[i + 2];
  const t3 = b[i + 3];
  const t4 = b[i + 4];
  const ended = (t: SqlToken | undefined): boolean => t === undefined || t.type === ';' || t.type === 'c';
  if (b[i]?.commentAdjacent === true) return true; // DROP followed by a block comment: an obfuscated keyword
  switch (head) {
    case 'SELECT': {
      if (t1 === undefined) return false;
      if (t1.type === 'f' || t1.type === 'T' || t1.type === 'g' || t1.type === '(' || t1.type === 'v') return true;
      if (t1.type === 'k' && (t1.value === 'DISTINCT' || t1.value === 'TOP' || t1.value === 'DISTINCTROW')) return true;
      if (t1.type === 'n' || t1.type === 's' || (t1.type === 'o' && t1.value === '*')) {
        if (t2 === undefined || SELECT_OPERAND_END.has(t2.type)) return true;
        if (t2.type === 'k' && t2.value === 'FROM') return true;
        return false;
      }
      if (t1.type === 'b' && t2?.type === 'k' && t2.value === 'FROM') {
        // select a from t [where|limit|;|end]
        if (t3 === undefined || (t3.type !== 'b' && t3.type !== 'k' && t3.type !== 'S' && t3.type !== '(')) return false;
        return ended(t4) || t4?.type === 'k' || t4?.type === 'B' || t4?.type === ')' || t4?.type === 'U';
      }
      if (t1.type === 'b' && t2?.type === ',') return t3?.type === 'b' || t3?.type === 'n';
      if (t1.type === 'b' && t2?.type === 'B') return true;
      return false;
    }
    case 'INSERT': return t1?.type === 'k' && t1.value === 'INTO';
    case 'DELETE': // DELETE FROM t [WHERE|;|end]; "delete from my cart" stays weak
      return t1?.type === 'k' && t1.value === 'FROM' && (t2?.type === 'b' || t2?.type === 'S') &&
        (ended(t3) || t3?.type === 'k' || t3?.type === 'B' || t3?.type === ')');
    case 'UPDATE': return t1?.type === 'b' && t2?.value === 'SET';
    case 'DROP': case 'CREATE': case 'ALTER': case 'TRUNCATE': case 'RENAME':
      if (t1 !== undefined && DDL_OBJECTS.has(t1.value)) return true;
      // DROP name;-- : a trailing comment only makes sense in SQL.
      if (t1?.type === 'b' && (t2?.type === 'c' || (t2?.type === ';' && t3?.type === 'c'))) return true;
      return head === 'TRUNCATE' && t1?.type === 'b' && ended(t2);
    case 'EXEC': case 'EXECUTE':
      if (t1 === undefined) return false;
      if (t1.type === 'v' || t1.type === '(' || t1.type === 's' || t1.value === 'IMMEDIATE') return true;
      return t1.value === 'MASTER' || /^(XP_|SP_|MASTER\.)/.test(t1.value);
    case 'DECLARE': // DECLARE @v [type] [= | ; | , | end]; "declare @everyone a winner" stays weak
      return t1?.type === 'v' && (ended(t2) || VAR_FOLLOW.has(t2?.type ?? 'x') ||
        (t2?.type === 'b' && (ended(t3) || t3?.type === '(' || VAR_FOLLOW.has(t3?.type ?? 'x'))));
    case 'SET': return t1?.type === 'v' && (ended(t2) || VAR_FOLLOW.has(t2?.type ?? 'x'));
    case 'SHUTDOWN': return ended(t1);
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

/** A fingerprint rule: a pattern over the folded token types, where it applies, its confidence. */
export interface SqliRule {
  readonly id: string;
  /** Which contexts: 'as-is' or 'quote' (all quote contexts) or 'any'. */
  readonly where: 'as-is' | 'quote' | 'any';
  /** Anchored rules match the prefix fingerprint; unanchored ones search the whole folded stream. */
  readonly anchored: boolean;
  readonly pattern: RegExp;
  /** LOW: high confidence, used at both sensitivities. HIGH: used only at SensitivityLevel HIGH. */
  readonly level: 'LOW' | 'HIGH';
  readonly description: string;
}

// Operand classes used below: [nsvbg] values; [fFT] calls; X statement head; [=!] comparisons.
/** The rule set, in evaluation order. Patterns never nest quantifiers and run on short strings. */
export const SQLI_RULES: readonly SqliRule[] = [
  // Anywhere in the stream (every context).
  { id: 'union-select', where: 'any', anchored: false, pattern: /U\(*[XE]/, level: 'LOW', description: 'UNION [ALL] SELECT' },
  { id: 'stacked-statement', where: 'any', anchored: false, pattern: /;X/, level: 'LOW', description: 'a second statement after ;' },
  { id: 'subquery', where: 'any', anchored: false, pattern: /\(X/, level: 'LOW', description: '(SELECT ...) with a recognisable head' },
  { id: 'time-delay', where: 'any', anchored: false, pattern: /T\(+[nsv]([),]|$)|Ts/, level: 'LOW', description: 'SLEEP(n), BENCHMARK(n, ..), PG_SLEEP(n), WAITFOR DELAY \'..\'' },
  { id: 'file-write', where: 'any', anchored: false, pattern: /Os/, level: 'LOW', description: 'INTO OUTFILE/DUMPFILE \'..\'' },
  // As-is: the input is a whole value (number, identifier) spliced into the query.
  { id: 'statement', where: 'as-is', anchored: true, pattern: /^X/, level: 'LOW', description: 'the value is a SQL statement' },
  { id: 'tautology', where: 'as-is', anchored: true, pattern: /^[nbsv]?\)*&\(*[ns]\)*[=!]\(*[nsv(]/, level: 'LOW', description: '1 OR 1=1, 1) AND (1=2' },
  { id: 'negated-compare', where: 'as-is', anchored: true, pattern: /^[ns]\)*!\(*[ns]/, level: 'LOW', description: '1!=11, 1 IS NOT 2, \'1\' NOT REGEXP \'2\' (always true)' },
  { id: 'logic-call', where: 'as-is', anchored: true, pattern: /^[nbsv]?\)*&\(*[fFTX]/, level: 'LOW', description: '1 AND ascii(..), x OR SLEEP(5)' },
  { id: 'logic-first', where: 'as-is', anchored: true, pattern: /^&\(*[nsv]\)*([=!]|c)/, level: 'LOW', description: 'OR 1=1, XOR 2<, AND 1=(' },
  { id: 'logic-comment', where: 'any', anchored: true, pattern: /&c/, level: 'LOW', description: 'a logic operator cut off by a comment: x\' or-- -' },
  { id: 'clause', where: 'as-is', anchored: true, pattern: /^[nv]\)*B/, level: 'LOW', description: '1 ORDER BY 3, 1 GROUP BY ..' },
  { id: 'in-list', where: 'as-is', anchored: true, pattern: /^=\(n,n/, level: 'LOW', description: 'IN (0,1) as a whole value' },
  { id: 'logic-number', where: 'as-is', anchored: true, pattern: /^&\(*n(o|$)/, level: 'LOW', description: 'OR 88, XOR 5-' },
  { id: 'compare-chain', where: 'as-is', anchored: true, pattern: /^s\)*[=!]\(*s\)*[=!]\(*[ns]/, level: 'LOW', description: '\'{..}\' < \'$.c\' = 7' },
  { id: 'call-condition', where: 'as-is', anchored: true, pattern: /^f\(+[ns][=!]/, level: 'LOW', description: 'IF(2=' },
  { id: 'paren-break', where: 'as-is', anchored: true, pattern: /^\)+[=!&]\(/, level: 'LOW', description: ') LIKE (, ) OR (' },
  // 2026-12-07 revision: a value that is only a known SQL function name and its opening parenthesis
  // (`CHAR(`, `user (`, `SLEEP   (`): a fragment spliced into a query, never a sentence.
  { id: 'call-fragment', where: 'as-is', anchored: true, pattern: /^[fT]\(+$/, level: 'LOW', description: 'ABS(, user (, as the whole value' },
  { id: 'operator-fragment', where: 'as-is', anchored: true, pattern: /^[=!&kE]\(+$/, level: 'LOW', description: 'IN (, VALUES (, OR ( as the whole value' },
  { id: 'logic-value', where: 'as-is', anchored: true, pattern: /^[nv]?\)*&\(*[nsv]($|[=!o);c])/, level: 'HIGH', description: '1 OR 2, OR \'x\'' },
  { id: 'logic-word-compare', where: 'as-is', anchored: true, pattern: /^[nbsv]?\)*&\(*b[=!]/, level: 'HIGH', description: 'x AND col=..' },
  { id: 'call-start', where: 'as-is', anchored: true, pattern: /^[fT]\(+([nsvfF,)]|$)/, level: 'HIGH', description: 'CHAR(, CONCAT(, USER( at the start' },
  { id: 'weak-statement', where: 'as-is', anchored: true, pattern: /^E[bnsvo]k/, level: 'HIGH', description: 'statement keyword, operand, keyword: select x from' },
  { id: 'variable', where: 'as-is', anchored: true, pattern: /^v($|[=!o&)])/, level: 'HIGH', description: '@@version, @x := ..' },
  { id: 'string-compare', where: 'as-is', anchored: true, pattern: /^s\)*[=!]\(*s/, level: 'HIGH', description: '\'a\'=\'b' },
  { id: 'trailing-logic', where: 'as-is', anchored: false, pattern: /o[nb]&\(?$/, level: 'HIGH', description: '/3 or , /x AND (a fragment ending in a logic operator)' },
  // Quote contexts: the first token is the string the input closes.
  { id: 'quote-tautology', where: 'quote', anchored: true, pattern: /^s\)*&\(*[nsvbg]\)*([=!]|c|;)|^s\)*&\(*[ns]$/, level: 'LOW', description: '\' OR 1=1, \' OR \'a\'=\'a, \'or\'a' },
  { id: 'quote-logic-call', where: 'quote', anchored: true, pattern: /^s\)*&\(*[fFTX]/, level: 'LOW', description: '\' AND SLEEP(5), \')) AND (SELECT ..' },
  { id: 'quote-comment', where: 'quote', anchored: true, pattern: /^s\)*;?c/, level: 'LOW', description: 'admin\'--, \');#' },
  { id: 'quote-clause', where: 'quote', anchored: true, pattern: /^s\)*B/, level: 'LOW', description: '\' ORDER BY 1, \' COLLATE ..' },
  { id: 'quote-concat-call', where: 'quote', anchored: true, pattern: /^s\)*[o=!]\(*[fFTX]/, level: 'LOW', description: '\'+SLEEP(5)+\', "=sleep(1)="' },
  { id: 'quote-time', where: 'quote', anchored: true, pattern: /^s\)*T/, level: 'LOW', description: '\') WAITFOR DELAY ..' },
  { id: 'quote-file', where: 'quote', anchored: true, pattern: /^s\)*O/, level: 'LOW', description: '\' INTO OUTFILE' },
  { id: 'quote-stacked', where: 'quote', anchored: true, pattern: /^s\)*;([EX]|$)/, level: 'LOW', description: '\';SELECT x, \';' },
  { id: 'quote-operator-comment', where: 'quote', anchored: true, pattern: /^s\)*[=!o]c/, level: 'LOW', description: '\' = #, \' ? #, \' notnull --' },
  { id: 'quote-logic-word-call', where: 'quote', anchored: true, pattern: /^s\)*&\(*g\([^)]{0,4}\)+(;|c|$)/, level: 'LOW', description: '\' or json (id);, \'and unlikely (id)-- (a call of any function after the quote, then the end)' },
  { id: 'quote-operator-keyword-compare', where: 'quote', anchored: true, pattern: /^s\)*o\(*k[=!]/, level: 'LOW', description: '\' * from = 1 (moved from HIGH: prose has no operator-keyword-comparison right after a quote)' },
  // `10" or 12"`, `parents' and teachers'`: a number or word directly followed by a string or word
  // is not SQL (inch marks, possessives), so those shapes are left out of the weak quote rules.
  { id: 'quote-logic', where: 'quote', anchored: true, pattern: /^s\)*&(?![nb]s|nb)/, level: 'HIGH', description: 'any other logic operator after the quote' },
  { id: 'quote-compare', where: 'quote', anchored: true, pattern: /^s\)*[=!]\(*([svbg]|n(?!b))/, level: 'HIGH', description: '\'=\', \' LIKE \'..' },
  { id: 'quote-semicolon', where: 'quote', anchored: true, pattern: /^s\)*;/, level: 'HIGH', description: '\';' },
  { id: 'quote-union', where: 'quote', anchored: true, pattern: /^s\)*U[^s]/, level: 'HIGH', description: '\' UNION ..' },
  { id: 'quote-statement', where: 'quote', anchored: true, pattern: /^s\)*[EX][bnv(ko]/, level: 'HIGH', description: '\' SELECT, \' ALTER ..' },
  { id: 'quote-operator-call', where: 'quote', anchored: true, pattern: /^s\)*o\(*[gv]/, level: 'HIGH', description: '\'.foo(' },
  // Anywhere again: fragments and evidence that need no particular context (checked after the
  // context rules so a log names the most specific rule).
  { id: 'dangerous-call', where: 'any', anchored: false, pattern: /F\(/, level: 'LOW', description: 'LOAD_FILE(, LO_GET(, EXTRACTVALUE(, XP_CMDSHELL(' },
  { id: 'catalog', where: 'any', anchored: false, pattern: /[kX]S/, level: 'LOW', description: 'FROM information_schema, JOIN pg_catalog..' },
  { id: 'cast', where: 'any', anchored: false, pattern: /[sn)]K/, level: 'LOW', description: '\'{..}\'::jsonb, encode(..)::int (PostgreSQL cast)' },
  { id: 'logic-compare', where: 'any', anchored: false, pattern: /&\(*[ns]\)*[=!]/, level: 'LOW', description: 'AND 7639=(, OR (1=2), || null!= : a condition on literals' },
  { id: 'statement-after-operator', where: 'any', anchored: false, pattern: /[=!&;(,o]X|[=!]\(+E/, level: 'LOW', description: 'x= SET @v, =(SELECT' },
  { id: 'stacked-keyword', where: 'any', anchored: false, pattern: /(^|[=!)]);E/, level: 'LOW', description: ';DROP, =;UPDATE x' },
  { id: 'logic-after-compare', where: 'any', anchored: false, pattern: /(^|[=!])&\(*b[=!](\(|[nsv]|$)/, level: 'LOW', description: 'AND name = \', =|| c == \': a condition fragment' },
  { id: 'case-when', where: 'any', anchored: false, pattern: /W[nsv]\)*W/, level: 'LOW', description: 'WHEN 1 THEN' },
  { id: 'catalog-word', where: 'any', anchored: false, pattern: /S/, level: 'HIGH', description: 'a system catalog name' },
  { id: 'cast-word', where: 'any', anchored: false, pattern: /bK/, level: 'HIGH', description: 'password::int' },
  { id: 'logic-word-compare-any', where: 'any', anchored: false, pattern: /&\(*b[=!](\(|[nsv]|$)/, level: 'HIGH', description: 'AND deleted = 0, || c == \'' },
  { id: 'logic-call-any', where: 'any', anchored: false, pattern: /&\(*[fT]\(/, level: 'HIGH', description: 'OR json_extract(' },
  { id: 'stacked-keyword-any', where: 'any', anchored: false, pattern: /;E/, level: 'HIGH', description: '; update ..' },
  { id: 'case-when-word', where: 'any', anchored: false, pattern: /Wb\)*W/, level: 'HIGH', description: 'WHEN cond THEN' },
];

/** The result of analysing an input: the matching context, fingerprint and rule. */
export interface SqliMatch {
  readonly context: SqlContext;
  /** The folded token types of the context (first 8). */
  readonly fingerprint: string;
  readonly rule: string;
}

function fingerprintOf(tokens: readonly SqlToken[], n: number): string {
  let fp = '';
  for (let i = 0; i < tokens.length && i < n; i++) fp += tokens[i]?.type ?? '';
  return fp;
}

/**
 * The rules that apply to one context kind and level, joined into one alternation for the prefix
 * fingerprint and one for the whole stream: a clean input costs two regex tests per context; only
 * a match walks the rules in order to name the first one.
 */
interface RuleSet { readonly prefix: RegExp; readonly full: RegExp }
function compileRules(asIs: boolean, level: 'LOW' | 'HIGH'): RuleSet {
  const applies = SQLI_RULES.filter((r) => (level === 'HIGH' || r.level === 'LOW') &&
    (r.where === 'any' || (r.where === 'as-is') === asIs));
  const join = (rs: readonly SqliRule[]): RegExp =>
    rs.length === 0 ? /$^/ : new RegExp(rs.map((r) => `(?:${r.pattern.source})`).join('|'));
  return { prefix: join(applies.filter((r) => r.anchored)), full: join(applies.filter((r) => !r.anchored)) };
}
const RULE_SETS = {
  asIsLow: compileRules(true, 'LOW'), asIsHigh: compileRules(true, 'HIGH'),
  quoteLow: compileRules(false, 'LOW'), quoteHigh: compileRules(false, 'HIGH'),
};

function matchContext(input: string, ctx: SqlContext, level: 'LOW' | 'HIGH'): SqliMatch | undefined {
  const quote = ctx === 'as-is' ? undefined : ctx === 'double-quote' ? '"' : '\'';
  const fast = shortcuts.enabled;
  const folded = foldTokens(lex(input, quote, ctx !== 'single-quote-ansi', fast), false, fast);
  const prefix = fingerprintOf(folded, PREFIX_TOKENS);
  const set = ctx === 'as-is' ? (level === 'LOW' ? RULE_SETS.asIsLow : RULE_SETS.asIsHigh)
    : (level === 'LOW' ? RULE_SETS.quoteLow : RULE_SETS.quoteHigh);
  let full: string | undefined;
  if (!set.prefix.test(prefix)) {
    full = folded.length <= PREFIX_TOKENS ? prefix : fingerprintOf(folded, MAX_TOKENS);
    if (!set.full.test(full)) return undefined;
  }
  for (const r of SQLI_RULES) {
    if (r.level === 'HIGH' && level === 'LOW') continue;
    if (r.where === 'as-is' && ctx !== 'as-is') continue;
    if (r.where === 'quote' && ctx === 'as-is') continue;
    const subject = r.anchored ? prefix : (full ??= fingerprintOf(folded, MAX_TOKENS));
    if (r.pattern.test(subject)) return { context: ctx, fingerprint: prefix, rule: r.id };
  }
  return undefined;
}

/** Analyses `input` in every context; the first match, or undefined when it does not look like SQLi. */
export function analyzeSqli(input: string, sensitivity: 'LOW' | 'HIGH' = 'LOW'): SqliMatch | undefined {
  const m = matchContext(input, 'as-is', sensitivity);
  if (m) return m;
  const head = input.length > MAX_SQLI_BYTES ? input.slice(0, MAX_SQLI_BYTES) : input;
  const hasSingle = head.includes('\'');
  if (hasSingle) {
    const q = matchContext(input, 'single-quote', sensitivity);
    if (q) return q;
    if (head.includes('\\')) {
      const a = matchContext(input, 'single-quote-ansi', sensitivity);
      if (a) return a;
    }
  }
  if (head.includes('"')) return matchContext(input, 'double-quote', sensitivity);
  return undefined;
}
