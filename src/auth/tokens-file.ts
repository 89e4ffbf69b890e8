import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { FailoverError } from "../domain/failover-error.js";

/** `automation`: may only post to the Alertmanager webhook (SPEC §10). */
export type TokenRole = "operator" | "viewer" | "automation";

export interface ApiToken {
  name: string;
  role: TokenRole;
  token: string;
}

const tokensSchema = z
  .array(
    z.strictObject({
      name: z.string().min(1).max(100),
      role: z.enum(["operator", "viewer", "automation"]),
      // Short tokens are guessable; 16 characters is the floor, `openssl rand -hex 32` the advice.
      token: z.string().min(16),
    }),
  )
  .superRefine((tokens, ctx) => {
    const seen = new Set<string>();
    tokens.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "duplicate name" });
      seen.add(t.name);
    });
  });

/** Parses the tokens file (`[{name, role, token}]`); errors name the entry, never the token value. */
export function parseTokens(text: string, source: string): ApiToken[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${source}: not valid YAML`, { cause });
  }
  const result = tokensSchema.safeParse(raw ?? []);
  if (!result.success) {
    const errors = result.error.issues.map(
      (i) =>
        `${source}: ${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
    );
    throw new FailoverError("CONFIG_INVALID", errors.join("; "), { details: { errors } });
  }
  return result.data;
}

export async function loadTokens(path: string): Promise<ApiToken[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${path}: cannot be read`, { cause });
  }
  return parseTokens(text, path);
}
