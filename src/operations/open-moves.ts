import type { RepoSnapshot } from "./repo-snapshot.js";
import { stepCommitOf } from "./step-message.js";

/**
 * Services whose planned move has started in this tree's history but neither switched nor rolled
 * back (by commits alone, so it needs no cluster): by service, the operation id.
 */
export function openPlannedMoves(snapshot: RepoSnapshot): Map<string, string> {
  const closed = new Set<string>();
  const open = new Map<string, string>();
  for (const c of snapshot.commits) {
    const commit = stepCommitOf(c);
    if (!commit) continue;
    if (commit.step === "switch" || commit.step === "rollback") closed.add(commit.operation);
    else if (commit.step === "quiesce" && !closed.has(commit.operation)) {
      for (const s of commit.services) if (!open.has(s)) open.set(s, commit.operation);
    }
  }
  return open;
}
