import { defineConfig } from "vitest/config";

// Fault injection (`npm run test:faults`): real processes killed, remotes stopped, frozen and
// deleted, a full disk, garbage configuration, a restarted kube-apiserver. See test/faults/README.md.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/cluster/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 20 * 60_000,
    teardownTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
