import { parseAllDocuments } from "yaml";
import { yamlNestingProblem } from "../domain/yaml-nesting.js";
import { lineOf } from "./scalar-render.js";
import { stringAt, type YamlDoc } from "./yaml-walk.js";

export interface ManifestDocument {
  index: number;
  doc: YamlDoc;
  apiVersion: string | undefined;
  kind: string | undefined;
  name: string | undefined;
  namespace: string | undefined;
}

export type ParsedManifest = { ok: true; documents: ManifestDocument[] } | { ok: false; error: string };

/**
 * The most YAML values a managed file may have, estimated as its line breaks plus commas (every
 * value but the first of a line or flow collection needs one of them). Parsing keeps each value
 * as an object with its source range, several hundred bytes apiece, and is slow per value: this
 * bound — with the byte limit of src/git — caps the memory and time one file can take.
 */
export const maxManifestValues = 20_000;

function valueEstimate(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 44) count++;
  }
  return count;
}

/** Parses every document of a (possibly multi-document) YAML file, keeping source ranges. */
export function parseManifest(path: string, text: string): ParsedManifest {
  const values = valueEstimate(text);
  if (values > maxManifestValues) {
    return {
      ok: false,
      error:
        `${path}: has about ${values} YAML values (line breaks and commas), over the ` +
        `${maxManifestValues} a managed file may have; split it, or manage a smaller file that holds the claim references`,
    };
  }
  const nesting = yamlNestingProblem(text);
  if (nesting !== undefined) return { ok: false, error: `${path}: ${nesting}` };
  const parsed = parseAllDocuments(text, { keepSourceTokens: false, uniqueKeys: false });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const documents: ManifestDocument[] = [];
  for (const [index, doc] of list.entries()) {
    const error = doc.errors[0];
    if (error) {
      return {
        ok: false,
        error: `${path}:${lineOf(text, error.pos[0])}: YAML error: ${error.message.split("\n")[0]}`,
      };
    }
    const root = doc.contents;
    documents.push({
      index,
      doc,
      apiVersion: stringAt(root, ["apiVersion"], doc),
      kind: stringAt(root, ["kind"], doc),
      name: stringAt(root, ["metadata", "name"], doc),
      namespace: stringAt(root, ["metadata", "namespace"], doc),
    });
  }
  return { ok: true, documents };
}

export function objectLabel(d: ManifestDocument): string {
  return `${d.kind ?? "(no kind)"}/${d.name ?? "(no name)"}`;
}
