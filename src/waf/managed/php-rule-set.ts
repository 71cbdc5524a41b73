/**
 * AWSManagedRulesPHPRuleSet (100 WCU): PHP code injection (dangerous functions, superglobals,
 * stream wrappers, object injection) in headers, the query string and the body.
 */
import { alt, split, field, regex, rule, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

/** Functions whose names are not English words: a call is enough. */
const PHP_FUNCTIONS = [
  'fsockopen', 'pfsockopen', 'shell_exec', 'passthru', 'proc_open', 'popen', 'pcntl_exec', 'create_function', 'call_user_func(?:_array)?',
  'preg_replace', 'base64_decode', 'gzinflate', 'gzuncompress', 'gzdecode', 'str_rot13', 'file_get_contents', 'file_put_contents', 'fopen', 'fwrite', 'fputs',
  'include_once', 'require_once', 'phpinfo', 'posix_\\w+', 'move_uploaded_file', 'unserialize', 'highlight_file', 'show_source', 'ini_set', 'ini_get_all',
  'putenv', 'symlink', 'readfile', 'curl_exec', 'get_defined_vars', 'array_map', 'array_filter', 'usort', 'assert_options', 'parse_str',
  'simplexml_load_string', 'php_uname', 'getenv', 'escapeshellcmd', 'hex2bin', 'gzopen', 'bzopen', 'stream_socket_client',
];
/** Functions named like English words (system, exec, eval…): only a call with no space before "(". */
const PHP_WORDS = alt(['system', 'exec', 'eval', 'assert', 'include', 'require', 'mail', 'copy', 'unlink', 'chmod', 'dl', 'header', 'print_r', 'var_dump', 'extract']);

const PHP = [...split('(?i)\\b', PHP_FUNCTIONS, '\\s*\\('), ...split('(?i)', [
  `(?:^|[^\\w.>$-])${PHP_WORDS}\\(`, `\\b(?:include|require)(?:_once)?\\s*[('"]\\s*(?:https?|ftp|php|data|phar|zip|expect|glob)`,
  '\\$_(?:get|post|cookie|request|server|files|env|session)\\b', '\\$globals\\b', '<\\?(?:php\\b|=)', '\\bphp://(?:input|filter|memory|temp|fd|stdin)',
  '\\b(?:phar|zip|expect|glob|compress\\.zlib|ogg|rar|ssh2\\.\\w+)://', '\\bdata://[\\w/+-]*;base64', '\\b[oc]:\\+?\\d+:"[\\w\\\\]+":\\d+:\\{', '\\ba:\\d+:\\{[sibdaon]:',
  '\\bauto_prepend_file\\b', '\\ballow_url_include\\b', '\\bdisable_functions\\b', '\\bopen_basedir\\b',
])];

const DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE', 'REPLACE_COMMENTS'];

/** AWSManagedRulesPHPRuleSet. */
export const phpRuleSet = defineGroup({
  Name: 'AWSManagedRulesPHPRuleSet',
  Description: 'Contains rules that block request patterns associated with exploiting vulnerabilities specific to the use of the PHP, including injection of unsafe PHP functions. This can help prevent exploits that allow an attacker to remotely execute code or commands.',
  Capacity: 100,
  LabelNamespace: 'awswaf:managed:aws:php-app:',
  Rules: [
    rule('PHPHighRiskMethodsVariables_HEADER', 'PHPHighRiskMethodsVariables_Header', 0, regex(PHP, field.headers('VALUE'), DEC)),
    rule('PHPHighRiskMethodsVariables_QUERYSTRING', 'PHPHighRiskMethodsVariables_QueryString', 1, regex(PHP, field.queryString(), DEC)),
    rule('PHPHighRiskMethodsVariables_BODY', 'PHPHighRiskMethodsVariables_Body', 2, regex(PHP, field.body(), DEC)),
  ],
});
