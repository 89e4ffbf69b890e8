/** Deeper than any real manifest or configuration nests; what the YAML parser is given at most. */
export const maxYamlNesting = 64;

/**
 * How deeply YAML text nests, estimated without parsing: open flow brackets (`[`, `{`) and, per
 * line, indicators that open a collection on the same line (`- - - x`). The yaml library takes
 * hundreds of milliseconds and tens of megabytes for a few kilobytes nested thousands deep —
 * a cheap bomb in a configuration or a manifest — so such text is refused before parsing.
 * Brackets inside strings or comments count too: at this depth that only refuses nonsense.
 */
export function yamlNestingProblem(text: string): string | undefined {
  let flow = 0;
  let deepest = 0;
  let line = 1;
  let deepestLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 91 || c === 123) {
      flow++;
      if (flow > deepest) [deepest, deepestLine] = [flow, line];
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  if (deepest > maxYamlNesting)
    return `line ${deepestLine}: flow collections nested ${deepest} deep, more than the ${maxYamlNesting} allowed`;
  const lines = text.split("\n");
  for (const [i, l] of lines.entries()) {
    const indicators = /^[ \t]*((?:[-?:][ \t]+)+)/.exec(l)?.[1];
    if (indicators === undefined) continue;
    const depth = indicators.replace(/[ \t]/g, "").length;
    if (depth > maxYamlNesting)
      return `line ${i + 1}: collections nested ${depth} deep on one line, more than the ${maxYamlNesting} allowed`;
  }
  return undefined;
}
