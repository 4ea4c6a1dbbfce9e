import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // e2e tests spawn the CLI in a pseudo-terminal; give them room on a 2-core CI machine
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
