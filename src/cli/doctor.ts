/**
 * `bulwark doctor`: reads the kernel settings that decide how a host weathers SYN floods and
 * connection storms (syncookies, accept and SYN backlogs, port range, FIN timeout, file descriptor
 * limits) and prints each with its current value, the recommended one, OK/WARN and the command that
 * fixes it. Exit code 0 unless `--strict` and something is WARN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';

/** One evaluated setting. */
export interface DoctorCheck {
  /** sysctl name (or `ulimit -n`). */
  readonly name: string;
  /** The value read, or null when it could not be read. */
  readonly current: string | null;
  readonly recommended: string;
  readonly status: 'OK' | 'WARN';
  /** What the setting protects against. */
  readonly why: string;
  /** The command that applies the recommendation (persist it in /etc/sysctl.d or the unit file). */
  readonly fix: string;
}

interface Spec {
  readonly name: string;
  readonly path: string;
  readonly recommended: string;
  readonly why: string;
  readonly ok: (v: string) => boolean;
}

const atLeast = (n: number) => (v: string): boolean => Number(v) >= n;

const SYSCTLS: readonly Spec[] = [
  { name: 'net.ipv4.tcp_syncookies', path: 'sys/net/ipv4/tcp_syncookies', recommended: '1', why: 'answers SYN floods with cookies instead of dropping new connections when the SYN queue is full', ok: (v) => v === '1' || v === '2' },
  { name: 'net.core.somaxconn', path: 'sys/net/core/somaxconn', recommended: '4096', why: 'accept queue ceiling of each listener: a burst of new connections beyond it is dropped', ok: atLeast(4096) },
  { name: 'net.ipv4.tcp_max_syn_backlog', path: 'sys/net/ipv4/tcp_max_syn_backlog', recommended: '8192', why: 'half-open connections remembered per listener during a SYN flood', ok: atLeast(8192) },
  { name: 'net.core.netdev_max_backlog', path: 'sys/net/core/netdev_max_backlog', recommended: '16384', why: 'packets queued between the NIC and the stack under a packet flood', ok: atLeast(16384) },
  {
    name: 'net.ipv4.ip_local_port_range',
    path: 'sys/net/ipv4/ip_local_port_range',
    recommended: '1024 65535',
    why: 'ephemeral ports for connections to the upstreams: a narrow range runs out under load',
    ok: (v) => {
      const [lo, hi] = v.split(/\s+/).map(Number);
      return lo !== undefined && hi !== undefined && hi - lo >= 28_000;
    },
  },
  { name: 'net.ipv4.tcp_fin_timeout', path: 'sys/net/ipv4/tcp_fin_timeout', recommended: '15', why: 'how long orphaned connections hold memory in FIN-WAIT-2 after a connection storm', ok: (v) => Number(v) > 0 && Number(v) <= 30 },
  { name: 'fs.file-max', path: 'sys/fs/file-max', recommended: '1048576', why: 'system-wide open files: every connection is one', ok: atLeast(1_048_576) },
];

const NOFILE_RECOMMENDED = 65536;

function read(root: string, path: string): string | null {
  try {
    return readFileSync(join(root, path), 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

/** Evaluates every setting under a /proc root (a fake one in tests). */
export function runChecks(procRoot = '/proc'): DoctorCheck[] {
  const out: DoctorCheck[] = SYSCTLS.map((s) => {
    const current = read(procRoot, s.path);
    const value = s.recommended.includes(' ') ? `"${s.recommended}"` : s.recommended;
    return {
      name: s.name,
      current,
      recommended: s.recommended,
      status: current !== null && s.ok(current) ? 'OK' : 'WARN',
      why: s.why,
      fix: `sysctl -w ${s.name}=${value}`,
    };
  });
  // The soft limit is what this process (and the node it starts) gets.
  const limits = read(procRoot, 'self/limits');
  const m = limits !== null ? /Max open files (\S+) (\S+)/.exec(limits) : null;
  const soft = m ? (m[1] as string) : null;
  out.push({
    name: 'ulimit -n',
    current: soft,
    recommended: String(NOFILE_RECOMMENDED),
    status: soft !== null && (soft === 'unlimited' || Number(soft) >= NOFILE_RECOMMENDED) ? 'OK' : 'WARN',
    why: 'open files of the Bulwark process: every client and upstream connection is one',
    fix: `ulimit -n ${NOFILE_RECOMMENDED}  (systemd: LimitNOFILE=${NOFILE_RECOMMENDED})`,
  });
  return out;
}

/** The report as aligned text lines. */
export function formatChecks(checks: readonly DoctorCheck[]): string {
  const rows = checks.map((c) => [c.status, c.name, c.current ?? '(unreadable)', c.recommended, c.status === 'OK' ? '' : c.fix]);
  const head = ['STATUS', 'SETTING', 'CURRENT', 'RECOMMENDED', 'FIX'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]): string => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  const warns = checks.filter((c) => c.status === 'WARN').length;
  return [line(head), ...rows.map(line), '', warns === 0 ? 'All settings are at or above the recommended values.' : `${warns} setting(s) below the recommendation; persist fixes in /etc/sysctl.d/ (see docs/proxy.md).`].join('\n') + '\n';
}

/** The `doctor` command. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Check kernel settings that matter for SYN floods and connection storms')
    .option('--json', 'print the checks as JSON')
    .option('--strict', 'exit 1 when a setting is below the recommendation')
    .option('--proc <dir>', 'read from another /proc root (for tests)', '/proc')
    .action((o: { json?: boolean; strict?: boolean; proc: string }) => {
      const checks = runChecks(o.proc);
      process.stdout.write(o.json ? JSON.stringify({ checks }, null, 2) + '\n' : formatChecks(checks));
      if (o.strict && checks.some((c) => c.status === 'WARN')) process.exitCode = 1;
    });
}
