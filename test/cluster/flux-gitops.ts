// Flux on a test control plane, the way `flux bootstrap` leaves a cluster: a deploy-key Secret
// (`identity`, `identity.pub`, `known_hosts`), the GitRepository flux-system/flux-system at an
// ssh:// URL, Kustomizations applying paths of it, and the real controllers
// (flux-controllers.ts), with an observer recording when each revision was fetched and applied.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ControlPlane } from "./control-plane.js";
import {
  startFluxControllers,
  type FluxControllers,
  type FluxControllersOptions,
} from "./flux-controllers.js";
import { startFluxObserver, type FluxObserver } from "./flux-observer.js";

export const fluxNamespace = "flux-system";
export const gitRepositoryName = "flux-system";
export const reconcileAnnotation = "reconcile.fluxcd.io/requestedAt";

export interface FluxRepository {
  /** ssh://user@127.0.0.1:port/path (Flux accepts ssh:// and http(s):// URLs only). */
  url: string;
  branch?: string;
  /** The private key (OpenSSH); `<file>.pub` must hold its public key. */
  sshKeyFile: string;
  knownHostsFile: string;
}

export interface KustomizationOptions {
  name: string;
  /** Repository-relative directory. */
  path: string;
  targetNamespace?: string;
  /** Default 10m: only a nudge (or a change of the source) explains a quick apply. */
  interval?: string;
  postBuild?: { substitute: Record<string, string> };
  prune?: boolean;
}

/** A Kustomization in flux-system applying `path` of the GitRepository flux-system. */
export function fluxKustomization(o: KustomizationOptions): object {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { namespace: fluxNamespace, name: o.name },
    spec: {
      interval: o.interval ?? "10m",
      path: `./${o.path}`,
      prune: o.prune ?? true,
      wait: false,
      timeout: "2m",
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      ...(o.postBuild ? { postBuild: o.postBuild } : {}),
      sourceRef: { kind: "GitRepository", name: gitRepositoryName },
    },
  };
}

export interface FluxOptions {
  repository: FluxRepository;
  /** Applied once Flux runs: the objects that apply the repository (usually one root Kustomization). */
  kustomizations: KustomizationOptions[];
  /** The GitRepository's `spec.interval`; default 10m. */
  interval?: string;
  controllers?: FluxControllersOptions;
  /** How long the first apply of every Kustomization may take (default 120 s). */
  startTimeoutMs?: number;
}

export interface Flux {
  controllers: FluxControllers;
  observer: FluxObserver;
  /** What `flux reconcile <kind> <name>` does: a new requestedAt annotation. */
  requestReconcile(kind: "GitRepository" | "Kustomization", name?: string): Promise<void>;
  stop(): Promise<void>;
}

async function applyJson(cp: ControlPlane, name: string, objects: object[]): Promise<void> {
  const file = join(cp.dir, `flux-${name}-${Date.now()}.json`);
  await writeFile(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }), { mode: 0o600 });
  await cp.kubectl("apply", "--server-side", "--force-conflicts", "-f", file);
}

/**
 * Sets up Flux for `repository` on `cp` and starts its controllers; resolves once every given
 * Kustomization applied the branch's current commit (its first reconciliation).
 */
export async function startFlux(cp: ControlPlane, options: FluxOptions): Promise<Flux> {
  const { repository } = options;
  const branch = repository.branch ?? "main";
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString("base64");
  await cp.kubectl("create", "namespace", fluxNamespace).catch((error: Error) => {
    if (!error.message.includes("AlreadyExists")) throw error;
  });
  // The deploy key as `flux bootstrap` stores it; the same key failover-api pushes with.
  await applyJson(cp, "source", [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: fluxNamespace, name: gitRepositoryName },
      type: "Opaque",
      data: {
        identity: await b64(repository.sshKeyFile),
        "identity.pub": await b64(`${repository.sshKeyFile}.pub`),
        known_hosts: await b64(repository.knownHostsFile),
      },
    },
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { namespace: fluxNamespace, name: gitRepositoryName },
      spec: {
        interval: options.interval ?? "10m",
        timeout: "60s",
        url: repository.url,
        ref: { branch },
        secretRef: { name: gitRepositoryName },
      },
    },
    ...options.kustomizations.map(fluxKustomization),
  ]);
  const observer = await startFluxObserver(cp);
  let controllers: FluxControllers | undefined;
  try {
    controllers = await startFluxControllers(cp, options.controllers);
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const fetched = await observer.waitForAnyRevision("GitRepository", gitRepositoryName, timeoutMs);
    const sha = fetched.revision.slice(fetched.revision.lastIndexOf(":") + 1);
    await Promise.all(
      options.kustomizations.map((k) => observer.waitFor("Kustomization", k.name, sha, timeoutMs)),
    );
  } catch (error) {
    observer.stop();
    await controllers?.stop();
    throw error;
  }
  const started = controllers;
  return {
    controllers: started,
    observer,
    requestReconcile: async (kind, name = gitRepositoryName) => {
      const resource =
        kind === "GitRepository"
          ? "gitrepositories.source.toolkit.fluxcd.io"
          : "kustomizations.kustomize.toolkit.fluxcd.io";
      await cp.kubectl(
        "annotate",
        "--overwrite",
        "-n",
        fluxNamespace,
        resource,
        name,
        `${reconcileAnnotation}=${new Date().toISOString()}`,
      );
    },
    stop: async () => {
      observer.stop();
      await started.stop();
    },
  };
}
