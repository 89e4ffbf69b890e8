import { parse } from "yaml";
import { z } from "zod";
import { readLimited } from "../config/read-limited.js";
import { FailoverError } from "../domain/failover-error.js";
import { yamlNestingProblem } from "../domain/yaml-nesting.js";

const maxTokensBytes = 1024 * 1024;

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
  // An empty list locks every operator out: far more often a truncated or half-written file
  // (a Secret mid-update) than an intention; refusing it keeps the previous tokens in force.
  .min(1, "lists no tokens; with auth.mode token nobody could act: add one, or set auth.mode: none")
  .superRefine((tokens, ctx) => {
    const seen = new Set<string>();
    tokens.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "duplicate name" });
      seen.add(t.name);
    });
  });

/** Parses the tokens file (`[{name, role, token}]`); errors name the entry, never the token value. */
export function parseTokens(text: string, source: string): ApiToken[] {
  const nesting = yamlNestingProblem(text);
  if (nesting !== undefined) throw new FailoverError("CONFIG_INVALID", `${source}: ${nesting}`);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${source}: not valid YAML`, { cause });
  }
  const result = tokensSchema.safeParse(raw ?? []);
  if (!result.success) {
    const errors = result.error.issues.map((i) => {
      const at = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
      return `${source}: ${at === "" ? "" : `${at}: `}${i.message}`;
    });
    throw new FailoverError("CONFIG_INVALID", errors.join("; "), { details: { errors } });
  }
  return result.data;
}

export async function loadTokens(path: string): Promise<ApiToken[]> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readLimited(path, maxTokensBytes);
  } catch (cause) {
    throw new FailoverError("CONFIG_INVALID", `${path}: cannot be read`, { cause });
  }
  if (bytes === undefined)
    throw new FailoverError(
      "CONFIG_INVALID",
      `${path}: larger than ${maxTokensBytes} bytes, not a tokens file`,
    );
  return parseTokens(bytes.toString("utf8"), path);
}
