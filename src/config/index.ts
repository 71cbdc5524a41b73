/**
 * Runtime configuration: CLI flags, environment variables and an optional YAML/JSON file, merged
 * in that order of precedence (flag > env > file > default) and validated once at start. The
 * resulting object is frozen; later issues add sections (sites, ...) to the file schema.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';

/** Parsed `host:port`. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The validated, immutable configuration of one Bulwark node. */
export interface BulwarkConfig {
  readonly dataDir: string;
  readonly apiListen: ListenAddress;
  /** 'sqlite' or a postgres:// URL. */
  readonly storage: string;
  readonly configFile?: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly allowInsecureHttp: boolean;
  readonly region: string;
  readonly accountId: string;
  readonly rootAccessKeyId?: string;
  readonly rootSecretAccessKey?: string;
  /** 'dev': auto-unseal from <dataDir>/unseal.key; 'shamir': operator init/unseal. */
  readonly seal: 'dev' | 'shamir';
  /** Shares (comma-separated) or the dev key for automated unseal. Never logged. */
  readonly unsealKey?: string;
  readonly maxBodyBytes: number;
  readonly logLevel: string;
  /** Root of the local buckets trails deliver to (default <dataDir>/buckets). */
  readonly bucketsRoot?: string;
  /** Event history retention in days (default 90). */
  readonly auditRetentionDays: number;
  /** Trail log file delivery interval (default 5 minutes; tests shorten it). */
  readonly auditDeliveryIntervalMs?: number;
  // Shield (shared rate counters): begin
  /** Redis URL for rate-based rule counters shared across nodes (memory only when absent). */
  readonly redisUrl?: string;
  // Shield (shared rate counters): end
  /** Data-plane worker processes (node:cluster); 0 or absent runs the sites in the API process. */
  readonly dataPlaneWorkers?: number;
  /** The parsed config file's other sections, for later services. */
  readonly file: Readonly<Record<string, unknown>>;
}

/** Flags as commander hands them over (all optional strings/booleans). */
export interface StartFlags {
  dataDir?: string;
  apiListen?: string;
  storage?: string;
  config?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureHttp?: boolean;
  seal?: string;
  maxBodyBytes?: string;
  logLevel?: string;
  /** Shield (shared rate counters): `--redis <url>`. */
  redis?: string;
  /** `--data-plane-workers <n|auto>`. */
  dataPlaneWorkers?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/;

/** Parses `host:port` (IPv6 in brackets). Throws a ConfigError on bad input. */
export function parseListen(value: string, what: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(`${what} must be host:port, got '${value}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} out of range`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/** True for loopback listen hosts (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** A configuration problem, reported to the operator and exiting non-zero. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const fileSchema = z
  .object({
    dataDir: z.string().optional(),
    apiListen: z.string().optional(),
    storage: z.string().optional(),
    tls: z.object({ cert: z.string(), key: z.string() }).strict().optional(),
    allowInsecureHttp: z.boolean().optional(),
    region: z.string().optional(),
    accountId: z.string().optional(),
    seal: z.enum(['dev', 'shamir']).optional(),
    maxBodyBytes: z.number().int().positive().optional(),
    logLevel: z.string().optional(),
    /** Shield (shared rate counters): redis://host:port for rate-based counters shared across nodes. */
    redis: z.string().optional(),
    /** Data-plane worker processes: a number (0 = in the API process) or 'auto' (one per core). */
    dataPlaneWorkers: z.union([z.number().int(), z.literal('auto')]).optional(),
    audit: z
      .object({
        bucketsRoot: z.string().optional(),
        retentionDays: z.number().int().min(1).max(3650).optional(),
        deliveryIntervalSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict()
      .optional(),
  })
  .passthrough();

function loadFile(path: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    throw new ConfigError(`config file ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

/** Shield (shared rate counters): validates `--redis` / BULWARK_REDIS_URL / `redis:`. */
function redisUrl(v: string | undefined): { redisUrl?: string } {
  if (v === undefined || v === '') return {};
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`--redis must be a redis:// or rediss:// URL, got '${v}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`--redis must be a redis:// or rediss:// URL, got '${v}'`);
  return { redisUrl: v };
}

/** Most data-plane workers accepted (more than cores only adds context switches). */
export const MAX_DATA_PLANE_WORKERS = 64;

/** Validates `--data-plane-workers` / BULWARK_DATA_PLANE_WORKERS / `dataPlaneWorkers:`: 0..64 or 'auto' (one per core). */
export function parseDataPlaneWorkers(v: string | number | undefined, cores = availableParallelism()): number {
  if (v === undefined || v === '') return 0;
  if (v === 'auto') return Math.min(cores, MAX_DATA_PLANE_WORKERS);
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_DATA_PLANE_WORKERS) {
    throw new ConfigError(`--data-plane-workers must be 0-${MAX_DATA_PLANE_WORKERS} or 'auto', got '${v}'`);
  }
  return n;
}

/** Resolves flags + environment + file into a validated, frozen configuration. */
export function resolveConfig(flags: StartFlags, env: NodeJS.ProcessEnv = process.env): BulwarkConfig {
  const configFile = flags.config ?? env.BULWARK_CONFIG;
  const file = configFile ? loadFile(configFile) : {};
  const pick = (flag: string | undefined, envName: string, fromFile: string | undefined, dflt: string): string =>
    flag ?? env[envName] ?? fromFile ?? dflt;

  const dataDir = resolve(pick(flags.dataDir, 'BULWARK_DATA_DIR', file.dataDir, './.bulwark'));
  const apiListen = parseListen(pick(flags.apiListen, 'BULWARK_API_LISTEN', file.apiListen, '127.0.0.1:4599'), '--api-listen');
  const storage = pick(flags.storage, 'BULWARK_STORAGE', file.storage, 'sqlite');
  if (storage !== 'sqlite' && !/^postgres(ql)?:\/\//.test(storage)) {
    throw new ConfigError(`--storage must be 'sqlite' or a postgres:// URL`);
  }
  const certFile = flags.tlsCert ?? env.BULWARK_TLS_CERT ?? file.tls?.cert;
  const keyFile = flags.tlsKey ?? env.BULWARK_TLS_KEY ?? file.tls?.key;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('--tls-cert and --tls-key must be given together');
  const allowInsecureHttp = flags.allowInsecureHttp ?? (env.BULWARK_ALLOW_INSECURE_HTTP === 'true' || file.allowInsecureHttp === true);
  if (!certFile && !isLoopback(apiListen.host) && !allowInsecureHttp) {
    throw new ConfigError(
      `refusing to serve the API over plain HTTP on non-loopback address ${apiListen.host}: give --tls-cert/--tls-key, or --allow-insecure-http`,
    );
  }
  const region = env.BULWARK_REGION ?? file.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`BULWARK_REGION '${region}' is not a region name`);
  const accountId = env.BULWARK_ACCOUNT_ID ?? file.accountId ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError('BULWARK_ACCOUNT_ID must be 12 digits');
  const rootAccessKeyId = env.BULWARK_ROOT_ACCESS_KEY_ID;
  const rootSecretAccessKey = env.BULWARK_ROOT_SECRET_ACCESS_KEY;
  if ((rootAccessKeyId === undefined) !== (rootSecretAccessKey === undefined)) {
    throw new ConfigError('BULWARK_ROOT_ACCESS_KEY_ID and BULWARK_ROOT_SECRET_ACCESS_KEY must be set together');
  }
  if (rootAccessKeyId !== undefined && !/^[A-Z0-9]{16,128}$/.test(rootAccessKeyId)) {
    throw new ConfigError('BULWARK_ROOT_ACCESS_KEY_ID must be 16-128 upper-case letters and digits');
  }
  if (rootSecretAccessKey !== undefined && rootSecretAccessKey.length < 16) {
    throw new ConfigError('BULWARK_ROOT_SECRET_ACCESS_KEY must be at least 16 characters');
  }
  const seal = pick(flags.seal, 'BULWARK_SEAL', file.seal, 'dev');
  if (seal !== 'dev' && seal !== 'shamir') throw new ConfigError(`--seal must be 'dev' or 'shamir'`);
  const maxBodyRaw = flags.maxBodyBytes ?? env.BULWARK_MAX_BODY_BYTES;
  const maxBodyBytes = maxBodyRaw !== undefined ? Number(maxBodyRaw) : (file.maxBodyBytes ?? 1024 * 1024);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024) throw new ConfigError('--max-body-bytes must be an integer >= 1024');

  const cfg: BulwarkConfig = {
    dataDir,
    apiListen,
    storage,
    ...(configFile ? { configFile } : {}),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    allowInsecureHttp,
    region,
    accountId,
    ...(rootAccessKeyId && rootSecretAccessKey ? { rootAccessKeyId, rootSecretAccessKey } : {}),
    seal,
    ...(env.BULWARK_UNSEAL_KEY ? { unsealKey: env.BULWARK_UNSEAL_KEY } : {}),
    maxBodyBytes,
    logLevel: flags.logLevel ?? env.BULWARK_LOG_LEVEL ?? file.logLevel ?? 'info',
    // Shield (shared rate counters)
    ...redisUrl(flags.redis ?? env.BULWARK_REDIS_URL ?? file.redis),
    dataPlaneWorkers: parseDataPlaneWorkers(flags.dataPlaneWorkers ?? env.BULWARK_DATA_PLANE_WORKERS ?? file.dataPlaneWorkers),
    ...((env.BULWARK_BUCKETS_ROOT ?? file.audit?.bucketsRoot) ? { bucketsRoot: resolve((env.BULWARK_BUCKETS_ROOT ?? file.audit?.bucketsRoot) as string) } : {}),
    auditRetentionDays: positiveInt(env.BULWARK_AUDIT_RETENTION_DAYS, 'BULWARK_AUDIT_RETENTION_DAYS') ?? file.audit?.retentionDays ?? 90,
    ...(() => {
      const secs = positiveInt(env.BULWARK_AUDIT_DELIVERY_SECONDS, 'BULWARK_AUDIT_DELIVERY_SECONDS') ?? file.audit?.deliveryIntervalSeconds;
      return secs !== undefined ? { auditDeliveryIntervalMs: secs * 1000 } : {};
    })(),
    file: Object.freeze({ ...file }),
  };
  return Object.freeze(cfg);
}
