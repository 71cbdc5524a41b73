/**
 * AWSManagedRulesUnixRuleSet (100 WCU): POSIX shell command injection in the query string, body and
 * headers. Our own patterns under AWS's rule names: a command separator or substitution followed
 * by a command whose arguments look like a shell's, shell variables used for obfuscation ($IFS),
 * interpreters and devices addressed by absolute path, and quote/backslash-obfuscated commands.
 */
import { split, field, or, regex, rule } from './rule-builder.js';
import { defineGroup } from './types.js';

/** Commands an injection runs (after a separator). */
const COMMANDS = [
  'cat', 'tac', 'nl', 'ls', 'id', 'whoami', 'uname', 'wget', 'curl', 'nc', 'ncat', 'netcat', 'socat', 'bash', 'sh', 'zsh', 'ksh', 'csh', 'dash',
  'python[23]?', 'perl', 'ruby', 'php', 'lua', 'nslookup', 'ping', 'sleep', 'echo', 'printf', 'chmod', 'chown', 'rm', 'killall',
  'telnet', 'ssh', 'scp', 'tftp', 'base64', 'env', 'printenv', 'ps', 'ifconfig', 'hostname', 'passwd', 'useradd',
  'crontab', 'nohup', 'xterm', 'awk', 'gawk', 'sed', 'find', 'head', 'tail', 'mkfifo', 'busybox', 'xxd',
  'grep', 'egrep', 'tar', 'eval', 'exec', 'sudo', 'systemctl', 'netstat', 'lsof', 'pwd', 'whereis', 'xargs', 'timeout',
  'vi', 'vim', 'openssl', 'gcc', 'jrunscript', 'getent', 'lwp-download', 'uptime', 'dir',
];

/**
 * Shell-looking arguments after the command: a flag, a path, a variable, a redirection, a pipe, a
 * number, another separator or the end of the value. Prose ("; more importantly") does not match.
 */
const SHELL_ARGS = '(?:\\s+(?:-{1,2}\\w|[/~$\\x60{]|\\d)|\\s*(?:$|[;|&\\x60)<>]|\\$\\{?IFS))';

/** Separator (`;`, `|`, `&`, newline, backtick, `$(`) then command then shell arguments. */
const SEPARATED = split('(?i)(?:[;|\\n\\r\\x60]|&&|&\\s|\\$\\(|\\$\\{IFS\\}|\\$IFS)\\s*(?:[\\w./]*/)?(?:\\\\?)', COMMANDS, SHELL_ARGS);

/**
 * Obfuscations and shell-only syntax: $IFS word splitting, absolute paths to interpreters and
 * network devices, brace expansion of a command, variable-slicing tricks, reverse-shell idioms.
 */
const SHELL_SYNTAX = split('(?i)', [
  '\\$\\{?ifs\\b', '/bin/(?:ba|z|k|c|tc|da|fi)?sh\\b', '/usr/bin/(?:env|python[23]?|perl|ruby|php|wget|curl|nc|id|whoami)\\b', '/dev/(?:tcp|udp)/',
  '\\{\\s*(?:cat|ls|id|wget|curl|nc|bash|sh|echo|ping)\\s*,', '\\$\\{[a-z_]+:\\d+:\\d+\\}', '\\$\\(\\s*(?:echo|printf|cat|base64|rev|tr)\\b',
  '\\bbash\\s+-[ic]\\b', '\\bnc(?:at)?\\s+(?:-[a-z]+\\s+)*[\\w.]+\\s+\\d{2,5}\\b', '\\bmkfifo\\s+/tmp/', '\\|\\s*(?:ba)?sh\\b\\s*(?:$|[;&|\\x60])',
  '\\b(?:wget|curl)\\s+[^\\s]*https?://[^\\s]+\\s*(?:-o|-O|\\|)', '\\bchmod\\s+[+0-7]+x?\\s', '\\bsh\\s+-c\\s', '\\bpython[23]?\\s+-c\\s', '\\bperl\\s+-e\\s',
]);

/**
 * Commands with quote/backslash obfuscation removed (CMD_LINE) and reading a system path:
 * `c'a't /etc/passwd`, `ca\\t /etc/passwd` become `cat/etc/passwd`.
 */
const CMDLINE = '(?:^|[\\s;|&\\x60(])(?:cat|tac|nl|more|less|head|tail|ls|cp|mv|rm|chmod|wget|curl|bash|sh|python[23]?|perl|nc|ncat|base64|xxd|od|strings|grep|awk|sed)/(?:etc|bin|usr|tmp|dev|proc|var|home|root|sbin|opt)\\b';

/** One statement for a field: separators, shell syntax, de-obfuscated commands. */
function unix(f: () => Record<string, unknown>): Record<string, unknown> {
  return or(
    regex(SEPARATED, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(SHELL_SYNTAX, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(CMDLINE, f(), ['URL_DECODE_UNI', 'CMD_LINE']),
  );
}

/** AWSManagedRulesUnixRuleSet. */
export const unixRuleSet = defineGroup({
  Name: 'AWSManagedRulesUnixRuleSet',
  Description: 'Contains rules that block request patterns associated with exploiting vulnerabilities specific to POSIX/POSIX-like OS, including LFI attacks. This can help prevent attacks that expose file contents or execute code for which access should not been allowed.',
  Capacity: 100,
  LabelNamespace: 'awswaf:managed:aws:posix-os:',
  Rules: [
    rule('UNIXShellCommandsVariables_QUERYSTRING', 'UNIXShellCommandsVariables_QueryString', 0, unix(field.allQueryArgs)),
    rule('UNIXShellCommandsVariables_BODY', 'UNIXShellCommandsVariables_Body', 1, unix(() => field.body())),
    rule('UNIXShellCommandsVariables_HEADER', 'UNIXShellCommandsVariables_Header', 2, unix(() => field.headers('VALUE'))),
  ],
});
