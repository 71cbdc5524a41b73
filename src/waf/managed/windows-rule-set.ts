/**
 * AWSManagedRulesWindowsRuleSet (200 WCU): Windows command shell and PowerShell command injection
 * in cookies, query arguments and the body. Our own patterns under AWS's rule names.
 */
import { alt, split, field, regex, rule, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

/** What a batch `if` runs: a parenthesised block, `@command` or a cmd built-in. */
const BATCH_THEN = `(?:\\(|@|${alt(['echo', 'set', 'goto', 'call', 'cmd', 'del', 'exit', 'start', 'type', 'copy', 'md', 'mkdir', 'cd', 'dir', 'if', 'for', 'rd', 'ren', 'move', 'pause', 'shift'])}\\b)`;

/**
 * cmd.exe: `cmd /c`, a separator followed by a Windows-only command, or an English-looking command
 * (dir, type, ping, net, reg, sc…) with a switch or a Windows path; %COMSPEC%-style variables;
 * system32 paths; LOLBins with download switches.
 */
function windowsCmd(serialised: boolean): string[] {
  // Where a command starts: a separator or the start of the value; in a body (several serialised
  // values) also after `=`, an opening quote or `>` (form, JSON, XML).
  const A = serialised ? '(?:[;&|\\x60\\n\\r=">]|^)' : '(?:[;&|\\x60\\n\\r]|^)';
  const B = serialised ? '(?:^|[;&|(\\n=">])' : '(?:^|[;&|(\\n])';
  return split('(?i)', [
    '\\bcmd(?:\\.exe)?\\s*/[ckr]\\b', '\\bcommand\\.com\\b',
    `${A}\\s*(?:${alt(['nslookup', 'whoami', 'ipconfig', 'systeminfo', 'tasklist', 'taskkill', 'certutil', 'bitsadmin', 'wmic', 'mshta', 'rundll32', 'regsvr32', 'cscript', 'wscript', 'schtasks', 'netstat', 'net1', 'cmd', 'powershell', 'pwsh', 'msiexec', 'vssadmin', 'icacls', 'cacls', 'attrib', 'findstr', 'hostname'])})(?:\\.exe)?(?:$|[\\s;&|<>/^])`,
    `${A}\\s*(?:${alt(['dir', 'type', 'ping', 'net', 'reg', 'sc', 'copy', 'del', 'move', 'echo', 'set', 'ver', 'start', 'call', 'xcopy', 'tree', 'more', 'query', 'shutdown', 'timeout'])})(?:\\.exe)?\\s+(?:[-/%]|\\\\[^"]|[a-z]:\\\\|(?:user|localgroup|view|share|use|session|add|query|delete|config|create)\\b)`,
    '%(?:comspec|systemroot|windir|userprofile|temp|appdata|programfiles|homepath|computername|username|path)%', '[a-z]:\\\\+(?:windows|winnt|boot\\.ini|inetpub|users\\\\[^\\\\]+\\\\appdata)',
    '\\\\(?:windows\\\\)?system32\\\\', '\\bcertutil(?:\\.exe)?\\s+-(?:urlcache|decode|encode)', '\\bbitsadmin(?:\\.exe)?\\s+/transfer',
    '\\bregsvr32(?:\\.exe)?\\s+/s', '\\bmshta(?:\\.exe)?\\s+(?:https?:|javascript:|vbscript:)', '\\brundll32(?:\\.exe)?\\s+\\S+,',
    // Batch control flow: `for [/d|/r|/l|/f ["opts"]] %v in (…) do …` and `if [/i] [not] exist|defined|errorlevel …`
    // or a comparison of %variables% / operands (==, equ, neq, lss, leq, gtr, geq) at the start of a command.
    '\\bfor\\s*(?:/[dlrf]\\s*(?:[a-z]:\\\\\\S*\\s+|"[^"]*"\\s*)?)*%{1,2}\\S\\s+in\\s*\\(',
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+(?:exist|defined|errorlevel|cmdextversion)\\s+\\S+\\s+${BATCH_THEN}`,
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+\\S*(?:%\\S*%|![\\w]+!)\\S*\\s*(?:={2,3}|\\s(?:equ|neq|lss|leq|gtr|geq)\\s)`,
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+[^\\s(]\\S*\\s*={2,3}\\s*\\S*[^\\s:){]\\s+${BATCH_THEN}`,
    // `if [/i] [not] (a equ b) cmd`: the batch comparison operators are no English words.
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+\\(?\\s*\\S+\\s+(?:equ|neq|lss|leq|gtr|geq)\\s+\\S+?\\s*\\)?\\s+${BATCH_THEN}`,
    // `for [/f \"opts\"] %v in (`: any options (escaped quotes included) before the loop variable.
    '\\bfor\\s[^%\\n]{0,80}?%{1,2}[^\\s%]{1,32}\\s+in\\s*\\(',
    // `if a==b cmd` (no blanks around ==, as batch files write it) and comparisons of quoted or bracketed operands.
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+[^\\s=]+==[^\\s=]+\\s+\\S`,
    `${B}\\s*if(?:\\s*/i)?(?:\\s+not)?\\s+(?:"[^"]*"|\\[[^\\]]*\\]|\\([^)]*\\)|\\{[^}]*\\})\\s*==`,
    // Windows-only administration tools after a separator.
    `${A}\\s*(?:${alt(['regedit', 'bcdboot', 'bcdedit', 'diskpart', 'sfc', 'wevtutil', 'fsutil', 'takeown', 'netsh', 'sdelete', 'forfiles', 'auditpol', 'wbadmin', 'cipher', 'robocopy', 'runas'])})(?:\\.exe)?(?:\\s*[/<>-]|\\s+\\S)`,
  ]);
}
const WINDOWS_CMD = windowsCmd(false);
const WINDOWS_CMD_BODY = windowsCmd(true);

/** PowerShell cmdlets and switches that download, execute or decode code. */
const POWERSHELL = split('(?i)', [
  '\\binvoke-(?:expression|webrequest|restmethod|command|item|shellcode|mimikatz|wmimethod)\\b', '\\biex\\s*[(\\[$]', '\\b(?:iwr|irm)\\s+(?:-uri\\s+)?https?:',
  '\\bnew-object\\s+(?:-typename\\s+)?(?:system\\.)?net\\.(?:webclient|sockets)', '\\.download(?:string|file|data)\\s*\\(', '\\bstart-(?:process|bitstransfer|job)\\b',
  '\\bset-(?:executionpolicy|mppreference|itemproperty)\\b', '\\badd-(?:type|mppreference)\\b', '\\bget-(?:wmiobject|ciminstance|process|childitem|content|itemproperty|localuser|acl|service|credential)\\b',
  '\\b(?:powershell|pwsh)(?:\\.exe)?\\b[^\\n]{0,60}?\\s[-/](?:e|ec|en|enc|enco|encodedcommand|nop|noni|noprofile|noninteractive|w|windowstyle|ep|exec|executionpolicy|c|command|f|file)\\b',
  '\\[(?:system\\.)?(?:convert|text\\.encoding|reflection\\.assembly|io\\.compression|runtime\\.interopservices)\\]::', '\\bfrombase64string\\s*\\(',
  '\\$env:(?:comspec|temp|appdata|userprofile|windir|systemroot|path)\\b', '\\bout-file\\b', '\\bremove-item\\b', '\\bcopy-item\\b', '\\bstop-(?:process|service)\\b',
]);

const DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'];
const PS_DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE', 'CMD_LINE'];

/** AWSManagedRulesWindowsRuleSet. */
export const windowsRuleSet = defineGroup({
  Name: 'AWSManagedRulesWindowsRuleSet',
  Description: 'Contains rules that block request patterns associated with exploiting vulnerabilities specific to Windows, (e.g., PowerShell commands). This can help prevent exploits that allow attacker to run unauthorized commands or execute malicious code.',
  Capacity: 200,
  LabelNamespace: 'awswaf:managed:aws:windows-os:',
  Rules: [
    rule('WindowsShellCommands_COOKIE', 'WindowsShellCommands_Cookie', 0, regex(WINDOWS_CMD, field.cookies('VALUE'), DEC)),
    rule('WindowsShellCommands_QUERYARGUMENTS', 'WindowsShellCommands_QueryArguments', 1, regex(WINDOWS_CMD, field.allQueryArgs(), DEC)),
    rule('WindowsShellCommands_BODY', 'WindowsShellCommands_Body', 2, regex(WINDOWS_CMD_BODY, field.body(), DEC)),
    rule('PowerShellCommands_COOKIE', 'PowerShellCommands_Cookie', 3, regex(POWERSHELL, field.cookies('VALUE'), PS_DEC)),
    rule('PowerShellCommands_QUERYARGUMENTS', 'PowerShellCommands_QueryArguments', 4, regex(POWERSHELL, field.allQueryArgs(), PS_DEC)),
    rule('PowerShellCommands_BODY', 'PowerShellCommands_Body', 5, regex(POWERSHELL, field.body(), PS_DEC)),
  ],
});
