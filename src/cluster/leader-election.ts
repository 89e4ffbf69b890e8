import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "../log/logger.js";

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** The server's own namespace (RBAC grants Leases there only). */
  namespace: string;
  /** Lease name; every replica of one installation uses the same. */
  name: string;
  /** Unique per process (see serverIdentity). */
  identity: string;
  /** How long a holder's claim lasts without renewal (default 15). */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long stops leading (default 10). */
  renewDeadlineSeconds?: number;
  /** Pause between attempts to acquire or renew (default 2). */
  retryPeriodSeconds?: number;
  logger: Logger;
  /** Milliseconds; for tests. */
  now?: () => number;
}

interface Observed {
  holder: string | null;
  renewTime: string | null;
  /** Local time at which the record was last seen to change. */
  at: number;
}

/**
 * Leader election on a `coordination.k8s.io` Lease, the way client-go's leaderelection does it:
 * acquire when the Lease is free or its holder has not renewed for a lease duration, renew every
 * retry period, and update with the read resourceVersion so that two candidates never both win.
 * Expiry is judged from when this process last saw the record change (its own clock), never from
 * the timestamps written by another node, so clock skew between nodes cannot make two leaders.
 * `isLeader` turns false as soon as the last successful renewal is older than the renew
 * deadline — even if the loop itself is stalled — because a leader must stop acting at once.
 */
export class LeaderElection {
  readonly #options: Required<Omit<LeaderElectionOptions, "logger" | "kubeConfig">>;
  readonly #api: CoordinationV1Api;
  readonly #log: Logger;
  readonly #listeners = new Set<(isLeader: boolean) => void>();
  #observed: Observed | undefined;
  #leading = false;
  #renewedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = true;
  /** The last failure logged, so that a lasting one (e.g. missing RBAC) is logged once. */
  #lastFailure: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = {
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      now: () => Date.now(),
      namespace: options.namespace,
      name: options.name,
      identity: options.identity,
    };
    Object.assign(this.#options, withoutUndefined(options));
    if (this.#options.renewDeadlineSeconds >= this.#options.leaseDurationSeconds) {
      throw new Error("leader election: renewDeadlineSeconds must be shorter than leaseDurationSeconds");
    }
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#log = options.logger.child({
      component: "leader-election",
      lease: `${options.namespace}/${options.name}`,
    });
  }

  get identity(): string {
    return this.#options.identity;
  }

  get isLeader(): boolean {
    return this.#leading && this.#options.now() - this.#renewedAt < this.#options.renewDeadlineSeconds * 1000;
  }

  /** The identity of the holder last seen (this process when leading), or null. */
  get holder(): string | null {
    if (this.isLeader) return this.#options.identity;
    return this.#observed?.holder ?? null;
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops campaigning; a held Lease is given up so that a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity !== this.#options.identity) return;
      const now = new V1MicroTime(this.#options.now());
      await this.#api.replaceNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: now },
        },
      });
      this.#log.info("Gave up the leader Lease");
    } catch (error) {
      this.#log.warn("Could not give up the leader Lease; it expires by itself", {
        error: describe(error),
      });
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => this.#schedule(this.#options.retryPeriodSeconds * 1000));
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      const ok = await this.#tryAcquireOrRenew();
      if (this.#lastFailure !== undefined) {
        this.#log.info("Leader election works again");
        this.#lastFailure = undefined;
      }
      if (ok) {
        this.#renewedAt = this.#options.now();
        this.#setLeading(true);
      } else if (this.#leading && !this.isLeader) {
        this.#setLeading(false);
      } else if (this.#leading && this.#observed?.holder !== this.#options.identity) {
        this.#setLeading(false);
      }
    } catch (error) {
      const failure = describe(error);
      if (failure !== this.#lastFailure) {
        this.#log.warn("Leader election attempt failed; retrying", { error: failure });
        this.#lastFailure = failure;
      }
      if (this.#leading && !this.isLeader) this.#setLeading(false);
    }
  }

  /** One attempt; true when this process holds the Lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#options.now();
    const microNow = new V1MicroTime(now);
    const { identity, leaseDurationSeconds, name, namespace } = this.#options;
    const lease = await this.#read();
    if (lease === undefined) {
      try {
        await this.#api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: microNow,
              renewTime: microNow,
              leaseTransitions: 0,
            },
          },
        });
        this.#observe(identity, microNow.toISOString(), now);
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false; // another candidate created it first
        throw error;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? null;
    this.#observe(holder, spec.renewTime ? new Date(spec.renewTime).toISOString() : null, now);
    const held = holder !== null && holder !== "";
    const observedAt = this.#observed?.at ?? now;
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (held && holder !== identity && now < observedAt + duration) return false;
    const acquiring = holder !== identity;
    try {
      await this.#api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime: microNow,
            ...(acquiring
              ? { acquireTime: microNow, leaseTransitions: (spec.leaseTransitions ?? 0) + (held ? 1 : 0) }
              : {}),
          },
        },
      });
    } catch (error) {
      // 409: the Lease changed since it was read (someone else renewed or acquired it).
      if (statusOf(error) === 409) return false;
      throw error;
    }
    this.#observe(identity, microNow.toISOString(), now);
    if (acquiring) this.#log.info("Acquired the leader Lease", { previousHolder: holder });
    return true;
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
      });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  #observe(holder: string | null, renewTime: string | null, now: number): void {
    const previous = this.#observed;
    if (previous && previous.holder === holder && previous.renewTime === renewTime) return;
    this.#observed = { holder, renewTime, at: now };
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    if (!leading) this.#log.warn("Not the leader any more");
    for (const listener of this.#listeners) {
      try {
        listener(leading);
      } catch (error) {
        this.#log.error("Leader change listener failed", { error: describe(error) });
      }
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = statusOf(error);
  return code === undefined ? error.message : `HTTP ${code}: ${error.message.split("\n")[0] ?? ""}`;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([k, v]) => v !== undefined && k !== "logger" && k !== "kubeConfig"),
  ) as Partial<T>;
}
