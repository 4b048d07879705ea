import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['capabilities/**/*.ts', 'nanokernel/**/*.ts', 'policies/**/*.ts', 'sandboxes/**/*.ts', 'extensions/**/*.ts'],
      exclude: ['**/assembly/**', 'test/**', 'dist/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'capabilities/**/*.ts': { lines: 85 },
        'nanokernel/**/*.ts': { lines: 85 },
      },
    },
  },
});
