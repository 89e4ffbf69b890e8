import { z } from "zod";
import { parseDuration } from "../domain/duration.js";
import { workloadKinds } from "../domain/service-spec.js";
import { automationSchema } from "./automation-schema.js";

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const serviceName = z.string().regex(dnsLabel, "must be a DNS-1123 label (lowercase letters, digits, '-')");
const nonEmpty = z.string().min(1, "must not be empty");
const duration = z.string().refine((v) => parseDuration(v) !== undefined, {
  message: "must be a duration like 90s, 15m, 2h",
});

const claimPair = z.strictObject({ primary: nonEmpty, backup: nonEmpty });

const replication = z.strictObject({
  kind: z.enum(["ReplicationSource", "ReplicationDestination"]),
  name: nonEmpty,
  direction: z.enum(["forward", "reverse"]),
});

const explicitEdit = z.strictObject({
  file: nonEmpty,
  select: z.strictObject({ kind: nonEmpty, name: nonEmpty, namespace: nonEmpty.optional() }),
  path: nonEmpty,
  primary: z.union([z.string(), z.number(), z.boolean()]).transform(String),
  backup: z.union([z.string(), z.number(), z.boolean()]).transform(String),
});

const quiesceEdit = z.strictObject({
  file: nonEmpty,
  select: z.strictObject({ kind: nonEmpty, name: nonEmpty, namespace: nonEmpty.optional() }),
  path: nonEmpty,
  running: z.union([z.string(), z.number(), z.boolean()]).transform(String),
  stopped: z.union([z.string(), z.number(), z.boolean()]).transform(String),
});

const service = z.strictObject({
  name: serviceName,
  namespace: serviceName,
  workload: z
    .strictObject({
      kind: z.enum(workloadKinds).default("Deployment"),
      name: nonEmpty,
    })
    .optional(),
  files: z.array(nonEmpty).min(1, "must list at least one file"),
  claims: z.array(claimPair).min(1, "must list at least one claim pair"),
  primaryNode: nonEmpty.optional(),
  backupNode: nonEmpty.optional(),
  maxReplicationAge: duration.optional(),
  replication: z.array(replication).default([]),
  edits: z.array(explicitEdit).default([]),
  quiesce: z.array(quiesceEdit).default([]),
  finalSyncTimeout: duration.optional(),
  quiesceTimeout: duration.optional(),
});

const git = z.strictObject({
  url: nonEmpty,
  branch: nonEmpty.default("main"),
  sshKeyFile: nonEmpty.optional(),
  knownHostsFile: nonEmpty.optional(),
  insecureIgnoreHostKey: z.boolean().default(false),
  tokenFile: nonEmpty.optional(),
  author: z
    .strictObject({ name: nonEmpty, email: nonEmpty })
    .default({ name: "failover-api", email: "failover-api@users.noreply.local" }),
  signingKeyFile: nonEmpty.optional(),
  pushRetries: z.number().int().min(0).max(50).default(5),
  dataDir: nonEmpty.default("/var/lib/failover-api"),
  /** How often the server fetches to refresh its in-memory snapshot. */
  fetchInterval: duration.default("30s"),
  /** The deadline of one whole operation: queue wait, fetch, commit, push and retries. */
  operationTimeout: duration.default("60s"),
});

const cluster = z
  .strictObject({
    enabled: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    flux: z
      .strictObject({
        reconcile: z.boolean().default(true),
        gitRepository: z
          .strictObject({ namespace: nonEmpty, name: nonEmpty })
          .default({ namespace: "flux-system", name: "flux-system" }),
      })
      .default({ reconcile: true, gitRepository: { namespace: "flux-system", name: "flux-system" } }),
  })
  .default({
    enabled: "auto",
    flux: { reconcile: true, gitRepository: { namespace: "flux-system", name: "flux-system" } },
  });

const auth = z
  .strictObject({
    mode: z.enum(["token", "none"]).default("token"),
    tokensFile: nonEmpty.default("/etc/failover-api/auth/tokens.yaml"),
    readRequiresToken: z.boolean().default(false),
  })
  .default({ mode: "token", tokensFile: "/etc/failover-api/auth/tokens.yaml", readRequiresToken: false });

const defaults = z
  .strictObject({
    primaryNode: nonEmpty.optional(),
    backupNode: nonEmpty.optional(),
    maxReplicationAge: duration.default("2h"),
    finalSyncTimeout: duration.default("30m"),
    quiesceTimeout: duration.default("5m"),
  })
  .default({ maxReplicationAge: "2h", finalSyncTimeout: "30m", quiesceTimeout: "5m" });

export const configSchema = z.strictObject({
  git,
  cluster,
  auth,
  defaults,
  services: z.array(service).default([]),
  automation: automationSchema,
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawService = z.infer<typeof service>;
