/** The `bulwark` command line: `start` runs a node; `operator` manages the seal of a running node. */
import { Command, Option } from 'commander';
import type { StartFlags } from '../config/index.js';
import { VERSION } from '../version.js';
import { doctorCommand } from './doctor.js'; // Shield (doctor)
import { ingestCommands } from './ingest.js'; // GuardDuty (ingest)
import { operatorCommands } from './operator.js';
import { trailCommands } from './trail.js';
import { postureCommand } from './posture.js'; // --- posture ---

/** Builds the commander program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('bulwark')
    .description('Self-hosted AWS-compatible security platform (KMS, WAF, Shield, GuardDuty, IAM/STS, CloudTrail)')
    .version(VERSION);

  program
    .command('start')
    .description('Run a Bulwark node')
    .addOption(new Option('--data-dir <dir>', 'data directory (env BULWARK_DATA_DIR, default ./.bulwark)'))
    .addOption(new Option('--api-listen <host:port>', 'API listen address (env BULWARK_API_LISTEN, default 127.0.0.1:4599)'))
    .addOption(new Option('--storage <sqlite|postgres-url>', "storage backend (env BULWARK_STORAGE, default 'sqlite')"))
    .addOption(new Option('--config <file>', 'YAML or JSON configuration file (env BULWARK_CONFIG)'))
    .addOption(new Option('--tls-cert <file>', 'TLS certificate for the API (env BULWARK_TLS_CERT)'))
    .addOption(new Option('--tls-key <file>', 'TLS private key for the API (env BULWARK_TLS_KEY)'))
    .addOption(new Option('--allow-insecure-http', 'allow plain HTTP on a non-loopback address'))
    .addOption(new Option('--seal <dev|shamir>', "seal type for a new data directory (env BULWARK_SEAL, default 'dev')"))
    .addOption(new Option('--max-body-bytes <n>', 'API request body cap (env BULWARK_MAX_BODY_BYTES, default 1048576)'))
    .addOption(new Option('--log-level <level>', 'log level (env BULWARK_LOG_LEVEL, default info)'))
    // Shield (shared rate counters)
    .addOption(new Option('--redis <url>', 'share rate-based rule counters with other nodes through Redis, e.g. redis://127.0.0.1:6379 (env BULWARK_REDIS_URL)'))
    // Data-plane workers (docs/proxy.md, "Several cores")
    .addOption(new Option('--data-plane-workers <n|auto>', "run the sites in n worker processes, 'auto' = one per core (env BULWARK_DATA_PLANE_WORKERS, default 0 = in the API process)"))
    .action(async (flags: StartFlags) => {
      // The configuration and the server are loaded only by `start`: client commands start fast.
      const { ConfigError, resolveConfig } = await import('../config/index.js');
      let config;
      try {
        config = resolveConfig(flags);
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`bulwark: ${e.message}\n`);
          process.exit(2);
        }
        throw e;
      }
      const { startBulwark } = await import('../main.js');
      const node = await startBulwark(config, { print: (l) => process.stdout.write(l + '\n') });
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`Received ${signal}, shutting down\n`);
        node.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`bulwark: shutdown failed: ${(e as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  program.addCommand(operatorCommands());
  program.addCommand(trailCommands());
  program.addCommand(postureCommand()); // --- posture ---
  program.addCommand(doctorCommand()); // Shield (doctor)
  program.addCommand(ingestCommands()); // GuardDuty (ingest)
  return program;
}
