import { defineConfig } from "vitest/config";

// Cluster tests: a real etcd + kube-apiserver (+ controllers, kwok) per test file.
// Run with `npm run test:cluster`; the first run builds Kubernetes from source (see
// test/cluster/README.md).
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    globalSetup: ["test/cluster/global-setup.ts"],
    testTimeout: 180_000,
    // The globalSetup may run a cold Go build of kube-apiserver & co (tens of minutes).
    hookTimeout: 20 * 60_000,
    teardownTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
