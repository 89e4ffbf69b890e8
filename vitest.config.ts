import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/cluster/**", "test/story/**", "test/browser/**", "test/faults/**", "node_modules/**"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
