/** `bulwark trail flush|validate`: deliver a trail's pending records now; validate its files like `aws cloudtrail validate-logs`. */
import { Command } from 'commander';
import { addressOption, dataDirOption, fail, signedCall, type ClientOptions } from './client.js';

interface ReportLike {
  ok: boolean;
  summary: string;
  digests?: unknown[];
  logFiles?: unknown[];
}

function parseTime(v: string | undefined, what: string): string | undefined {
  if (v === undefined) return undefined;
  const d = /^\d+$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`${what}: not a time: ${v}`);
  return d.toISOString();
}

/** The `trail` command group. */
export function trailCommands(): Command {
  const trail = new Command('trail').description('Audit trail delivery and integrity');

  trail
    .command('flush')
    .description('Deliver the trail\'s pending records now and write a digest covering them')
    .requiredOption('--trail <name>', 'trail name')
    .addOption(addressOption())
    .addOption(dataDirOption())
    .action(async (o: ClientOptions & { trail: string }) => {
      try {
        const r = await signedCall(o, '/_bulwark/trail/flush', { trail: o.trail });
        for (const f of (r.logFiles as string[] | undefined) ?? []) process.stdout.write(`delivered ${f}\n`);
        if (typeof r.digest === 'string') process.stdout.write(`digest ${r.digest}\n`);
      } catch (e) {
        fail(e);
      }
    });

  trail
    .command('validate')
    .description('Validate the trail\'s log files and digest chain; exits 1 on any problem')
    .requiredOption('--trail <name>', 'trail name')
    .option('--start-time <time>', 'ISO 8601 time or epoch seconds')
    .option('--end-time <time>', 'ISO 8601 time or epoch seconds')
    .option('--verbose', 'list every digest and log file with its result')
    .addOption(addressOption())
    .addOption(dataDirOption())
    .action(async (o: ClientOptions & { trail: string; startTime?: string; endTime?: string; verbose?: boolean }) => {
      try {
        const start = parseTime(o.startTime, '--start-time');
        const end = parseTime(o.endTime, '--end-time');
        const r = (await signedCall(o, '/_bulwark/trail/validate', { trail: o.trail, ...(start ? { start } : {}), ...(end ? { end } : {}) })) as unknown as ReportLike;
        if (o.verbose) {
          for (const d of r.digests ?? []) process.stdout.write(JSON.stringify(d) + '\n');
          for (const f of r.logFiles ?? []) process.stdout.write(JSON.stringify(f) + '\n');
        }
        process.stdout.write(r.summary.endsWith('\n') ? r.summary : r.summary + '\n');
        process.exit(r.ok ? 0 : 1);
      } catch (e) {
        fail(e);
      }
    });
  return trail;
}
