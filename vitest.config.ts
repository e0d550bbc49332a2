import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // DynamoDB Local is one JVM shared by every file; each file works in its own stage (table prefix).
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
