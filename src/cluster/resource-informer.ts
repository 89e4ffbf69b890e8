import { makeInformer, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "../log/logger.js";
import { backoffDelay, defaultBackoff, type BackoffOptions } from "./backoff.js";

/** What a list call returns; items are validated by `parse`, not trusted. */
export interface ListResult {
  items: unknown[];
  metadata?: { resourceVersion?: string } | undefined;
}

export interface ResourceInformerOptions<R> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/api/v1/nodes`. */
  path: string;
  list: () => Promise<ListResult>;
  /** Validates one object from the API server; undefined drops it (logged). */
  parse: (obj: unknown) => R | undefined;
  logger: Logger;
  backoff?: BackoffOptions;
  /** Called after the cached records changed. */
  onChange?: () => void;
}

function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

/**
 * One list+watch kept in memory as validated records. The client's informer stops for good on
 * an error (API server gone, 403, ...), so this restarts it after a backoff, resuming from the
 * last resourceVersion (or relisting after 410 Gone), until stop().
 */
export class ResourceInformer<R> {
  readonly #options: ResourceInformerOptions<R>;
  readonly #log: Logger;
  readonly #records = new Map<string, R>();
  readonly #informer;
  #healthy = false;
  #stopped = true;
  #failedSinceStart = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ResourceInformerOptions<R>) {
    this.#options = options;
    this.#log = options.logger.child({ watch: options.path });
    // The list result is only handed on to the informer's own cache; `parse` validates it.
    const list = () =>
      options.list() as Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>;
    this.#informer = makeInformer<KubernetesObject>(options.kubeConfig, options.path, list);
    const upsert = (obj: KubernetesObject) => this.#upsert(obj);
    this.#informer.on("add", upsert);
    this.#informer.on("update", upsert);
    this.#informer.on("delete", (obj) => {
      if (this.#records.delete(keyOf(obj))) this.#options.onChange?.();
    });
    this.#informer.on("error", (err) => this.#failed(err));
  }

  /** Listed and watching, with no error since. */
  get healthy(): boolean {
    return this.#healthy;
  }

  get path(): string {
    return this.#options.path;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    void this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#healthy = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#informer.stop();
  }

  records(): R[] {
    return [...this.#records.values()];
  }

  get(namespace: string | null, name: string): R | undefined {
    return this.#records.get(`${namespace ?? ""}/${name}`);
  }

  #upsert(obj: KubernetesObject): void {
    const record = this.#options.parse(obj);
    const key = keyOf(obj);
    if (record === undefined) {
      this.#log.warn("Ignoring an object the API server returned in an unexpected shape", { object: key });
      this.#records.delete(key);
    } else this.#records.set(key, record);
    this.#options.onChange?.();
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    this.#failedSinceStart = false;
    try {
      // Resolves once the list is done and the watch request is answered (or failed).
      await this.#informer.start();
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (!this.#failedSinceStart && !this.#stopped) {
      if (this.#attempt > 0) this.#log.info("Watch reconnected");
      this.#healthy = true;
      this.#attempt = 0;
    }
  }

  #failed(error: unknown): void {
    this.#failedSinceStart = true;
    this.#healthy = false;
    if (this.#stopped || this.#timer) return;
    const delay = backoffDelay(this.#attempt, this.#options.backoff ?? defaultBackoff);
    this.#log.warn("Watch failed; restarting", {
      error: describe(error),
      retryInMs: delay,
      attempt: this.#attempt,
    });
    this.#attempt += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delay);
    // A pending reconnect must not keep the process alive on shutdown.
    this.#timer.unref();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    const detail =
      typeof statusCode === "number" ? String(statusCode) : typeof code === "string" ? code : undefined;
    return detail === undefined ? error.message : `${error.message} (${detail})`;
  }
  return String(error);
}
