/**
 * The IP lists behind the IP reputation groups and Bot Control's data-centre signal. Bulwark has no
 * Amazon threat-intelligence feed: each list is what the operator keeps in a local directory (one
 * file `<dir>/<List>.txt` and/or any files under `<dir>/<List>/`, one IP or CIDR per line, `#`
 * comments), compiled once into an IpMatcher and reloaded when the directory changes, plus entries
 * other modules add at runtime with a time to live (`addReputationIps`, e.g. GuardDuty findings).
 *
 * The composition root calls `configureIpLists` with `<data-dir>/ip-lists` (or `BULWARK_IP_LISTS_DIR`). `scripts/update-ip-lists.mjs` fills it from public sources (never run at build or test time).
 */
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { IpMatcher, registerManagedSignal } from '../engine/index.js';

/** The lists the managed groups consult. */
export const IP_LIST_NAMES = [
  'AWSManagedIPReputationList',
  'AWSManagedReconnaissanceList',
  'AWSManagedIPDDoSList',
  'AnonymousIPList',
  'HostingProviderIPList',
  /** Data centres bots run from that AWS keeps out of HostingProviderIPList (AWS's own ranges): Bot Control only. */
  'BotDataCenterList',
] as const;
/** One of IP_LIST_NAMES. */
export type IpListName = (typeof IP_LIST_NAMES)[number];

const EMPTY = new IpMatcher([], 'empty');

/** True when `s` is an IP address or a CIDR AWS accepts (prefix 1..32 / 1..128). */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const fam = isIP(addr);
  if (fam === 0) return false;
  if (slash < 0) return true;
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) return false;
  const bits = Number(p);
  return bits >= 1 && bits <= (fam === 4 ? 32 : 128);
}

/** The IPs/CIDRs of a list file's text: one or more per line, `#` starts a comment, bad entries skipped. */
export function parseIpListText(text: string): { cidrs: string[]; invalid: number } {
  const cidrs: string[] = [];
  let invalid = 0;
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (line.length === 0) continue;
    for (const tok of line.split(/[\s,;]+/)) {
      if (tok.length === 0) continue;
      if (isCidr(tok)) cidrs.push(tok);
      else invalid++;
    }
  }
  return { cidrs, invalid };
}

class IpList {
  private fromFiles: IpMatcher = EMPTY;
  private fileCount = 0;
  /** Runtime entries: CIDR → expiry (ms since epoch; Infinity = no expiry). */
  private readonly runtime = new Map<string, number>();
  private runtimeMatcher: IpMatcher = EMPTY;
  private nextExpiry = Infinity;

  setFromFiles(cidrs: readonly string[]): void {
    this.fromFiles = cidrs.length === 0 ? EMPTY : new IpMatcher(cidrs, 'ip-list');
    this.fileCount = cidrs.length;
  }

  add(cidrs: readonly string[], expiresAt: number): void {
    for (const c of cidrs) this.runtime.set(c, Math.max(expiresAt, this.runtime.get(c) ?? 0));
    this.rebuild(Date.now());
  }

  remove(cidrs: readonly string[]): void {
    for (const c of cidrs) this.runtime.delete(c);
    this.rebuild(Date.now());
  }

  clearRuntime(): void {
    this.runtime.clear();
    this.rebuild(Date.now());
  }

  private rebuild(now: number): void {
    let next = Infinity;
    for (const [c, exp] of this.runtime) {
      if (exp <= now) this.runtime.delete(c);
      else if (exp < next) next = exp;
    }
    this.nextExpiry = next;
    this.runtimeMatcher = this.runtime.size === 0 ? EMPTY : new IpMatcher([...this.runtime.keys()], 'ip-list runtime');
  }

  has(ip: string): boolean {
    if (this.fromFiles.has(ip)) return true;
    if (this.runtime.size === 0) return false;
    const now = Date.now();
    if (now >= this.nextExpiry) this.rebuild(now);
    return this.runtimeMatcher.has(ip);
  }

  sizes(): { files: number; runtime: number } {
    return { files: this.fileCount, runtime: this.runtime.size };
  }
}

const lists = new Map<IpListName, IpList>(IP_LIST_NAMES.map((n) => [n, new IpList()]));

function list(name: string): IpList {
  const l = lists.get(name as IpListName);
  if (l === undefined) throw new Error(`unknown IP list ${name} (one of ${IP_LIST_NAMES.join(', ')})`);
  return l;
}

/** True when the list holds `ip` (files or unexpired runtime entries). Called per request: no allocation. */
export function ipListHas(name: IpListName, ip: string): boolean {
  return lists.get(name)!.has(ip);
}

/**
 * Adds IPs/CIDRs to a list at runtime, for `ttlSec` seconds (no expiry when omitted), e.g. GuardDuty
 * findings feeding AWSManagedIPReputationList. Invalid entries are skipped; returns how many were added.
 */
export function addReputationIps(name: IpListName, ips: readonly string[], ttlSec?: number): number {
  const ok = ips.map((s) => s.trim()).filter(isCidr);
  if (ok.length > 0) list(name).add(ok, ttlSec === undefined ? Infinity : Date.now() + ttlSec * 1000);
  return ok.length;
}

/** Removes runtime entries from a list (file entries stay until the file changes). */
export function removeReputationIps(name: IpListName, ips: readonly string[]): void {
  list(name).remove(ips.map((s) => s.trim()));
}

/** Replaces a list's file-backed entries (what loading the directory does; also for tests). */
export function setIpList(name: IpListName, cidrs: readonly string[]): void {
  list(name).setFromFiles(cidrs.filter(isCidr));
}

/** Drops every entry of every list (file-backed and runtime). */
export function resetIpLists(): void {
  for (const l of lists.values()) {
    l.setFromFiles([]);
    l.clearRuntime();
  }
}

/** Entry counts per list. */
export function ipListSizes(): Record<IpListName, { files: number; runtime: number }> {
  return Object.fromEntries([...lists].map(([n, l]) => [n, l.sizes()])) as Record<IpListName, { files: number; runtime: number }>;
}

function filesOf(dir: string, name: string): string[] {
  const out: string[] = [];
  const single = join(dir, `${name}.txt`);
  if (existsSync(single) && statSync(single).isFile()) out.push(single);
  const sub = join(dir, name);
  if (existsSync(sub) && statSync(sub).isDirectory()) {
    for (const f of readdirSync(sub).sort()) {
      const p = join(sub, f);
      if (!f.startsWith('.') && statSync(p).isFile()) out.push(p);
    }
  }
  return out;
}

/** Loads every list from `dir` (lists without files become empty). Returns the count per list and skipped lines. */
export function loadIpListsFrom(dir: string): { counts: Record<string, number>; invalid: number } {
  const counts: Record<string, number> = {};
  let invalid = 0;
  for (const name of IP_LIST_NAMES) {
    const cidrs: string[] = [];
    for (const f of filesOf(dir, name)) {
      const r = parseIpListText(readFileSync(f, 'utf8'));
      for (const c of r.cidrs) cidrs.push(c);
      invalid += r.invalid;
    }
    list(name).setFromFiles(cidrs);
    counts[name] = cidrs.length;
  }
  return { counts, invalid };
}

let watcher: FSWatcher | undefined;
let reloadTimer: NodeJS.Timeout | undefined;

/**
 * Points the lists at a directory: loads it now and, with `watch`, reloads it (debounced) whenever a
 * file in it changes. Passing no directory stops watching and leaves the lists as they are.
 */
export function configureIpLists(opts: { dir?: string; watch?: boolean; onReload?: (r: ReturnType<typeof loadIpListsFrom> | Error) => void }): ReturnType<typeof loadIpListsFrom> | undefined {
  watcher?.close();
  watcher = undefined;
  if (reloadTimer) clearTimeout(reloadTimer);
  const dir = opts.dir;
  if (dir === undefined || !existsSync(dir)) return undefined;
  const first = loadIpListsFrom(dir);
  if (opts.watch) {
    watcher = watch(dir, { recursive: true, persistent: false }, () => {
      if (reloadTimer) clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => {
        try {
          const r = loadIpListsFrom(dir);
          opts.onReload?.(r);
        } catch (e) {
          // A half-written file or a bad CIDR keeps the previous lists.
          opts.onReload?.(e as Error);
        }
      }, 250);
      reloadTimer.unref();
    });
    watcher.on('error', () => undefined);
  }
  return first;
}


for (const name of IP_LIST_NAMES) {
  registerManagedSignal(`ip-list:${name}`, (ctx) => lists.get(name)!.has(ctx.req.clientIp));
}
