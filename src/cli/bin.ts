#!/usr/bin/env node
/** Entry point of the `bulwark` executable. */
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`bulwark: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
