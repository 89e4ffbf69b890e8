import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { expect } from "vitest";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
}

/** Validates actual responses against the response schemas of the served OpenAPI document. */
export function responseValidator(doc: OpenApiDoc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const pathFor = (actual: string): string | undefined =>
    Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(actual));

  return async function expectValid(method: string, url: string, response: Response): Promise<unknown> {
    const text = await response.clone().text();
    const path = pathFor(new URL(url).pathname);
    expect(path, `documented path for ${url}`).toBeDefined();
    const operation = doc.paths[path!]?.[method.toLowerCase()];
    const documented = operation?.responses[String(response.status)];
    expect(documented, `${method} ${path} documents ${response.status}`).toBeDefined();
    const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const media = documented!.content?.[contentType];
    expect(media, `${method} ${path} ${response.status} documents ${contentType}`).toBeDefined();
    if (!contentType.includes("json")) return text;
    const body: unknown = JSON.parse(text);
    const schema = JSON.parse(
      JSON.stringify(media!.schema).replaceAll('"#/components', '"openapi#/components'),
    );
    const validate = ajv.compile(schema);
    const valid = validate(body);
    expect(validate.errors ?? [], `${method} ${url} ${response.status} body matches the schema`).toEqual([]);
    expect(valid).toBe(true);
    return body;
  };
}
