import { defineConfig } from "vitest/config";

// Browser tests (test/browser): the dashboard in Debian's Chromium (Playwright), against the real
// server on a real SSH remote. Run with `npm run test:browser` (builds the dashboard first).
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
