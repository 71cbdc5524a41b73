/** AWSManagedRulesAdminProtectionRuleSet (100 WCU): requests for administrative pages. */
import { split, field, regex, rule } from './rule-builder.js';
import { defineGroup } from './types.js';

/** Path segments that are, by convention, administration consoles of servers and applications. */
const ADMIN = split('(?i)(?:^|/)', [
  'admin(?:istrator|istration)?', 'admin-?console', 'admin(?:er|cp|panel|area|_area|login|_login|istrat\\w*)', 'adminer[\\w.-]*\\.php', 'admin\\.(?:php|asp|aspx|jsp|cgi|html?)',
  'phpmyadmin[\\w.-]*', 'pma', 'myadmin', 'mysqladmin', 'sqlmanager', 'mysqlmanager', 'sqlweb', 'websql', 'sqladmin', 'phppgadmin', 'pgadmin\\d?', 'dbadmin',
  'manager/(?:html|text|status)', 'host-manager', 'jmx-console', 'web-console', 'wp-admin', 'wp-login\\.php', 'cpanel', 'whm', 'webadmin', 'siteadmin', 'sysadmin',
  'controlpanel', 'server-(?:status|info)', 'solr/admin', '_admin', 'umbraco', 'typo3', 'cms/admin', 'django-admin', 'actuator',
  'nagios\\d?', 'zabbix', 'munin', 'cacti', 'jenkins', 'kibana', 'druid', 'jolokia', 'hudson', 'grafana', 'rabbitmq', 'elmah\\.axd', 'trace\\.axd',
], '(?:/|$|\\?|;|\\.)');

/** AWSManagedRulesAdminProtectionRuleSet. */
export const adminProtectionRuleSet = defineGroup({
  Name: 'AWSManagedRulesAdminProtectionRuleSet',
  Description: 'Contains rules that allow you to block external access to exposed admin pages. This may be useful if you are running third-party software or would like to reduce the risk of a malicious actor gaining administrative access to your application.',
  Capacity: 100,
  LabelNamespace: 'awswaf:managed:aws:admin-protection:',
  Rules: [rule('AdminProtection_URIPATH', 'AdminProtection_URIPath', 0, regex(ADMIN, field.uriPath(), ['URL_DECODE_UNI', 'NORMALIZE_PATH']))],
});
