import { z } from "@hono/zod-openapi";

/** Response and request shapes of SPEC §7: these validate requests and generate the OpenAPI document. */

// DNS-1123 label: what Kubernetes allows for a service (and node) name segment.
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const serviceParams = z.object({
  service: z
    .string()
    .max(63)
    .regex(dns1123Label, "must be a DNS-1123 label (lower-case letters, digits and '-')")
    .openapi({ param: { name: "service", in: "path" }, example: "sonarr" }),
});

// Node names are DNS-1123 subdomains (dots allowed), e.g. `w1` or `node-1.lan`.
export const nodeParams = z.object({
  node: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS-1123 name")
    .openapi({ param: { name: "node", in: "path" }, example: "w1" }),
});

const booleanFlag = z.enum(["true", "false"]);

export const operationQuery = z.object({
  "dry-run": booleanFlag.optional().openapi({ description: "Plan only; nothing is written." }),
  dryRun: booleanFlag.optional().openapi({ description: "Alias of `dry-run`." }),
  force: booleanFlag.optional().openapi({ description: "Override failing (forceable) preflight checks." }),
  reason: z.string().max(1000).optional().openapi({ description: "Recorded in the commit." }),
  "final-sync": booleanFlag.optional().openapi({
    description: "A planned move: quiesce, final sync, switch (SPEC §5.1); answers 202 with the operation.",
  }),
  finalSync: booleanFlag.optional().openapi({ description: "Alias of `final-sync`." }),
  wait: booleanFlag.optional().openapi({
    description: "With final-sync: hold the answer until the operation ends (bounded by its timeouts).",
  }),
});

/**
 * GET …/promote only plans: `dry-run=true` (or its alias `dryRun=true`) must be there, and without
 * either the answer is 405 (SPEC §7; checked before this schema). OpenAPI cannot say "one of two
 * parameters is required", so both are documented as optional and as `true` only.
 */
export const planQuery = operationQuery.extend({
  "dry-run": z
    .enum(["true"])
    .optional()
    .openapi({ description: "GET only plans: `dry-run=true` or `dryRun=true` is required (without: 405)." }),
  dryRun: z.enum(["true"]).optional().openapi({ description: "Alias of `dry-run`." }),
});

export const operationBody = z
  .strictObject({
    reason: z.string().max(1000).optional(),
    force: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    finalSync: z.boolean().optional(),
    wait: z.boolean().optional(),
  })
  .openapi("OperationRequest");

// Strictly decimal digits: Number() would also take "0x10", "1e1", " 5" and "".
/** `?limit=` of the history and of the operations list: strictly decimal, 1–200, default 20. */
export const historyQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,6}$/, "must be a whole number in decimal digits")
    .default("20")
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(200, "must be at most 200"))
    .openapi({
      type: "integer",
      minimum: 1,
      maximum: 200,
      default: 20,
      description: "Newest first; default 20, at most 200.",
    }),
});

// zod-to-openapi drops `.nullable()` on a schema registered as a component ($ref); a union with
// null is rendered as `anyOf: [$ref, null]`, which is what the document must say.
const nullableRef = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

const role = z.enum(["primary", "backup", "mixed", "unknown"]);
const targetRole = z.enum(["primary", "backup"]);

export const checkSchema = z
  .object({
    name: z.enum([
      "config",
      "backup-fresh",
      "target-node-ready",
      "source-stopped",
      "reverse-synced",
      "flux-applies",
    ]),
    status: z.enum(["pass", "warn", "fail", "skip"]),
    detail: z.string(),
  })
  .openapi("Check");

export const serviceSummarySchema = z
  .object({
    name: z.string(),
    namespace: z.string(),
    role,
    activeNode: z.string().nullable(),
    primaryNode: z.string(),
    backupNode: z.string(),
    claims: z.array(z.object({ primary: z.string(), backup: z.string(), active: z.string().nullable() })),
    problems: z.array(z.string()),
  })
  .openapi("ServiceSummary");

export const servicesListSchema = z
  .object({ services: z.array(serviceSummarySchema), revision: z.string() })
  .openapi("ServiceList");

export const operationSchema = z
  .object({
    commit: z.string(),
    action: z.enum(["promote", "demote", "evacuate"]),
    services: z.array(z.string()),
    actor: z.string(),
    reason: z.string(),
    at: z.string().openapi({ format: "date-time" }),
    forced: z.boolean(),
    requestId: z.string(),
  })
  .openapi("Operation");

export const progressSchema = z
  .object({
    pushedAt: z.string().nullable(),
    fluxAppliedAt: z.string().nullable(),
    runningAt: z.string().nullable(),
    runningNode: z.string().nullable(),
  })
  .openapi("Progress");

const operationWithProgressSchema = operationSchema
  .extend({ progress: nullableRef(progressSchema) })
  .openapi("OperationWithProgress");

const liveSchema = z
  .object({
    pods: z.array(
      z.object({
        name: z.string(),
        node: z.string().nullable(),
        phase: z.string(),
        ready: z.boolean(),
        terminating: z.boolean(),
      }),
    ),
    nodes: z.record(z.string(), z.object({ ready: z.boolean(), since: z.string().nullable() })),
    blockers: z.array(z.string()),
  })
  .openapi("LiveState");

const replicationSchema = z
  .object({
    kind: z.string(),
    name: z.string(),
    paused: z.boolean().nullable(),
    lastSyncTime: z.string().nullable(),
    ageSeconds: z.number().nullable(),
  })
  .openapi("ReplicationState");

export const serviceStatusSchema = serviceSummarySchema
  .extend({
    revision: z.string(),
    files: z.array(z.string()),
    live: nullableRef(liveSchema),
    replication: z.array(replicationSchema).nullable(),
    lastOperation: nullableRef(operationWithProgressSchema),
  })
  .openapi("ServiceStatus");

export const operationResultSchema = z
  .object({
    name: z.string(),
    action: z.enum(["promote", "demote"]),
    dryRun: z.boolean(),
    changed: z.boolean(),
    from: role,
    to: targetRole,
    diff: z.string(),
    files: z.array(z.string()),
    checks: z.array(checkSchema),
    commit: z.string().nullable(),
    forced: z.boolean(),
  })
  .openapi("OperationResult");

export const evacuateResultSchema = z
  .object({
    node: z.string(),
    action: z.literal("evacuate"),
    dryRun: z.boolean(),
    changed: z.boolean(),
    services: z.array(z.string()),
    skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
    diff: z.string(),
    checks: z.record(z.string(), z.array(checkSchema)),
    commit: z.string().nullable(),
    forced: z.boolean(),
  })
  .openapi("EvacuateResult");

export const historySchema = z
  .object({ name: z.string(), operations: z.array(operationSchema) })
  .openapi("History");

export const healthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

export const readinessSchema = z
  .object({
    status: z.enum(["ready", "not-ready"]),
    configLoaded: z.boolean(),
    gitReachable: z.boolean(),
    revision: z.string().nullable(),
    lastFetchAt: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("Readiness");

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    retryable: z.boolean(),
    requestId: z.string(),
    checks: z
      .union([z.array(checkSchema), z.record(z.string(), z.array(checkSchema))])
      .optional()
      .openapi({ description: "The preflight checks (409, 422); per service for evacuate." }),
    errors: z.array(z.string()).optional().openapi({ description: "What was invalid (400)." }),
    skipped: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
    problems: z.array(z.string()).optional(),
  })
  .openapi("Problem");
