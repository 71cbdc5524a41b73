import { describe, expect, it } from 'vitest';
import { credentialsOf, profileSettings } from './ingest.js';

describe('bulwark ingest client settings', () => {
  it('takes credentials from the environment without a profile, as the default chain does first', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };
    expect(await credentialsOf(undefined, env)).toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(await credentialsOf(undefined, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'secret' });
  });

  it('with a profile (flag or AWS_PROFILE) leaves the environment keys to the SDK chain, which skips them', async () => {
    const saved = { ...process.env };
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    try {
      await expect(credentialsOf('no-such-profile', { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'secret' })).rejects.toThrow();
    } finally {
      process.env = saved;
    }
  });

  it('reads a profile section of the shared config file', () => {
    const text = '[default]\nregion = eu-west-1\n[profile dev]\nregion=us-east-2\nendpoint_url = http://127.0.0.1:4599\n';
    expect(profileSettings(text, 'dev')).toEqual({ region: 'us-east-2', endpoint_url: 'http://127.0.0.1:4599' });
    expect(profileSettings(text, 'default')).toEqual({ region: 'eu-west-1' });
  });
});
