import type { AppConfig } from "../config/app-config.js";
import { FailoverError } from "../domain/failover-error.js";
import { foldOperation, type Folded, type LiveFacts, type TreeFacts } from "../domain/fold-operation.js";
import type { LiveView } from "../domain/live-state.js";
import type { StepCommit } from "../domain/operation-detail.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { plannedMoveFilesOf } from "../manifests/scan-planned-move.js";
import { liveFacts, type OperationContext, treeFacts } from "./operation-facts.js";
import type { Progress } from "./operation-types.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import type { Repository } from "./repository.js";
import type { Files } from "./step-files.js";
import { stepCommitOf } from "./step-message.js";

export interface OperationReaderDeps {
  repo: Repository;
  config: () => AppConfig;
  live: () => LiveView | null;
  /** How far Flux and the pods got with a pushed commit (null when unknown). */
  progress?: (service: string, commit: string) => Progress | null;
  now: () => Date;
}

type Commit = StepCommit & { operation: string };

export interface Facts {
  tree: TreeFacts;
  live: LiveFacts | null;
}

/**
 * Reads operations back from Git (their commits' trailers) and folds them with the cluster's
 * live state. Holds only caches of what Git fixes for good (the tree before an operation, which
 * commits follow one), so any replica or a restarted server reads the same operations.
 */
export class OperationReader {
  readonly #deps: OperationReaderDeps;
  readonly #base = new Map<string, Promise<Files>>();
  readonly #since = new Map<string, { head: string; shas: Promise<Set<string>> }>();

  constructor(deps: OperationReaderDeps) {
    this.#deps = deps;
  }

  /** Operation ids in the snapshot's commits, newest first. */
  ids(snapshot: RepoSnapshot): string[] {
    const ids: string[] = [];
    for (const c of snapshot.commits) {
      const commit = stepCommitOf(c);
      if (commit && !ids.includes(commit.operation)) ids.push(commit.operation);
    }
    return ids;
  }

  /** An operation's commits in the snapshot, oldest first. */
  commitsOf(snapshot: RepoSnapshot, id: string): StepCommit[] {
    return snapshot.commits
      .map(stepCommitOf)
      .filter((c): c is Commit => c !== undefined && c.operation === id)
      .reverse();
  }

  /** An operation's commits from the whole history (for one older than the snapshot's window). */
  async commitsFromHistory(id: string): Promise<StepCommit[]> {
    const commits = await this.#deps.repo.log({ operation: id, limit: 10 });
    return commits
      .map(stepCommitOf)
      .filter((c): c is Commit => c !== undefined && c.operation === id)
      .reverse();
  }

  /** The operation with the tree before its first commit (read from Git once, then cached). */
  async context(id: string, commits: StepCommit[]): Promise<OperationContext> {
    const [first] = commits;
    if (!first) throw new FailoverError("OPERATION_NOT_FOUND", `no operation "${id}"`);
    const config = this.#deps.config();
    const specs = first.services
      .map((name) => config.services.find((s) => s.name === name))
      .filter((s): s is ServiceSpec => s !== undefined);
    // A one-commit operation has nothing to restore: it needs no earlier tree.
    if (first.step === null || first.step === "switch") return { id, commits, specs, base: new Map() };
    let base = this.#base.get(id);
    if (!base) {
      const paths = [...new Set(specs.flatMap(plannedMoveFilesOf))];
      base = Promise.all(paths.map((p) => this.#deps.repo.readFileAt(`${first.sha}^`, p))).then(
        (texts) => new Map(paths.map((p, i) => [p, texts[i]])),
      );
      base.catch(() => this.#base.delete(id));
      this.#base.set(id, base);
      trim(this.#base);
    }
    return { id, commits, specs, base: await base };
  }

  /** The quiesce commit and every commit after it, as of the snapshot (read from Git, cached). */
  async appliedSince(ctx: OperationContext, snapshot: RepoSnapshot): Promise<Set<string> | null> {
    const first = ctx.commits[0];
    return first && first.step !== null ? this.#appliedSince(first.sha, snapshot.revision) : null;
  }

  /** The fold's inputs now: what the snapshot's tree and the cluster say. */
  async facts(ctx: OperationContext, snapshot: RepoSnapshot): Promise<Facts> {
    return this.factsWith(ctx, snapshot, await this.appliedSince(ctx, snapshot));
  }

  factsWith(ctx: OperationContext, snapshot: RepoSnapshot, applied: ReadonlySet<string> | null): Facts {
    const tree = treeFacts(ctx, snapshot.files);
    const live = this.#deps.live();
    return { tree, live: live ? liveFacts(ctx, snapshot.files, live, applied) : null };
  }

  fold(ctx: OperationContext, facts: Facts): Folded {
    const timeouts = {
      quiesceSeconds: Math.max(...ctx.specs.map((s) => s.quiesceTimeoutSeconds), 0) || 300,
      finalSyncSeconds: Math.max(...ctx.specs.map((s) => s.finalSyncTimeoutSeconds), 0) || 1800,
    };
    const folded = foldOperation({
      id: ctx.id,
      commits: ctx.commits,
      ...facts,
      now: this.#deps.now(),
      timeouts,
    });
    const last = ctx.commits.at(-1);
    const service = ctx.specs[0]?.name;
    const progress = last && service ? (this.#deps.progress?.(service, last.sha) ?? null) : null;
    return { ...folded, operation: { ...folded.operation, progress } };
  }

  /** Fold one operation from the snapshot (or, when older, from the whole history). */
  async read(id: string, snapshot: RepoSnapshot): Promise<{ ctx: OperationContext; folded: Folded }> {
    let commits = this.commitsOf(snapshot, id);
    if (commits.length === 0) commits = await this.commitsFromHistory(id);
    const ctx = await this.context(id, commits);
    return { ctx, folded: this.fold(ctx, await this.facts(ctx, snapshot)) };
  }

  async #appliedSince(sha: string, head: string): Promise<Set<string>> {
    const cached = this.#since.get(sha);
    if (cached && cached.head === head) return cached.shas;
    const shas = this.#deps.repo.commitsSince(sha).then((list) => new Set(list));
    this.#since.set(sha, { head, shas });
    trim(this.#since);
    shas.catch(() => this.#since.delete(sha));
    return shas;
  }
}

/** Caches keep the newest entries only: an operation older than these is read from Git again. */
function trim(cache: Map<string, unknown>, max = 200): void {
  for (const key of cache.keys()) {
    if (cache.size <= max) return;
    cache.delete(key);
  }
}
