import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from './catalogue.js';
import { AwsError } from './aws-error.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code in docs/errors.md with its status', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      const row = new RegExp(`^\\| \`${code}\` \\| ${spec.status} \\| ${spec.fault} \\|`, 'm');
      expect(doc, `docs/errors.md lacks a row for ${code}`).toMatch(row);
    }
  });

  it('has no documented code that is not in the catalogue', () => {
    const documented = [...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1] as string);
    for (const code of documented) expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
  });

  it('uses 5xx only for receiver faults', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(spec.status >= 500, code).toBe(spec.fault === 'Receiver' && spec.status >= 500);
    }
  });

  it('AwsError carries the catalogued status', () => {
    const e = new AwsError('NoSuchEntity', 'The user with name x cannot be found.');
    expect(e.status).toBe(404);
    expect(e.code).toBe('NoSuchEntity');
  });
});
