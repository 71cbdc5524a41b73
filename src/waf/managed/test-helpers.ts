/** Test-only helpers: requests as the proxy would present them, and web ACLs using managed groups. */
import { detectors } from '../detect/index.js';
import { compileWebAcl, MemoryRateCounter, type CompiledWebAcl, type InspectedRequest } from '../engine/index.js';
import { resolveManagedRuleGroup, setIpList, type IpListName } from './index.js';
import type { Json } from './rule-builder.js';

/** Browser-like headers (Host example.com) unless overridden. */
export const BROWSER_HEADERS: readonly (readonly [string, string])[] = [
  ['Host', 'shop.example.com'],
  ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['Accept-Language', 'en-GB,en;q=0.9,fr;q=0.8'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Referer', 'https://shop.example.com/products?page=2'],
  ['Cookie', 'session=3f9a1c2e7b; theme=dark; _ga=GA1.2.1234567890.1700000000'],
];

/** Options of req(). Strings are UTF-8 text; the request carries their bytes. */
export interface ReqInit {
  method?: string;
  /** Path with optional ?query, as sent (percent-encoded). */
  target?: string;
  /** Headers replacing BROWSER_HEADERS entries of the same name (value undefined removes it). */
  headers?: Record<string, string | undefined>;
  body?: string;
  /** Client IP (default 203.0.113.7, on no test list). */
  clientIp?: string;
}

const bs = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Builds an InspectedRequest. */
export function req(init: ReqInit = {}): InspectedRequest {
  const target = bs(init.target ?? '/');
  const q = target.indexOf('?');
  const over = init.headers ?? {};
  const lower = new Map(Object.entries(over).map(([k, v]) => [k.toLowerCase(), v] as const));
  const headers: [string, string][] = [];
  for (const [k, v] of BROWSER_HEADERS) if (!lower.has(k.toLowerCase())) headers.push([k, v]);
  for (const [k, v] of Object.entries(over)) if (v !== undefined) headers.push([k, bs(v)]);
  const body = Buffer.from(init.body ?? '', 'utf8');
  return {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    uriPath: q < 0 ? target : target.slice(0, q),
    queryString: q < 0 ? '' : target.slice(q + 1),
    uriFragment: '',
    httpVersion: 'HTTP/1.1',
    headers,
    body,
    bodySize: body.length,
    bodyOversize: false,
    clientIp: init.clientIp ?? '203.0.113.7',
    timeMs: 1_700_000_000_000,
  };
}

/** IPs the test cases use, per list (TEST-NET-2 and the documentation IPv6 prefix). */
export const TEST_IP_LISTS: Readonly<Record<IpListName, readonly string[]>> = {
  AWSManagedIPReputationList: ['198.51.100.10/32', '2001:db8:bad::/48'],
  AWSManagedReconnaissanceList: ['198.51.100.20/31'],
  AWSManagedIPDDoSList: ['198.51.100.30'],
  AnonymousIPList: ['198.51.100.40', '198.51.100.41'],
  HostingProviderIPList: ['198.51.100.128/25'],
  BotDataCenterList: ['192.0.2.0/24'],
};

/** Loads TEST_IP_LISTS as the lists' file-backed entries. */
export function seedTestIpLists(): void {
  for (const [name, cidrs] of Object.entries(TEST_IP_LISTS)) setIpList(name as IpListName, cidrs);
}

/** The ManagedRuleGroupStatement rule for a group, with optional statement extras (ExcludedRules…). */
export function groupRule(name: string, priority: number, extra: Json = {}, overrideCount = false): Json {
  return {
    Name: name,
    Priority: priority,
    Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name, ...extra } },
    OverrideAction: overrideCount ? { Count: {} } : { None: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}

/** Compiles a web ACL (default Allow) that uses the given managed groups in order. */
export function aclWith(groups: readonly (string | Json)[]): CompiledWebAcl {
  return compileWebAcl(
    {
      Name: 'managed-test',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'managed-test' },
      Rules: groups.map((g, i) => (typeof g === 'string' ? groupRule(g, i) : { ...g, Priority: i })),
    },
    {
      resolveIpSet: () => undefined,
      resolveRegexPatternSet: () => undefined,
      resolveRuleGroup: () => undefined,
      resolveManagedRuleGroup,
      detectors,
      rateCounter: new MemoryRateCounter(),
    },
  );
}
