import { parseAllDocuments } from "yaml";
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

/** Parses every document of a (possibly multi-document) YAML file, keeping source ranges. */
export function parseManifest(path: string, text: string): ParsedManifest {
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
