/** Runs tasks one at a time in arrival order: one Git operation at a time per process. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues `task`. When `signal` aborts while the task is still waiting for its turn, the caller
   * is answered at once with the signal's reason and the task never runs; once started, a task
   * is waited for (it is expected to watch the signal itself).
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.#pending++;
    let started = false;
    const start = (): Promise<T> => {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      started = true;
      return task();
    };
    const result = this.#tail.then(start, start);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    const settled = result.finally(() => {
      this.#pending--;
    });
    if (signal === undefined) return settled;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      settled.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
