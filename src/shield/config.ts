/** The `shield:` section of the config file: detection and signature parameters (docs/shield.md). */
import { z } from 'zod';
import type { DetectionConfig } from './detector.js';
import type { SignatureOptions } from './mitigation.js';

const positive = z.number().positive();

const schema = z
  .object({
    tickMs: z.number().int().min(100).max(60_000).optional(),
    detection: z
      .object({
        detectSeconds: z.number().int().min(1).max(20),
        rateFactor: positive,
        staticFloorRps: positive,
        minBaselineSeconds: z.number().int().min(0),
        perSourceFloorRps: positive,
        perSourceFactor: positive,
        concentrationShare: z.number().min(0).max(1),
        distanceThreshold: z.number().min(0).max(1),
        dominantShare: z.number().min(0).max(1),
        confirmTicks: z.number().int().min(1),
        immediateFactor: z.number().min(0),
        fastSeconds: z.number().int().min(0).max(19),
        holdSeconds: z.number().int().min(1),
        tauSeconds: positive,
        connectionFloorPerSec: positive,
      })
      .partial()
      .strict()
      .optional(),
    signature: z
      .object({ maxBaselineShare: z.number().min(0).max(1), minPrefixSources: z.number().int().min(1), dominantShare: z.number().min(0).max(1), maxAddresses: z.number().int().min(1).max(10_000) })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

/** Parsed Shield settings. */
export interface ShieldSettings {
  readonly tickMs?: number;
  readonly detection?: Partial<DetectionConfig>;
  readonly signature?: Partial<SignatureOptions>;
}

/** Parses the config file's `shield` section (undefined → defaults); throws with the offending path. */
export function parseShieldSettings(section: unknown): ShieldSettings {
  if (section === undefined || section === null) return {};
  const r = schema.safeParse(section);
  if (!r.success) throw new Error(`config file shield: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data as ShieldSettings;
}
