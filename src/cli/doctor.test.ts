import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorCommand, formatChecks, runChecks } from './doctor.js';

const roots: string[] = [];

/** A fake /proc root with the given files. */
function fakeProc(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-proc-'));
  roots.push(root);
  for (const [p, v] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), v);
  }
  return root;
}

const LIMITS = (soft: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             63474                63474                processes \nMax open files            ${soft}                524288               files     \n`;

const GOOD = {
  'sys/net/ipv4/tcp_syncookies': '1\n',
  'sys/net/core/somaxconn': '4096\n',
  'sys/net/ipv4/tcp_max_syn_backlog': '8192\n',
  'sys/net/core/netdev_max_backlog': '16384\n',
  'sys/net/ipv4/ip_local_port_range': '1024\t65535\n',
  'sys/net/ipv4/tcp_fin_timeout': '15\n',
  'sys/fs/file-max': '9223372036854775807\n',
  'self/limits': LIMITS('65536'),
};

afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('bulwark doctor', () => {
  it('passes a tuned host', () => {
    const checks = runChecks(fakeProc(GOOD));
    expect(checks.map((c) => [c.name, c.current, c.status])).toEqual([
      ['net.ipv4.tcp_syncookies', '1', 'OK'],
      ['net.core.somaxconn', '4096', 'OK'],
      ['net.ipv4.tcp_max_syn_backlog', '8192', 'OK'],
      ['net.core.netdev_max_backlog', '16384', 'OK'],
      ['net.ipv4.ip_local_port_range', '1024 65535', 'OK'],
      ['net.ipv4.tcp_fin_timeout', '15', 'OK'],
      ['fs.file-max', '9223372036854775807', 'OK'],
      ['ulimit -n', '65536', 'OK'],
    ]);
    expect(formatChecks(checks)).toContain('All settings are at or above the recommended values.');
  });

  it('warns on a default host with the sysctl command that fixes each setting', () => {
    const checks = runChecks(
      fakeProc({
        ...GOOD,
        'sys/net/ipv4/tcp_syncookies': '0\n',
        'sys/net/core/somaxconn': '128\n',
        'sys/net/ipv4/tcp_max_syn_backlog': '2048\n',
        'sys/net/ipv4/ip_local_port_range': '50000\t60000\n',
        'sys/net/ipv4/tcp_fin_timeout': '60\n',
        'self/limits': LIMITS('1024'),
      }),
    );
    const warn = checks.filter((c) => c.status === 'WARN').map((c) => [c.name, c.fix]);
    expect(warn).toEqual([
      ['net.ipv4.tcp_syncookies', 'sysctl -w net.ipv4.tcp_syncookies=1'],
      ['net.core.somaxconn', 'sysctl -w net.core.somaxconn=4096'],
      ['net.ipv4.tcp_max_syn_backlog', 'sysctl -w net.ipv4.tcp_max_syn_backlog=8192'],
      ['net.ipv4.ip_local_port_range', 'sysctl -w net.ipv4.ip_local_port_range="1024 65535"'],
      ['net.ipv4.tcp_fin_timeout', 'sysctl -w net.ipv4.tcp_fin_timeout=15'],
      ['ulimit -n', 'ulimit -n 65536  (systemd: LimitNOFILE=65536)'],
    ]);
    const text = formatChecks(checks);
    expect(text).toMatch(/^WARN +net\.core\.somaxconn +128 +4096 +sysctl -w net\.core\.somaxconn=4096$/m);
    expect(text).toContain('6 setting(s) below the recommendation');
  });

  it('reports unreadable settings as WARN with no value', () => {
    const checks = runChecks(fakeProc({ 'sys/net/ipv4/tcp_syncookies': '2\n' }));
    expect(checks[0]).toMatchObject({ name: 'net.ipv4.tcp_syncookies', current: '2', status: 'OK' });
    expect(checks.slice(1).every((c) => c.status === 'WARN' && c.current === null)).toBe(true);
  });

  it('prints JSON and exits 1 only with --strict and a WARN', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    const bad = fakeProc({ ...GOOD, 'sys/net/core/somaxconn': '128\n' });
    try {
      process.exitCode = undefined;
      await doctorCommand().parseAsync(['node', 'doctor', '--json', '--proc', bad]);
      expect(process.exitCode).toBeUndefined();
      const parsed = JSON.parse(out.join('')) as { checks: { name: string; status: string; current: string; recommended: string }[] };
      expect(parsed.checks.find((c) => c.name === 'net.core.somaxconn')).toMatchObject({ current: '128', recommended: '4096', status: 'WARN' });
      await doctorCommand().parseAsync(['node', 'doctor', '--strict', '--proc', bad]);
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;
      await doctorCommand().parseAsync(['node', 'doctor', '--strict', '--proc', fakeProc(GOOD)]);
      expect(process.exitCode).toBeUndefined();
    } finally {
      process.stdout.write = write;
      process.exitCode = undefined;
    }
  });
});
