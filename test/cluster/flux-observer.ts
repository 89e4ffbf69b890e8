// Watches Flux's objects on a control plane and records when each revision was first seen:
// GitRepository `status.artifact.revision` (source-controller fetched it), Kustomization
// `status.lastAppliedRevision` (kustomize-controller applied it) and HelmRelease readiness per
// generation (helm-controller installed or upgraded it). A watch event arrives within
// milliseconds of the status write, so these times measure Flux, not a polling interval.
import { KubeConfig, Watch } from "@kubernetes/client-node";
import type { ControlPlane } from "./control-plane.js";

export interface Seen {
  /** `<branch>@sha1:<sha>` (HelmRelease: `generation <n>`). */
  revision: string;
  /** Epoch ms when this process first saw it. */
  at: number;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface FluxObject {
  metadata: { namespace: string; name: string; generation?: number };
  status?: {
    artifact?: { revision?: string };
    lastAppliedRevision?: string;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

interface Record_ {
  history: Seen[];
  conditions: Condition[];
}

export type Kind = "GitRepository" | "Kustomization" | "HelmRelease";

const paths: Record<Kind, string> = {
  GitRepository: "/apis/source.toolkit.fluxcd.io/v1/gitrepositories",
  Kustomization: "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
  HelmRelease: "/apis/helm.toolkit.fluxcd.io/v2/helmreleases",
};

/** The commit of an RFC-0005 revision (`main@sha1:<sha>` → `<sha>`). */
export function shaOf(revision: string): string {
  return revision.slice(revision.lastIndexOf(":") + 1);
}

function revisionOf(kind: Kind, obj: FluxObject): string | undefined {
  if (kind === "GitRepository") return obj.status?.artifact?.revision;
  if (kind === "Kustomization") return obj.status?.lastAppliedRevision;
  // A HelmRelease has no Git revision: it is done when Ready for its current generation.
  const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
  const generation = obj.metadata.generation;
  if (ready?.status !== "True" || generation === undefined) return undefined;
  return obj.status?.observedGeneration === generation ? `generation ${generation}` : undefined;
}

export interface FluxObserver {
  /** Every revision seen, oldest first. */
  history(kind: Kind, name: string, namespace?: string): readonly Seen[];
  /**
   * Resolves with the first time the object reported `sha` (fetched, resp. applied). Fails after
   * `timeoutMs` with what the object last reported and its conditions.
   */
  waitFor(
    kind: "GitRepository" | "Kustomization",
    name: string,
    sha: string,
    timeoutMs: number,
    namespace?: string,
  ): Promise<Seen>;
  /** Resolves with the object's first reported revision. */
  waitForAnyRevision(kind: Kind, name: string, timeoutMs: number, namespace?: string): Promise<Seen>;
  /** Resolves when the HelmRelease is Ready for a generation ≥ `generation`. */
  waitForHelmRelease(name: string, namespace: string, generation: number, timeoutMs: number): Promise<Seen>;
  stop(): void;
}

export async function startFluxObserver(cp: ControlPlane): Promise<FluxObserver> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  const watch = new Watch(kubeConfig);
  const records = new Map<string, Record_>();
  const waiters = new Set<() => void>();
  const controllers = new Map<Kind, AbortController>();
  let stopped = false;
  const key = (kind: Kind, namespace: string, name: string): string => `${kind} ${namespace}/${name}`;

  const onEvent = (kind: Kind, type: string, obj: FluxObject): void => {
    if (type !== "ADDED" && type !== "MODIFIED") return;
    const k = key(kind, obj.metadata.namespace, obj.metadata.name);
    const record = records.get(k) ?? { history: [], conditions: [] };
    records.set(k, record);
    record.conditions = obj.status?.conditions ?? [];
    const revision = revisionOf(kind, obj);
    if (revision !== undefined && record.history.at(-1)?.revision !== revision)
      record.history.push({ revision, at: Date.now() });
    for (const wake of waiters) wake();
  };

  const start = async (kind: Kind): Promise<void> => {
    // A watch ends now and then (timeouts, apiserver restarts): start it again; the ADDED
    // events repeat the current state, which the history ignores when nothing changed.
    const restart = (): void => {
      if (!stopped) setTimeout(() => void start(kind).catch(restart), 500);
    };
    const controller = await watch.watch(
      paths[kind],
      { allowWatchBookmarks: false },
      (type, obj: FluxObject) => onEvent(kind, type, obj),
      restart,
    );
    controllers.set(kind, controller);
  };
  await Promise.all((Object.keys(paths) as Kind[]).map((kind) => start(kind)));

  const describe = (k: string): string => {
    const record = records.get(k);
    if (!record) return `${k}: not seen`;
    const conditions = record.conditions.map(
      (c) => `${c.type}=${c.status} ${c.reason ?? ""}: ${c.message ?? ""}`,
    );
    return `${k}: revisions ${JSON.stringify(record.history.map((h) => h.revision))}; ${conditions.join("; ")}`;
  };

  const until = <T>(
    what: string,
    k: string,
    timeoutMs: number,
    check: () => Promise<T | undefined>,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let busy = false;
      let again = false;
      const wake = (): void => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        void check()
          .then((found) => {
            busy = false;
            if (found !== undefined) {
              done();
              resolve(found);
            } else if (again) {
              again = false;
              wake();
            }
          })
          .catch((error: unknown) => {
            done();
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${describe(k)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      waiters.add(wake);
      wake();
    });

  return {
    history: (kind, name, namespace = "flux-system") =>
      records.get(key(kind, namespace, name))?.history ?? [],
    waitFor: (kind, name, sha, timeoutMs, namespace = "flux-system") => {
      const k = key(kind, namespace, name);
      return until(`${k} to report ${sha}`, k, timeoutMs, () =>
        Promise.resolve(records.get(k)?.history.find((seen) => shaOf(seen.revision) === sha)),
      );
    },
    waitForAnyRevision: (kind, name, timeoutMs, namespace = "flux-system") => {
      const k = key(kind, namespace, name);
      return until(`${k} to report a revision`, k, timeoutMs, () =>
        Promise.resolve(records.get(k)?.history[0]),
      );
    },
    waitForHelmRelease: (name, namespace, generation, timeoutMs) => {
      const k = key("HelmRelease", namespace, name);
      return until(`${k} to be Ready for generation ${generation}`, k, timeoutMs, () =>
        Promise.resolve(records.get(k)?.history.find((h) => Number(h.revision.split(" ")[1]) >= generation)),
      );
    },
    stop: () => {
      stopped = true;
      for (const c of controllers.values()) c.abort();
    },
  };
}
