import { performance } from "node:perf_hooks";
import type { Repository } from "../src/operations/repository.js";

interface MethodTime {
  /** Wall time during which at least one call of the method was running. */
  ms: number;
  calls: number;
  active: number;
  since: number;
}

/** Where an operation's time goes: wall milliseconds per Repository method. */
export class RepositoryTimes {
  readonly #methods = new Map<string, MethodTime>();

  /** `repo`, with every method call timed (calls that overlap count their wall time once). */
  wrap<R extends Repository>(repo: R): R {
    return new Proxy(repo, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          const t = this.#start(String(property));
          return result.finally(() => this.#end(t));
        };
      },
    });
  }

  reset(): void {
    this.#methods.clear();
  }

  /** `method <ms per operation> (<calls per operation>)`, slowest first. */
  perOperation(operations: number): string[] {
    return [...this.#methods.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(
        ([method, t]) =>
          `${method} ${(t.ms / operations).toFixed(0)} ms (${(t.calls / operations).toFixed(1)} calls)`,
      );
  }

  #start(method: string): MethodTime {
    const t = this.#methods.get(method) ?? { ms: 0, calls: 0, active: 0, since: 0 };
    this.#methods.set(method, t);
    t.calls += 1;
    if (t.active++ === 0) t.since = performance.now();
    return t;
  }

  #end(t: MethodTime): void {
    if (--t.active === 0) t.ms += performance.now() - t.since;
  }
}
