/**
 * SingleHeader: the values of the header whose name equals Name, compared case-insensitively. Every
 * occurrence is a separate value; a missing header gives no values.
 */
import { asciiLower, nameString, objectWith, toByteString } from './config.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.SingleHeader. */
export const singleHeader: FieldFactory = (config) => {
  const c = objectWith(config, 'SingleHeader', ['Name']);
  const name = asciiLower(toByteString(nameString(c['Name'], 'SingleHeader.Name', 64)));
  const len = name.length;
  return {
    key: `SingleHeader:${JSON.stringify(name)}`,
    location: 'HEADER',
    extract(req) {
      const values: string[] = [];
      const headers = req.headers;
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i] as readonly [string, string];
        if (h[0].length === len && asciiLower(h[0]) === name) values.push(h[1]);
      }
      return { kind: 'values', values };
    },
  };
};
