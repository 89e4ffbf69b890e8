import type { TextEdit } from "../domain/switch-plan.js";

/**
 * Applies splices to file contents, changing only the spliced ranges. Splices of one file must
 * not overlap (they come from distinct scalars); returns the new contents of every changed file.
 */
export function applySplices(
  files: ReadonlyMap<string, string | undefined>,
  splices: readonly TextEdit[],
): Map<string, string> {
  const byFile = new Map<string, TextEdit[]>();
  for (const s of splices) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  const out = new Map<string, string>();
  for (const [file, list] of byFile) {
    const original = files.get(file);
    if (original === undefined) throw new Error(`applySplices: ${file} is not loaded`);
    const ordered = [...list].sort((a, b) => b.start - a.start);
    let text = original;
    let limit = Infinity;
    for (const s of ordered) {
      if (s.end > limit) throw new Error(`applySplices: overlapping edits in ${file} at offset ${s.start}`);
      text = text.slice(0, s.start) + s.text + text.slice(s.end);
      limit = s.start;
    }
    if (text !== original) out.set(file, text);
  }
  return out;
}
