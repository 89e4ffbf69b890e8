import { isMap, isPair, isScalar } from "yaml";
import type { Reference } from "../domain/reference.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { type ManifestDocument, objectLabel } from "./manifest-file.js";
import { ssaLabel } from "./pod-spec-paths.js";
import { lineOf, renderScalar } from "./scalar-render.js";
import { child, childAt, scalarText, stringAt } from "./yaml-walk.js";

export interface ReplicationScan {
  references: Reference[];
  ssaIfNotPresent: string[];
}

/**
 * VolSync objects get `spec.paused`: forward ones paused while on backup, reverse ones paused while
 * on primary. An absent key reads as `false` and is inserted as the first key of `spec` when needed.
 */
export function scanReplication(
  spec: ServiceSpec,
  documentsByFile: ReadonlyMap<string, { text: string; documents: ManifestDocument[] }>,
  refusals: string[],
): ReplicationScan {
  const references: Reference[] = [];
  const ssaIfNotPresent: string[] = [];
  spec.replication.forEach((rep, i) => {
    let found = false;
    for (const file of spec.files) {
      const entry = documentsByFile.get(file);
      if (!entry) continue;
      for (const d of entry.documents) {
        if (d.kind !== rep.kind || d.name !== rep.name) continue;
        if (d.namespace !== undefined && d.namespace !== spec.namespace) continue;
        found = true;
        const root = d.doc.contents;
        if (
          stringAt(root, ["metadata", "labels", ssaLabel], d.doc) === "IfNotPresent" ||
          stringAt(root, ["metadata", "annotations", ssaLabel], d.doc) === "IfNotPresent"
        ) {
          ssaIfNotPresent.push(`${file}: ${objectLabel(d)}`);
        }
        const values =
          rep.direction === "forward"
            ? { primary: "false", backup: "true" }
            : { primary: "true", backup: "false" };
        const ref = pausedReference(file, entry.text, d, values, refusals);
        if (ref) references.push(ref);
      }
    }
    if (!found) {
      const missingFiles = spec.files.filter((f) => !documentsByFile.has(f));
      if (missingFiles.length === 0) {
        refusals.push(`replication[${i}]: ${rep.kind}/${rep.name} not found in ${spec.files.join(", ")}`);
      }
    }
  });
  return { references, ssaIfNotPresent };
}

function pausedReference(
  file: string,
  text: string,
  d: ManifestDocument,
  values: { primary: string; backup: string },
  refusals: string[],
): Reference | undefined {
  const specNode = childAt(d.doc.contents, ["spec"]);
  const where = `${file}:${lineOf(text, specNode && isMap(specNode) ? (specNode.range?.[0] ?? 0) : 0)} ${objectLabel(d)}`;
  if (!isMap(specNode) || specNode.flow || specNode.items.length === 0) {
    refusals.push(`${where}: spec is not a block mapping, so spec.paused cannot be set`);
    return undefined;
  }
  const base = {
    kind: "replication" as const,
    file,
    document: d.index,
    object: objectLabel(d),
    path: "spec.paused",
    values,
  };
  const paused = child(specNode, "paused");
  if (paused !== undefined) {
    if (!isScalar(paused) || !paused.range) {
      refusals.push(`${where}: spec.paused must be a plain true or false`);
      return undefined;
    }
    const render = {
      primary: renderScalar(paused, values.primary, { allowPlainKeyword: true }),
      backup: renderScalar(paused, values.backup, { allowPlainKeyword: true }),
    };
    if (render.primary === undefined || render.backup === undefined) {
      refusals.push(`${where}: spec.paused must be a plain true or false`);
      return undefined;
    }
    const [start, end] = paused.range;
    return {
      ...base,
      start,
      end,
      current: scalarText(paused),
      render: { primary: render.primary, backup: render.backup },
      line: lineOf(text, start),
    };
  }
  // Insert `paused: <v>` before the first key of spec, at that key's indentation and line ending.
  const first = specNode.items[0];
  const keyStart = first && isPair(first) && isScalar(first.key) ? first.key.range?.[0] : undefined;
  if (keyStart === undefined) {
    refusals.push(`${where}: cannot find where to insert spec.paused`);
    return undefined;
  }
  const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const indent = text.slice(lineStart, keyStart);
  if (!/^ *$/.test(indent)) {
    refusals.push(`${where}: spec's first key does not start its line; add spec.paused by hand`);
    return undefined;
  }
  const eol = text.indexOf("\r\n", keyStart) === text.indexOf("\n", keyStart) - 1 ? "\r\n" : "\n";
  const insert = (v: string) => `paused: ${v}${eol}${indent}`;
  return {
    ...base,
    start: keyStart,
    end: keyStart,
    current: "false",
    render: { primary: insert(values.primary), backup: insert(values.backup) },
    line: lineOf(text, keyStart),
  };
}
