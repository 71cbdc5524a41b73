/**
 * The control catalogue: controls as data (catalogue/*.json, one entry per control), validated with
 * zod when loaded. A malformed entry, a duplicate id, an 800-53 id not in the rev5 list or a check
 * name the registry does not know is a load-time error, never a surprise at run time.
 */
import { z } from 'zod';
import cloudtrail from './catalogue/cloudtrail.json' with { type: 'json' };
import guardduty from './catalogue/guardduty.json' with { type: 'json' };
import iam from './catalogue/iam.json' with { type: 'json' };
import kms from './catalogue/kms.json' with { type: 'json' };
import platform from './catalogue/platform.json' with { type: 'json' };
import shield from './catalogue/shield.json' with { type: 'json' };
import waf from './catalogue/waf.json' with { type: 'json' };
import { isNistId } from './nist.js';
import type { CatalogueControl, Check } from './types.js';

/** The topics of the shared responsibility model the catalogue uses. */
export const TOPICS = [
  'data protection', 'identity and access management', 'logging and monitoring', 'resilience', 'infrastructure security',
  'configuration management', 'patch management', 'awareness and training', 'compliance validation',
] as const;

const controlSchema = z
  .object({
    id: z.string().regex(/^(BULWARK|KMS|IAM|CloudTrail|WAF|GuardDuty)\.\d{1,3}$/),
    title: z.string().min(5).max(200),
    description: z.string().min(10).max(2000),
    nist: z.array(z.string()).min(1),
    service: z.enum(['platform', 'iam', 'kms', 'cloudtrail', 'waf', 'shield', 'guardduty']),
    topic: z.enum(TOPICS),
    responsibility: z.enum(['inherited', 'shared', 'customer']),
    severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
    check: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/),
    platformPart: z.string().min(10).optional(),
    customerPart: z.string().min(10).optional(),
    remediation: z.string().min(10).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const n of c.nist) if (!isNistId(n)) ctx.addIssue({ code: 'custom', message: `${n} is not a listed NIST SP 800-53 rev5 id`, path: ['nist'] });
    // Each side of a shared control says what it does; inherited controls say how Bulwark proves theirs.
    if (c.responsibility !== 'customer' && !c.platformPart) ctx.addIssue({ code: 'custom', message: `${c.responsibility} control needs platformPart`, path: ['platformPart'] });
    if (c.responsibility !== 'inherited' && !c.customerPart) ctx.addIssue({ code: 'custom', message: `${c.responsibility} control needs customerPart`, path: ['customerPart'] });
  });

/** A catalogue that failed validation. */
export class CatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

/** The raw catalogue files, by name (for loadCatalogue's default). */
export const CATALOGUE_FILES: Readonly<Record<string, unknown>> = { platform, iam, kms, cloudtrail, waf, shield, guardduty };

/** Validates catalogue files against the schema and the check registry; throws CatalogueError. */
export function loadCatalogue(files: Readonly<Record<string, unknown>>, checks: ReadonlyMap<string, Check>): readonly CatalogueControl[] {
  const out: CatalogueControl[] = [];
  const seen = new Set<string>();
  for (const [file, raw] of Object.entries(files)) {
    const parsed = z.array(controlSchema).safeParse(raw);
    if (!parsed.success) {
      throw new CatalogueError(`posture catalogue ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    for (const c of parsed.data) {
      if (seen.has(c.id)) throw new CatalogueError(`posture catalogue ${file}: duplicate control id ${c.id}`);
      if (!checks.has(c.check)) throw new CatalogueError(`posture catalogue ${file}: control ${c.id} names unknown check ${c.check}`);
      seen.add(c.id);
      out.push(Object.freeze({ ...c, nist: Object.freeze([...c.nist]) }) as CatalogueControl);
    }
  }
  return Object.freeze(out.sort(compareControls));
}

const ORDER: Record<CatalogueControl['responsibility'], number> = { inherited: 0, shared: 1, customer: 2 };

/** Orders controls by responsibility, then id (prefix, then number). */
export function compareControls(a: CatalogueControl, b: CatalogueControl): number {
  const r = ORDER[a.responsibility] - ORDER[b.responsibility];
  if (r !== 0) return r;
  const [pa, na] = a.id.split('.') as [string, string];
  const [pb, nb] = b.id.split('.') as [string, string];
  return pa === pb ? Number(na) - Number(nb) : pa.localeCompare(pb);
}
