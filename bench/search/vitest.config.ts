import { defineConfig } from 'vitest/config';

/** The search and dashboard measurement (not part of `npm test`: its file is not *.test.ts).
 *  TEST_DATABASE_URL=postgres://… npx vitest run --config bench/search/vitest.config.ts */
export default defineConfig({
  test: {
    include: ['bench/search/*.bench.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
  },
});
