import { isAlias, isScalar, type Node, type Scalar } from "yaml";
import type { PathSegment } from "../domain/service-spec.js";
import { formatPath } from "../domain/edit-path.js";
import { walk, type YamlDoc } from "./yaml-walk.js";

/**
 * Every place an anchored scalar is used in its document: its own position and each alias that
 * resolves to it. A claim rewritten through an anchor changes all of them at once.
 */
export class AnchorUses {
  private readonly uses = new Map<Scalar, string[]>();

  constructor(doc: YamlDoc) {
    walk(doc.contents, [], ({ node, path }) => {
      if (isScalar(node) && node.anchor) this.add(node, path);
      if (isAlias(node)) {
        const target = node.resolve(doc);
        if (isScalar(target)) this.add(target, path);
      }
    });
  }

  private add(target: Scalar, path: PathSegment[]): void {
    const list = this.uses.get(target) ?? [];
    list.push(formatPath(path));
    this.uses.set(target, list);
  }

  /** Paths using `target` through its anchor; empty when the scalar has no anchor. */
  usesOf(target: Node): string[] {
    return isScalar(target) ? (this.uses.get(target) ?? []) : [];
  }
}
