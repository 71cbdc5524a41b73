/**
 * Body: the first bodyLimitBytes bytes of the body as one byte string ('' for no body). When the
 * body is larger (req.bodyOversize, or more bytes than the limit) OversizeHandling applies; it
 * defaults to CONTINUE, which inspects the first bodyLimitBytes bytes.
 */
import type { InspectedRequest } from '../types.js';
import { objectWith, oversizeHandling } from './config.js';
import { NO_VALUES, type FieldFactory, type FieldOptions } from './types.js';

/** The inspected part of the body as a byte string, and whether the body exceeded it. */
export function inspectedBody(req: InspectedRequest, opts: FieldOptions): { text: string; oversize: boolean } {
  const limit = opts.bodyLimitBytes;
  const b = req.body;
  const oversize = req.bodyOversize || b.length > limit || req.bodySize > limit;
  const text = b.length > limit ? b.toString('latin1', 0, limit) : b.toString('latin1');
  return { text, oversize };
}

/** Validates the body inspection limit. */
export function checkLimit(opts: FieldOptions): void {
  if (!Number.isInteger(opts.bodyLimitBytes) || opts.bodyLimitBytes < 0) {
    throw new Error(`Invalid body inspection limit ${String(opts.bodyLimitBytes)}: must be an integer >= 0`);
  }
}

/** Compiles FieldToMatch.Body. */
export const body: FieldFactory = (config, opts) => {
  checkLimit(opts);
  const c = objectWith(config, 'Body', ['OversizeHandling']);
  const handling = oversizeHandling(c, 'Body', false);
  return {
    key: `Body:${handling}:${opts.bodyLimitBytes}`,
    location: 'BODY',
    extract(req) {
      const { text, oversize } = inspectedBody(req, opts);
      if (!oversize) return { kind: 'values', values: [text] };
      return { kind: 'oversize', handling, values: handling === 'CONTINUE' ? [text] : NO_VALUES };
    },
  };
};
