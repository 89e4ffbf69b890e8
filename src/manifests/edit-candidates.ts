import { isAlias, isScalar, type Node } from "yaml";
import type { ExplicitEdit, ServiceSpec } from "../domain/service-spec.js";
import type { Candidate } from "./find-candidates.js";
import { type ManifestDocument, objectLabel } from "./manifest-file.js";
import { childAt, resolveScalar, scalarText } from "./yaml-walk.js";

export function matchesSelect(d: ManifestDocument, select: ExplicitEdit["select"]): boolean {
  return (
    d.kind === select.kind &&
    d.name === select.name &&
    (select.namespace === undefined || d.namespace === select.namespace)
  );
}

/** The `edits` escape hatch: one candidate per configured edit that targets this document. */
export function editCandidates(
  spec: ServiceSpec,
  file: string,
  d: ManifestDocument,
  refusals: string[],
): Candidate[] {
  const out: Candidate[] = [];
  spec.edits.forEach((edit, i) => {
    if (edit.file !== file || !matchesSelect(d, edit.select)) return;
    const where = `${file}: edits[${i}]: ${objectLabel(d)} ${edit.pathText}`;
    const node = childAt(d.doc.contents, edit.path);
    if (node === undefined || node === null) {
      refusals.push(`${where}: path not found`);
      return;
    }
    const scalar = resolveScalar(node, d.doc);
    if (!scalar || !(isScalar(node) || isAlias(node))) {
      refusals.push(`${where}: not a scalar value`);
      return;
    }
    const current = scalarText(scalar);
    if (current !== edit.primary && current !== edit.backup) {
      refusals.push(
        `${where}: value "${current}" is neither the primary value "${edit.primary}" nor the backup value "${edit.backup}"`,
      );
      return;
    }
    out.push({
      kind: "edit",
      path: edit.path,
      node: node as Node,
      values: { primary: edit.primary, backup: edit.backup },
    });
  });
  return out;
}
