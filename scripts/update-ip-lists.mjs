#!/usr/bin/env node
// Downloads public IP lists into Bulwark's IP list directory for the AWSManagedRulesAnonymousIpList
// and Bot Control groups (src/waf/managed/ip-lists.ts). Run by an operator, never at build or test
// time. A running Bulwark watching the directory (BULWARK_IP_LISTS_DIR) reloads within a second.
//
//   node scripts/update-ip-lists.mjs <dir> [--only tor,gcp,…] [--azure-url <ServiceTags_Public_*.json URL or file>]
//
// Sources (each written atomically to <dir>/<List>/<source>.txt; a failed source keeps its old file):
//   tor    https://check.torproject.org/torbulkexitlist            → AnonymousIPList/tor-exit.txt
//   gcp    https://www.gstatic.com/ipranges/cloud.json              → HostingProviderIPList/gcp.txt
//   oracle https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json → HostingProviderIPList/oracle.txt
//   do     https://digitalocean.com/geo/google.csv                  → HostingProviderIPList/digitalocean.txt
//   azure  --azure-url (Microsoft publishes the Service Tags file under a changing URL) → HostingProviderIPList/azure.txt
//   aws    https://ip-ranges.amazonaws.com/ip-ranges.json           → BotDataCenterList/aws.txt
//          (AWS keeps its own ranges out of HostingProviderIPList; Bot Control's data-centre signal uses them)
// AWSManagedIPReputationList, AWSManagedReconnaissanceList and AWSManagedIPDDoSList have no public
// equivalent of Amazon's feed: put your own lists in <dir>/<List>.txt or feed them at runtime.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--only' && args[args.indexOf(a) - 1] !== '--azure-url');
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!dir) {
  console.error('usage: node scripts/update-ip-lists.mjs <dir> [--only tor,gcp,oracle,do,azure,aws] [--azure-url <url or file>]');
  process.exit(2);
}

async function get(url) {
  if (!/^https?:\/\//.test(url)) return readFileSync(url, 'utf8');
  const res = await fetch(url, { headers: { 'User-Agent': 'bulwark-update-ip-lists/1' }, signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

const valid = (c) => {
  const [a, p] = c.split('/');
  const fam = isIP(a ?? '');
  if (fam === 0) return false;
  if (p === undefined) return true;
  const n = Number(p);
  return /^\d{1,3}$/.test(p) && n >= 1 && n <= (fam === 4 ? 32 : 128);
};

const SOURCES = {
  tor: { list: 'AnonymousIPList', file: 'tor-exit.txt', url: 'https://check.torproject.org/torbulkexitlist', parse: (t) => t.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) },
  gcp: { list: 'HostingProviderIPList', file: 'gcp.txt', url: 'https://www.gstatic.com/ipranges/cloud.json', parse: (t) => JSON.parse(t).prefixes.map((p) => p.ipv4Prefix ?? p.ipv6Prefix) },
  oracle: { list: 'HostingProviderIPList', file: 'oracle.txt', url: 'https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json', parse: (t) => JSON.parse(t).regions.flatMap((r) => r.cidrs.map((c) => c.cidr)) },
  do: { list: 'HostingProviderIPList', file: 'digitalocean.txt', url: 'https://digitalocean.com/geo/google.csv', parse: (t) => t.split('\n').map((l) => l.split(',')[0]?.trim()).filter(Boolean) },
  azure: { list: 'HostingProviderIPList', file: 'azure.txt', url: opt('--azure-url'), parse: (t) => JSON.parse(t).values.filter((v) => v.name === 'AzureCloud').flatMap((v) => v.properties.addressPrefixes) },
  aws: { list: 'BotDataCenterList', file: 'aws.txt', url: 'https://ip-ranges.amazonaws.com/ip-ranges.json', parse: (t) => { const j = JSON.parse(t); return [...j.prefixes.map((p) => p.ip_prefix), ...j.ipv6_prefixes.map((p) => p.ipv6_prefix)]; } },
};

const only = opt('--only')?.split(',') ?? Object.keys(SOURCES);
let failed = 0;
for (const name of only) {
  const s = SOURCES[name];
  if (!s) {
    console.error(`unknown source ${name}`);
    failed++;
    continue;
  }
  if (!s.url) {
    console.log(`${name}: skipped (no URL; pass --azure-url)`);
    continue;
  }
  try {
    const cidrs = [...new Set(s.parse(await get(s.url)).filter((c) => typeof c === 'string' && valid(c)))];
    if (cidrs.length === 0) throw new Error('no addresses in the answer; keeping the previous file');
    const out = join(dir, s.list);
    mkdirSync(out, { recursive: true });
    const tmp = join(out, `.${s.file}.tmp`);
    writeFileSync(tmp, `# ${name} from ${s.url} at ${new Date().toISOString()}\n${cidrs.join('\n')}\n`);
    renameSync(tmp, join(out, s.file));
    console.log(`${name}: ${cidrs.length} entries → ${join(out, s.file)}`);
  } catch (e) {
    failed++;
    console.error(`${name}: ${e instanceof Error ? e.message : e}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
