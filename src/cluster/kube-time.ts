import { z } from "zod";

/**
 * An RFC 3339 time as the API server writes it. A value that does not parse is read as
 * absent rather than failing the whole object: one odd field must not hide a node or a pod.
 */
export const kubeTime = z
  .preprocess(
    // Typed list calls (listNode, listNamespacedPod) deserialize times into Date objects, while
    // watch events carry the wire strings: read both as the wire format.
    (value) => (value instanceof Date ? value.toISOString().replace(/\.000Z$/, "Z") : value),
    z.iso.datetime({ offset: true }).nullish(),
  )
  .catch(null);

/** Condition list as the core API and the CRDs write it (only what the rules read). */
export const conditions = z
  .array(
    z.object({
      type: z.string(),
      status: z.string(),
      reason: z.string().nullish(),
      message: z.string().nullish(),
      lastTransitionTime: kubeTime,
    }),
  )
  .nullish();

export type Conditions = z.infer<typeof conditions>;

export function findCondition(list: Conditions, type: string): NonNullable<Conditions>[number] | undefined {
  return list?.find((c) => c.type === type);
}

/** Metadata every watched object has. */
export const objectMeta = z.object({
  name: z.string().min(1),
  namespace: z.string().nullish(),
  deletionTimestamp: kubeTime,
});
