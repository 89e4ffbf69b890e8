import { defineConfig } from "vitest/config";

// Story tests (test/story): the SPEC §1 failover told end to end on a real control plane with
// kwok nodes, a real SSH Git remote, and Flux's real source-, kustomize- and helm-controller.
// Run with `npm run test:story`; shares the cluster tests' build (test/cluster/README.md).
export default defineConfig({
  test: {
    include: ["test/story/**/*.test.ts"],
    globalSetup: ["test/cluster/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 20 * 60_000,
    teardownTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
