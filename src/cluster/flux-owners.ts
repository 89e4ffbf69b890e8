import type { KustomizationRecord, ObjectRef } from "./flux-records.js";
import { normalisePath } from "./flux-records.js";

function contains(directory: string, file: string): boolean {
  return directory === "" || file.startsWith(`${directory}/`);
}

/**
 * The Kustomizations that apply `files`: built from the configured GitRepository, with a
 * `spec.path` that is a directory containing the file. For each file only the deepest such
 * path counts: a parent Kustomization (say `./kubernetes/apps`, applying the apps' `ks.yaml`)
 * contains the app's files by prefix too, but it is the app's own Kustomization that applies
 * them, and only that one's suspension stops the change.
 */
export function fluxOwnersOf(
  kustomizations: readonly KustomizationRecord[],
  gitRepository: ObjectRef,
  files: readonly string[],
): KustomizationRecord[] {
  const fromSource = kustomizations.filter(
    (k) =>
      k.source.kind === "GitRepository" &&
      k.source.name === gitRepository.name &&
      k.source.namespace === gitRepository.namespace,
  );
  const owners = new Map<string, KustomizationRecord>();
  for (const raw of files) {
    const file = normalisePath(raw);
    const candidates = fromSource.filter((k) => contains(k.path, file));
    const deepest = Math.max(-1, ...candidates.map((k) => k.path.length));
    for (const k of candidates) if (k.path.length === deepest) owners.set(`${k.namespace}/${k.name}`, k);
  }
  return [...owners.values()].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
}
