/**
 * AWSManagedRulesKnownBadInputsRuleSet (200 WCU): request patterns known to be invalid and tied to
 * exploited vulnerabilities (Java deserialization, Log4Shell, localhost Host, WebDAV PROPFIND,
 * exploitable paths, React Server Components RCE). Our own patterns under AWS's rule names.
 */
import { alt, split, bytes, field, regex, rule, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

/**
 * Java deserialization and expression-language RCE: serialized-object magic (raw, hex, base64),
 * gadget classes, Runtime/ProcessBuilder calls, Spring4Shell's classLoader properties and Spring
 * Cloud Function's routing expression.
 */
const JAVA = split('(?i)', [
  'java\\.lang\\.(?:runtime|processbuilder|reflect|class(?:loader)?\\b|system\\b|thread)',
  'java\\.(?:io\\.(?:file|objectinputstream)|net\\.(?:url|socket)|beans\\.xmldecoder|util\\.scanner)',
  'javax\\.(?:naming|script|management)', 'getruntime\\s*\\(', '\\.getmethod\\s*\\(', '\\.invoke\\s*\\(',
  'processbuilder\\s*\\(', 'class\\.module\\.classloader', '\\bclass\\.classloader', 'classloader\\.resources',
  'spring\\.cloud\\.function\\.routing-expression', '\\bt\\s*\\(\\s*java\\.', 'org\\.apache\\.commons\\.collections',
  'com\\.sun\\.(?:org\\.apache|rowset|jndi)', 'ysoserial', 'rO0AB', 'aced0005', '\\x{ac}\\x{ed}\\x{00}\\x{05}',
  'org\\.springframework\\.(?:context|beans)\\.', 'bsh\\.interpreter', 'ognl\\.ognlcontext', '@java\\.lang', '#_memberaccess',
  // A class of the JDK's I/O, reflection, scripting, RMI or network packages named in full, and the
  // `java.…runtime` / `java.…processbuilder` spellings that reach Runtime.exec.
  '\\bjava\\.(?:io|nio|lang|net|rmi|beans|security|util\\.(?:zip|jar|concurrent)|lang\\.(?:reflect|invoke))\\.[a-z_$][\\w$]*',
  '\\bjava\\.(?:[\\w$]+\\.){0,4}(?:runtime|processbuilder|processimpl)\\b', '\\bsun\\.(?:misc|reflect|rmi|tools)\\.', '\\bjdk\\.(?:internal|jshell)\\.',
  // Frameworks and libraries whose classes are gadget chains or expression evaluators.
  '\\bcom\\.opensymphony\\.xwork2\\b', '\\borg\\.apache\\.(?:struts2?|xalan|bcel|commons\\.(?:beanutils|fileupload|io|configuration)|catalina|tomcat|naming|log4j\\.core\\.lookup)\\.',
  // Package roots of gadget-chain libraries named on their own (`org.apache.commons`, CORBA's `org.omg.CORBA`).
  '\\borg\\.apache\\.commons\\b', '\\borg\\.omg\\.corba\\b',
  '\\borg\\.codehaus\\.groovy\\.', '\\bgroovy\\.(?:lang|util)\\.', '\\borg\\.mozilla\\.javascript\\.', '\\bcom\\.mchange\\.v2\\.c3p0\\.', '\\bcom\\.alibaba\\.fastjson\\.',
  '\\bcom\\.fasterxml\\.jackson\\.databind\\.', '\\borg\\.hibernate\\.(?:engine|tuple|property)\\.', '\\bcom\\.thoughtworks\\.xstream\\.', '\\bnet\\.sf\\.json\\.', '\\borg\\.python\\.core\\.',
]);

/**
 * The Java serialization stream magic (AC ED 00 05, then an object `sr` or block data `w`) and the commons-collections / Groovy gadget
 * class names a deserialization payload carries, as they appear inside base64 text: each at the
 * three byte alignments base64 can start from (the partly-determined edge characters dropped).
 */
function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64').replace(/=+$/, '');
    const start = shift === 0 ? 0 : Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    out.push(enc.slice(start, end));
  }
  return out.filter((f) => f.length >= 6); // shorter forms occur by chance in random tokens
}
const GADGETS = [
  'runtime', 'processbuilder', 'clonetransformer', 'forclosure', 'instantiatefactory', 'instantiatetransformer', 'invokertransformer',
  'prototypeclonefactory', 'prototypeserializationfactory', 'whileclosure', 'chainedtransformer', 'constanttransformer', 'lazymap', 'transformedmap',
  'templatesimpl', 'annotationinvocationhandler', 'badattributevalueexpexception', 'priorityqueue', 'methodclosure', 'convertedclosure', 'getruntime',
];
/**
 * The bare magic AC ED 00 05 at the two unaligned base64 offsets: the fully determined characters
 * (`ztAA`, `s7QAF`) with the neighbours the magic constrains (2 or 4 of their bits), 6 characters each.
 */
const MAGIC_B64_UNALIGNED = ['[Kaq6]ztAA[UVWX]', '[CGKOSWaeimquy26+]s7QAF'];
const SERIALIZED_B64 = split('', [
  ...MAGIC_B64_UNALIGNED,
  ...base64Forms(Buffer.from([0xac, 0xed, 0x00, 0x05, 0x73, 0x72])), ...base64Forms(Buffer.from([0xac, 0xed, 0x00, 0x05, 0x77])),
  ...GADGETS.flatMap((g) => base64Forms(Buffer.from(g))),
]);

/**
 * Log4j lookups (CVE-2021-44228 and friends): `${jndi:`, and the obfuscations that build it from
 * nested lookups (`${${lower:j}ndi:`, `${${::-j}${::-n}di:`, `${env:X:-j}`) or use any Log4j lookup
 * prefix to leak data. Applied after URL and JS decoding.
 */
const LOG4J = `(?i)\\$(?:\\{|&(?:lbrace|lcub);?)\\s*${alt([
  'jndi\\s*:', '\\$\\{', '[^}]{0,40}:-[^}]{0,20}\\}',
  '(?:lower|upper|env|sys|java|base64|date|k8s|docker|main|ctx|web|spring|bundle|log4j|marker|sd|event|map|jvmrunargs|jndi)\\s*:',
  'j[^}]{0,20}\\$\\{',
])}`;

/** Paths of application servers and frameworks that are exploitable when exposed. */
const EXPLOITABLE_PATHS = split('(?i)', [
  '(?:^|/)(?:web|meta)-inf(?:/|$)', '/jmx-console', '/web-console', '/invoker/(?:jmx)?invokerservlet', '/jbossmq-httpil',
  '/jbossws/', '/axis2?(?:-admin)?/', '/(?:\\.git|\\.svn|\\.hg|\\.bzr)(?:/|$)', '/(?:\\.ds_store|\\.idea/|\\.vscode/)',
  '/actuator/(?:env|heapdump|gateway|jolokia|mappings|threaddump|restart|shutdown)', '/jolokia', '/cgi-bin/(?:php|test-cgi|printenv)',
  '/solr/[^/]+/(?:dataimport|config)', '/_ignition/execute-solution', '/vendor/phpunit/.*eval-stdin\\.php', '/\\.env(?:$|\\.)',
  '/owa/auth/x\\.js', '/autodiscover/autodiscover\\.json.*powershell', '/hnap1', '/boaform/', '/setup\\.cgi', '/shell\\?',
]);

/**
 * React Server Components / Next.js server actions deserialization RCE (CVE-2025-55182): a Flight
 * payload whose references walk to `__proto__`, `constructor` or `then` of a chunk.
 */
const REACT_RSC = `(?i)"\\$[0-9a-f@]*[0-9]*:(?:__proto__|constructor|prototype)(?::|")|"\\$@[0-9]+"[^}]{0,200}"then"|"_response"\\s*:\\s*\\{[^}]{0,200}"_formData"`;

const DEC: Transform[] = ['URL_DECODE_UNI'];
const LOG4J_DEC: Transform[] = ['URL_DECODE_UNI', 'JS_DECODE', 'URL_DECODE_UNI', 'HTML_ENTITY_DECODE'];
/** Class names and serialized objects (the base64 forms are case-sensitive, so they are matched separately). */
const JAVA_ALL = [...JAVA, ...SERIALIZED_B64];

let p = 0;
const next = (): number => p++;

/** AWSManagedRulesKnownBadInputsRuleSet. */
export const knownBadInputsRuleSet = defineGroup({
  Name: 'AWSManagedRulesKnownBadInputsRuleSet',
  Description: 'Contains rules that allow you to block request patterns that are known to be invalid and are associated with exploitation or discovery of vulnerabilities. This can help reduce the risk of a malicious actor discovering a vulnerable application.',
  Capacity: 200,
  LabelNamespace: 'awswaf:managed:aws:known-bad-inputs:',
  Rules: [
    rule('JavaDeserializationRCE_HEADER', 'JavaDeserializationRCE_Header', next(), regex(JAVA_ALL, field.headers('ALL'), DEC)),
    rule('JavaDeserializationRCE_BODY', 'JavaDeserializationRCE_Body', next(), regex(JAVA_ALL, field.body(), DEC)),
    rule('JavaDeserializationRCE_URIPATH', 'JavaDeserializationRCE_URIPath', next(), regex(JAVA_ALL, field.uriPath(), DEC)),
    rule('JavaDeserializationRCE_QUERYSTRING', 'JavaDeserializationRCE_QueryString', next(), regex(JAVA_ALL, field.queryString(), DEC)),
    rule('Host_localhost_HEADER', 'Host_Localhost_Header', next(), regex('(?i)^\\s*(?:localhost|localhost\\.localdomain|127(?:\\.\\d{1,3}){3}|0\\.0\\.0\\.0|\\[(?:0*:)*:?0*1\\]|0x7f0*1|2130706433)\\.?(?::\\d+)?\\s*$', field.header('host'))),
    rule('PROPFIND_METHOD', 'Propfind_Method', next(), bytes('PROPFIND', 'EXACTLY', field.method())),
    rule('ExploitablePaths_URIPATH', 'ExploitablePaths_URIPath', next(), regex(EXPLOITABLE_PATHS, field.uriPath(), ['URL_DECODE_UNI', 'NORMALIZE_PATH'])),
    rule('Log4JRCE_HEADER', 'Log4JRCE_Header', next(), regex(LOG4J, field.headers('ALL'), LOG4J_DEC)),
    rule('Log4JRCE_QUERYSTRING', 'Log4JRCE_QueryString', next(), regex(LOG4J, field.queryString(), LOG4J_DEC)),
    rule('Log4JRCE_BODY', 'Log4JRCE_Body', next(), regex(LOG4J, field.body(), LOG4J_DEC)),
    rule('Log4JRCE_URIPATH', 'Log4JRCE_URIPath', next(), regex(LOG4J, field.uriPath(), LOG4J_DEC)),
    rule('ReactJSRCE_BODY', 'ReactJSRCE_Body', next(), regex(REACT_RSC, field.body(), DEC)),
  ],
});
