/**
 * AWSManagedRulesCommonRuleSet (the "core rule set", 700 WCU): our own detection behind AWS's rule
 * names and labels. What each rule inspects follows the AWS WAF developer guide; see
 * docs/waf-managed.md.
 */
import { alt, field, not, regex, rule, size, xss, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

const DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'];

/** Scanners and attack tools that announce themselves in User-Agent. */
const BAD_BOTS = alt([
  'nessus', 'nmap', 'nikto', 'sqlmap', 'masscan', 'zgrab', 'dirbuster', 'gobuster', 'dirb/', 'acunetix', 'netsparker',
  'w3af', 'openvas', 'havij', 'wpscan', 'zmeu', 'morfeus', 'webshag', 'nuclei', 'fimap', 'arachni', 'appscan',
  'whatweb', 'bsqlbf', 'commix', 'ffuf', 'feroxbuster', 'wfuzz', 'hydra', 'skipfish', 'pangolin', 'sqlninja',
  'dotdotpwn', 'jorgee', 'paros', 'grabber', 'nsauditor', 'metasploit', 'brutus', 'burpcollaborator', 'xsstrike',
  'jaascois', 'webinspect', 'qualys', 'struts-pwn', 'zollard', 'mozilla/4\\.0 \\(compatible; msie 6\\.0; windows nt 5\\.1\\) pangolin',
]);

/**
 * The link-local instance metadata endpoint in its usual spellings: dotted, decimal, hex, octal,
 * IPv4-mapped IPv6, the IPv6 endpoint and the ECS task metadata address.
 */
const METADATA = alt([
  '169\\.254\\.169\\.254', '169\\.254\\.170\\.2\\b', '\\b2852039166\\b', '0x0*a9\\.?(?:0x)?0*fe\\.?(?:0x)?0*a9\\.?(?:0x)?0*fe',
  '0*251\\.0*376\\.0*251\\.0*376', 'a9fe:a9fe', '169\\.254\\.43518', 'fd00:ec2::254', 'instance-data(?:\\.ec2\\.internal)?[/:]',
  // The same link-local metadata service as other clouds expose it (GCP, Azure, Oracle, Alibaba, DigitalOcean/Equinix paths).
  '/computemetadata/v1', 'metadata\\.google\\.internal/', '//192\\.0\\.0\\.192/', '//100\\.100\\.100\\.200/', 'metadata\\.packet\\.net/',
]);

/** `../` and `..\` path traversal (also `..;/` and repeated dots), or a value that ends in it. */
const TRAVERSAL = '(?:^|[/\\\\;=])\\.\\.+[/\\\\;]|[/\\\\]\\.\\.+$';

/** File extensions of configuration, log, backup and system files. */
const EXTENSIONS = `\\.${alt([
  'log', 'ini', 'bak', 'backup', 'old', 'orig', 'conf', 'config', 'cfg', 'cnf', 'sql', 'swp', 'env', 'htaccess',
  'htpasswd', 'passwd', 'pem', 'key', 'inc', 'dist', 'tmp', 'temp', 'save', 'sav', 'mdb', 'dbf', 'sqlite3?', 'db',
  'dat', 'ctl', 'asa', 'bat', 'cmd', 'sys', 'dll', 'vbs?', 'pol', 'reg', 'ps1', 'sh',
])}(?:$|[~;#])`;
/** …and the same files archived (`backup.sql.zip`, `site.conf.tar.gz`). */
const ARCHIVED = `\\.${alt(['sql', 'db', 'bak', 'backup', 'old', 'dump', 'mdb', 'sqlite3?', 'env', 'conf', 'config', 'ini', 'log', 'passwd', 'htpasswd'])}\\.(?:zip|gz|tgz|tar(?:\\.gz)?|bz2|xz|7z|rar)(?:$|[~;#])`;

/** A URL whose host is an IPv4 address (remote file inclusion), or a file:// URL. */
const RFI = '(?:(?:https?|ftps?|file|gopher|dict|ldap|tftp|sftp|jar):(?://)?(?:[^/@\\s]*@)?\\[?\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|file://|' +
  // An IPv6 literal host, bracketed or not (`http://[2001:db8::1]/x`, `https://2001:db8::1/x`).
  '(?:https?|ftps?|gopher|dict|ldap|tftp|sftp)://(?:\\[[0-9a-f:.]*:[0-9a-f:.]*\\]|[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}/))';
/**
 * A scheme-less host on the loopback or a container host, by name, followed by a path or port
 * (`localhost/`, `host.docker.internal:2375/`, `kubernetes.default.svc/`, `localtest.me/`): the same
 * request forgery as a loopback IPv4 address, and a shape prose does not take, so only as a whole
 * value (query argument) or at the start of a serialised body value. With a scheme it is left alone:
 * `http://localhost:8080/…` is what developers paste into forms.
 */
const LOOPBACK_HOSTS = `${alt([
  'localhost(?:\\.localdomain|4|6)?', 'localhost4\\.localdomain4', 'localhost6\\.localdomain6', 'ip6-(?:localhost|loopback)', 'ipv6-localhost',
  '(?:host|gateway|kubernetes)\\.docker\\.internal', 'host\\.containers\\.internal', 'kubernetes\\.default(?:\\.svc(?:\\.cluster\\.local)?)?', '(?:[\\w-]+\\.)?(?:localtest\\.me|lvh\\.me)',
])}(?::\\d+)?/`;
/** A data: URL of text or an application type as a whole value (what an include reads as code); images are left alone. */
const DATA_URL = '^data:(?:text|application)/[\\w.+-]+(?:[;,]|$)';
/** A value that is a URL (or just a scheme) ending in `?`: the trailing question mark discards what the include appends. */
const RFI_TRUNCATED = '(?i)^(?:https?|ftps?|file)(?:://[^\\s?#]*)?\\?$';

let p = 0;
const next = (): number => p++;

/** AWSManagedRulesCommonRuleSet. */
export const commonRuleSet = defineGroup({
  Name: 'AWSManagedRulesCommonRuleSet',
  Description: 'Contains rules that are generally applicable to web applications. This provides protection against exploitation of a wide range of vulnerabilities, including those described in OWASP publications.',
  Capacity: 700,
  LabelNamespace: 'awswaf:managed:aws:core-rule-set:',
  Rules: [
    rule('NoUserAgent_HEADER', 'NoUserAgent_Header', next(), not(size('GT', 0, field.header('user-agent')))),
    rule('UserAgent_BadBots_HEADER', 'BadBots_Header', next(), regex(`(?i)${BAD_BOTS}`, field.header('user-agent'))),
    rule('SizeRestrictions_QUERYSTRING', 'SizeRestrictions_QueryString', next(), size('GT', 2048, field.queryString())),
    rule('SizeRestrictions_Cookie_HEADER', 'SizeRestrictions_Cookie_Header', next(), size('GT', 10240, field.header('cookie'))),
    rule('SizeRestrictions_BODY', 'SizeRestrictions_Body', next(), size('GT', 8192, field.body('MATCH'))),
    rule('SizeRestrictions_URIPATH', 'SizeRestrictions_URIPath', next(), size('GT', 1024, field.uriPath())),
    rule('EC2MetaDataSSRF_BODY', 'EC2MetaDataSSRF_Body', next(), regex(`(?i)${METADATA}`, field.body(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('EC2MetaDataSSRF_COOKIE', 'EC2MetaDataSSRF_Cookie', next(), regex(`(?i)${METADATA}`, field.cookies('VALUE'), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('EC2MetaDataSSRF_URIPATH', 'EC2MetaDataSSRF_URIPath', next(), regex(`(?i)${METADATA}`, field.uriPath(), ['URL_DECODE_UNI'])),
    rule('EC2MetaDataSSRF_QUERYARGUMENTS', 'EC2MetaDataSSRF_QueryArguments', next(), regex(`(?i)${METADATA}`, field.allQueryArgs(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('GenericLFI_QUERYARGUMENTS', 'GenericLFI_QueryArguments', next(), regex(TRAVERSAL, field.allQueryArgs(), ['URL_DECODE_UNI', 'URL_DECODE_UNI'])),
    rule('GenericLFI_URIPATH', 'GenericLFI_URIPath', next(), regex(TRAVERSAL, field.uriPath(), ['URL_DECODE_UNI', 'URL_DECODE_UNI'])),
    rule('GenericLFI_BODY', 'GenericLFI_Body', next(), regex(TRAVERSAL.replace('[/\\\\;=]', '[/\\\\;=&"\'\\s]'), field.body(), ['URL_DECODE_UNI', 'URL_DECODE_UNI'])),
    rule('RestrictedExtensions_URIPATH', 'RestrictedExtensions_URIPath', next(), regex([`(?i)${EXTENSIONS}`, `(?i)${ARCHIVED}`], field.uriPath(), ['URL_DECODE_UNI'])),
    rule('RestrictedExtensions_QUERYARGUMENTS', 'RestrictedExtensions_QueryArguments', next(), regex([`(?i)^[^\\s]*${EXTENSIONS}`, `(?i)^[^\\s]*${ARCHIVED}`], field.allQueryArgs(), ['URL_DECODE_UNI'])),
    rule('GenericRFI_QUERYARGUMENTS', 'GenericRFI_QueryArguments', next(), regex([`(?i)${RFI}`, RFI_TRUNCATED, `(?i)^\\s*${LOOPBACK_HOSTS}`, `(?i)${DATA_URL}`], field.allQueryArgs(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('GenericRFI_BODY', 'GenericRFI_Body', next(), regex([`(?i)${RFI}`, `(?i)(?:^|[=&>]|:\\s*")\\s*["']?${LOOPBACK_HOSTS}`], field.body(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('GenericRFI_URIPATH', 'GenericRFI_URIPath', next(), regex(`(?i)${RFI}`, field.uriPath(), ['URL_DECODE_UNI'])),
    rule('CrossSiteScripting_COOKIE', 'CrossSiteScripting_Cookie', next(), xss(field.cookies('VALUE'), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
    rule('CrossSiteScripting_QUERYARGUMENTS', 'CrossSiteScripting_QueryArguments', next(), xss(field.allQueryArgs(), DEC)),
    rule('CrossSiteScripting_BODY', 'CrossSiteScripting_Body', next(), xss(field.body(), DEC)),
    rule('CrossSiteScripting_URIPATH', 'CrossSiteScripting_URIPath', next(), xss(field.uriPath(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'])),
  ],
});
