import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The e2e suite builds (if needed) and serves the app once; its hooks get generous time, the tests do not.
    hookTimeout: 600_000,
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
