/**
 * AWSManagedRulesLinuxRuleSet (200 WCU): local file inclusion of Linux system files, in the path,
 * the query string and the headers. Our own patterns under AWS's rule names.
 */
import { split, field, regex, rule, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

/**
 * Linux files an LFI reads: account and host configuration under /etc, the process pseudo-files
 * under /proc, shell histories and SSH keys, logs used for log poisoning. Applied after URL
 * decoding and path normalisation (so `/etc/./passwd` and `/etc//passwd` are caught); the leading
 * slash is optional because traversal (`../../etc/passwd`) often reaches it relatively.
 */
const PREFIX = '(?i)(?:^|[/\\\\=:"\'\\s])';
/** Files under /etc. */
const ETC = ['passwd', 'shadow', 'group', 'gshadow', 'hosts', 'issue', 'motd', 'crontab', 'sudoers', 'fstab', 'hostname', 'resolv\\.conf', 'environment', 'profile', 'bashrc', 'inittab', 'master\\.passwd', 'security[/\\\\]', 'ssh[/\\\\]', 'ssl[/\\\\]', 'mysql[/\\\\]', 'apache2?[/\\\\]', 'nginx[/\\\\]', 'httpd[/\\\\]', 'php[\\d.]*[/\\\\]', 'cron\\.', 'pam\\.d', 'shells', 'network[/\\\\]', 'redhat-release', 'debian_version', 'os-release', 'lsb-release', 'init\\.d', 'rc\\.d', 'ld\\.so', 'sysconfig', 'netplan', 'systemd[/\\\\]', 'x11[/\\\\]', 'aliases', 'exports', 'modules', 'opt[/\\\\]', 'passwd-', 'shadow-', 'sub[ug]id', 'machine-id', 'login\\.defs', 'nsswitch\\.conf', 'sysctl\\.', 'krb5\\.', 'docker[/\\\\]', 'kubernetes[/\\\\]'];
export const LINUX_FILES = [...split(`${PREFIX}etc[/\\\\]+`, ETC), ...split(PREFIX, [
  'proc[/\\\\]+(?:self|thread-self|\\d+)[/\\\\]+(?:environ|cmdline|fd|maps|mem|status|exe|cwd|root|stat|mounts|net)', 'proc[/\\\\]+(?:version|cpuinfo|meminfo|mounts|net[/\\\\]|sched_debug|kcore|partitions|interrupts|loadavg|uptime|devices|filesystems|swaps|vmstat|zoneinfo|kallsyms|modules|cmdline|config\\.gz|sys[/\\\\]|iomem|ioports|buddyinfo|diskstats|crypto|keys|key-users|timer_list)\\b',
  'var[/\\\\]+(?:log|mail|spool|run[/\\\\]secrets|lib[/\\\\](?:mysql|php))[/\\\\]', 'root[/\\\\]+\\.', '(?:home[/\\\\]+[^/\\\\]+[/\\\\]+)?\\.(?:bash_history|bash_profile|bashrc|zsh_history|ssh[/\\\\]|aws[/\\\\]credentials|docker[/\\\\]|netrc|pgpass|my\\.cnf|mysql_history|gnupg[/\\\\]|kube[/\\\\]config|(?:sh_|python_|psql_|node_repl_|lesshst|viminfo)?history\\b|git-credentials|npmrc|pypirc|config[/\\\\]gcloud)',
  'usr[/\\\\]+(?:local[/\\\\]+)?(?:etc|lib|share|bin|sbin)[/\\\\]', 'dev[/\\\\]+(?:tcp|udp|fd|stdin|stdout|zero|random|urandom|null|shm|mem)\\b', 'sys[/\\\\]+(?:class|kernel|devices|module|firmware|power|fs|bus|block)\\b', 'boot[/\\\\]+(?:grub|vmlinuz|config-)', 'run[/\\\\]+secrets',
])];

const DEC: Transform[] = ['URL_DECODE_UNI', 'URL_DECODE_UNI', 'NORMALIZE_PATH'];

/** AWSManagedRulesLinuxRuleSet. */
export const linuxRuleSet = defineGroup({
  Name: 'AWSManagedRulesLinuxRuleSet',
  Description: 'Contains rules that block request patterns associated with exploitation of vulnerabilities specific to Linux, including LFI attacks. This can help prevent attacks that expose file contents or execute code for which the attacker should not have had access.',
  Capacity: 200,
  LabelNamespace: 'awswaf:managed:aws:linux-os:',
  Rules: [
    rule('LFI_URIPATH', 'LFI_URIPath', 0, regex(LINUX_FILES, field.uriPath(), DEC)),
    rule('LFI_QUERYSTRING', 'LFI_QueryString', 1, regex(LINUX_FILES, field.queryString(), DEC)),
    rule('LFI_HEADER', 'LFI_Header', 2, regex(LINUX_FILES, field.headers('ALL'), DEC)),
  ],
});
