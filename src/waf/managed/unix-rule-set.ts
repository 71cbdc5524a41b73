/**
 * AWSManagedRulesUnixRuleSet (100 WCU): POSIX shell command injection in the query string, body and
 * headers. Our own patterns under AWS's rule names: a command separator or substitution followed
 * by a command whose arguments look like a shell's, shell variables used for obfuscation ($IFS),
 * interpreters and devices addressed by absolute path, and quote/backslash-obfuscated commands.
 */
import { alt, and, split, field, or, regex, rule } from './rule-builder.js';
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
 * number, another separator or the end of the value. Prose ("; more importantly") does not match, nor
 * a command named in Markdown backticks ("`cat`"): a closing backtick alone is not an argument.
 */
const SHELL_ARGS = '(?:\\s+(?:-{1,2}\\w|[/~$\\x60{]|\\d)|\\s*(?:$|[;|&)<>]|\\$\\{?IFS))';

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

/** Commands whose names are not English words: after a separator, any continuation is enough. */
const STRONG = [
  'whoami', 'uname', 'ifconfig', 'nslookup', 'printenv', 'useradd', 'usermod', 'nohup', 'mkfifo', 'busybox', 'xxd', 'egrep', 'systemctl', 'netstat',
  'lsof', 'whereis', 'xargs', 'jrunscript', 'getent', 'strace', 'ltrace', 'tcpdump', 'visudo', 'pkexec', 'setsid', 'ncat', 'netcat', 'socat', 'gawk',
  'chmod', 'chown', 'wget', 'ssh-\\w+', 'apt-get', 'aptitude', 'dpkg', 'traceroute', 'sqlite3', 'gdb', 'irb', 'c89', 'c99', 'tclsh', 'cpulimit', 'uconv',
];
/** Programs that run another command (`time cmd`, `nohup cmd`, `timeout 5 cmd`). */
const WRAPPERS = alt(['time', 'nohup', 'strace', 'ltrace', 'nice', 'sudo', 'busybox', 'stdbuf', 'timeout\\s+\\d+\\w?', 'env', 'xargs', 'setsid', 'watch', 'exec']);

const SEP = '(?:[;|\\n\\r\\x60]|&&|&\\s|\\$\\()';
/** Further shell-only constructs. */
const SHELL_MORE = [
  ...split(`(?i)${SEP}\\s*(?:[\\w./]*/)?`, STRONG, '\\b'),
  ...split(`(?i)(?:^|${SEP})\\s*${WRAPPERS}\\s+(?:-\\S+\\s+)*`, ['who', ...COMMANDS], '\\b(?:\\s|$)'),
  // A command at the start of a value whose argument is a system path or an IPv4 address.
  ...split('(?i)^\\s*', COMMANDS, '\\s+(?:-{1,2}[\\w-]+\\s+)*(?:/(?:etc|bin|usr|tmp|dev|proc|var|home|root|sbin|opt)\\b|\\d{1,3}(?:\\.\\d{1,3}){3}\\b)'),
  ...split('(?i)', [
  // Globbing in a system path (`/???/c?t /e*/pa[s]swd`), and `c$@at`-style empty expansions inside words.
  '(?:^|[\\s;|&=<>])/[\\w.-]*(?:[?*]|\\[[^\\]/\\s]{1,4}\\])[\\w.?*\\[\\]-]*/', '/(?:etc|s?bin|usr|proc|dev|tmp|var)/[\\w.-]*(?:[?*]|\\[[^\\]/\\s]{1,4}\\])',
  '[a-z](?:\\$[@*!?#-]|\\$\\$|\\$\\(\\)|\\$\\{\\}|\\x60\\x60)[a-z]', '(?:\\w(?:\'\'|"")){2,}',
  // Process substitution, Shellshock, brace expansion, here-strings, `find … -exec`.
  '(?:^|[\\s;|&=])[<>]\\(\\s*\\w[^)]*\\)', '(?:^|[="\'\\s])\\(\\s*\\)\\s*\\{', '\\{,[^\\s{}]+,', '\\{[/$][^\\s{}]*,[^\\s{}]*\\}', '\\w\\s*<<<',
  '\\bfind\\s[^\\n]{0,80}\\s-(?:exec|execdir|delete|fprintf)\\b',
  ]),
];

/** A word broken up by shell quoting (`w'h'o'am'i`, `ti""me`); backslashes are left out: JSON escapes look alike. */
const OBFUSCATED = '(?i)[a-z](?:\'[a-z]*\'|"[a-z]*")[a-z]';
/** …that spells a command once CMD_LINE removes the quoting. */
const DEOBFUSCATED = split('(?:^|[\\s(|&;])', [...STRONG, ...COMMANDS], '(?:\\s|/|$)');

/** One statement for a field: separators, shell syntax, de-obfuscated commands. */
function unix(f: () => Record<string, unknown>): Record<string, unknown> {
  return or(
    regex(SEPARATED, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(SHELL_SYNTAX, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(CMDLINE, f(), ['URL_DECODE_UNI', 'CMD_LINE']),
    regex(SHELL_MORE, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    and(regex(OBFUSCATED, f(), ['URL_DECODE_UNI']), regex(DEOBFUSCATED, f(), ['URL_DECODE_UNI', 'CMD_LINE'])),
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
