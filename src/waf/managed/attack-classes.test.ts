/**
 * Attack classes the managed groups cover (2026-12-07 detection revision, issue 6): for each class, a
 * few attacks written for this file (not taken from any test suite) in the request part the AWS
 * rule inspects, and benign look-alikes in the same part that must pass. Every rule named here must
 * be the one that matches, so a class cannot pass by accident through another group.
 */
import { describe, expect, it } from 'vitest';
import { aclWith, groupRule, req, type ReqInit } from './test-helpers.js';
import { managedRuleGroups } from './index.js';

const enc = encodeURIComponent;
const q = (v: string): ReqInit => ({ target: `/search?x=${enc(v)}` });
const form = (v: string): ReqInit => ({ method: 'POST', target: '/submit', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `name=Sam&comment=${enc(v)}` });
const json = (v: string): ReqInit => ({ method: 'POST', target: '/api/items', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 7, note: v }) });
const xml = (v: string): ReqInit => ({
  method: 'POST', target: '/api/xml', headers: { 'Content-Type': 'application/xml' },
  body: `<?xml version="1.0"?><order><item note="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"/></order>`,
});
const header = (v: string): ReqInit => ({ target: '/', headers: { 'X-Custom-Note': v } });
const path = (p: string): ReqInit => ({ target: p });

/** All groups counting, so every matching rule is reported. */
function matched(group: string, init: ReqInit): string[] {
  const g = managedRuleGroups.get(`AWS:${group}`)!;
  const d = aclWith([groupRule(group, 0, { ExcludedRules: g.Rules.map((r) => ({ Name: r['Name'] })) })]).evaluate(req(init));
  return d.ruleGroupList.flatMap((x) => x.nonTerminatingMatchingRules.map((m) => m.ruleId));
}

interface ClassCase { readonly group: string; readonly rule: string; readonly attacks: readonly ReqInit[]; readonly benign: readonly ReqInit[] }

const UNIX = 'AWSManagedRulesUnixRuleSet';
const PHP = 'AWSManagedRulesPHPRuleSet';
const WIN = 'AWSManagedRulesWindowsRuleSet';
const CORE = 'AWSManagedRulesCommonRuleSet';
const LINUX = 'AWSManagedRulesLinuxRuleSet';
const SQL = 'AWSManagedRulesSQLiRuleSet';

const CLASSES: Record<string, ClassCase> = {
  'wrapper command at the start of a body value (form, JSON, XML)': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_BODY',
    attacks: [form('nohup nc -lp 4444'), json('time id'), xml('strace uname -a'), form("'nice' whoami")],
    benign: [form('time flies when you are having fun'), json('Nice weather; a trace of smoke in the sky'), xml('sudo is a word I use too much')],
  },
  'a tool with no English name as a whole value': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_QUERYSTRING',
    attacks: [q('ifconfig'), q('whoami'), q('pip3 install requests-toolbelt'), q('ansible-playbook deploy.yml')],
    benign: [q('my ifconfig output looks odd'), q('who am i'), q('pip and the giant peach')],
  },
  'a command with a switch after a separator, English-looking names included; a long option at a value start': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_BODY',
    attacks: [form('x; date -f /tmp/x'), form('ok;kill -9 1'), form("';top -b'"), json('env --version'), form('perf --help')],
    benign: [form('Save the date - see you in May'), form('Our top - and only - priority'), json('kill time; sort things out'), form('ls -la'), json('grep -r "TODO" .')],
  },
  'command substitution, arithmetic and parameter expansion': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_QUERYSTRING',
    attacks: [q('$(reboot)'), q('$((1+1))'), q('$[7*7]'), q('${HOME#/}'), q('x${`hostname`}')],
    benign: [q('$(document).ready(init)'), q('costs $5 (approx)'), q('${total} items in cart')],
  },
  'globbing inside a bracket of a system path': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_QUERYSTRING',
    attacks: [q('/[e]tc/host[s]'), q('tail /va[r]/log/syslog'), q('/u[s/]r/bin')],
    benign: [q('array a[1] and b[2]'), q('see note [1]/[2]'), q('page[3]')],
  },
  'empty expansions and glued variables inside a word': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_HEADER',
    attacks: [header('wh$_oami'), header('ho<()stname'), header('$x1$x2$x3'), header('a;$cmd arg')],
    benign: [header('price $5 or $6'), header('A$AP Rocky'), header('US$ and AU$ rates')],
  },
  'redirection into system paths and variables glued into them': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_BODY',
    attacks: [form('id >/tmp/o'), form('sh -i 2>&1'), form('cat /etc/${x}shadow'), json('more /var/$(echo)log')],
    benign: [form('3 > 2 and 2>1'), form('price >$20 /tmp is fine'), json('see /etc and $HOME')],
  },
  'an editor or debugger escaping to a shell': {
    group: UNIX, rule: 'UNIXShellCommandsVariables_BODY',
    attacks: [form('x; vim -c :!id'), form('gdb -batch -ex \\!id')],
    benign: [form('I prefer vim! It is fast.'), form('More, please!Thanks')],
  },
  'PHP: short open tags and template tags': {
    group: PHP, rule: 'PHPHighRiskMethodsVariables_QUERYSTRING',
    attacks: [q('<? system("id");'), q('{php}echo 1;{/php}'), q('[php]echo 1;[/php]')],
    benign: [q('<?xml version="1.0"?>'), q('is this php? yes'), q('[PHP] forum tag')],
  },
  'PHP: extension functions and calls split by comments or line breaks': {
    group: PHP, rule: 'PHPHighRiskMethodsVariables_BODY',
    attacks: [form('posix_getpwnam("root")'), form('ldap_search($c)'), form('eval\t($x)'), form('exec/*a*/("id")'), form('file_exists ("/etc")')],
    benign: [form('The file exists (I checked)'), form('the eval of\n(this) task'), form('exec summary (draft)')],
  },
  'PHP: indirect calls and variable variables': {
    group: PHP, rule: 'PHPHighRiskMethodsVariables_QUERYSTRING',
    attacks: [q("('exec')('id')"), q('(system)(id)'), q('"\\x73ystem"("id")'), q('($fn)("id")'), q("${'x'}"), q('$ {y}')],
    benign: [q('(a)(b) and (c)'), q('Section 3(a)(ii)'), q('"hello" (quietly)'), q('[system] message')],
  },
  'PHP: a multipart upload named like a PHP script': {
    group: PHP, rule: 'PHPHighRiskMethodsVariables_BODY',
    attacks: [
      { method: 'POST', target: '/upload', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="f"; filename="avatar.php.png"\r\n\r\nx\r\n--b--' },
      { method: 'POST', target: '/upload', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="f"; filename="cv. phtml"\r\n\r\nx\r\n--b--' },
    ],
    benign: [
      { method: 'POST', target: '/upload', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="f"; filename="photo.png"\r\n\r\nx\r\n--b--' },
      form('my filename is report.pdf; the php version is 8.3'),
    ],
  },
  'Windows batch: comparison operators and loop options': {
    group: WIN, rule: 'WindowsShellCommands_QUERYARGUMENTS',
    attacks: [q('if (1 lss 2) echo x'), q('if a gtr b del x'), q('for /f \\"skip=1\\" %a in (x) do y')],
    benign: [q('if you need more, call us'), q('good for 100% in (most) cases'), q('for each item in (the list) do this')],
  },
  'RFI: IPv6 hosts, no slashes, a trailing question mark': {
    group: CORE, rule: 'GenericRFI_QUERYARGUMENTS',
    attacks: [q('http://[2001:db8::5]/x.txt'), q('https://2001:db8:0:1::5/s'), q('http:10.1.2.3/a'), q('ftp://files.example.net/x?')],
    benign: [q('https://example.com/page?x=1'), q('see http: the protocol'), q('https://www.example.org/')],
  },
  'loopback and container hosts by name, text data: URLs, as whole values': {
    group: CORE, rule: 'GenericRFI_QUERYARGUMENTS',
    attacks: [q('localhost/admin'), q('host.docker.internal:2375/containers/json'), q('kubernetes.default.svc/api'), q('data:text/html,hi')],
    benign: [q('http://localhost:8080/api/v1/users'), q('run it on localhost'), q('localhost'), q('data:image/png;base64,iVBORw0KGgo='), q('data: the new oil')],
  },
  'loopback hosts at the start of a serialised body value': {
    group: CORE, rule: 'GenericRFI_BODY',
    attacks: [form('localhost/server-status'), json('ip6-localhost/x')],
    benign: [form('open localhost/admin in a browser'), json('http://localhost:3000/')],
  },
  'instance metadata of other clouds': {
    group: CORE, rule: 'EC2MetaDataSSRF_QUERYARGUMENTS',
    attacks: [q('http://metadata.google.internal/computeMetadata/v1/project'), q('http://100.100.100.200/latest/meta-data/')],
    benign: [q('the metadata of google photos'), q('https://metadata.example.com/v1')],
  },
  'archived backups and configuration': {
    group: CORE, rule: 'RestrictedExtensions_URIPATH',
    attacks: [path('/files/site.sql.gz'), path('/dl/nginx.conf.tar.gz')],
    benign: [path('/files/site-sql-guide.pdf'), path('/dl/archive.zip')],
  },
  'more Linux system files': {
    group: LINUX, rule: 'LFI_QUERYSTRING',
    attacks: [q('/etc/subgid'), q('../../proc/loadavg'), q('/sys/fs'), q('~/.python_history'), q('/home/u/.docker/config.json')],
    benign: [q('system class notes'), q('jquery.history.js'), q('process/loadavg explained')],
  },
  'time-delay calls and SQL-only comments, not prose about sleep or benchmarks': {
    group: SQL, rule: 'SQLiExtendedPatterns_QUERYARGUMENTS',
    attacks: [q('x)) or sleep(5)#'), q('benchmark(5000000,md5(1))'), q('9 or /*+ no_index(t) */ 1'), q('/*!50000union*/ x')],
    benign: [q('I would sleep (8 hours) if I could'), q('The benchmark (2023) shows gains'), q('see footnote /* + */ above')],
  },
  'SQLite shell dot-commands': {
    group: SQL, rule: 'SQLiExtendedPatterns_QUERYARGUMENTS',
    attacks: [q('1;.shell id'), q('x\n.tables'), q('.databases')],
    benign: [q('version 1.2.shell'), q('end. Tables are set'), q('see .dump file')],
  },
  'SQL injection inside one form field, JSON value or XML attribute': {
    group: SQL, rule: 'SQLi_BODY',
    attacks: [form("x' OR 'a'='a"), json('1 OR 1=1'), xml("1' UNION SELECT password FROM users--")],
    benign: [form("O'Neil or O'Brien"), json("Don't select the first option"), xml("It's a union of two teams")],
  },
};

describe.each(Object.entries(CLASSES))('%s', (_name, c) => {
  it.each(c.attacks.map((a) => [JSON.stringify(a.body ?? a.target ?? a.headers), a] as const))(`${c.rule} matches %s`, (_label, a) => {
    expect(matched(c.group, a)).toContain(c.rule);
  });
  it.each(c.benign.map((b) => [JSON.stringify(b.body ?? b.target ?? b.headers), b] as const))('%s passes the group', (_label, b) => {
    expect(matched(c.group, b)).toEqual([]);
  });
});
