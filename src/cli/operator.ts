/**
 * `bulwark operator ...`: initialize, unseal, seal and rekey a running node through its
 * /_bulwark/* endpoints. Shares are printed once and never stored by Bulwark.
 */
import { Command } from 'commander';
import { address, addressOption, call, dataDirOption, fail, signedCall, type ClientOptions } from './client.js';

type Common = ClientOptions;

const addr = addressOption;

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
    .description("Seal a running node (root user's key: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or <data-dir>/root-credentials)")
    .addOption(addr())
    .addOption(dataDirOption())
    .action(async (o: Common) => {
      try {
        await signedCall(o, '/_bulwark/seal', {});
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
