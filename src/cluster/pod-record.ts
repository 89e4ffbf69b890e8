import { z } from "zod";
import type { PodView } from "../domain/live-state.js";
import { conditions, findCondition, kubeTime, objectMeta } from "./kube-time.js";

const hostnameLabel = "kubernetes.io/hostname";

/** A Pod as the rules and the blockers need it. */
export interface PodRecord extends PodView {
  namespace: string;
  deletionTimestamp: string | null;
  /** Hostnames the pod is pinned to by nodeSelector or required node affinity. */
  pinnedNodes: string[];
  /** PersistentVolumeClaims the pod mounts. */
  claims: string[];
  /** The scheduler's message when the pod cannot be scheduled. */
  unschedulable: string | null;
  createdAt: string | null;
}

const matchExpressions = z
  .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).nullish() }))
  .nullish();

const podSchema = z.object({
  metadata: objectMeta.extend({ namespace: z.string().min(1), creationTimestamp: kubeTime }),
  spec: z
    .object({
      nodeName: z.string().nullish(),
      nodeSelector: z.record(z.string(), z.string()).nullish(),
      affinity: z
        .object({
          nodeAffinity: z
            .object({
              requiredDuringSchedulingIgnoredDuringExecution: z
                .object({ nodeSelectorTerms: z.array(z.object({ matchExpressions })).nullish() })
                .nullish(),
            })
            .nullish(),
        })
        .nullish(),
      volumes: z
        .array(z.object({ persistentVolumeClaim: z.object({ claimName: z.string() }).nullish() }))
        .nullish(),
    })
    .nullish(),
  status: z.object({ phase: z.string().nullish(), conditions }).nullish(),
});

type PodSpec = NonNullable<z.infer<typeof podSchema>["spec"]>;

function pinnedNodes(spec: PodSpec | null | undefined): string[] {
  const pins = new Set<string>();
  const selected = spec?.nodeSelector?.[hostnameLabel];
  if (selected) pins.add(selected);
  const terms =
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === hostnameLabel && e.operator === "In") for (const v of e.values ?? []) pins.add(v);
    }
  }
  return [...pins];
}

export function parsePod(obj: unknown): PodRecord | undefined {
  const parsed = podSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  const ready = findCondition(status?.conditions, "Ready");
  const scheduled = findCondition(status?.conditions, "PodScheduled");
  const unschedulable =
    scheduled?.status === "False" ? (scheduled.message ?? scheduled.reason ?? "not scheduled") : null;
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    node: spec?.nodeName || null,
    phase: status?.phase ?? "Pending",
    ready: ready?.status === "True",
    readySince: ready?.status === "True" ? (ready.lastTransitionTime ?? null) : null,
    terminating: metadata.deletionTimestamp != null,
    deletionTimestamp: metadata.deletionTimestamp ?? null,
    pinnedNodes: pinnedNodes(spec),
    claims: (spec?.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    ),
    unschedulable,
    createdAt: metadata.creationTimestamp ?? null,
  };
}
