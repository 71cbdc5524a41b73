/** Starts the real `bulwark` binary (built dist/) for end-to-end tests, on a free loopback port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'dist/src/cli/bin.js');

/** Fixed root credentials the tests pass in through the environment. */
export const ROOT_KEY = { accessKeyId: 'AKIAROOTTESTKEY00001', secretAccessKey: 'root-test-secret-key-0123456789abcdefghij' };

/** A running test server. */
export interface TestServer {
  readonly endpoint: string;
  readonly dataDir: string;
  readonly proc: ChildProcess;
  readonly output: () => string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Options for startServer. */
export interface StartServerOptions {
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  /** Pass the fixed ROOT_KEY through the environment (default true). */
  readonly rootKey?: boolean;
}

/** Creates a fresh temporary data directory. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'bulwark-test-'));
}

/** Starts `bulwark start` and resolves once it printed its endpoint. */
export async function startServer(o: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = o.dataDir ?? tempDataDir();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BULWARK_LOG_LEVEL: 'warn',
    ...(o.rootKey === false ? {} : { BULWARK_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId, BULWARK_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey }),
    ...o.env,
  };
  const proc = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, '--api-listen', '127.0.0.1:0', ...(o.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + out)), 30_000);
    const check = (): void => {
      const m = /listening on (https?:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    endpoint,
    dataDir,
    proc,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Removes a data directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
