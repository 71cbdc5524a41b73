import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The machine has two cores; end-to-end suites start servers and external clients.
    maxWorkers: 2,
    // The SDK clients in tests warn about the Node 20 end of support once per process; the
    // project targets Node 20 as required, so keep the test output readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
