/**
 * console-login: sign-ins to the management console. Sees ConsoleLogin events; fires
 * `UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B` when one user signs in successfully from two
 * different countries within an hour (impossible travel) or, once the user has a history, from a
 * country and network never seen for them (lower severity); and the Bulwark type
 * `UnauthorizedAccess:IAMUser/ConsoleLoginBruteForce` when one source fails many sign-ins in a
 * short time, against one user (guessing) or many (password spraying).
 */
import type { CloudTrailRecord, Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { apiCandidate, DistinctWindow, LruMap, principalKey, timeMs } from './util.js';

const NAME = 'console-login';
const TRAVEL_WINDOW_MS = 60 * 60_000;
/** Failures from one IP within the window: on one user, or on distinct users (spraying). */
export const FAIL_COUNT = 10;
export const SPRAY_USERS = 5;
const FAIL_WINDOW_MS = 15 * 60_000;
const HISTORY_FOR_NEW_COUNTRY = 5;

interface UserState { lastT: number; lastCountry: string; countries: string[]; logins: number }

function outcome(rec: CloudTrailRecord): 'Success' | 'Failure' | undefined {
  const v = rec.responseElements?.ConsoleLogin;
  if (v === 'Success' || v === 'Failure') return v;
  if (rec.errorMessage === 'Failed authentication' || rec.errorCode) return 'Failure';
  return undefined;
}

class ConsoleLoginInstance implements DetectionInstance {
  private readonly users = new LruMap<string, UserState>(50_000);
  private readonly fails = new LruMap<string, { n: DistinctWindow; users: DistinctWindow; seq: number }>(10_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail' || input.record.eventName !== 'ConsoleLogin') return;
    const rec = input.record;
    const o = outcome(rec);
    const t = timeMs(rec.eventTime);
    const ip = rec.sourceIPAddress ?? '-';
    const user = principalKey(rec);
    if (o === 'Failure') { this.failure(rec, ip, user, t, emit); return; }
    if (o !== 'Success') return;
    const g = this.ctx.geo(ip);
    const country = g?.countryCode;
    if (!country) return;
    const u = this.users.get(user);
    if (!u) { this.users.set(user, { lastT: t, lastCountry: country, countries: [country], logins: 1 }); return; }
    if (u.lastCountry !== country && t - u.lastT <= TRAVEL_WINDOW_MS && t >= u.lastT) {
      emit(apiCandidate(this.ctx, rec, {
        type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B',
        title: 'Multiple worldwide successful console logins were observed.',
        description: `${user} signed in from ${u.lastCountry} and, ${Math.round((t - u.lastT) / 60_000)} minutes later, from ${country} (${ip}): impossible travel.`,
        key: `${u.lastCountry}>${country}`,
        detection: NAME,
        additionalInfo: { previousCountry: u.lastCountry, country },
      }));
    } else if (!u.countries.includes(country) && u.logins >= HISTORY_FOR_NEW_COUNTRY) {
      emit(apiCandidate(this.ctx, rec, {
        type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B',
        severity: 2,
        title: 'A console login from a new country.',
        description: `${user} signed in from ${country} (${ip}) for the first time after ${u.logins} sign-ins from ${u.countries.join(', ')}.`,
        key: `new:${country}`,
        detection: NAME,
        additionalInfo: { knownCountries: [...u.countries], country },
      }));
    }
    u.lastT = Math.max(u.lastT, t);
    u.lastCountry = country;
    u.logins++;
    if (!u.countries.includes(country) && u.countries.length < 16) u.countries.push(country);
  }

  private failure(rec: CloudTrailRecord, ip: string, user: string, t: number, emit: (c: FindingCandidate) => void): void {
    let f = this.fails.get(ip);
    if (!f) { f = { n: new DistinctWindow(FAIL_WINDOW_MS, FAIL_COUNT * 2), users: new DistinctWindow(FAIL_WINDOW_MS, SPRAY_USERS * 2), seq: 0 }; this.fails.set(ip, f); }
    const attempts = f.n.add(String(f.seq++), t);
    const users = f.users.add(user, t);
    if (attempts >= FAIL_COUNT || users >= SPRAY_USERS) {
      emit(apiCandidate(this.ctx, rec, {
        type: 'UnauthorizedAccess:IAMUser/ConsoleLoginBruteForce',
        title: users >= SPRAY_USERS ? 'Password spraying against console sign-in.' : 'Repeated failed console sign-ins.',
        description: `${ip} failed ${attempts} console sign-ins on ${users} user(s) within 15 minutes.`,
        key: ip,
        detection: NAME,
        additionalInfo: { failedAttempts: attempts, users },
      }));
    }
  }

  snapshot(): unknown { return [...this.users.entries()].map(([k, u]) => [k, u.lastT, u.lastCountry, u.countries, u.logins]); }
  restore(state: unknown): void {
    if (!Array.isArray(state)) return;
    for (const s of state) {
      if (!Array.isArray(s) || typeof s[0] !== 'string') continue;
      this.users.set(s[0], { lastT: Number(s[1]), lastCountry: String(s[2]), countries: Array.isArray(s[3]) ? s[3].map(String).slice(0, 16) : [], logins: Number(s[4]) || 0 });
    }
  }
}

/** The console sign-in module. */
export const consoleLogin: Detection = {
  name: NAME,
  description: `ConsoleLogin events: impossible travel (successful sign-ins by one user from two countries within an hour) and a new country for a user with ${HISTORY_FOR_NEW_COUNTRY}+ sign-ins (ConsoleLoginSuccess.B); ${FAIL_COUNT}+ failures or ${SPRAY_USERS}+ users failed from one IP in 15 minutes (ConsoleLoginBruteForce, Bulwark).`,
  inputs: ['cloudtrail'],
  findingTypes: ['UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', 'UnauthorizedAccess:IAMUser/ConsoleLoginBruteForce'],
  create: (ctx) => new ConsoleLoginInstance(ctx),
};
