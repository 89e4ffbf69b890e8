import { isMap, isPair, isScalar, type YAMLMap } from "yaml";
import type { Slot, SlotKind, TextRange } from "../domain/slot.js";
import { lineOf, renderNewScalar, renderScalar, sameYamlType } from "./scalar-render.js";
import { child, scalarText } from "./yaml-walk.js";

export interface SlotPlace {
  kind: SlotKind;
  file: string;
  text: string;
  object: string;
  /** Human path of the key, e.g. `spec.trigger.manual`. */
  path: string;
  target: string;
  /**
   * The target is a typed value (a replica count): written plain where the old value was a plain
   * value of the same type, and plain when inserted. Otherwise it is a string.
   */
  typed: boolean;
}

/** The line ending used at `offset` (CRLF files stay CRLF). */
export function eolAt(text: string, offset: number): string {
  const lf = text.indexOf("\n", offset);
  return lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
}

/** Start of the first key of a block mapping and the indentation before it, or a reason. */
export function firstKey(text: string, map: YAMLMap): { at: number; indent: string } | string {
  const first = map.items[0];
  const at = first && isPair(first) && isScalar(first.key) ? first.key.range?.[0] : undefined;
  if (at === undefined) return "cannot find where to insert the key";
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const indent = text.slice(lineStart, at);
  if (!/^ *$/.test(indent)) return "the mapping's first key does not start its line";
  return { at, indent };
}

function lineRange(text: string, offset: number): TextRange {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const lf = text.indexOf("\n", offset);
  return { start, end: lf < 0 ? text.length : lf + 1 };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A slot whose key sits in `parent` (a block mapping). Present: its value is replaced in its own
 * quoting style. Absent: `key: <target>` is inserted before the parent's first key, and removing
 * that line later restores the file byte for byte. Returns a reason when it cannot be written.
 */
export function slotIn(place: SlotPlace, parent: YAMLMap, key: string): Slot | string {
  const { text } = place;
  const base = {
    kind: place.kind,
    file: place.file,
    object: place.object,
    path: place.path,
    key: `${place.file}\u0000${place.object}\u0000${place.path}`,
    target: place.target,
  };
  const node = child(parent, key);
  if (node !== undefined) {
    if (!isScalar(node) || !node.range) return `${place.path} is not a plain value`;
    const rendered =
      place.typed && sameYamlType(node, place.target) ? place.target : renderScalar(node, place.target);
    if (rendered === undefined) return `${place.path} is a block scalar; write it on one line`;
    const [start, end] = node.range;
    const line = lineRange(text, start);
    const lineText = text.slice(line.start, line.end).replace(/\r?\n$/, "");
    const keyLine = new RegExp(`^ *${escapeRegExp(key)}: *${escapeRegExp(text.slice(start, end))} *$`);
    const removal = keyLine.test(lineText) ? line : null;
    let removalWithParent: TextRange | null = null;
    const parentKeyLine = lineRange(text, Math.max(0, line.start - 1));
    const parentText = text.slice(parentKeyLine.start, parentKeyLine.end).replace(/\r?\n$/, "");
    const parentKey = place.path.split(".").at(-2) ?? "";
    if (
      removal &&
      parent.items.length === 1 &&
      line.start > 0 &&
      new RegExp(`^ *${escapeRegExp(parentKey)}:$`).test(parentText)
    ) {
      removalWithParent = { start: parentKeyLine.start, end: removal.end };
    }
    return {
      ...base,
      line: lineOf(text, start),
      value: scalarText(node),
      raw: text.slice(start, end),
      parentPresent: true,
      set: { start, end, text: rendered },
      removal,
      removalWithParent,
    };
  }
  const where = firstKey(text, parent);
  if (typeof where === "string") return `${place.path}: ${where}`;
  const value = place.typed ? place.target : renderNewScalar(place.target);
  return {
    ...base,
    line: lineOf(text, where.at),
    value: null,
    raw: null,
    parentPresent: true,
    set: { start: where.at, end: where.at, text: `${key}: ${value}${eolAt(text, where.at)}${where.indent}` },
    removal: null,
    removalWithParent: null,
  };
}

/**
 * A slot `parentKey.key` under `grandparent` when `parentKey` itself is absent: both lines are
 * inserted (`trigger:` then `  manual: <id>`), and both are removed on restore.
 */
export function slotWithAbsentParent(
  place: SlotPlace,
  grandparent: YAMLMap,
  parentKey: string,
  key: string,
): Slot | string {
  const where = firstKey(place.text, grandparent);
  if (typeof where === "string") return `${place.path}: ${where}`;
  const eol = eolAt(place.text, where.at);
  const value = place.typed ? place.target : renderNewScalar(place.target);
  return {
    kind: place.kind,
    file: place.file,
    object: place.object,
    path: place.path,
    key: `${place.file}\u0000${place.object}\u0000${place.path}`,
    target: place.target,
    line: lineOf(place.text, where.at),
    value: null,
    raw: null,
    parentPresent: false,
    set: {
      start: where.at,
      end: where.at,
      text: `${parentKey}:${eol}${where.indent}  ${key}: ${value}${eol}${where.indent}`,
    },
    removal: null,
    removalWithParent: null,
  };
}

export function isBlockMap(node: unknown): node is YAMLMap {
  return isMap(node) && !node.flow && node.items.length > 0;
}
