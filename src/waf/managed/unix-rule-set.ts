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
  'htop', 'lastlog', 'cp', 'mv', 'dd', 'll', 'pkill', 'gunzip', 'zcat', 'zstdcat', 'bzcat', 'xzcat', 'bsdtar',
  'perf', 'pip[23x]?', 'ansible(?:-[a-z]+)?', 'chef-[a-z]+', 'cscli', 'visudo', 'rmt', 'ssh-copy-id', 'uconv', 'hexdump', 'gcc-?\\d[\\w.]*',
];

/** Commands that are also English words: they count only with a switch (`; date -f x`, `kill -9`). */
const WORD_COMMANDS = ['who', 'top', 'date', 'kill', 'strings', 'last', 'set', 'file', 'stat', 'sort', 'cut', 'less', 'more', 'watch', 'mail', 'time', 'make', 'flock'];

/**
 * Shell-looking arguments after the command: a flag, a path, a variable, a redirection, a pipe, a
 * number, another separator or the end of the value. Prose ("; more importantly") does not match, nor
 * a command named in Markdown backticks ("`cat`"): a closing backtick alone is not an argument.
 */
const SHELL_ARGS = '(?:\\s+(?:-{1,2}\\w|[/~$\\x60{]|\\d)|\\s*(?:$|[;|&)<>]|\\$\\{?IFS)|[\'"]\\s*$)';

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
  // Process creation from an interpreter (Node's child_process, process.binding(…).spawn, Ruby's Process.spawn).
  '\\bchild_process\\b', '\\bprocess\\.(?:binding|spawn|dlopen)\\s*\\(', '\\.spawn(?:sync)?\\s*\\(\\s*[\'"](?:/bin/|sh\\b|bash\\b|id\\b|cmd\\b)',
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
  'ansible(?:-[a-z]+)?', 'chef-[a-z]+', 'cscli', 'zstdcat', 'bzcat', 'xzcat', 'gunzip', 'bsdtar', 'lastlog', 'htop', 'pip[23x]', 'python[23](?:\\.\\d+)?',
];
/** Programs that run another command (`time cmd`, `nohup cmd`, `timeout 5 cmd`). */
const WRAPPERS = alt(['time', 'nohup', 'strace', 'ltrace', 'nice', 'sudo', 'busybox', 'stdbuf', 'timeout\\s+\\d+\\w?', 'env', 'xargs', 'setsid', 'watch', 'exec']);

const SEP = '(?:[;|\\n\\r\\x60]|&&|&\\s|\\$\\()';

/**
 * Where a value starts and ends. A query argument or header value is one value; a body serialises
 * several (`a=1&cmd=time sh -c id`, `{"cmd":"…"}`, `<a probe="…"/>`), so there a value also starts
 * after `=`, `&`, a line break, `>` or `: "`, and ends before `&`, a line break or `<`, or at a closing
 * quote followed by a blank, `&`, `<`, `>`, `/`, `,`, `}` or `]`.
 */
interface Bounds { readonly start: string; readonly end: string }
const ONE_VALUE: Bounds = { start: '^[\'"]?', end: '(?:[\'"]?\\s*$)' };
const SERIALISED: Bounds = { start: '(?:(?:^|[=&\\n\\r>])\\s*[\'"]?|:\\s*")', end: '(?:\\s*(?:$|[&\\n\\r<])|[\'"](?:$|[\\s&<>/,}\\]]))' };

/** Further shell-only constructs; `b` places the value-start anchors. */
function shellMore(b: Bounds): string[] {
  return [
    ...split(`(?i)${SEP}\\s*(?:[\\w./]*/)?`, STRONG, '\\b'),
    ...split(`(?i)(?:${b.start}|${SEP}\\s*)['"]?${WRAPPERS}['"]?\\s+(?:-\\S+\\s+)*`, ['who', ...COMMANDS], `\\b(?:\\s|${b.end})`),
    // `kill -9 1`: a signal number is a switch too (quoting the dash changes nothing for the shell).
    `(?i)(?:${b.start}|${SEP}\\s*)p?kill\\s+['"]?-['"]?\\d`,
    // A command at the start of a value whose argument is a system path or an IPv4 address.
    ...split(`(?i)${b.start}`, COMMANDS, '[\'"]?\\s+(?:-{1,2}[\\w-]+\\s+)*(?:~?/(?:etc|bin|usr|tmp|dev|proc|var|home|root|sbin|opt|srv|mnt|boot|lib)\\b|\\d{1,3}(?:\\.\\d{1,3}){3}\\b)'),
    // A tool whose name is no English word, alone or with arguments, as a whole value (`visudo`, `pip3 install x`).
    ...split(`(?i)${b.start}(?:[\\w./]*/)?`, STRONG, `(?:\\s|${b.end})`),
    // A value that is only a separator and a command (`;who`, `|set`, `&aptitude`), or a command escaped from aliases (`\\ls`).
    ...split(`(?i)${b.start}[;|&\\x60]\\s*`, [...STRONG, ...COMMANDS, ...WORD_COMMANDS], `['"]?${b.end}`),
    ...split(`(?i)${b.start}\\\\`, COMMANDS, `(?:\\s|${b.end})`),
    // A command at the start of a value reading an absolute path (`cat /srv/app/x.gz`).
    ...split(`(?i)${b.start}`, COMMANDS, '[\'"]?\\s+(?:-{1,2}[\\w-]+\\s+)*~?/[\\w.-]+/[\\w.-]'),
    // A command, English-looking ones included, followed by a switch after a separator (`;date -f x`).
    ...split(`(?i)(?:${SEP}\\s*['"]?)`, [...COMMANDS, ...WORD_COMMANDS], '[\'"]?\\s+-{1,2}[a-z]'),
    // At a value start only with a long option (`env --version`): `ls -la` or `grep -r x` alone is also what people search for.
    ...split(`(?i)${b.start}`, [...COMMANDS, ...WORD_COMMANDS], '[\'"]?\\s+--[a-z]'),
    ...split('(?i)', [
      // Globbing in a system path (`/???/c?t /e*/pa[s]swd`, `/[e///]tc`), and `c$@at`-style empty expansions inside words.
      '(?:^|[\\s;|&=<>"\'])/[\\w.-]*(?:[?*]|\\[[^\\]/\\s]{1,4}\\])[\\w.?*\\[\\]-]*/', '/(?:etc|s?bin|usr|proc|dev|tmp|var)/[\\w.-]*(?:[?*]|\\[[^\\]/\\s]{1,4}\\])',
      '(?:^|[\\s;|&=<>"\'])/[\\w.-]*\\[[^\\]\\s]{1,16}\\]',
      '[a-z](?:\\$[@*!?#_-]|\\$\\$|\\$\\(\\)|\\$\\{\\}|\\x60\\x60|[<>]\\(\\))[a-z]', '(?:\\w(?:\'\'|"")){2,}',
      // …or ending a command word (`ping\x60\x60 1.2.3.4`, `id$()`), a command glued to an unset variable before its switch (`uname$u -a`).
      '[a-z](?:\\x60\\x60|\\$\\(\\)|\\$\\{\\}|[<>]\\(\\))(?:[\\s;|&]|$)', '\\b(?:sh|bash|uname|cat|ls|id|nc|curl|wget|python[23]?|perl|php|ping|whoami)\\$[a-z_]\\w*\\s+-',
      // A subshell `(sh)`, a Server-Side Include directive (`<!--#exec cmd=…`).
      '\\((?:ba|z|k|da)?sh\\)', '<!--\\s*#\\s*(?:exec|include|echo|config|printenv|set)\\b',
      // Process substitution, Shellshock, brace expansion, here-strings, `find … -exec`.
      '(?:^|[\\s;|&=])[<>]\\(\\s*\\w[^)]*\\)', '(?:^|[="\'\\s])\\(\\s*\\)\\s*\\{', '\\{,[^\\s{}]+,', '\\{[/$][^\\s{}]*,[^\\s{}]*\\}', '\\w\\s*<<<',
      '\\{[\\w$\\\\]+,-{1,2}[a-z]', '\\bfind\\s[^\\n]{0,80}\\s-(?:exec|execdir|delete|fprintf)\\b',
      // Redirection into a system path or between descriptors (`>/tmp/x`, `2>&1`), a variable glued into a system path (`/etc/${a}passwd`).
      '(?:^|[\\s;|&\\x60])\\d?>{1,2}\\s*/(?:tmp|etc|var|dev|home|root|usr|opt|srv)/\\S', '\\b[0-2]>&[0-2]\\b', '/(?:etc|s?bin|usr|proc|dev|tmp|var)/[\\w.-]*\\$[{(\\w]',
      // Command substitution `$(cmd)` (not a jQuery call chain `$(x).y`), arithmetic `$((…))` `$[…]`, parameter
      // expansion with an operator or a nested command (`${x#y}`, `${PATH%/*}`, `${\`id\`}`).
      '\\$\\(\\s*[a-z_./][\\w./-]*(?:\\s[^)]*)?\\)(?:$|[^.\\w])', '\\$\\(\\(', '\\$\\[(?:\\]|[\\d$(\\s])', '\\$\\{[a-z_]\\w*[#%^,]', '\\$\\{\\s*[\\x60$(]',
      // A variable run as a command (`;$a cat x`), variables glued into a word (`$c1$c2$c3`).
      '(?:[;|\\n\\x60]|&&)\\s*\\$[a-z_]\\w*\\s+(?:[a-z/]|\\$[a-z_]\\w*\\$)', '(?:\\$[a-z_]\\w{0,15}){3,}',
      // An editor or debugger escaping to the shell (`vi x +silent\\ \\!id`, `vim -c:\\!pwd`, `gdb -ex \\!id`).
      '\\b(?:vim?|ex|gdb|less|more|man)\\s[^\\n]{0,40}(?:\\\\|:)!\\s*[a-z]',
    ]),
  ];
}

/** A word broken up by shell quoting (`w'h'o'am'i`, `ti""me`); backslashes are left out: JSON escapes look alike. */
const OBFUSCATED = '(?i)[a-z](?:\'[a-z]*\'|"[a-z]*")[a-z]';
/** …that spells a command (or a wrapper running one) once CMD_LINE removes the quoting. */
const DEOBFUSCATED = split('(?:^|[\\s(|&;=])', [...STRONG, ...COMMANDS, 'time', 'nohup', 'strace', 'sudo'], '(?:\\s|/|$)');

/** Separators with arguments, and the end of a serialised value, for the body. */
const SEPARATED_SERIALISED = split('(?i)(?:[;|\\n\\r\\x60]|&&|\\$\\(|\\$\\{IFS\\}|\\$IFS)\\s*(?:[\\w./]*/)?(?:\\\\?)', COMMANDS, `${SERIALISED.end}`);

/** One statement for a field: separators, shell syntax, de-obfuscated commands. */
function unix(f: () => Record<string, unknown>, b: Bounds): Record<string, unknown> {
  return or(
    regex(b === SERIALISED ? [...SEPARATED, ...SEPARATED_SERIALISED] : SEPARATED, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(SHELL_SYNTAX, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
    regex(CMDLINE, f(), ['URL_DECODE_UNI', 'CMD_LINE']),
    regex(shellMore(b), f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']),
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
    rule('UNIXShellCommandsVariables_QUERYSTRING', 'UNIXShellCommandsVariables_QueryString', 0, unix(field.allQueryArgs, ONE_VALUE)),
    rule('UNIXShellCommandsVariables_BODY', 'UNIXShellCommandsVariables_Body', 1, unix(() => field.body(), SERIALISED)),
    rule('UNIXShellCommandsVariables_HEADER', 'UNIXShellCommandsVariables_Header', 2, unix(() => field.headers('VALUE'), ONE_VALUE)),
  ],
});
