import { FailoverError } from "../domain/failover-error.js";

export interface OperationDeadline {
  /** Aborts when the deadline passes; its reason is the FailoverError to report. */
  readonly signal: AbortSignal;
  /** Stops the timer once the operation has ended. */
  clear(): void;
}

/**
 * One deadline for the whole of an operation — waiting in the queue, fetch, commit, push and
 * every retry — so a remote that stops answering cannot hold a request (or the requests queued
 * behind it) for longer than `git.operationTimeout`. Git commands still running then are killed.
 */
export function operationDeadline(seconds: number, remote: string): OperationDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new FailoverError(
        "GIT_UNREACHABLE",
        `the operation did not finish within ${seconds}s (git.operationTimeout): the Git remote ${remote} ` +
          `is not answering, or an earlier operation waiting for it holds the queue. Retrying is safe: ` +
          `an operation that did land answers changed: false`,
        { retryable: true, details: { remote } },
      ),
    );
  }, seconds * 1000);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
