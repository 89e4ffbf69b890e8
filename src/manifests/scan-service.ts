import { isAlias, isScalar, type Scalar } from "yaml";
import { formatPath } from "../domain/edit-path.js";
import type { Reference } from "../domain/reference.js";
import type { ServiceAnalysis } from "../domain/service-analysis.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { AnchorUses } from "./anchor-uses.js";
import { type Candidate, claimIndexOf, findCandidates } from "./find-candidates.js";
import { type ManifestDocument, objectLabel, parseManifest } from "./manifest-file.js";
import { scanReplication } from "./scan-replication.js";
import { lineOf, renderScalar } from "./scalar-render.js";
import { editCandidates, matchesSelect } from "./edit-candidates.js";
import { volumeClaimTemplateHits } from "./volume-claim-templates.js";
import { resolveScalar, scalarText } from "./yaml-walk.js";

/** The repository files a service's analysis reads. */
export function filesOf(spec: ServiceSpec): string[] {
  return [...new Set([...spec.files, ...spec.edits.map((e) => e.file)])];
}

/**
 * Finds every claim reference, node pin, replication object and explicit edit of one service in
 * the given file contents (`undefined` = file missing). Pure: same input, same analysis.
 */
export function scanService(
  spec: ServiceSpec,
  files: ReadonlyMap<string, string | undefined>,
): ServiceAnalysis {
  const refusals: string[] = [];
  const references = new Map<string, Reference>();
  const documentsByFile = new Map<string, { text: string; documents: ManifestDocument[] }>();
  const vctHits = new Map<string, string>();
  // Claim pairs seen at a claim position, even if refused there (no "not referenced" noise then).
  const seenPairs = new Set<number>();
  const ctx = { spec, claimIndex: claimIndexOf(spec) };

  for (const file of filesOf(spec)) {
    const text = files.get(file);
    if (text === undefined) {
      refusals.push(`${file}: file not found in the repository`);
      continue;
    }
    const parsed = parseManifest(file, text);
    if (!parsed.ok) {
      refusals.push(parsed.error);
      continue;
    }
    documentsByFile.set(file, { text, documents: parsed.documents });
    for (const d of parsed.documents) {
      const candidates = spec.files.includes(file) ? findCandidates(d, ctx) : [];
      candidates.push(...editCandidates(spec, file, d, refusals));
      for (const c of candidates) if (c.pairIndex !== undefined) seenPairs.add(c.pairIndex);
      addReferences(file, text, d, candidates, references, refusals);
      for (const [claim, where] of volumeClaimTemplateHits(spec, file, text, d)) vctHits.set(claim, where);
    }
  }
  for (const [i, edit] of spec.edits.entries()) {
    const docs = documentsByFile.get(edit.file)?.documents ?? [];
    const found = docs.some((d) => matchesSelect(d, edit.select));
    if (documentsByFile.has(edit.file) && !found) {
      const ns = edit.select.namespace ? ` in namespace ${edit.select.namespace}` : "";
      refusals.push(
        `${edit.file}: edits[${i}]: no ${edit.select.kind}/${edit.select.name}${ns} in this file`,
      );
    }
  }
  const replication = scanReplication(spec, documentsByFile, refusals);
  for (const ref of replication.references) references.set(`${ref.file}:${ref.start}:${ref.end}`, ref);
  const anyFileMissing = filesOf(spec).some((f) => files.get(f) === undefined);
  if (!anyFileMissing) checkClaimsFound(spec, seenPairs, vctHits, refusals);

  const sorted = [...references.values()].sort((a, b) =>
    a.file === b.file ? a.start - b.start : a.file < b.file ? -1 : 1,
  );
  return { service: spec.name, references: sorted, refusals, ssaIfNotPresent: replication.ssaIfNotPresent };
}

function addReferences(
  file: string,
  text: string,
  d: ManifestDocument,
  candidates: Candidate[],
  references: Map<string, Reference>,
  refusals: string[],
): void {
  if (candidates.length === 0) return;
  const anchors = new AnchorUses(d.doc);
  const positions = new Set(candidates.map((c) => formatPath(c.path)));
  for (const c of candidates) {
    const scalar = resolveScalar(c.node, d.doc) as Scalar;
    const where = `${file}:${lineOf(text, c.node.range?.[0] ?? 0)} ${objectLabel(d)} ${formatPath(c.path)}`;
    const uses = anchors.usesOf(scalar);
    const foreign = uses.filter((p) => !positions.has(p));
    if (foreign.length > 0) {
      const anchor = scalar.anchor ?? (isAlias(c.node) ? c.node.source : "?");
      refusals.push(
        `${where}: the value is anchor &${anchor}, which is also used at ${foreign.join(", ")} ` +
          `(not a ${c.kind === "claim" ? "claim reference" : "node pin"}); rewriting it would change that too`,
      );
      continue;
    }
    const range = scalar.range;
    if (!range || !isScalar(scalar)) continue;
    const render = {
      primary: renderScalar(scalar, c.values.primary),
      backup: renderScalar(scalar, c.values.backup),
    };
    if (render.primary === undefined || render.backup === undefined) {
      refusals.push(`${where}: block scalars (| or >) are not rewritten; write the value on one line`);
      continue;
    }
    const [start, end] = range;
    const key = `${file}:${start}:${end}`;
    if (references.has(key)) continue;
    const viaAlias = isAlias(c.node) ? ` (through alias *${c.node.source})` : "";
    references.set(key, {
      kind: c.kind,
      file,
      document: d.index,
      object: objectLabel(d),
      path: formatPath(c.path) + viaAlias,
      start,
      end,
      current: scalarText(scalar),
      values: c.values,
      render: { primary: render.primary, backup: render.backup },
      line: lineOf(text, start),
    });
  }
}

function checkClaimsFound(
  spec: ServiceSpec,
  seenPairs: ReadonlySet<number>,
  vctHits: Map<string, string>,
  refusals: string[],
): void {
  spec.claims.forEach((pair, i) => {
    if (seenPairs.has(i)) return;
    const vct = vctHits.get(pair.primary) ?? vctHits.get(pair.backup);
    if (vct) {
      refusals.push(
        `${vct}: claims[${i}] "${pair.primary}" appears only in volumeClaimTemplates, which are immutable on a ` +
          `StatefulSet; reference it from the pod template's volumes or a HelmRelease existingClaim instead`,
      );
    } else {
      refusals.push(
        `claims[${i}]: neither "${pair.primary}" nor "${pair.backup}" is referenced in ${spec.files.join(", ")}`,
      );
    }
  });
}
