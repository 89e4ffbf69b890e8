import { z } from "zod";
import { objectMeta } from "./kube-time.js";

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io/v1). */
export interface KustomizationRecord extends ObjectRef {
  /** `spec.path` normalised: no leading `./` or `/`, no trailing `/`; "" is the repository root. */
  path: string;
  suspended: boolean;
  source: { kind: string; namespace: string; name: string };
  /** `<branch>@sha1:<sha>` of the last applied commit. */
  lastAppliedRevision: string | null;
}

/** A Flux GitRepository (source.toolkit.fluxcd.io/v1). */
export interface GitRepositoryRecord extends ObjectRef {
  artifactRevision: string | null;
}

const kustomizationSchema = z.object({
  metadata: objectMeta.extend({ namespace: z.string().min(1) }),
  spec: z.object({
    path: z.string().nullish(),
    suspend: z.boolean().nullish(),
    sourceRef: z.object({ kind: z.string(), name: z.string(), namespace: z.string().nullish() }),
  }),
  status: z.object({ lastAppliedRevision: z.string().nullish() }).nullish(),
});

const gitRepositorySchema = z.object({
  metadata: objectMeta.extend({ namespace: z.string().min(1) }),
  status: z.object({ artifact: z.object({ revision: z.string().nullish() }).nullish() }).nullish(),
});

/** Flux reads `spec.path` relative to the source root; `./a/b/`, `a/b` and `/a/b` are the same directory. */
export function normalisePath(path: string): string {
  let p = path.trim().replace(/\/+/g, "/");
  while (p.startsWith("./")) p = p.slice(2);
  p = p.replace(/^\/+/, "").replace(/\/+$/, "");
  return p === "." ? "" : p;
}

export function parseKustomization(obj: unknown): KustomizationRecord | undefined {
  const parsed = kustomizationSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    path: normalisePath(spec.path ?? ""),
    suspended: spec.suspend === true,
    // sourceRef.namespace defaults to the Kustomization's own namespace.
    source: {
      kind: spec.sourceRef.kind,
      name: spec.sourceRef.name,
      namespace: spec.sourceRef.namespace ?? metadata.namespace,
    },
    lastAppliedRevision: status?.lastAppliedRevision ?? null,
  };
}

export function parseGitRepository(obj: unknown): GitRepositoryRecord | undefined {
  const parsed = gitRepositorySchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, status } = parsed.data;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    artifactRevision: status?.artifact?.revision ?? null,
  };
}
