// A STAND-IN FOR FLUX'S kustomize-controller (and source-controller), not Flux itself.
//
// It does what those two controllers do for a plain kustomize directory, and nothing more:
// every `intervalMs` it fetches the Git branch over SSH (like source-controller), and on a new
// commit runs `kubectl apply -k <checkout>/<path>` with the admin kubeconfig (like
// kustomize-controller, which applies server-side; no pruning, no health checks, no
// post-build substitution). After a successful apply it writes
// `status.lastAppliedRevision = <branch>@sha1:<sha>` on the Flux Kustomization object through the
// status subresource, imitating what kustomize-controller reports, so failover-api's
// `progress.fluxAppliedAt` advances as it would with real Flux. It ignores failover-api's
// reconcile nudge (the `reconcile.fluxcd.io/requestedAt` annotation): it simply polls.
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { sleep, waitFor } from "./wait-for.js";

const execFileAsync = promisify(execFile);

export interface FluxStandInOptions {
  url: string;
  branch: string;
  /** Repository-relative directory holding a kustomization.yaml. */
  path: string;
  /** Where the checkout lives (created). */
  workDir: string;
  sshKeyFile: string;
  knownHostsFile: string;
  /** kubectl with the admin kubeconfig. */
  kubectl: (...args: string[]) => Promise<string>;
  /** The Flux Kustomization object whose status this stand-in writes. */
  kustomization: { namespace: string; name: string };
  intervalMs?: number;
}

export interface AppliedCommit {
  sha: string;
  /** When the fetch that found the commit started (epoch ms): the end of the polling wait. */
  fetchStartedAt: number;
  /** When `kubectl apply -k` and the status write finished (epoch ms). */
  appliedAt: number;
}

export interface FluxStandIn {
  readonly applied: readonly AppliedCommit[];
  /** Resolves when `sha` has been applied; fails with the stand-in's last error on timeout. */
  waitForApplied(sha: string, timeoutMs: number): Promise<AppliedCommit>;
  stop(): Promise<void>;
}

export async function startFluxStandIn(options: FluxStandInOptions): Promise<FluxStandIn> {
  const interval = options.intervalMs ?? 500;
  const checkout = join(options.workDir, "checkout");
  await mkdir(options.workDir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.workDir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    GIT_SSH_COMMAND:
      `ssh -i ${options.sshKeyFile} -o IdentitiesOnly=yes -o BatchMode=yes ` +
      `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${options.knownHostsFile}`,
  };
  const git = async (...args: string[]): Promise<string> =>
    (await execFileAsync("git", args, { cwd: checkout, env })).stdout.trim();
  await execFileAsync("git", ["clone", "--quiet", "--branch", options.branch, options.url, checkout], {
    env,
  });

  const applied: AppliedCommit[] = [];
  let lastError: string | null = null;
  let stopped = false;
  let current: string | null = null;

  const applyOnce = async (): Promise<void> => {
    const fetchStartedAt = Date.now();
    await git("fetch", "--quiet", "origin", options.branch);
    const sha = await git("rev-parse", `origin/${options.branch}`);
    if (sha === current) return;
    await git("reset", "--quiet", "--hard", sha);
    await options.kubectl("apply", "-k", join(checkout, options.path));
    const { namespace, name } = options.kustomization;
    const revision = `${options.branch}@sha1:${sha}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    // Imitates kustomize-controller's report of a successful apply.
    await options.kubectl(
      "patch",
      "kustomizations.kustomize.toolkit.fluxcd.io",
      name,
      "-n",
      namespace,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({
        status: {
          lastAppliedRevision: revision,
          lastAttemptedRevision: revision,
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "ReconciliationSucceeded",
              message: `Applied revision: ${revision} (flux stand-in: kubectl apply -k)`,
              lastTransitionTime: now,
            },
          ],
        },
      }),
    );
    current = sha;
    applied.push({ sha, fetchStartedAt, appliedAt: Date.now() });
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await applyOnce();
        lastError = null;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (!stopped) await sleep(interval);
    }
  })();

  return {
    applied,
    waitForApplied: async (sha, timeoutMs) => {
      type Seen = AppliedCommit | { appliedSoFar: string[]; lastError: string | null };
      const seen = await waitFor<Seen>(
        `the Flux stand-in to apply commit ${sha}`,
        () =>
          Promise.resolve(
            applied.find((a) => a.sha === sha) ?? { appliedSoFar: applied.map((a) => a.sha), lastError },
          ),
        (value) => "sha" in value,
        timeoutMs,
      );
      return seen as AppliedCommit;
    },
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
