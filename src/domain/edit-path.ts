import type { PathSegment } from "./service-spec.js";

/**
 * Parses an `edits[].path`: dot-separated keys with `[n]` list indices; keys containing dots or
 * brackets are written `["kubernetes.io/hostname"]`. Returns an error message when malformed.
 */
export function parseEditPath(text: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  let i = 0;
  let expectKey = true;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) return `unclosed "[" at position ${i}`;
      const inner = text.slice(i + 1, close);
      if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else {
        const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(inner) ?? /^'([^']*)'$/.exec(inner);
        if (!quoted) return `expected a list index or a quoted key inside [] at position ${i}`;
        segments.push((quoted[1] ?? "").replace(/\\(.)/g, "$1"));
      }
      i = close + 1;
      expectKey = false;
    } else if (ch === ".") {
      if (expectKey) return `empty key at position ${i}`;
      i += 1;
      expectKey = true;
    } else {
      if (!expectKey) return `expected "." or "[" at position ${i}`;
      const match = /^[^.[\]]+/.exec(text.slice(i));
      if (!match) return `unexpected character at position ${i}`;
      segments.push(match[0]);
      i += match[0].length;
      expectKey = false;
    }
  }
  if (segments.length === 0) return "empty path";
  if (expectKey) return "path ends with a dot";
  return segments;
}

export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
