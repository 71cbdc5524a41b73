/** AWSManagedRulesWordPressRuleSet (100 WCU): WordPress commands and files that are commonly exploited. */
import { alt, field, regex, rule } from './rule-builder.js';
import { defineGroup } from './types.js';

/** High-risk admin actions of WordPress core and plugins reached through the query string. */
const WP_COMMANDS = `(?i)(?:^|[&?])(?:${alt([
  'do[-_]reset[-_]wordpress', 'action=(?:revslider_show_image|revslider_ajax_action|duplicator_download|update_zb_fbc_code|kiwi_social_share_set_option|wpgdprc_process_action|wp_file_manager|mk_file_folder_manager|uploadFontIcon|wpmf_|upload-attachment&|parse-media-shortcode)',
  'page=(?:wp-file-manager|wpfm|easy-wp-smtp|loginizer)&.*(?:delete|export|import)', 'img=\\.\\./', 'wp_?db_?backup', 'backup_guard_', 'rest_route=/wp/v2/users',
  'author=\\d+', 'wpda_', 'wp-config\\.php', 'plugin=[^&]*\\.\\./',
])})`;

/** WordPress files that are easily abused when reachable (XML-RPC, installer, config backups, logs). */
const WP_PATHS = `(?i)${alt([
  '/xmlrpc\\.php', '/wp-config\\.php(?:\\.\\w+|~|#)?$', '/wp-config\\.(?:bak|old|save|txt|orig|swp)', '/wp-admin/(?:install|setup-config|upgrade)\\.php', '/wp-content/debug\\.log',
  '/wp-content/(?:uploads|plugins|themes)/.*\\.(?:php\\d?|phtml|phar)(?:$|/)', '/wp-includes/[^?]*\\.php$', '/wp-content/backup', '/wp-json/wp/v2/users', '/wp-admin/admin-ajax\\.php.*action=revslider',
])}`;

/** AWSManagedRulesWordPressRuleSet. */
export const wordpressRuleSet = defineGroup({
  Name: 'AWSManagedRulesWordPressRuleSet',
  Description: 'The WordPress Applications group contains rules that block request patterns associated with the exploitation of vulnerabilities specific to WordPress sites.',
  Capacity: 100,
  LabelNamespace: 'awswaf:managed:aws:wordpress-app:',
  Rules: [
    rule('WordPressExploitableCommands_QUERYSTRING', 'WordPressExploitableCommands_QUERYSTRING', 0, regex(WP_COMMANDS, field.queryString(), ['URL_DECODE_UNI'])),
    rule('WordPressExploitablePaths_URIPATH', 'WordPressExploitablePaths_URIPATH', 1, regex(WP_PATHS, field.uriPath(), ['URL_DECODE_UNI', 'NORMALIZE_PATH'])),
  ],
});
