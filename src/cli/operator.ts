/**
 * `bulwark operator ...`: initialize, unseal, seal and rekey a running node through its
 * /_bulwark/* endpoints. Shares are printed once and never stored by Bulwark.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signRequest } from '../auth/index.js';

interface Common {
  address?: string;
}

function address(o: Common): string {
  return (o.address ?? process.env.BULWARK_ADDR ?? 'http://127.0.0.1:4599').replace(/\/+$/, '');
}

async function call(base: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(base + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new Error(`cannot reach Bulwark at ${base}: ${(e as Error).message}`);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${String(json.__type ?? res.status)}: ${String(json.message ?? res.statusText)}`);
  return json;
}

function fail(e: unknown): never {
  process.stderr.write(`bulwark: ${(e as Error).message}\n`);
  process.exit(1);
}

/** Root credentials from the environment or the data directory's root-credentials file. */
function rootCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  const id = process.env.AWS_ACCESS_KEY_ID;
  const secret = process.env.AWS_SECRET_ACCESS_KEY;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret };
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'root-credentials'), 'utf8');
  } catch {
    throw new Error('no root credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or pass --data-dir');
  }
  const akid = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
  const sk = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
  if (!akid || !sk) throw new Error('root-credentials file is malformed');
  return { accessKeyId: akid, secretAccessKey: sk };
}

const addr = (): Option => new Option('--address <url>', 'Bulwark API endpoint (env BULWARK_ADDR, default http://127.0.0.1:4599)');

/** The `operator` command group. */
export function operatorCommands(): Command {
  const op = new Command('operator').description('Manage the seal of a running Bulwark node');

  op.command('init')
    .description('Initialize a node started with --seal shamir; prints the unseal key shares once')
    .addOption(addr())
    .requiredOption('--key-shares <n>', 'number of key shares', '5')
    .requiredOption('--key-threshold <t>', 'shares needed to unseal', '3')
    .action(async (o: Common & { keyShares: string; keyThreshold: string }) => {
      try {
        const r = await call(address(o), '/_bulwark/init', { shares: Number(o.keyShares), threshold: Number(o.keyThreshold) });
        const shares = r.shares as string[];
        shares.forEach((s, i) => process.stdout.write(`Unseal Key ${i + 1}: ${s}\n`));
        process.stdout.write(
          `\nBulwark initialized with ${shares.length} key shares and a key threshold of ${o.keyThreshold}.\n` +
            'Store the shares apart: they are shown only now. Restarted nodes need the threshold of shares to unseal.\n',
        );
        const rc = r.rootCredentials as { accessKeyId: string; secretAccessKey: string } | undefined;
        if (rc) {
          process.stdout.write(`\nRoot user access key (shown once):\n  AWS_ACCESS_KEY_ID=${rc.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${rc.secretAccessKey}\n`);
        }
      } catch (e) {
        fail(e);
      }
    });

  op.command('unseal')
    .description('Submit unseal key shares (arguments, or BULWARK_UNSEAL_KEY as a comma-separated list)')
    .addOption(addr())
    .argument('[shares...]', 'one or more unseal key shares')
    .action(async (shares: string[], o: Common) => {
      try {
        const list = shares.length ? shares : (process.env.BULWARK_UNSEAL_KEY ?? '').split(',').filter(Boolean);
        if (list.length === 0) throw new Error('give at least one unseal key share');
        let r: Record<string, unknown> = {};
        for (const key of list) r = await call(address(o), '/_bulwark/unseal', { key });
        process.stdout.write(r.sealed ? `Sealed: true (progress ${String(r.progress)})\n` : 'Sealed: false\n');
      } catch (e) {
        fail(e);
      }
    });

  op.command('status')
    .description('Show seal status')
    .addOption(addr())
    .action(async (o: Common) => {
      try {
        const r = await call(address(o), '/_bulwark/seal-status');
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        if (r.sealed) process.exitCode = 2;
      } catch (e) {
        fail(e);
      }
    });

  op.command('seal')
    .description("Seal a running node (needs the root user's access key: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or <data-dir>/root-credentials)")
    .addOption(addr())
    .addOption(new Option('--data-dir <dir>', 'read root credentials from <dir>/root-credentials (env BULWARK_DATA_DIR)'))
    .action(async (o: Common & { dataDir?: string }) => {
      try {
        const creds = rootCredentials(o.dataDir ?? process.env.BULWARK_DATA_DIR ?? './.bulwark');
        const url = new URL(address(o) + '/_bulwark/seal');
        const body = Buffer.from('{}');
        const headers = signRequest({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          body,
          region: process.env.BULWARK_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
          service: 'bulwark',
          credentials: creds,
        });
        delete headers.host;
        const res = await fetch(url, { method: 'POST', headers, body });
        const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        if (!res.ok) throw new Error(`${String(json.__type ?? res.status)}: ${String(json.message ?? res.statusText)}`);
        process.stdout.write('Sealed: true\n');
      } catch (e) {
        fail(e);
      }
    });

  op.command('rekey')
    .description('Replace the unseal key: give the current threshold of shares, get new shares')
    .addOption(addr())
    .requiredOption('--key-shares <n>', 'new number of key shares')
    .requiredOption('--key-threshold <t>', 'new threshold')
    .argument('<shares...>', 'a threshold of the current unseal key shares')
    .action(async (current: string[], o: Common & { keyShares: string; keyThreshold: string }) => {
      try {
        const r = await call(address(o), '/_bulwark/rekey', { shares: Number(o.keyShares), threshold: Number(o.keyThreshold), currentShares: current });
        (r.shares as string[]).forEach((s, i) => process.stdout.write(`Unseal Key ${i + 1}: ${s}\n`));
        process.stdout.write('\nThe old shares no longer unseal this node.\n');
      } catch (e) {
        fail(e);
      }
    });

  return op;
}
