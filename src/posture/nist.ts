/**
 * The NIST SP 800-53 rev5 control ids the catalogue uses, copied from the official rev5 catalog
 * (usnistgov/oscal-content, NIST_SP-800-53_rev5_catalog.json). The catalogue loader refuses any id
 * not listed here, so a typo cannot reach an OSCAL export. Add ids only from that catalog.
 */

/** 800-53 rev5 control and enhancement ids in the catalogue's notation ("SC-28(1)"). */
export const NIST_800_53_R5_IDS: ReadonlySet<string> = new Set([
  'AC-2', 'AC-2(1)', 'AC-2(3)', 'AC-2(4)', 'AC-3', 'AC-4', 'AC-6', 'AC-6(2)', 'AC-6(10)',
  'AT-2', 'AT-3',
  'AU-2', 'AU-3', 'AU-5', 'AU-6', 'AU-9', 'AU-10', 'AU-12',
  'CA-2', 'CA-7', 'CA-9(1)',
  'CM-2', 'CM-6',
  'CP-9', 'CP-10',
  'IA-2', 'IA-2(1)', 'IA-2(2)', 'IA-2(6)', 'IA-5', 'IA-5(1)', 'IA-9',
  'SA-22',
  'SC-5', 'SC-5(2)', 'SC-7', 'SC-7(9)', 'SC-8', 'SC-8(1)', 'SC-12', 'SC-12(2)', 'SC-13', 'SC-28', 'SC-28(1)', 'SC-28(3)',
  'SI-2', 'SI-4', 'SI-4(2)', 'SI-7', 'SI-7(1)',
]);

/** The 800-53 rev5 families (two-letter prefixes) of the official catalog. */
export const NIST_800_53_R5_FAMILIES: ReadonlySet<string> = new Set([
  'AC', 'AT', 'AU', 'CA', 'CM', 'CP', 'IA', 'IR', 'MA', 'MP', 'PE', 'PL', 'PM', 'PS', 'PT', 'RA', 'SA', 'SC', 'SI', 'SR',
]);

const ID = /^([A-Z]{2})-(\d{1,2})(?:\((\d{1,2})\))?$/;

/** The OSCAL control-id of a catalogue id: "SC-28(1)" → "sc-28.1", "AC-2" → "ac-2". */
export function oscalControlId(id: string): string {
  const m = ID.exec(id);
  if (!m) throw new Error(`not an 800-53 id: ${id}`);
  return `${m[1]!.toLowerCase()}-${m[2]}${m[3] ? `.${m[3]}` : ''}`;
}

/** True when `id` is a listed rev5 id. */
export function isNistId(id: string): boolean {
  return NIST_800_53_R5_IDS.has(id) && NIST_800_53_R5_FAMILIES.has(id.slice(0, 2));
}
