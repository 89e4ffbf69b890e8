import { isSeq } from "yaml";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { ManifestDocument } from "./manifest-file.js";
import { lineOf } from "./scalar-render.js";
import { childAt, resolveScalar, scalarText } from "./yaml-walk.js";

/**
 * Claims that a StatefulSet's volumeClaimTemplates produce (`<template>-<set>-<ordinal>`) or name
 * directly; used to explain why such a claim cannot be switched.
 */
export function volumeClaimTemplateHits(
  spec: ServiceSpec,
  file: string,
  text: string,
  d: ManifestDocument,
): Map<string, string> {
  const hits = new Map<string, string>();
  if (d.kind !== "StatefulSet") return hits;
  const templates = childAt(d.doc.contents, ["spec", "volumeClaimTemplates"]);
  if (!isSeq(templates)) return hits;
  templates.items.forEach((t, i) => {
    const nameNode = resolveScalar(childAt(t, ["metadata", "name"]), d.doc);
    if (!nameNode) return;
    const template = scalarText(nameNode);
    const where = `${file}:${lineOf(text, nameNode.range?.[0] ?? 0)} StatefulSet/${d.name ?? "?"} spec.volumeClaimTemplates[${i}]`;
    for (const pair of spec.claims) {
      for (const claim of [pair.primary, pair.backup]) {
        if (claim === template || claim.startsWith(`${template}-${d.name ?? ""}-`)) hits.set(claim, where);
      }
    }
  });
  return hits;
}
