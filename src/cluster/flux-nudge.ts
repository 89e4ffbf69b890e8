import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../log/logger.js";
import type { ObjectRef } from "./flux-records.js";
import { apis } from "./watched-apis.js";

export const reconcileAnnotation = "reconcile.fluxcd.io/requestedAt";

export interface FluxNudgeOptions {
  kubeConfig: KubeConfig;
  gitRepository: ObjectRef;
  /** The Kustomizations applying the files (ClusterWatcher.fluxOwners). */
  owners: (files: readonly string[]) => readonly ObjectRef[];
  logger: Logger;
  now?: () => Date;
}

export interface NudgeResult {
  requestedAt: string;
  /** `<Kind> <namespace>/<name>` of each object annotated. */
  patched: string[];
  failed: { object: string; error: string }[];
}

/**
 * Asks Flux to reconcile now instead of at its next interval: the GitRepository first (so it
 * fetches the commit), then the Kustomizations applying the changed files, as `flux reconcile
 * ks --with-source` does. A merge patch of the annotation only, so it never conflicts with
 * Flux's own writes. Errors are logged and reported, never thrown: the commit is already
 * pushed, and Flux will apply it at its interval anyway.
 */
export class FluxNudge {
  readonly #options: FluxNudgeOptions;
  readonly #api: CustomObjectsApi;

  constructor(options: FluxNudgeOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async nudge(files: readonly string[]): Promise<NudgeResult> {
    const requestedAt = (this.#options.now?.() ?? new Date()).toISOString();
    const result: NudgeResult = { requestedAt, patched: [], failed: [] };
    const patch = { metadata: { annotations: { [reconcileAnnotation]: requestedAt } } };
    const targets: { kind: string; api: (typeof apis)[keyof typeof apis]; ref: ObjectRef }[] = [
      { kind: "GitRepository", api: apis.gitRepository, ref: this.#options.gitRepository },
    ];
    let owners: readonly ObjectRef[] = [];
    try {
      owners = this.#options.owners(files);
    } catch (error) {
      result.failed.push({ object: "Kustomization owners", error: message(error) });
    }
    for (const ref of owners) targets.push({ kind: "Kustomization", api: apis.kustomization, ref });
    for (const { kind, api, ref } of targets) {
      const object = `${kind} ${ref.namespace}/${ref.name}`;
      try {
        await this.#api.patchNamespacedCustomObject(
          { ...api, namespace: ref.namespace, name: ref.name, body: patch },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
        result.patched.push(object);
      } catch (error) {
        result.failed.push({ object, error: message(error) });
      }
    }
    const log = this.#options.logger;
    if (result.failed.length > 0) log.warn("Flux reconcile request failed", { ...result });
    else log.info("Asked Flux to reconcile", { requestedAt, objects: result.patched });
    if (owners.length === 0)
      log.warn("No Flux Kustomization known to apply the changed files; only the GitRepository was nudged", {
        files: [...files],
      });
    return result;
  }
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "number" ? `${error.message} (HTTP ${code})` : error.message;
  }
  return String(error);
}
