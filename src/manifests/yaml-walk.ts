import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node, type Scalar } from "yaml";
import type { PathSegment } from "../domain/service-spec.js";

export type YamlDoc = Document.Parsed;

/** Child of a mapping by key, without resolving aliases. */
export function child(node: unknown, key: PathSegment): unknown {
  if (typeof key === "number") return isSeq(node) ? node.items[key] : undefined;
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return pair.value;
  }
  return undefined;
}

export function childAt(node: unknown, path: readonly PathSegment[]): unknown {
  let current = node;
  for (const seg of path) {
    current = child(current, seg);
    if (current === undefined || current === null) return undefined;
  }
  return current;
}

/** The scalar a node denotes, following an alias to its anchor. */
export function resolveScalar(node: unknown, doc: YamlDoc): Scalar | undefined {
  if (isScalar(node)) return node;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return isScalar(target) ? target : undefined;
  }
  return undefined;
}

/** A scalar's value as text: the raw source for plain scalars (so `0123` stays `0123`). */
export function scalarText(node: Scalar): string {
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return String(node.value);
}

export function stringAt(node: unknown, path: readonly PathSegment[], doc: YamlDoc): string | undefined {
  const scalar = resolveScalar(childAt(node, path), doc);
  return scalar ? scalarText(scalar) : undefined;
}

export interface WalkVisit {
  node: Node;
  path: PathSegment[];
  /** The key this node is the value of, when it is a mapping value. */
  key: string | undefined;
}

/** Depth-first walk of every value node (not keys), with its path. Aliases are visited, not followed. */
export function walk(node: unknown, path: PathSegment[], visit: (v: WalkVisit) => void, key?: string): void {
  if (node === null || node === undefined || typeof node !== "object") return;
  visit({ node: node as Node, path, key });
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (k === undefined) continue;
      walk(pair.value, [...path, k], visit, k);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, [...path, i], visit));
  }
}
