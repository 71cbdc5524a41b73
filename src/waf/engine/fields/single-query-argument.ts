/**
 * SingleQueryArgument: the raw values of every query argument whose name matches Name. Names are
 * compared case-insensitively after URL-decoding the request's argument name (so "user%4Eame" is
 * "username", as the application sees it); values stay raw for the transformations to decode.
 */
import { asciiLower, nameString, objectWith, toByteString } from './config.js';
import { argMatchName, forEachQueryArg } from './query.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.SingleQueryArgument. */
export const singleQueryArgument: FieldFactory = (config) => {
  const c = objectWith(config, 'SingleQueryArgument', ['Name']);
  const name = asciiLower(toByteString(nameString(c['Name'], 'SingleQueryArgument.Name', 64)));
  return {
    key: `SingleQueryArgument:${JSON.stringify(name)}`,
    location: 'SINGLE_QUERY_ARG',
    extract(req) {
      const q = req.queryString;
      const values: string[] = [];
      forEachQueryArg(q, (ns, ne, vs, ve) => {
        if (argMatchName(q.slice(ns, ne)) === name) values.push(q.slice(vs, ve));
      });
      return { kind: 'values', values };
    },
  };
};
