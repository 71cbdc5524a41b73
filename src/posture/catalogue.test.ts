import { describe, expect, it } from 'vitest';
import { CATALOGUE_FILES, CatalogueError, loadCatalogue } from './catalogue.js';
import { CHECKS } from './checks/index.js';

const good = {
  id: 'KMS.4',
  title: 'KMS key rotation should be enabled',
  description: 'Automatic rotation of symmetric keys.',
  nist: ['SC-12'],
  service: 'kms',
  topic: 'data protection',
  responsibility: 'customer',
  severity: 'MEDIUM',
  check: 'kms.rotation-enabled',
  customerPart: 'Enable rotation on every key.',
};

describe('the control catalogue', () => {
  it('loads, with unique ids, every Security Hub control the issue names, and only registered checks', () => {
    const cat = loadCatalogue(CATALOGUE_FILES, CHECKS);
    const ids = cat.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['KMS.3', 'KMS.4', 'KMS.5', 'CloudTrail.1', 'CloudTrail.2', 'CloudTrail.4', 'CloudTrail.5', 'GuardDuty.1', 'WAF.10', 'WAF.11', 'WAF.12',
      'IAM.1', 'IAM.2', 'IAM.3', 'IAM.4', 'IAM.5', 'IAM.6', 'IAM.7', 'IAM.8', 'IAM.9']) expect(ids).toContain(id);
    for (const c of cat) expect(CHECKS.has(c.check)).toBe(true);
    // Grouped: inherited, then shared, then customer.
    const order = cat.map((c) => c.responsibility);
    expect(order).toEqual([...order].sort((a, b) => ['inherited', 'shared', 'customer'].indexOf(a) - ['inherited', 'shared', 'customer'].indexOf(b)));
  });
  it('accepts a valid entry', () => {
    expect(loadCatalogue({ t: [good] }, CHECKS).map((c) => c.id)).toEqual(['KMS.4']);
  });
  it.each([
    ['an unknown check', { ...good, check: 'kms.nope' }, /control KMS.4 names unknown check kms.nope/],
    ['a NIST id not in rev5', { ...good, nist: ['SC-99'] }, /SC-99 is not a listed NIST SP 800-53 rev5 id/],
    ['a missing customer part', { ...good, customerPart: undefined }, /customer control needs customerPart/],
    ['a shared control without its platform part', { ...good, responsibility: 'shared' }, /shared control needs platformPart/],
    ['an unknown topic', { ...good, topic: 'vibes' }, /topic/],
    ['an unknown field', { ...good, owner: 'me' }, /owner/],
    ['a bad severity', { ...good, severity: 'SEVERE' }, /severity/],
  ])('refuses %s at load', (_what, entry, message) => {
    expect(() => loadCatalogue({ t: [entry] }, CHECKS)).toThrow(CatalogueError);
    expect(() => loadCatalogue({ t: [entry] }, CHECKS)).toThrow(message);
  });
  it('refuses duplicate ids across files', () => {
    expect(() => loadCatalogue({ a: [good], b: [good] }, CHECKS)).toThrow('posture catalogue b: duplicate control id KMS.4');
  });
});
