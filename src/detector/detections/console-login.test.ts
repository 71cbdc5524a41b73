import { describe, expect, it } from 'vitest';
import { consoleLogin, FAIL_COUNT, SPRAY_USERS } from './console-login.js';
import { ct, ctInputs, fakeContext, run } from './testing.js';

const login = (ip: string, t: string, ok = true, user = 'alice') => ct({
  eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', eventType: 'AwsConsoleSignIn', sourceIPAddress: ip, eventTime: t,
  userIdentity: { type: 'IAMUser', principalId: `AIDA${user}`, arn: `arn:aws:iam::111122223333:user/${user}`, accountId: '111122223333', userName: user },
  responseElements: { ConsoleLogin: ok ? 'Success' : 'Failure' },
  ...(ok ? {} : { errorMessage: 'Failed authentication' }),
});

function geoCtx() {
  const ctx = fakeContext();
  ctx.geoTable.set('81.2.69.1', { countryCode: 'GB', countryName: 'United Kingdom', asn: '20712' });
  ctx.geoTable.set('81.2.69.2', { countryCode: 'GB', countryName: 'United Kingdom', asn: '20712' });
  ctx.geoTable.set('175.45.176.1', { countryCode: 'KP', countryName: 'North Korea', asn: '131279' });
  ctx.geoTable.set('201.1.1.1', { countryCode: 'BR', countryName: 'Brazil', asn: '28573' });
  return ctx;
}

describe('console-login', () => {
  it('impossible travel: two countries within an hour', () => {
    const out = run(consoleLogin, ctInputs([login('81.2.69.1', '2026-01-05T10:00:00Z'), login('175.45.176.1', '2026-01-05T10:20:00Z')]), geoCtx());
    expect(out.map((c) => [c.type, c.severity])).toEqual([['UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', undefined]]);
    expect(out[0]?.dedupKey).toBe('UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B|arn:aws:iam::111122223333:user/alice|GB>KP');
  });

  it('silent for the same country, or countries a day apart for a new user', () => {
    expect(run(consoleLogin, ctInputs([login('81.2.69.1', '2026-01-05T10:00:00Z'), login('81.2.69.2', '2026-01-05T10:10:00Z')]), geoCtx())).toEqual([]);
    expect(run(consoleLogin, ctInputs([login('81.2.69.1', '2026-01-05T10:00:00Z'), login('201.1.1.1', '2026-01-06T10:00:00Z')]), geoCtx())).toEqual([]);
  });

  it('a new country for a user with history is low severity', () => {
    const days = Array.from({ length: 6 }, (_, i) => login('81.2.69.1', `2026-01-0${i + 1}T09:00:00Z`));
    const out = run(consoleLogin, ctInputs([...days, login('201.1.1.1', '2026-01-09T09:00:00Z')]), geoCtx());
    expect(out.map((c) => [c.type, c.severity])).toEqual([['UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', 2]]);
  });

  it('brute force and password spraying from one IP', () => {
    const guesses = Array.from({ length: FAIL_COUNT }, (_, i) => login('198.51.100.9', `2026-01-05T10:00:${String(i).padStart(2, '0')}Z`, false));
    expect(run(consoleLogin, ctInputs(guesses)).map((c) => c.type)).toEqual(['UnauthorizedAccess:IAMUser/ConsoleLoginBruteForce']);
    expect(run(consoleLogin, ctInputs(guesses.slice(1)))).toEqual([]);
    const spray = Array.from({ length: SPRAY_USERS }, (_, i) => login('198.51.100.9', `2026-01-05T10:00:0${i}Z`, false, `user${i}`));
    expect(run(consoleLogin, ctInputs(spray)).map((c) => c.title)).toEqual(['Password spraying against console sign-in.']);
  });
});
