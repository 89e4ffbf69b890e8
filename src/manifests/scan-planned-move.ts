import { isAlias, isScalar } from "yaml";
import type { PlannedMoveAnalysis, Slot, TriggerSlot } from "../domain/slot.js";
import type { ServiceSpec } from "../domain/service-spec.js";
import { matchesSelect } from "./edit-candidates.js";
import { type ManifestDocument, objectLabel, parseManifest } from "./manifest-file.js";
import { isBlockMap, slotIn, slotWithAbsentParent } from "./slot-builder.js";
import { child, childAt, resolveScalar, scalarText } from "./yaml-walk.js";

/** Kinds whose `spec.replicas` stops the app (SPEC §5.1); other kinds need `quiesce`. */
const scalable = new Set(["Deployment", "StatefulSet"]);
/** VolSync movers that restore from a repository: the destination must run to get the data. */
const pullMovers = ["restic", "rclone", "kopia"];

/** Every file a service's planned move reads: its `files`, `edits` and `quiesce` files. */
export function plannedMoveFilesOf(spec: ServiceSpec): string[] {
  return [...new Set([...spec.files, ...spec.edits.map((e) => e.file), ...spec.quiesce.map((q) => q.file)])];
}

interface Parsed {
  text: string;
  documents: ManifestDocument[];
}

/**
 * The slots a planned move writes in one tree: how the app is stopped and each replication
 * object's `spec.trigger.manual`, with `operationId` as the trigger's target value. Pure.
 */
export function scanPlannedMove(
  spec: ServiceSpec,
  files: ReadonlyMap<string, string | undefined>,
  operationId: string,
): PlannedMoveAnalysis {
  const refusals: string[] = [];
  const parsed = new Map<string, Parsed>();
  for (const file of plannedMoveFilesOf(spec)) {
    const text = files.get(file);
    if (text === undefined) {
      refusals.push(`${file}: file not found in the repository`);
      continue;
    }
    const result = parseManifest(file, text);
    if (!result.ok) refusals.push(result.error);
    else parsed.set(file, { text, documents: result.documents });
  }
  const quiesce =
    spec.quiesce.length > 0 ? quiesceEdits(spec, parsed, refusals) : replicas(spec, parsed, refusals);
  const triggers = triggerSlots(spec, parsed, operationId, refusals);
  return { service: spec.name, quiesce, triggers, refusals };
}

function replicas(spec: ServiceSpec, parsed: ReadonlyMap<string, Parsed>, refusals: string[]): Slot[] {
  const { kind, name } = spec.workload;
  if (!scalable.has(kind)) {
    refusals.push(
      `no way to quiesce ${spec.name}: its workload is ${kind}/${name}, which has no spec.replicas; ` +
        `add \`quiesce\` to the service: [{file, select, path, running, stopped}] naming the value that stops it`,
    );
    return [];
  }
  const slots: Slot[] = [];
  for (const file of spec.files) {
    const entry = parsed.get(file);
    if (!entry) continue;
    for (const d of entry.documents) {
      if (d.kind !== kind || d.name !== name) continue;
      if (d.namespace !== undefined && d.namespace !== spec.namespace) continue;
      const specNode = childAt(d.doc.contents, ["spec"]);
      const where = `${file}: ${objectLabel(d)}`;
      if (!isBlockMap(specNode)) {
        refusals.push(`${where}: spec is not a block mapping, so spec.replicas cannot be set`);
        continue;
      }
      const place = { kind: "replicas" as const, file, text: entry.text, object: objectLabel(d) };
      const slot = slotIn(
        { ...place, path: "spec.replicas", target: "0", typed: true },
        specNode,
        "replicas",
      );
      if (typeof slot === "string") refusals.push(`${where}: ${slot}`);
      else slots.push(slot);
    }
  }
  if (slots.length === 0 && refusals.length === 0) {
    refusals.push(
      `no way to quiesce ${spec.name}: no ${kind}/${name} found in ${spec.files.join(", ")}; list the file ` +
        `that declares it in \`files\`, or add \`quiesce\` to the service naming the value that stops it`,
    );
  }
  return slots;
}

function quiesceEdits(spec: ServiceSpec, parsed: ReadonlyMap<string, Parsed>, refusals: string[]): Slot[] {
  const slots: Slot[] = [];
  spec.quiesce.forEach((q, i) => {
    const entry = parsed.get(q.file);
    if (!entry) return;
    const docs = entry.documents.filter((d) => matchesSelect(d, q.select));
    const label = `${q.file}: quiesce[${i}]`;
    if (docs.length === 0) {
      const ns = q.select.namespace ? ` in namespace ${q.select.namespace}` : "";
      refusals.push(`${label}: no ${q.select.kind}/${q.select.name}${ns} in this file`);
      return;
    }
    for (const d of docs) {
      const where = `${label}: ${objectLabel(d)} ${q.pathText}`;
      const parentPath = q.path.slice(0, -1);
      const key = q.path.at(-1);
      const parent = parentPath.length === 0 ? d.doc.contents : childAt(d.doc.contents, parentPath);
      const node = typeof key === "string" ? child(parent, key) : undefined;
      if (typeof key !== "string" || !isBlockMap(parent) || node === undefined || node === null) {
        refusals.push(`${where}: path not found (it must exist, as a key of a block mapping)`);
        continue;
      }
      if (isAlias(node) || !isScalar(node)) {
        refusals.push(`${where}: not a plain value (aliases are not rewritten)`);
        continue;
      }
      const current = scalarText(resolveScalar(node, d.doc) ?? node);
      if (current !== q.running && current !== q.stopped) {
        refusals.push(
          `${where}: value "${current}" is neither the running value "${q.running}" nor the stopped value "${q.stopped}"`,
        );
        continue;
      }
      const place = { kind: "quiesce" as const, file: q.file, text: entry.text, object: objectLabel(d) };
      const slot = slotIn({ ...place, path: q.pathText, target: q.stopped, typed: true }, parent, key);
      if (typeof slot === "string") refusals.push(`${where}: ${slot}`);
      else slots.push(slot);
    }
  });
  return slots;
}

function triggerSlots(
  spec: ServiceSpec,
  parsed: ReadonlyMap<string, Parsed>,
  operationId: string,
  refusals: string[],
): TriggerSlot[] {
  const slots: TriggerSlot[] = [];
  for (const rep of spec.replication) {
    for (const file of spec.files) {
      const entry = parsed.get(file);
      if (!entry) continue;
      for (const d of entry.documents) {
        if (d.kind !== rep.kind || d.name !== rep.name) continue;
        if (d.namespace !== undefined && d.namespace !== spec.namespace) continue;
        const specNode = childAt(d.doc.contents, ["spec"]);
        const where = `${file}: ${objectLabel(d)}`;
        if (!isBlockMap(specNode)) {
          refusals.push(`${where}: spec is not a block mapping, so spec.trigger.manual cannot be set`);
          continue;
        }
        const place = {
          kind: "trigger" as const,
          file,
          text: entry.text,
          object: objectLabel(d),
          path: "spec.trigger.manual",
          target: operationId,
          typed: false,
        };
        const trigger = child(specNode, "trigger");
        let slot: Slot | string;
        if (trigger === undefined) slot = slotWithAbsentParent(place, specNode, "trigger", "manual");
        else if (isBlockMap(trigger)) slot = slotIn(place, trigger, "manual");
        else slot = "spec.trigger is not a block mapping; write it as one (one key per line)";
        if (typeof slot === "string") {
          refusals.push(`${where}: ${slot}`);
          continue;
        }
        const pulls =
          rep.kind === "ReplicationDestination" && pullMovers.some((m) => child(specNode, m) !== undefined);
        slots.push({ ...slot, replicationKind: rep.kind, name: rep.name, direction: rep.direction, pulls });
      }
    }
  }
  return slots;
}
