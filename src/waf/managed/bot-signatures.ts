/**
 * The self-identifying bots Bot Control's common level knows, by user-agent token: our own list of
 * publicly documented crawler, library and tool names, each with AWS's category label value and a
 * bot:name value (lower-case, `_` for separators, as AWS's googlebot / pocket_parser). `verify` is
 * the reverse-DNS domain suffixes the operator of the bot documents for verification.
 */

/** AWS's bot:category values (label `bot:category:<value>`) → the rule that handles them. */
export const BOT_CATEGORIES = {
  advertising: 'CategoryAdvertising',
  archiver: 'CategoryArchiver',
  content_fetcher: 'CategoryContentFetcher',
  email_client: 'CategoryEmailClient',
  http_library: 'CategoryHttpLibrary',
  link_checker: 'CategoryLinkChecker',
  miscellaneous: 'CategoryMiscellaneous',
  monitoring: 'CategoryMonitoring',
  scraping_framework: 'CategoryScrapingFramework',
  search_engine: 'CategorySearchEngine',
  security: 'CategorySecurity',
  seo: 'CategorySeo',
  social_media: 'CategorySocialMedia',
  ai: 'CategoryAI',
} as const;
/** A bot category value. */
export type BotCategory = keyof typeof BOT_CATEGORIES;

/** One known bot. */
export interface BotSignature {
  /** Lower-case user-agent token (matched as a substring, longest first). */
  readonly token: string;
  readonly name: string;
  readonly category: BotCategory;
  /** Reverse-DNS suffixes the bot's operator publishes for verification (none: not verifiable by DNS). */
  readonly verify?: readonly string[];
}

const GOOGLE = ['.googlebot.com', '.google.com', '.googleusercontent.com'];
const s = (token: string, name: string, category: BotCategory, verify?: readonly string[]): BotSignature => (verify ? { token, name, category, verify } : { token, name, category });

/** Ordered so that a more specific token is listed before a token it contains. */
export const BOT_SIGNATURES: readonly BotSignature[] = [
  // search engines
  s('googlebot', 'googlebot', 'search_engine', GOOGLE), s('google-inspectiontool', 'google_inspectiontool', 'search_engine', GOOGLE),
  s('storebot-google', 'storebot_google', 'search_engine', GOOGLE), s('googleother', 'googleother', 'search_engine', GOOGLE),
  s('bingbot', 'bingbot', 'search_engine', ['.search.msn.com']), s('bingpreview', 'bingpreview', 'search_engine', ['.search.msn.com']), s('msnbot', 'msnbot', 'search_engine', ['.search.msn.com']),
  s('yahoo! slurp', 'slurp', 'search_engine', ['.crawl.yahoo.net']), s('duckduckbot', 'duckduckbot', 'search_engine'), s('baiduspider', 'baiduspider', 'search_engine', ['.baidu.com', '.baidu.jp']),
  s('yandexbot', 'yandexbot', 'search_engine', ['.yandex.ru', '.yandex.net', '.yandex.com']), s('yandex.com/bots', 'yandexbot', 'search_engine', ['.yandex.ru', '.yandex.net', '.yandex.com']),
  s('applebot', 'applebot', 'search_engine', ['.applebot.apple.com']), s('seznambot', 'seznambot', 'search_engine', ['.seznam.cz']),
  s('yeti/', 'naver', 'search_engine', ['.naver.com']), s('sogou', 'sogou', 'search_engine'), s('exabot', 'exabot', 'search_engine'), s('qwantify', 'qwantify', 'search_engine'),
  s('petalbot', 'petalbot', 'search_engine', ['.petalsearch.com']), s('coccocbot', 'coccocbot', 'search_engine'), s('mojeekbot', 'mojeekbot', 'search_engine'), s('360spider', '360spider', 'search_engine'),
  // AI crawlers and assistants
  s('gptbot', 'gptbot', 'ai'), s('chatgpt-user', 'chatgpt_user', 'ai'), s('oai-searchbot', 'oai_searchbot', 'ai'), s('claudebot', 'claudebot', 'ai'), s('claude-web', 'claude_web', 'ai'),
  s('anthropic-ai', 'anthropic_ai', 'ai'), s('perplexitybot', 'perplexitybot', 'ai'), s('perplexity-user', 'perplexity_user', 'ai'), s('ccbot', 'ccbot', 'ai'), s('bytespider', 'bytespider', 'ai'),
  s('amazonbot', 'amazonbot', 'ai', ['.crawl.amazonbot.amazon']), s('google-extended', 'google_extended', 'ai'), s('cohere-ai', 'cohere_ai', 'ai'), s('diffbot', 'diffbot', 'ai'), s('youbot', 'youbot', 'ai'),
  s('meta-externalagent', 'meta_externalagent', 'ai'), s('imagesiftbot', 'imagesiftbot', 'ai'), s('timpibot', 'timpibot', 'ai'), s('omgili', 'omgili', 'ai'),
  // advertising
  s('adsbot-google', 'adsbot_google', 'advertising', GOOGLE), s('mediapartners-google', 'mediapartners_google', 'advertising', GOOGLE), s('adidxbot', 'adidxbot', 'advertising', ['.search.msn.com']),
  s('amazonadbot', 'amazonadbot', 'advertising'), s('criteobot', 'criteobot', 'advertising'), s('bidswitchbot', 'bidswitchbot', 'advertising'), s('proximic', 'proximic', 'advertising'),
  s('grapeshot', 'grapeshot', 'advertising'), s('adbeat', 'adbeat', 'advertising'),
  // archivers
  s('ia_archiver', 'ia_archiver', 'archiver'), s('archive.org_bot', 'archive_org_bot', 'archiver'), s('heritrix', 'heritrix', 'archiver'), s('wayback', 'wayback', 'archiver'), s('arquivo-web-crawler', 'arquivo', 'archiver'),
  // content fetchers
  s('feedfetcher-google', 'feedfetcher_google', 'content_fetcher', GOOGLE), s('pocketparser', 'pocket_parser', 'content_fetcher'), s('feedly', 'feedly', 'content_fetcher'), s('inoreader', 'inoreader', 'content_fetcher'),
  s('newsblur', 'newsblur', 'content_fetcher'), s('flipboardproxy', 'flipboard', 'content_fetcher'), s('feedbin', 'feedbin', 'content_fetcher'), s('tiny tiny rss', 'tiny_tiny_rss', 'content_fetcher'),
  s('google-read-aloud', 'google_read_aloud', 'content_fetcher', GOOGLE), s('googleproducer', 'googleproducer', 'content_fetcher', GOOGLE), s('outbrain', 'outbrain', 'content_fetcher'),
  // email clients / link scanners in mail
  s('googleimageproxy', 'googleimageproxy', 'email_client', GOOGLE), s('yahoomailproxy', 'yahoomailproxy', 'email_client'), s('barracuda', 'barracuda', 'email_client'),
  s('mimecast', 'mimecast', 'email_client'), s('proofpoint', 'proofpoint', 'email_client'), s('ms office', 'ms_office', 'email_client'),
  // HTTP libraries
  s('python-requests', 'python_requests', 'http_library'), s('python-urllib', 'python_urllib', 'http_library'), s('aiohttp', 'aiohttp', 'http_library'), s('python-httpx', 'httpx', 'http_library'),
  s('curl/', 'curl', 'http_library'), s('wget/', 'wget', 'http_library'), s('go-http-client', 'go_http_client', 'http_library'), s('okhttp', 'okhttp', 'http_library'),
  s('apache-httpclient', 'apache_httpclient', 'http_library'), s('java/', 'java', 'http_library'), s('libwww-perl', 'libwww_perl', 'http_library'), s('lwp::simple', 'libwww_perl', 'http_library'),
  s('node-fetch', 'node_fetch', 'http_library'), s('axios/', 'axios', 'http_library'), s('undici', 'undici', 'http_library'), s('got (https://github.com/sindresorhus/got)', 'got', 'http_library'),
  s('ruby', 'ruby', 'http_library'), s('faraday', 'faraday', 'http_library'), s('guzzlehttp', 'guzzle', 'http_library'), s('php/', 'php', 'http_library'), s('httpie', 'httpie', 'http_library'),
  s('postmanruntime', 'postman', 'http_library'), s('insomnia', 'insomnia', 'http_library'), s('restsharp', 'restsharp', 'http_library'), s('winhttp', 'winhttp', 'http_library'),
  s('powershell', 'powershell', 'http_library'), s('dart:io', 'dart', 'http_library'), s('reqwest', 'reqwest', 'http_library'), s('libcurl', 'curl', 'http_library'), s('http_request2', 'http_request2', 'http_library'),
  // link checkers
  s('w3c-checklink', 'w3c_checklink', 'link_checker'), s('linkchecker', 'linkchecker', 'link_checker'), s('link valet', 'link_valet', 'link_checker'), s('deadlinkchecker', 'deadlinkchecker', 'link_checker'),
  s('brokenlinkcheck', 'brokenlinkcheck', 'link_checker'), s('linkwalker', 'linkwalker', 'link_checker'),
  // monitoring
  s('uptimerobot', 'uptimerobot', 'monitoring'), s('pingdom', 'pingdom', 'monitoring'), s('statuscake', 'statuscake', 'monitoring'), s('site24x7', 'site24x7', 'monitoring'),
  s('newrelicpinger', 'newrelic', 'monitoring'), s('datadog', 'datadog', 'monitoring'), s('amazon-route53-health-check', 'route53_health_check', 'monitoring'), s('elb-healthchecker', 'elb_healthchecker', 'monitoring'),
  s('googlestackdrivermonitoring', 'google_stackdriver', 'monitoring', GOOGLE), s('better uptime', 'better_uptime', 'monitoring'), s('freshping', 'freshping', 'monitoring'), s('checkly', 'checkly', 'monitoring'),
  s('nagios', 'nagios', 'monitoring'), s('zabbix', 'zabbix', 'monitoring'), s('kube-probe', 'kube_probe', 'monitoring'), s('gtmetrix', 'gtmetrix', 'monitoring'), s('chrome-lighthouse', 'lighthouse', 'monitoring'),
  // scraping frameworks
  s('scrapy', 'scrapy', 'scraping_framework'), s('colly', 'colly', 'scraping_framework'), s('nutch', 'nutch', 'scraping_framework'), s('httrack', 'httrack', 'scraping_framework'),
  s('pyspider', 'pyspider', 'scraping_framework'), s('crawler4j', 'crawler4j', 'scraping_framework'), s('mechanize', 'mechanize', 'scraping_framework'), s('beautifulsoup', 'beautifulsoup', 'scraping_framework'),
  s('jsoup', 'jsoup', 'scraping_framework'), s('webcopier', 'webcopier', 'scraping_framework'), s('sitesucker', 'sitesucker', 'scraping_framework'), s('apify', 'apify', 'scraping_framework'),
  s('crawlee', 'crawlee', 'scraping_framework'), s('webzip', 'webzip', 'scraping_framework'), s('teleport pro', 'teleport_pro', 'scraping_framework'), s('newspaper', 'newspaper', 'scraping_framework'),
  // security scanners
  s('nessus', 'nessus', 'security'), s('nikto', 'nikto', 'security'), s('sqlmap', 'sqlmap', 'security'), s('nmap', 'nmap', 'security'), s('masscan', 'masscan', 'security'), s('zgrab', 'zgrab', 'security'),
  s('censysinspect', 'censys', 'security'), s('expanse', 'expanse', 'security'), s('qualys', 'qualys', 'security'), s('acunetix', 'acunetix', 'security'), s('wpscan', 'wpscan', 'security'),
  s('nuclei', 'nuclei', 'security'), s('openvas', 'openvas', 'security'), s('burp', 'burp', 'security'), s('zaproxy', 'zap', 'security'), s('detectify', 'detectify', 'security'), s('internetmeasurement', 'internet_measurement', 'security'),
  s('shodan', 'shodan', 'security'), s('leakix', 'leakix', 'security'), s('paloaltonetworks', 'palo_alto_networks', 'security'),
  // SEO
  s('ahrefsbot', 'ahrefsbot', 'seo'), s('ahrefssiteaudit', 'ahrefssiteaudit', 'seo'), s('semrushbot', 'semrushbot', 'seo'), s('siteauditbot', 'semrush_siteaudit', 'seo'), s('mj12bot', 'mj12bot', 'seo'),
  s('dotbot', 'dotbot', 'seo'), s('rogerbot', 'rogerbot', 'seo'), s('screaming frog', 'screaming_frog', 'seo'), s('serpstatbot', 'serpstatbot', 'seo'), s('blexbot', 'blexbot', 'seo'),
  s('dataforseobot', 'dataforseobot', 'seo'), s('seokicks', 'seokicks', 'seo'), s('barkrowler', 'barkrowler', 'seo'), s('linkdexbot', 'linkdexbot', 'seo'), s('sistrix', 'sistrix', 'seo'),
  // social media
  s('facebookexternalhit', 'facebookexternalhit', 'social_media'), s('facebookcatalog', 'facebookcatalog', 'social_media'), s('twitterbot', 'twitterbot', 'social_media'), s('linkedinbot', 'linkedinbot', 'social_media'),
  s('slackbot', 'slackbot', 'social_media'), s('slack-imgproxy', 'slack_imgproxy', 'social_media'), s('discordbot', 'discordbot', 'social_media'), s('telegrambot', 'telegrambot', 'social_media'),
  s('whatsapp/', 'whatsapp', 'social_media'), s('pinterestbot', 'pinterestbot', 'social_media'), s('redditbot', 'redditbot', 'social_media'),
  s('skypeuripreview', 'skypeuripreview', 'social_media'), s('mastodon', 'mastodon', 'social_media'), s('embedly', 'embedly', 'social_media'), s('vkshare', 'vkshare', 'social_media'),
];

/**
 * Self-declared automation without a known name (category miscellaneous, no bot:name): the words
 * crawler/spider, a product token ending in `bot/`, a lone `bot` word, or a `+http…` contact URL.
 * (Checked after the named bots; `\bbot\b` spares phone models such as "CUBOT".)
 */
export const MISC_BOT = /crawler|spider|[a-z0-9]bot\/|\bbot\b|\+https?:\/\//i;
