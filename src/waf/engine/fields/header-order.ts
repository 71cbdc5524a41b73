/**
 * HeaderOrder: one value, the names of the inspectable headers in arrival order, as sent, joined by
 * ':' with no spaces (e.g. "host:user-agent:accept"). Beyond 200 headers / 8 KB OversizeHandling
 * applies (CONTINUE: the names of the inspectable headers).
 */
import { objectWith, oversizeHandling } from './config.js';
import { inspectableHeaderCount } from './limits.js';
import { NO_VALUES, type FieldFactory } from './types.js';

/** Compiles FieldToMatch.HeaderOrder. */
export const headerOrder: FieldFactory = (config) => {
  const c = objectWith(config, 'HeaderOrder', ['OversizeHandling']);
  const handling = oversizeHandling(c, 'HeaderOrder', true);
  return {
    key: `HeaderOrder:${handling}`,
    location: 'HEADER_ORDER',
    extract(req) {
      const { count, oversize } = inspectableHeaderCount(req);
      if (oversize && handling !== 'CONTINUE') return { kind: 'oversize', handling, values: NO_VALUES };
      let s = '';
      const hs = req.headers;
      for (let i = 0; i < count; i++) s += (i === 0 ? '' : ':') + (hs[i] as readonly [string, string])[0];
      return oversize ? { kind: 'oversize', handling, values: [s] } : { kind: 'values', values: [s] };
    },
  };
};
