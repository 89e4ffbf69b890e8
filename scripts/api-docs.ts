import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createApp } from "../src/http/create-app.js";
import { silentLogger } from "../src/log/json-logger.js";
import type { AppConfig } from "../src/config/app-config.js";
import type { ApiOperations, AppDeps } from "../src/http/app-deps.js";
import { EventHub } from "../src/events/event-hub.js";

interface Schema {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  items?: Schema;
  enum?: unknown[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface OperationObject {
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: {
    schemas?: Record<
      string,
      { properties?: Record<string, Schema & { description?: string }>; required?: string[] }
    >;
  };
}

/** The OpenAPI document exactly as the server serves it (the app needs no live dependencies for it). */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const app = createApp({
    operations: {} as ApiOperations,
    planned: {} as AppDeps["planned"],
    config: () => ({ auth: { mode: "none", readRequiresToken: false } }) as AppConfig,
    tokens: () => [],
    logger: silentLogger,
    metrics: new Registry(),
    readiness: () => ({ configLoaded: true, gitReachable: true, lastFetchAt: null, reason: null }),
    status: () => {
      throw new Error("not used");
    },
    events: new EventHub(),
    dashboard: { ok: false, reason: "not needed for the document" },
  });
  const response = await app.request("/api/openapi.json");
  return (await response.json()) as OpenApiDocument;
}

function typeOf(schema: Schema | undefined): string {
  if (!schema) return "";
  if (schema.$ref)
    return `[${schema.$ref.split("/").at(-1) ?? ""}](#${(schema.$ref.split("/").at(-1) ?? "").toLowerCase()})`;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" \\| ");
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (schema.type === "array") return `${typeOf(schema.items)}[]`;
  return Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "object");
}

/** docs/api.md, rendered from the OpenAPI document. */
export function renderApiMarkdown(doc: OpenApiDocument): string {
  const out = [
    "# HTTP API",
    "",
    "Generated from the OpenAPI 3.1 document the server serves at `GET /api/openapi.json`",
    "(`npm run docs:api` rewrites this file; a test fails when it is out of date).",
    "Errors are RFC 9457 problem details (`application/problem+json`).",
    "",
  ];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      out.push(`## \`${method.toUpperCase()} ${path}\``, "");
      if (op.summary) out.push(op.summary, "");
      if (op.description) out.push(op.description, "");
      if (op.parameters?.length) {
        out.push("| parameter | in | type | required | description |", "|---|---|---|---|---|");
        for (const p of op.parameters) {
          out.push(
            `| \`${p.name}\` | ${p.in} | ${typeOf(p.schema)} | ${p.required ? "yes" : "no"} | ${p.description ?? ""} |`,
          );
        }
        out.push("");
      }
      const body = op.requestBody?.content["application/json"]?.schema;
      if (body) out.push(`Request body (\`application/json\`, optional): ${typeOf(body)}`, "");
      out.push("| status | description | body |", "|---|---|---|");
      for (const [status, r] of Object.entries(op.responses)) {
        const [type, content] = Object.entries(r.content ?? {})[0] ?? ["", undefined];
        out.push(
          `| ${status} | ${r.description} | ${content ? `${typeOf(content.schema)} (\`${type}\`)` : ""} |`,
        );
      }
      out.push("");
    }
  }
  out.push("## Schemas", "");
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    out.push(`### ${name}`, "");
    const props = Object.entries(schema.properties ?? {});
    if (props.length === 0) {
      out.push("(see the OpenAPI document)", "");
      continue;
    }
    out.push("| field | type | required |", "|---|---|---|");
    for (const [field, s] of props)
      out.push(`| \`${field}\` | ${typeOf(s)} | ${schema.required?.includes(field) ? "yes" : "no"} |`);
    out.push("");
  }
  return out.join("\n");
}

if (process.argv[1]?.endsWith("api-docs.ts")) {
  const markdown = renderApiMarkdown(await openApiDocument());
  writeFileSync(join(import.meta.dirname, "../docs/api.md"), markdown);
}
