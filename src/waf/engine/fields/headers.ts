/**
 * Headers: the request headers, filtered by MatchPattern (All, IncludedHeaders, ExcludedHeaders;
 * names compared case-insensitively) and reduced by MatchScope: KEY gives the header names as sent,
 * VALUE the values, ALL both (name then value, per header, in arrival order). Only the first 200
 * headers / 8 KB are inspectable (see limits.ts); beyond that OversizeHandling applies.
 */
import { asciiLower, mapMatchPattern, matchScope, objectWith, oversizeHandling } from './config.js';
import { inspectableHeaderCount } from './limits.js';
import { NO_VALUES, type FieldFactory } from './types.js';

/** Compiles FieldToMatch.Headers. */
export const headers: FieldFactory = (config) => {
  const c = objectWith(config, 'Headers', ['MatchPattern', 'MatchScope', 'OversizeHandling']);
  const pattern = mapMatchPattern(c['MatchPattern'], 'Headers.MatchPattern', 'IncludedHeaders', 'ExcludedHeaders', 64, true);
  const scope = matchScope(c, 'Headers');
  const handling = oversizeHandling(c, 'Headers', true);
  const mode = pattern.mode;
  const names = pattern.names;
  const keys = scope !== 'VALUE';
  const vals = scope !== 'KEY';
  return {
    key: `Headers:${JSON.stringify([mode, pattern.sorted, scope, handling])}`,
    location: 'HEADER',
    extract(req) {
      const { count, oversize } = inspectableHeaderCount(req);
      if (oversize && handling !== 'CONTINUE') return { kind: 'oversize', handling, values: NO_VALUES };
      const values: string[] = [];
      const hs = req.headers;
      for (let i = 0; i < count; i++) {
        const h = hs[i] as readonly [string, string];
        if (mode !== 'ALL' && names.has(asciiLower(h[0])) !== (mode === 'INCLUDED')) continue;
        if (keys) values.push(h[0]);
        if (vals) values.push(h[1]);
      }
      return oversize ? { kind: 'oversize', handling, values } : { kind: 'values', values };
    },
  };
};
