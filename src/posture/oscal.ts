/**
 * OSCAL 1.2.1 exports: a component definition (Bulwark as a software component, its control
 * implementations per 800-53 rev5 control, and the part of each control it hands to the operator)
 * and assessment results (one observation and one finding per catalogue control). UUIDs are v5,
 * derived from stable names, so the same catalogue and the same results give the same documents.
 */
import { createHash } from 'node:crypto';
import { oscalControlId } from './nist.js';
import type { CatalogueControl, ControlReport, PostureReport } from './types.js';

/** The OSCAL version the exports follow (the schemas in ../shared/reference/oscal/). */
export const OSCAL_VERSION = '1.2.1';
/** Namespace of Bulwark's own OSCAL property names. */
export const BULWARK_NS = 'urn:bulwark:oscal';
/** The 800-53 rev5 catalog the control ids refer to. */
export const NIST_800_53_R5_SOURCE = 'https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json';

const NAMESPACE = Buffer.from('6f1c4b9e2a7d4c0e9b3f5a8d1e2c7b40', 'hex');

/** A v5 (SHA-1, name-based) UUID of `name` in Bulwark's namespace. */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The component uuid of Bulwark (the same in both documents). */
export const COMPONENT_UUID = uuidV5('component:bulwark');
const TOOL_UUID = uuidV5('component:bulwark-posture');

type Json = Record<string, unknown>;

function prop(name: string, value: string): Json {
  return { name, ns: BULWARK_NS, value };
}

/** OSCAL roles the documents use: Bulwark (the provider) and the operator (the customer). */
const ROLES = [
  { id: 'provider', title: 'Bulwark, the platform', description: 'Secures what the platform itself does ("security of the platform").' },
  { id: 'customer', title: 'The operator', description: 'Secures how the platform is configured and used ("security in the platform").' },
];

function implementation(c: CatalogueControl, nist: string): Json {
  const roles: Json[] = [];
  if (c.responsibility !== 'customer') roles.push({ 'role-id': 'provider', ...(c.platformPart ? { remarks: c.platformPart } : {}) });
  if (c.responsibility !== 'inherited') roles.push({ 'role-id': 'customer', ...(c.customerPart ? { remarks: c.customerPart } : {}) });
  const handedOver = c.responsibility === 'customer' ? ' Bulwark does not implement this control: it is the operator\'s, and Bulwark checks it against the live configuration.' : '';
  return {
    uuid: uuidV5(`implemented-requirement:${c.id}:${nist}`),
    'control-id': oscalControlId(nist),
    description: `${c.id} — ${c.title}. ${c.description}${handedOver}`,
    props: [prop('bulwark-control-id', c.id), prop('responsibility', c.responsibility), prop('service', c.service), prop('topic', c.topic.replace(/ /g, '-')), prop('severity', c.severity)],
    'responsible-roles': roles,
  };
}

/** The OSCAL component definition of Bulwark for a catalogue. */
export function componentDefinition(catalogue: readonly CatalogueControl[], version: string, lastModified: string): Json {
  const requirements: Json[] = [];
  for (const c of catalogue) for (const n of c.nist) requirements.push(implementation(c, n));
  return {
    'component-definition': {
      uuid: uuidV5(`component-definition:${version}`),
      metadata: {
        title: 'Bulwark shared responsibility: control implementations',
        'last-modified': lastModified,
        version,
        'oscal-version': OSCAL_VERSION,
        roles: ROLES,
      },
      components: [
        {
          uuid: COMPONENT_UUID,
          type: 'software',
          title: 'Bulwark',
          description: 'Self-hosted AWS-compatible security platform: IAM/STS, KMS, CloudTrail, WAF, Shield and GuardDuty behind the AWS APIs.',
          purpose: 'Provides key management, identity and access management, audit logging and web application protection.',
          props: [prop('version', version)],
          'responsible-roles': [{ 'role-id': 'provider' }, { 'role-id': 'customer' }],
          'control-implementations': [
            {
              uuid: uuidV5('control-implementation:nist-800-53-rev5'),
              source: NIST_800_53_R5_SOURCE,
              description: 'How Bulwark implements NIST SP 800-53 rev5 controls, and which part of each it hands to the operator (responsible role "customer").',
              'implemented-requirements': requirements,
            },
          ],
        },
      ],
    },
  };
}

function observation(c: ControlReport, collected: string): Json {
  // Inherited controls are proven by exercising the platform; the others by examining live configuration.
  const selfTest = c.responsibility === 'inherited';
  const resources = (c.resources ?? []).map((r) => `${r.id}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
  return {
    uuid: uuidV5(`observation:${c.id}:${collected}`),
    title: `${c.id} ${c.status}`,
    description: c.evidence,
    props: [prop('bulwark-control-id', c.id), prop('status', c.status.toLowerCase().replace('_', '-'))],
    methods: [selfTest ? 'TEST' : 'EXAMINE'],
    types: [c.status === 'FAIL' ? 'finding' : 'control-objective'],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': TOOL_UUID }] }],
    subjects: [{ 'subject-uuid': COMPONENT_UUID, type: 'component' }],
    'relevant-evidence': [{ description: c.evidence, ...(resources.length > 0 ? { remarks: resources.join('\n\n') } : {}) }],
    collected,
  };
}

function finding(c: ControlReport, collected: string, observationUuid: string): Json {
  const satisfied = c.status === 'PASS' || c.status === 'NOT_APPLICABLE';
  const reason = c.status === 'PASS' ? 'pass' : c.status === 'FAIL' ? 'fail' : 'other';
  const [first, ...others] = c.nist;
  const remarks = [
    c.status === 'NOT_APPLICABLE' ? `Not applicable: ${c.evidence}` : undefined,
    c.status === 'ERROR' ? `The check could not decide: ${c.evidence}` : undefined,
    c.remediation ? `Remediation: ${c.remediation}` : undefined,
    ...(c.commands ?? []).map((x) => `    ${x}`),
  ].filter((x): x is string => x !== undefined);
  return {
    uuid: uuidV5(`finding:${c.id}:${collected}`),
    title: `${c.id}: ${c.title}`,
    description: c.description,
    props: [prop('bulwark-control-id', c.id), prop('severity', c.severity), prop('responsibility', c.responsibility), ...others.map((n) => prop('related-control', oscalControlId(n)))],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': TOOL_UUID }] }],
    target: {
      type: 'statement-id',
      'target-id': `${oscalControlId(first!)}_smt`,
      status: { state: satisfied ? 'satisfied' : 'not-satisfied', reason },
      ...(remarks.length > 0 ? { remarks: remarks.join('\n\n') } : {}),
    },
    'related-observations': [{ 'observation-uuid': observationUuid }],
  };
}

/** OSCAL assessment results for a posture report. */
export function assessmentResults(report: PostureReport): Json {
  const at = report.generatedAt;
  const observations: Json[] = [];
  const findings: Json[] = [];
  for (const c of report.controls) {
    const o = observation(c, at);
    observations.push(o);
    findings.push(finding(c, at, o.uuid as string));
  }
  const controlIds = [...new Set(report.controls.flatMap((c) => c.nist.map(oscalControlId)))].sort();
  const planUuid = uuidV5('back-matter:posture-catalogue');
  const s = report.summary;
  return {
    'assessment-results': {
      uuid: uuidV5(`assessment-results:${at}`),
      metadata: {
        title: 'Bulwark posture assessment',
        'last-modified': at,
        version: report.bulwarkVersion,
        'oscal-version': OSCAL_VERSION,
        roles: ROLES,
      },
      // No separate assessment plan: the catalogue in the repository is the plan.
      'import-ap': { href: `#${planUuid}` },
      results: [
        {
          uuid: uuidV5(`result:${at}`),
          title: `Posture at ${at}`,
          description: `Automated posture run: ${s.pass} pass, ${s.fail} fail, ${s.notApplicable} not applicable, ${s.error} error.`,
          start: at,
          end: at,
          'local-definitions': {
            components: [
              {
                uuid: COMPONENT_UUID,
                type: 'software',
                title: 'Bulwark',
                description: 'The assessed Bulwark node.',
                props: [prop('version', report.bulwarkVersion)],
                status: { state: 'operational' },
              },
              {
                uuid: TOOL_UUID,
                type: 'software',
                title: 'bulwark posture',
                description: 'Bulwark\'s posture checks and self-tests.',
                status: { state: 'operational' },
              },
            ],
          },
          'reviewed-controls': { 'control-selections': [{ 'include-controls': controlIds.map((id) => ({ 'control-id': id })) }] },
          observations,
          findings,
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: 'Bulwark posture catalogue',
            description: 'The control catalogue (src/posture/catalogue/) that defines what is assessed and how; it stands in for an assessment plan.',
            rlinks: [{ href: 'docs/shared-responsibility.md' }],
          },
        ],
      },
    },
  };
}
