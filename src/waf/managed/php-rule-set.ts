/**
 * AWSManagedRulesPHPRuleSet (100 WCU): PHP code injection (dangerous functions, superglobals,
 * stream wrappers, object injection) in headers, the query string and the body.
 */
import { alt, split, field, or, regex, rule, type Json, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

/** Functions whose names are not English words: a call is enough. */
const PHP_FUNCTIONS = [
  'fsockopen', 'pfsockopen', 'shell_exec', 'passthru', 'proc_open', 'popen', 'pcntl_exec', 'create_function', 'call_user_func(?:_array)?',
  'preg_replace', 'base64_decode', 'gzinflate', 'gzuncompress', 'gzdecode', 'str_rot13', 'file_get_contents', 'file_put_contents', 'fopen', 'fwrite', 'fputs',
  'include_once', 'require_once', 'phpinfo', 'posix_\\w+', 'move_uploaded_file', 'unserialize', 'highlight_file', 'show_source', 'ini_set', 'ini_get_all',
  'putenv', 'symlink', 'readfile', 'curl_exec', 'get_defined_vars', 'array_map', 'array_filter', 'usort', 'assert_options', 'parse_str',
  'simplexml_load_string', 'php_uname', 'getenv', 'escapeshellcmd', 'hex2bin', 'gzopen', 'bzopen', 'stream_socket_client',
  // 2026-12-07 revision: PHP's extension families (process, directory, network, database, output-buffer,
  // stream and encoding functions) by their PHP-only prefixes, and PHP-only names of file and string primitives.
  '(?:pcntl|proc|ldap|odbc|mysqli?|pg|sqlite|oci|ftp|ssh2|socket|stream|ob|apache|openssl|mcrypt|sodium|zlib|bz|shm|sem|msg|spl|func|ini|gz)_[a-z_]+\\d?',
  'get_defined_(?:vars|functions|constants)', 'get_(?:cfg_var|current_user|include_path|loaded_extensions)', 'getmy(?:uid|gid|pid|inode)', 'getcwd', 'php(?:version|credits)',
  'register_(?:shutdown|tick)_function', 'set_(?:error|exception)_handler', 'file_exists', 'is_(?:writable|writeable|executable|readable)', 'fileperms', 'fileowner', 'filegroup',
  'fpassthru', 'fgetss?', 'fgetc', 'fread', 'fscanf', 'ftruncate', 'tmpfile', 'tempnam', 'scandir', 'opendir', 'readdir', 'dirname', 'realpath', 'chgrp', 'lchown', 'chroot',
  'strrev', 'substr', 'str_replace', 'strtr', 'chr', 'ord', 'convert_uu(?:decode|encode)', 'quoted_printable_decode', 'urldecode', 'rawurldecode', 'bin2hex', 'base64_encode',
  'strip_tags', 'intval', 'is_(?:array|string|numeric|int|object|callable|file|dir|null|bool|resource)', 'var_export', 'debug_zval_dump', 'error_log', 'mb_ereg_replace', 'iconv', 'ereg_replace', 'eregi?', 'preg_(?:match|split|grep)', 'uasort', 'uksort', 'array_walk',
];
/** Functions named like English words (system, exec, eval…): only a call with no space before "(". */
const PHP_WORDS = alt(['system', 'exec', 'eval', 'assert', 'include', 'require', 'mail', 'copy', 'unlink', 'chmod', 'dl', 'header', 'print_r', 'var_dump', 'extract',
  'unpack', 'glob', 'rename']);
/** Names called across a line break or comment (prose may break a line before "(", so no English words). */
const BROKEN_CALL_WORDS = alt(['eval', 'exec', 'assert', 'fopen', 'readfile', 'popen', 'passthru', 'phpinfo', 'chr', 'substr', '[a-z]+_[a-z_]+']);
/** Functions that run code or commands, as a PHP payload names them in a string or brackets to call them indirectly. */
const PHP_EXEC = alt(['system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec', 'eval', 'assert', 'create_function', 'call_user_func', 'phpinfo', 'readfile', 'file_get_contents']);

const PHP = [...split('(?i)\\b', PHP_FUNCTIONS, '\\s*\\('), ...split('(?i)', [
  `(?:^|[^\\w.>$-])${PHP_WORDS}\\(`, `\\b(?:include|require)(?:_once)?\\s*[('"]\\s*(?:https?|ftp|php|data|phar|zip|expect|glob)`,
  '\\$_(?:get|post|cookie|request|server|files|env|session)\\b', '\\$globals\\b', '<\\?(?:php\\b|=|\\s|$)', '\\bphp://(?:input|filter|memory|temp|fd|stdin)',
  '\\b(?:phar|zip|expect|glob|compress\\.zlib|ogg|rar|ssh2\\.\\w+)://', '\\bdata://[\\w/+-]*;base64', '\\b[oc]:\\+?\\d+:"[\\w\\\\]+":\\d+:\\{', '\\ba:\\d+:\\{[sibdaon]:',
  '\\bauto_prepend_file\\b', '\\ballow_url_include\\b', '\\bdisable_functions\\b', '\\bopen_basedir\\b',
  // Template tags that run PHP (`[php]…[/php]`, Smarty's `{php}`), and `<?xml :…`, which is no XML declaration.
  '\\{/?php\\}', '\\[php\\]\\S', '\\[[/\\\\]php\\]', '<\\?xml\\s*:',
  // Names of PHP functions that only serve code execution, decoding or exfiltration, glued to anything
  // and called (`FOOfsockopen()`, `Shell_exec=(…)`).
  `(?:shell_exec|base64_decode|call_user_func(?:_array)?|p?fsockopen|gzinflate|gzuncompress|gzdecode|bzdecompress|zlib_decode|str_rot13|proc_open|pcntl_exec|create_function|move_uploaded_file|file_put_contents|file_get_contents|php_uname|get_defined_vars|curl_exec|curl_init|posix_getpwuid)\\s*=?\\s*\\(`,
  // A function name assembled from strings (`"sys"."tem"`, `('sys' . 'tem')`) and called; an array element called (`…)[0][0](`).
  `['"][a-z_]*['"]\\s*\\.\\s*['"][a-z_]*['"](?:\\s*\\.\\s*['"][a-z_]*['"])*\\s*[)\\]]*\\s*\\(`, '\\(\\s*[a-z_]+\\s*\\.\\s*\\(\\s*[a-z_]+\\s*\\)', '[)\\]]\\s*\\[\\d+\\](?:\\s*\\[\\d+\\])*\\s*\\(',
  // A call split across a line break or a line comment (`eval\r(`, `exec //x\n (`, `exec#\n(`).
  `(?:^|[^\\w.>$-])${BROKEN_CALL_WORDS}(?:\\s*(?:#|//)[^\\n]*\\n|[ \\t]*[\\r\\n\\t\\v\\f])\\s*\\(`,
  // Indirect calls: a function name as a string or in parentheses/brackets, then called (`('system')('id')`,
  // `(system)(ls)`, `"\\x73ystem"(ls)`, `[system][0](ls)`), a variable function `($f)(…)`, `$f('…')`.
  `(?:\\(\\s*['"]?|['"])${PHP_EXEC}\\s*['"]?\\s*\\)?\\s*\\(`, `\\[\\s*['"]?${PHP_EXEC}['"]?\\s*\\]\\s*\\)?\\s*[\\[(]`, `['"](?:\\w|\\\\x[0-9a-f]{2})*\\\\x[0-9a-f]{2}(?:\\w|\\\\x[0-9a-f]{2})*['"]\\s*\\(`,
  '\\(\\s*\\$[a-z_]\\w*\\s*\\)\\s*\\(', '\\$[a-z_]\\w*\\(\\s*[\'"]',
  // A multipart upload whose file name carries a PHP extension, also before another extension or after a blank
  // (`shell.php.jpg`, `x. php5.gif`): what a web shell upload looks like.
  '\\bfilename\\s*=\\s*["\']?[^"\'\\r\\n;]*\\.\\s*(?:php\\d?|phtml|phar|phps|pht)(?:[.\\s"\';]|$)',
  // Variable variables: `${'name'}`, `$ {CONSTANT}`, `${$a}`.
  '\\$\\s*\\{\\s*[\'"$]', '\\$\\s+\\{\\s*\\w',
])];

/** A call whose name and parenthesis are separated by a block comment (exec, a C-style comment, then `(`; read before REPLACE_COMMENTS). */
const COMMENTED_CALL = `(?i)(?:^|[^\\w.>$-])(?:${PHP_WORDS}|${BROKEN_CALL_WORDS})\\s*/\\*.{0,200}?\\*/\\s*\\(`;

const DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE', 'REPLACE_COMMENTS'];

function php(f: () => Json): Json {
  return or(regex(PHP, f(), DEC), regex(COMMENTED_CALL, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']));
}

/** AWSManagedRulesPHPRuleSet. */
export const phpRuleSet = defineGroup({
  Name: 'AWSManagedRulesPHPRuleSet',
  Description: 'Contains rules that block request patterns associated with exploiting vulnerabilities specific to the use of the PHP, including injection of unsafe PHP functions. This can help prevent exploits that allow an attacker to remotely execute code or commands.',
  Capacity: 100,
  LabelNamespace: 'awswaf:managed:aws:php-app:',
  Rules: [
    rule('PHPHighRiskMethodsVariables_HEADER', 'PHPHighRiskMethodsVariables_Header', 0, php(() => field.headers('VALUE'))),
    rule('PHPHighRiskMethodsVariables_QUERYSTRING', 'PHPHighRiskMethodsVariables_QueryString', 1, php(field.queryString)),
    rule('PHPHighRiskMethodsVariables_BODY', 'PHPHighRiskMethodsVariables_Body', 2, php(() => field.body())),
  ],
});
