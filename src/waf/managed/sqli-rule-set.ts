/**
 * AWSManagedRulesSQLiRuleSet (200 WCU): SQL injection. The SQLi_* rules use the SqliMatchStatement
 * detector (src/waf/detect) at LOW sensitivity, as AWS documents; the SQLiExtendedPatterns_* rules
 * add patterns the detector does not cover (time-based blind probes, schema discovery, file and
 * command primitives of specific databases).
 */
import { split, field, or, regex, rule, sqli, type Json, type Transform } from './rule-builder.js';
import { defineGroup } from './types.js';

const DEC: Transform[] = ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE'];

/** Database-specific primitives that hardly occur outside an injection. */
const EXTENDED = split('(?i)', [
  '\\b(?:pg_)?sleep\\s*\\(\\s*\\d+(?:\\.\\d+)?\\s*[),]', '\\bbenchmark\\s*\\(\\s*\\d+\\s*,', '\\bwaitfor\\s+(?:delay|time)\\s', 'dbms_(?:pipe\\.receive_message|lock\\.sleep|xmlgen|utility)',
  '\\binformation_schema\\b', '\\bsys(?:\\.|)(?:objects|columns|databases|tables|schemas|users)\\b', '\\bmysql\\.(?:user|db)\\b', '\\bsqlite_(?:master|schema|version)\\b',
  '\\bpg_(?:catalog|shadow|user|tables|read_file|ls_dir)\\b', '\\bload_file\\s*\\(', '\\binto\\s+(?:out|dump)file\\b', '\\bxp_(?:cmdshell|regread|dirtree|fileexist)',
  '\\bsp_(?:executesql|oacreate|configure|makewebtask)\\b', '\\butl_(?:http|inaddr|file)\\.', '@@(?:version|datadir|hostname|basedir)\\b',
  '\\b(?:extractvalue|updatexml)\\s*\\(', '\\bunion\\b[\\s\\S]{0,40}\\bselect\\b[\\s\\S]{0,40}\\b(?:from|null|concat|char|version|user|database)\\b',
  '\\b(?:and|or|having)\\b\\s*\\(?\\s*(?:select\\s+(?:[\\d@*(]|null\\b|[a-z_]+\\s*\\()|if\\s*\\(|case\\s+when\\b|exists\\s*\\()', '\\bconvert\\s*\\(\\s*int\\s*,', '\\bcopy\\s+\\w+\\s+(?:from|to)\\s+program\\b',
  '[\'"`)]\\s*(?:;|\\|\\||&&)\\s*(?:select|insert|update|delete|drop|exec|declare|shutdown|create|alter|truncate)\\b', '\\bchr\\s*\\(\\s*\\d+\\s*\\)\\s*(?:\\|\\||\\+)',
  // SQLite shell dot-commands after a statement or line break (`;\n.shell id`, `1;.sh whoami`, `.databases`).
  '(?:^|[;\\n])\\s*\\.(?:sh(?:ell)?|system|databases|tables|dump|import|output|once|load|read|schema|excel|clone|backup|restore)(?:\\s|$)',
]);

/** Comments only SQL has, read before REPLACE_COMMENTS removes them: optimizer hints, MySQL versioned comments around keywords. */
const EXTENDED_COMMENTS = '(?i)/\\*\\s*\\+\\s*[a-z]|/\\*!\\d{0,6}\\s*(?:select|union|from|where|or|and|having|order|limit|sleep|benchmark)\\b';

/**
 * The extended patterns: the regexes above after comment removal, and SQL-only comment syntax read
 * before it. (The detector at SensitivityLevel HIGH was tried here: +76 CRS stages, but it refused
 * technical prose such as "Don't drop the table; truncate it instead", so it is not used.)
 */
function extended(f: () => Json): Json {
  return or(regex(EXTENDED, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE', 'REPLACE_COMMENTS']), regex(EXTENDED_COMMENTS, f(), ['URL_DECODE_UNI', 'HTML_ENTITY_DECODE']));
}

let p = 0;
const next = (): number => p++;

/** AWSManagedRulesSQLiRuleSet. */
export const sqliRuleSet = defineGroup({
  Name: 'AWSManagedRulesSQLiRuleSet',
  Description: 'Contains rules that allow you to block request patterns associated with exploitation of SQL databases, like SQL injection attacks. This can help prevent remote injection of unauthorized queries.',
  Capacity: 200,
  LabelNamespace: 'awswaf:managed:aws:sql-database:',
  Rules: [
    rule('SQLi_QUERYARGUMENTS', 'SQLi_QueryArguments', next(), sqli(field.allQueryArgs(), DEC)),
    rule('SQLiExtendedPatterns_QUERYARGUMENTS', 'SQLiExtendedPatterns_QueryArguments', next(), extended(field.allQueryArgs)),
    rule('SQLi_BODY', 'SQLi_Body', next(), sqli(field.body(), DEC)),
    rule('SQLiExtendedPatterns_BODY', 'SQLiExtendedPatterns_Body', next(), extended(() => field.body())),
    rule('SQLi_COOKIE', 'SQLi_Cookie', next(), sqli(field.cookies('VALUE'), DEC)),
    rule('SQLi_URIPATH', 'SQLi_URIPath', next(), sqli(field.uriPath(), ['URL_DECODE_UNI'])),
  ],
});
