/** Runs the real AWS CLI and boto3 against a test server. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Credentials as the CLI/boto3 take them. */
export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

function envFor(endpoint: string, c: Creds, region = 'us-east-1'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  };
  if (c.sessionToken) env.AWS_SESSION_TOKEN = c.sessionToken;
  return env;
}

/** Result of a CLI/python run: exit code, stdout, stderr. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function capture(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  try {
    const r = await run(cmd, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** `aws <args> --output json` with the endpoint from AWS_ENDPOINT_URL. */
export function awsCli(endpoint: string, c: Creds, args: string[], region?: string): Promise<RunResult> {
  return capture('aws', [...args, '--output', 'json'], envFor(endpoint, c, region));
}

/** Runs a python3 snippet with boto3; `endpoint`, `creds` are in the environment. */
export function boto3(endpoint: string, c: Creds, script: string, region?: string): Promise<RunResult> {
  return capture('python3', ['-c', script], envFor(endpoint, c, region));
}
