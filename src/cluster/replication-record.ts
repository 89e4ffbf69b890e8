import { z } from "zod";
import type { ReplicationView } from "../domain/live-state.js";
import type { ReplicationKind } from "../domain/service-spec.js";
import { kubeTime, objectMeta } from "./kube-time.js";

/** A VolSync ReplicationSource or ReplicationDestination. */
export interface ReplicationRecord extends ReplicationView {
  kind: ReplicationKind;
  namespace: string;
  name: string;
}

const replicationSchema = z.object({
  metadata: objectMeta.extend({ namespace: z.string().min(1) }),
  spec: z.object({ paused: z.boolean().nullish() }).nullish(),
  status: z
    .object({ lastSyncTime: kubeTime, lastSyncStartTime: kubeTime, lastManualSync: z.string().nullish() })
    .nullish(),
});

export function parseReplication(kind: ReplicationKind, obj: unknown): ReplicationRecord | undefined {
  const parsed = replicationSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  return {
    kind,
    namespace: metadata.namespace,
    name: metadata.name,
    paused: spec?.paused === true,
    lastSyncTime: status?.lastSyncTime ?? null,
    lastManualSync: status?.lastManualSync ?? null,
    syncing: status?.lastSyncStartTime != null,
  };
}
