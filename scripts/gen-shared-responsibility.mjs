#!/usr/bin/env node
// Regenerates docs/shared-responsibility.md from the posture catalogue (src/posture/catalogue/).
// Run after `npm run build`: node scripts/gen-shared-responsibility.mjs. src/posture/doc.test.ts
// fails when the committed page differs from what this writes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { CATALOGUE_FILES, CHECKS, loadCatalogue, renderSharedResponsibility } = await import(new URL('dist/src/posture/index.js', `file://${root}`).href);
const out = new URL('docs/shared-responsibility.md', `file://${root}`);
writeFileSync(out, renderSharedResponsibility(loadCatalogue(CATALOGUE_FILES, CHECKS)));
process.stdout.write(`wrote ${fileURLToPath(out)}\n`);
