import { z } from "zod";
import type { NodeView } from "../domain/live-state.js";
import { conditions, findCondition, objectMeta } from "./kube-time.js";

export interface Taint {
  key: string;
  value: string | null;
  effect: string;
}

/** A Node as the rules and the status page need it. */
export interface NodeRecord extends NodeView {
  name: string;
  taints: Taint[];
}

const nodeSchema = z.object({
  metadata: objectMeta,
  spec: z
    .object({
      taints: z
        .array(z.object({ key: z.string(), value: z.string().nullish(), effect: z.string() }))
        .nullish(),
    })
    .nullish(),
  status: z.object({ conditions }).nullish(),
});

export function parseNode(obj: unknown): NodeRecord | undefined {
  const parsed = nodeSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const node = parsed.data;
  const ready = findCondition(node.status?.conditions, "Ready");
  return {
    name: node.metadata.name,
    ready: ready?.status === "True",
    since: ready?.lastTransitionTime ?? null,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? null, effect: t.effect })),
  };
}
