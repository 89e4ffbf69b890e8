import { isAlias, isMap, isScalar, isSeq, type Node } from "yaml";
import type { ReferenceKind } from "../domain/reference.js";
import type { ClaimPair, PathSegment, ServiceSpec } from "../domain/service-spec.js";
import type { ManifestDocument } from "./manifest-file.js";
import { hostnameLabel, podSpecPath } from "./pod-spec-paths.js";
import { child, childAt, resolveScalar, scalarText, walk } from "./yaml-walk.js";

/** A position in a document that holds (or aliases) a value the switch may rewrite. */
export interface Candidate {
  kind: ReferenceKind;
  path: PathSegment[];
  node: Node;
  values: { primary: string; backup: string };
  /** Set for claims: the configured pair index. */
  pairIndex?: number;
}

export interface CandidateContext {
  spec: ServiceSpec;
  claimIndex: Map<string, number>;
}

export function claimIndexOf(spec: ServiceSpec): Map<string, number> {
  const index = new Map<string, number>();
  spec.claims.forEach((pair: ClaimPair, i) => {
    index.set(pair.primary, i);
    index.set(pair.backup, i);
  });
  return index;
}

/** Claim references and node pins found by the built-in rules of SPEC §4 in one document. */
export function findCandidates(d: ManifestDocument, ctx: CandidateContext): Candidate[] {
  const root = d.doc.contents;
  const out: Candidate[] = [];
  const podPath = podSpecPath(d.kind);
  if (podPath) {
    const podSpec = childAt(root, podPath);
    const volumes = child(podSpec, "volumes");
    if (isSeq(volumes)) {
      volumes.items.forEach((_, i) => {
        const path: PathSegment[] = [...podPath, "volumes", i, "persistentVolumeClaim", "claimName"];
        addClaim(d, ctx, out, childAt(root, path), path);
      });
    }
    findPins(d, ctx, out, podSpec, podPath);
  }
  if (d.kind === "HelmRelease" && d.apiVersion?.startsWith("helm.toolkit.fluxcd.io/")) {
    const values = childAt(root, ["spec", "values"]);
    walk(values, ["spec", "values"], ({ node, path, key }) => {
      if (key === "existingClaim") addClaim(d, ctx, out, node, path);
    });
    findPins(d, ctx, out, values, ["spec", "values"], true);
  }
  if (d.kind === "Kustomization" && d.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/")) {
    const substitute = childAt(root, ["spec", "postBuild", "substitute"]);
    if (isMap(substitute)) {
      walk(substitute, ["spec", "postBuild", "substitute"], ({ node, path }) => {
        if (path.length === 4) addClaim(d, ctx, out, node, path);
      });
    }
  }
  return out;
}

function addClaim(
  d: ManifestDocument,
  ctx: CandidateContext,
  out: Candidate[],
  node: unknown,
  path: PathSegment[],
) {
  const scalar = resolveScalar(node, d.doc);
  if (!scalar) return;
  const pairIndex = ctx.claimIndex.get(scalarText(scalar));
  if (pairIndex === undefined) return;
  const pair = ctx.spec.claims[pairIndex];
  if (!pair) return;
  out.push({ kind: "claim", path, node: node as Node, values: { ...pair }, pairIndex });
}

function addPin(
  d: ManifestDocument,
  ctx: CandidateContext,
  out: Candidate[],
  node: unknown,
  path: PathSegment[],
) {
  const scalar = resolveScalar(node, d.doc);
  if (!scalar) return;
  const value = scalarText(scalar);
  if (value !== ctx.spec.primaryNode && value !== ctx.spec.backupNode) return;
  out.push({
    kind: "node-pin",
    path,
    node: node as Node,
    values: { primary: ctx.spec.primaryNode, backup: ctx.spec.backupNode },
  });
}

/**
 * Node pins: `nodeSelector["kubernetes.io/hostname"]` and hostname `matchExpressions` values. In a
 * pod spec they sit at fixed places; in HelmRelease values (`anywhere`) at any depth.
 */
function findPins(
  d: ManifestDocument,
  ctx: CandidateContext,
  out: Candidate[],
  base: unknown,
  basePath: PathSegment[],
  anywhere = false,
) {
  walk(base, basePath, ({ node, path, key }) => {
    const relative = path.slice(basePath.length);
    if (key === "nodeSelector" && (anywhere || relative.length === 1) && isMap(node)) {
      const value = child(node, hostnameLabel);
      if (value !== undefined) addPin(d, ctx, out, value, [...path, hostnameLabel]);
    }
    if (
      key === "matchExpressions" &&
      isSeq(node) &&
      (anywhere || (relative[0] === "affinity" && relative[1] === "nodeAffinity"))
    ) {
      node.items.forEach((expr, i) => {
        const keyNode = resolveScalar(child(expr, "key"), d.doc);
        if (!keyNode || scalarText(keyNode) !== hostnameLabel) return;
        const values = child(expr, "values");
        if (!isSeq(values)) return;
        values.items.forEach((v, j) => {
          if (isScalar(v) || isAlias(v)) addPin(d, ctx, out, v, [...path, i, "values", j]);
        });
      });
    }
  });
}
