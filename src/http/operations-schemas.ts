import { z } from "@hono/zod-openapi";
import { historyQuery, progressSchema } from "./api-schemas.js";

/** SPEC §5.2 shapes: the operations of planned moves (and of emergency ones, as one step). */

// The id is the request id that started the operation: a UUID.
export const operationParams = z.object({
  id: z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      "must be an operation id (a UUID)",
    )
    .openapi({ param: { name: "id", in: "path" }, example: "3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21" }),
});

export const operationsQuery = historyQuery;

export const abortQuery = z.object({
  reason: z.string().max(1000).optional().openapi({ description: "Recorded in the rollback commit." }),
});

export const abortBody = z.strictObject({ reason: z.string().max(1000).optional() }).openapi("AbortRequest");

const stepSchema = z
  .object({
    name: z.enum(["quiesce", "final-sync", "switch", "rollback"]),
    state: z.enum(["pending", "running", "succeeded", "failed", "skipped"]),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    commit: z.string().nullable(),
    detail: z.string(),
  })
  .openapi("OperationStep");

export const operationDetailSchema = z
  .object({
    id: z.string(),
    action: z.enum(["promote", "demote", "evacuate"]),
    services: z.array(z.string()),
    finalSync: z.boolean(),
    state: z.enum(["running", "succeeded", "failed", "aborted"]),
    step: z.enum(["quiesce", "final-sync", "switch", "rollback"]),
    steps: z.array(stepSchema),
    progress: z.union([progressSchema, z.null()]),
    error: z.string().nullable(),
  })
  .openapi("OperationDetail");

export const operationsListSchema = z
  .object({ operations: z.array(operationDetailSchema) })
  .openapi("OperationList");
