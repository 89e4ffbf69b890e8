import { isFailoverError } from "../domain/failover-error.js";
import type { FailoverOperations } from "../operations/failover-operations.js";
import type { OperationOptions } from "../operations/operation-types.js";
import { finishedOperation, type LiveOperation, startedOperation } from "./live-operation.js";

type Operations = Pick<FailoverOperations, "snapshot" | "switchService" | "evacuate" | "history">;

/** What users may read about a failure: a bug's message may carry internals. */
function failureText(error: unknown): string {
  if (isFailoverError(error) && error.code !== "INTERNAL") return error.message;
  return "internal error; see the server log for this request id";
}

/**
 * The same operations, reporting every real (not dry-run) request as an Operation: `running`
 * when it is accepted, then `succeeded` (with the commit, or "nothing to do") or `failed` (with
 * the refusal or error).
 */
export function observeOperations(
  inner: Operations,
  report: (op: LiveOperation) => void,
  /** The services an evacuate of `node` is about (the configured primaries of the node). */
  primariesOf: (node: string) => string[],
  now: () => Date = () => new Date(),
): Operations {
  async function observed<R extends { changed: boolean; commit: string | null; forced: boolean }>(
    action: LiveOperation["action"],
    services: string[],
    options: OperationOptions,
    run: () => Promise<R>,
    nothingToDo: (result: R) => string,
    changedServices: (result: R) => string[] = () => services,
  ): Promise<R> {
    // Dry-runs change nothing; a request for an unknown service or a node with no primaries is
    // not an operation either (the inner call answers it).
    if (options.dryRun === true || services.length === 0) return run();
    const started = startedOperation(
      options.requestId,
      action,
      services,
      options.actor,
      options.reason ?? null,
      now(),
    );
    report(started);
    try {
      const result = await run();
      const touched = result.changed ? changedServices(result) : services;
      report(
        finishedOperation({ ...started, services: touched }, now(), {
          commit: result.commit,
          forced: result.forced,
          detail: result.changed ? null : nothingToDo(result),
        }),
      );
      return result;
    } catch (error) {
      report(finishedOperation(started, now(), { error: failureText(error) }));
      throw error;
    }
  }

  return {
    get snapshot() {
      return inner.snapshot;
    },
    history: (service, limit) => inner.history(service, limit),
    switchService: (name, action, options) =>
      observed(
        action,
        inner.snapshot?.services.has(name) === true ? [name] : [],
        options,
        () => inner.switchService(name, action, options),
        (r) => `already ${r.to}: nothing to do`,
      ),
    evacuate: (node, options) =>
      observed(
        "evacuate",
        primariesOf(node),
        options,
        () => inner.evacuate(node, options),
        (r) => `nothing to promote on ${node}${r.skipped.length > 0 ? ` (${r.skipped.length} skipped)` : ""}`,
        (r) => r.services,
      ),
  };
}
