/** AllQueryArguments: the raw value of every query argument, in order (names are not inspected). */
import { objectWith } from './config.js';
import { forEachQueryArg } from './query.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.AllQueryArguments. */
export const allQueryArguments: FieldFactory = (config) => {
  objectWith(config, 'AllQueryArguments', []);
  return {
    key: 'AllQueryArguments',
    location: 'ALL_QUERY_ARGS',
    extract(req) {
      const q = req.queryString;
      const values: string[] = [];
      forEachQueryArg(q, (_ns, _ne, vs, ve) => { values.push(q.slice(vs, ve)); });
      return { kind: 'values', values };
    },
  };
};
