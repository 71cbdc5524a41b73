/** Country lookup for GeoMatch: the proxy's req.country, a configured resolver, or geoip-country (loaded lazily). */
import { createRequire } from 'node:module';

interface GeoIpCountry {
  lookup(ip: string): { country?: string } | null;
}

let geoip: GeoIpCountry | undefined;

/** geoip-country's lookup (the package ships no types; its database loads on first use). */
export function defaultGeo(ip: string): string | undefined {
  if (geoip === undefined) {
    const require = createRequire(import.meta.url);
    geoip = require('geoip-country') as GeoIpCountry;
  }
  return geoip.lookup(ip)?.country ?? undefined;
}
