// Vitest globalSetup for the cluster tests: makes sure the control-plane binaries exist by
// running build.sh (a no-op taking milliseconds when they are already in the cache; tens of
// minutes on a cold Go build cache). Fails loudly; never skips.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function setup(): void {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0) {
    throw new Error(
      "cluster tests: `go` is not on PATH; it builds kube-apiserver & co and provides the Flux/VolSync " +
        "CRDs from the Go module cache. Install Go >= 1.24: apt-get install golang (Debian trixie or newer; " +
        "bookworm ships 1.19) or https://go.dev/dl/",
    );
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), "build.sh");
  const started = Date.now();
  const result = spawnSync("bash", [script], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (result.error) {
    throw new Error(`cluster tests: cannot run ${script}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(
      `cluster tests: ${script} failed (exit ${String(result.status)}); see its output above. ` +
        "The cluster tests need Go >= 1.24 and the Go module proxy to build kube-apiserver.",
    );
  }
  const binDir = result.stdout.trim().split("\n").pop() ?? "";
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`cluster tests: binaries in ${binDir} (build.sh took ${seconds}s)`);
}
