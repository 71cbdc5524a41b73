import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_FILES, loadCatalogue } from './catalogue.js';
import { CHECKS } from './checks/index.js';
import { renderSharedResponsibility } from './doc.js';

describe('docs/shared-responsibility.md', () => {
  it('is what scripts/gen-shared-responsibility.mjs generates from the catalogue (regenerate after editing the catalogue)', () => {
    const committed = readFileSync(new URL('../../docs/shared-responsibility.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderSharedResponsibility(loadCatalogue(CATALOGUE_FILES, CHECKS)));
  });
  it('names every control under its responsibility', () => {
    const md = renderSharedResponsibility(loadCatalogue(CATALOGUE_FILES, CHECKS));
    const [inherited, rest] = md.split('## What is shared') as [string, string];
    const [shared, customer] = rest.split('## What is yours') as [string, string];
    expect(inherited).toContain('**BULWARK.1 Stored data is encrypted at rest');
    expect(shared).toContain('| **KMS.4** KMS key rotation should be enabled |');
    expect(customer).toContain('**IAM.1 IAM policies should not allow full');
  });
});
