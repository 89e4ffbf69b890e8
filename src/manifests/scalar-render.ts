import { parse, type Scalar } from "yaml";

/** A value may stay plain only if YAML reads it back as the same string. */
function safeAsPlain(value: string): boolean {
  if (value === "" || /[\n\r\t]|: | #|^\s|\s$/.test(value)) return false;
  try {
    return parse(value) === value;
  } catch {
    return false;
  }
}

/** A value for a key written anew: plain when YAML reads it back as the same string, else double-quoted. */
export function renderNewScalar(value: string): string {
  return safeAsPlain(value) ? value : JSON.stringify(value);
}

/**
 * Whether `value` may replace a plain scalar as plain text because both read as the same kind of
 * YAML value (a replica count `1` → `0` stays a number, not the string "0").
 */
export function sameYamlType(node: Scalar, value: string): boolean {
  if (node.type !== "PLAIN" || /[\n\r#]|: /.test(value)) return false;
  try {
    const parsed: unknown = parse(value);
    return parsed !== null && typeof parsed !== "object" && typeof parsed === typeof node.value;
  } catch {
    return false;
  }
}

/**
 * The replacement text for a scalar's source range, keeping its quoting style. Returns undefined
 * for block scalars, which are not rewritten.
 */
export function renderScalar(
  node: Scalar,
  value: string,
  { allowPlainKeyword = false } = {},
): string | undefined {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return JSON.stringify(value);
    case "QUOTE_SINGLE":
      return `'${value.replace(/'/g, "''")}'`;
    case "PLAIN":
      if (allowPlainKeyword || safeAsPlain(value)) return value;
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
