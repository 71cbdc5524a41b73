/**
 * Cookies: the cookies of the Cookie header(s) (parsing rules in limits.ts), filtered by MatchPattern
 * (All, IncludedCookies, ExcludedCookies; names compared case-sensitively, as cookie names are) and
 * reduced by MatchScope: KEY gives names, VALUE values, ALL both (name then value, per cookie).
 * Duplicate names each give their own entries. Only the first 200 cookies / 8 KB are inspectable;
 * beyond that OversizeHandling applies.
 */
import { mapMatchPattern, matchScope, objectWith, oversizeHandling } from './config.js';
import { parseCookies } from './limits.js';
import { NO_VALUES, type FieldFactory } from './types.js';

/** Compiles FieldToMatch.Cookies. */
export const cookies: FieldFactory = (config) => {
  const c = objectWith(config, 'Cookies', ['MatchPattern', 'MatchScope', 'OversizeHandling']);
  const pattern = mapMatchPattern(c['MatchPattern'], 'Cookies.MatchPattern', 'IncludedCookies', 'ExcludedCookies', 60, false);
  const scope = matchScope(c, 'Cookies');
  const handling = oversizeHandling(c, 'Cookies', true);
  const mode = pattern.mode;
  const names = pattern.names;
  const keys = scope !== 'VALUE';
  const vals = scope !== 'KEY';
  return {
    key: `Cookies:${JSON.stringify([mode, pattern.sorted, scope, handling])}`,
    location: 'COOKIES',
    extract(req) {
      const parsed = parseCookies(req);
      if (parsed.oversize && handling !== 'CONTINUE') return { kind: 'oversize', handling, values: NO_VALUES };
      const values: string[] = [];
      for (const ck of parsed.cookies) {
        if (mode !== 'ALL' && names.has(ck.name) !== (mode === 'INCLUDED')) continue;
        if (keys) values.push(ck.name);
        if (vals) values.push(ck.value);
      }
      return parsed.oversize ? { kind: 'oversize', handling, values } : { kind: 'values', values };
    },
  };
};
