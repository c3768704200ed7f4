import { defineConfig } from 'vitest/config';

// Thread-heavy tests: one file at a time, each in its own forked process, so vCPU,
// tracker and checkpointer workers do not compete with another file's workers for
// the two cores.
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
