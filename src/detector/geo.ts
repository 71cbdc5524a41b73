/**
 * Country of an IP for the detection context, from the geoip-country database the WAF also uses
 * (loaded on first use, results cached in a bounded map). ASN/organisation data is not shipped
 * offline, so `asn`/`asnOrg` stay unset.
 */
import { createRequire } from 'node:module';

interface GeoIpCountry {
  lookup(ip: string): { country?: string; name?: string } | null;
}

let geoip: GeoIpCountry | undefined;
const cache = new Map<string, { countryCode?: string; countryName?: string } | null>();
const CACHE_MAX = 50_000;

/** Country code (and name when the database has it) of an IP, or undefined (private, unknown). */
export function geoOf(ip: string): { readonly countryCode?: string; readonly countryName?: string } | undefined {
  const hit = cache.get(ip);
  if (hit !== undefined) return hit ?? undefined;
  if (geoip === undefined) {
    const require = createRequire(import.meta.url);
    geoip = require('geoip-country') as GeoIpCountry;
  }
  let r: { countryCode?: string; countryName?: string } | null = null;
  try {
    const g = geoip.lookup(ip);
    if (g?.country) r = { countryCode: g.country, ...(g.name ? { countryName: g.name } : {}) };
  } catch {
    r = null;
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ip, r);
  return r ?? undefined;
}
