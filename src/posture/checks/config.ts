/** Configuration posture checks: TLS off loopback (BULWARK.6), production seal (BULWARK.7), backups (BULWARK.8). */
import type { Check, ResourceResult } from '../types.js';
import { fromResources, notApplicable, sh } from './util.js';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/;

/** BULWARK.6: listeners on non-loopback addresses serve TLS. */
export const configTlsNonLoopback: Check = async ({ sources }) => {
  const cfg = await sources.config();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const l of cfg.listeners) {
    if (LOOPBACK.test(l.host)) continue;
    resources.push({ id: `${l.name} ${l.host}:${l.port}`, status: l.tls ? 'PASS' : 'FAIL', detail: l.tls ? 'TLS' : 'plain HTTP' });
    if (!l.tls) {
      commands.push(
        l.name === 'api'
          ? `bulwark start --data-dir ${sh(cfg.dataDir)} --api-listen ${l.host}:${l.port} --tls-cert /etc/bulwark/api.crt --tls-key /etc/bulwark/api.key`
          : `# in ${cfg.configFile ?? 'the config file'}, give site ${l.name.replace(/^site /, '')} tls: {cert: /etc/bulwark/site.crt, key: /etc/bulwark/site.key}, then restart`,
      );
    }
  }
  if (resources.length === 0) return notApplicable('every listener is on a loopback address');
  return fromResources('non-loopback listeners', resources, commands);
};

/** BULWARK.7: the store uses the shamir seal. */
export const configProductionSeal: Check = async ({ sources }) => {
  const cfg = await sources.config();
  if (cfg.sealType === 'shamir') return { status: 'PASS', evidence: 'the store is sealed with Shamir unseal shares' };
  if (cfg.sealType === null) return { status: 'ERROR', evidence: 'the store is not initialized' };
  return {
    status: 'FAIL',
    evidence: `the store uses the dev seal: its unseal key is a file in ${cfg.dataDir}`,
    commands: ['bulwark start --seal shamir --data-dir /var/lib/bulwark', 'bulwark operator init --key-shares 5 --key-threshold 3'],
  };
};

/** BULWARK.8: a backups directory is configured and holds a backup younger than maxAgeHours. */
export const configBackups: Check = async ({ sources, now }) => {
  const cfg = await sources.config();
  const job =
    cfg.storage === 'sqlite'
      ? `sqlite3 ${sh(`${cfg.dataDir}/bulwark.db`)} ".backup '${cfg.backups?.path ?? '/var/backups/bulwark'}/bulwark-$(date +%Y%m%dT%H%M%S).db'"`
      : `pg_dump "$BULWARK_STORAGE" --table bulwark_kv --file ${cfg.backups?.path ?? '/var/backups/bulwark'}/bulwark-$(date +%Y%m%dT%H%M%S).sql`;
  if (cfg.backupsInvalid) return { status: 'ERROR', evidence: `the config file's backups section is invalid: ${cfg.backupsInvalid}` };
  if (!cfg.backups) {
    return {
      status: 'FAIL',
      evidence: 'no backups section in the config file',
      commands: [
        'mkdir -p -m 700 /var/backups/bulwark',
        `printf 'backups:\\n  path: /var/backups/bulwark\\n  maxAgeHours: 26\\n' >> ${sh(cfg.configFile ?? 'bulwark.yaml')}   # then restart with --config`,
        job,
      ],
    };
  }
  const { path, maxAgeHours, newestBackupTime } = cfg.backups;
  if (!newestBackupTime) return { status: 'FAIL', evidence: `no backup file in ${path}`, resources: [{ id: path, status: 'FAIL', detail: 'empty or missing' }], commands: [job] };
  const ageHours = (now.getTime() - Date.parse(newestBackupTime)) / 3_600_000;
  if (ageHours > maxAgeHours) {
    return { status: 'FAIL', evidence: `newest backup in ${path} is ${Math.floor(ageHours)} hours old (limit ${maxAgeHours})`, resources: [{ id: path, status: 'FAIL', detail: newestBackupTime }], commands: [job] };
  }
  return { status: 'PASS', evidence: `newest backup in ${path} is from ${newestBackupTime}`, resources: [{ id: path, status: 'PASS', detail: newestBackupTime }] };
};
