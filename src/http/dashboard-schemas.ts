import { z } from "@hono/zod-openapi";

/** `GET /api/dashboard`: what the web dashboard needs beyond the SPEC §7 objects. */
export const dashboardInfoSchema = z
  .object({
    viewer: z.object({
      name: z.string().openapi({ description: "The token's name, or `anonymous` without a token." }),
      role: z.enum(["operator", "viewer", "anonymous"]),
      canOperate: z.boolean().openapi({
        description:
          "Whether this caller may promote, demote and evacuate (operator token, or auth.mode none). " +
          "Only a display hint: every mutating request is checked again by the API.",
      }),
    }),
    auth: z.object({
      mode: z.enum(["token", "none"]),
      readRequiresToken: z.boolean(),
    }),
    services: z
      .record(
        z.string(),
        z.object({
          maxReplicationAgeSeconds: z.number().int(),
          replication: z.array(
            z.object({ kind: z.string(), name: z.string(), direction: z.enum(["forward", "reverse"]) }),
          ),
        }),
      )
      .openapi({
        description:
          "Per service: the age beyond which `backup-fresh` fails (`maxReplicationAge`), and the direction " +
          "of each configured replication object (to judge the ages in `ServiceStatus.replication`).",
      }),
  })
  .openapi("DashboardInfo");

export type DashboardInfo = z.infer<typeof dashboardInfoSchema>;
