/** Renders docs/shared-responsibility.md from the catalogue (scripts/gen-shared-responsibility.mjs writes it; a test compares). */
import { TOPICS } from './catalogue.js';
import type { CatalogueControl } from './types.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function byTopic(controls: readonly CatalogueControl[]): [string, CatalogueControl[]][] {
  const out: [string, CatalogueControl[]][] = [];
  for (const t of TOPICS) {
    const cs = controls.filter((c) => c.topic === t);
    if (cs.length > 0) out.push([t, cs]);
  }
  return out;
}

function title(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The markdown of docs/shared-responsibility.md. */
export function renderSharedResponsibility(catalogue: readonly CatalogueControl[]): string {
  const inherited = catalogue.filter((c) => c.responsibility === 'inherited');
  const shared = catalogue.filter((c) => c.responsibility === 'shared');
  const customer = catalogue.filter((c) => c.responsibility === 'customer');
  const L: string[] = [];
  L.push('# Shared responsibility');
  L.push('');
  L.push('<!-- Generated from src/posture/catalogue/ by scripts/gen-shared-responsibility.mjs. Do not edit by hand: edit the catalogue and regenerate. -->');
  L.push('');
  L.push('Security and compliance of a Bulwark deployment are shared between Bulwark and you, its operator. Bulwark is');
  L.push('responsible for the security *of* the platform: how it stores, encrypts, authenticates, authorizes and records.');
  L.push('You are responsible for security *in* the platform: how you configure it, who you give access to, which keys,');
  L.push('trails, web ACLs and detectors you create, and the machine, network and backups around it.');
  L.push('');
  L.push('Nothing on this page is only a claim. Every control below is an entry in the catalogue, and `bulwark posture`');
  L.push('checks each one against the running node: Bulwark proves its own part with self-tests, and checks your part');
  L.push('against the live configuration, printing the exact command that fixes each failing resource.');
  L.push('');
  L.push('```sh');
  L.push('bulwark posture                    # table grouped by responsibility, with fix commands');
  L.push('bulwark posture --fail-on MEDIUM   # exit 1 when a control of severity MEDIUM or higher fails (CI gate; default HIGH)');
  L.push('bulwark posture --format json      # also oscal-ar (assessment results) and oscal-cd (component definition)');
  L.push('```');
  L.push('');
  L.push(`The catalogue has ${catalogue.length} controls: ${inherited.length} inherited (Bulwark's alone), ${shared.length} shared and ${customer.length} yours.`);
  L.push('');
  L.push("## What Bulwark is responsible for");
  L.push('');
  L.push('You inherit these controls entirely. Each is backed by a self-test that runs on every posture check.');
  L.push('');
  for (const [t, cs] of byTopic(inherited)) {
    L.push(`### ${title(t)}`);
    L.push('');
    for (const c of cs) {
      L.push(`- **${c.id} ${c.title}** (${c.severity}; NIST ${c.nist.join(', ')}). ${c.description}`);
      L.push(`  *Evidence:* ${c.platformPart ?? ''}`);
    }
    L.push('');
  }
  L.push('## What is shared');
  L.push('');
  L.push('Bulwark provides the mechanism; you decide how it is used. Both halves must hold for the control to pass.');
  L.push('');
  L.push('| Control | Bulwark does | You do | Severity | NIST 800-53 |');
  L.push('| --- | --- | --- | --- | --- |');
  for (const c of shared) {
    L.push(`| **${c.id}** ${cell(c.title)} | ${cell(c.platformPart ?? '')} | ${cell(c.customerPart ?? '')} | ${c.severity} | ${c.nist.join(', ')} |`);
  }
  L.push('');
  L.push('## What is yours');
  L.push('');
  L.push('Bulwark cannot do these for you, but it checks them (all but training) and prints the command that fixes each failure.');
  L.push('');
  for (const [t, cs] of byTopic(customer)) {
    L.push(`### ${title(t)}`);
    L.push('');
    for (const c of cs) {
      L.push(`- **${c.id} ${c.title}** (${c.severity}; NIST ${c.nist.join(', ')}). ${c.description}`);
      L.push(`  *You:* ${c.customerPart ?? ''}${c.remediation ? ` *Fix:* ${c.remediation}` : ''}`);
    }
    L.push('');
  }
  L.push('## Controls by topic');
  L.push('');
  L.push('| Topic | Inherited | Shared | Yours |');
  L.push('| --- | --- | --- | --- |');
  for (const [t, cs] of byTopic(catalogue)) {
    const ids = (r: string): string => cs.filter((c) => c.responsibility === r).map((c) => c.id).join(', ') || '—';
    L.push(`| ${title(t)} | ${ids('inherited')} | ${ids('shared')} | ${ids('customer')} |`);
  }
  L.push('');
  L.push('## Notes');
  L.push('');
  L.push('- Control ids follow AWS Security Hub where one exists (`KMS.4`, `IAM.1`, …); `BULWARK.n` are Bulwark\'s own.');
  L.push('- A control whose service is not in this build (Shield, GuardDuty), or that has nothing in scope (no sites, no');
  L.push('  web ACLs), reports NOT_APPLICABLE with the reason. Password and MFA controls (IAM.5/6/7/9) do not apply:');
  L.push('  Bulwark has no console sign-in, and IAM users authenticate with access keys only.');
  L.push('- Every status change of a control is recorded in the audit trail as `PostureControlStatusChanged`');
  L.push('  (eventSource `bulwark.posture`): `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=PostureControlStatusChanged`.');
  L.push('- OSCAL: `--format oscal-cd` exports Bulwark as an OSCAL 1.2.1 component definition (responsible roles');
  L.push('  `provider` and `customer` per control), `--format oscal-ar` the assessment results (one finding per control).');
  L.push('');
  return L.join('\n');
}
