const context = 3;

interface Line {
  text: string;
  /** false only for a last line that has no newline. */
  terminated: boolean;
}

function splitLines(text: string): Line[] {
  if (text === "") return [];
  const parts = text.split("\n");
  const last = parts.pop() ?? "";
  const lines: Line[] = parts.map((p) => ({ text: p.replace(/\r$/, ""), terminated: true }));
  if (last !== "") lines.push({ text: last.replace(/\r$/, ""), terminated: false });
  return lines;
}

/**
 * A unified diff of one file with `a/`/`b/` paths. Line endings are not shown (a CRLF file's
 * lines read as their content); `\ No newline at end of file` marks a missing final newline.
 * Because splices never move text, the common prefix/suffix scan finds exactly the changed lines.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.kind === " ") {
      i++;
      continue;
    }
    let start = Math.max(0, i - context);
    let end = i;
    // Extend over changes separated by at most 2*context unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]?.kind !== " ") end++;
      let next = end;
      while (next < ops.length && ops[next]?.kind === " ") next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aStart = (ops[start]?.aIndex ?? 0) + 1;
    const bStart = (ops[start]?.bIndex ?? 0) + 1;
    const aCount = slice.filter((o) => o.kind !== "+").length;
    const bCount = slice.filter((o) => o.kind !== "-").length;
    const body = slice.flatMap((o) => {
      const lines = [`${o.kind}${o.line.text}`];
      if (!o.line.terminated) lines.push("\\ No newline at end of file");
      return lines;
    });
    hunks.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@\n${body.join("\n")}\n`);
    i = stop;
    start = stop;
  }
  return `--- a/${path}\n+++ b/${path}\n${hunks.join("")}`;
}

function range(start: number, count: number): string {
  const from = count === 0 ? start - 1 : start;
  return count === 1 ? `${from}` : `${from},${count}`;
}

interface Op {
  kind: " " | "-" | "+";
  line: Line;
  aIndex: number;
  bIndex: number;
}

/** Line diff via LCS on the differing middle (after trimming common prefix and suffix). */
function diffLines(a: Line[], b: Line[]): Op[] {
  const same = (x: Line | undefined, y: Line | undefined) =>
    x !== undefined && y !== undefined && x.text === y.text && x.terminated === y.terminated;
  let pre = 0;
  while (pre < a.length && pre < b.length && same(a[pre], b[pre])) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && same(a[a.length - 1 - suf], b[b.length - 1 - suf]))
    suf++;
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: " ", line: a[k] as Line, aIndex: k, bIndex: k });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  // Splices rewrite scalars in place, so the line counts usually match: pair lines by position
  // (what the edit did) rather than by a longest common subsequence that may pick another twin.
  if (am.length === bm.length) {
    const removedSame: Op[] = [];
    const addedSame: Op[] = [];
    for (let k = 0; k < am.length; k++) {
      if (same(am[k], bm[k])) {
        ops.push(...removedSame.splice(0), ...addedSame.splice(0));
        ops.push({ kind: " ", line: am[k] as Line, aIndex: pre + k, bIndex: pre + k });
      } else {
        removedSame.push({ kind: "-", line: am[k] as Line, aIndex: pre + k, bIndex: pre + k });
        addedSame.push({ kind: "+", line: bm[k] as Line, aIndex: pre + k, bIndex: pre + k });
      }
    }
    ops.push(...removedSame, ...addedSame);
    for (let k = 0; k < suf; k++) {
      const ai = a.length - suf + k;
      const bi = b.length - suf + k;
      ops.push({ kind: " ", line: a[ai] as Line, aIndex: ai, bIndex: bi });
    }
    return ops;
  }
  // LCS table over the (small) middle.
  const dp: number[][] = Array.from({ length: am.length + 1 }, () =>
    new Array<number>(bm.length + 1).fill(0),
  );
  for (let x = am.length - 1; x >= 0; x--) {
    for (let y = bm.length - 1; y >= 0; y--) {
      const row = dp[x] as number[];
      row[y] = same(am[x], bm[y])
        ? (dp[x + 1]?.[y + 1] ?? 0) + 1
        : Math.max(dp[x + 1]?.[y] ?? 0, row[y + 1] ?? 0);
    }
  }
  let x = 0;
  let y = 0;
  const removed: Op[] = [];
  const added: Op[] = [];
  const flush = () => {
    ops.push(...removed.splice(0), ...added.splice(0));
  };
  while (x < am.length || y < bm.length) {
    if (x < am.length && y < bm.length && same(am[x], bm[y])) {
      flush();
      ops.push({ kind: " ", line: am[x] as Line, aIndex: pre + x, bIndex: pre + y });
      x++;
      y++;
    } else if (y >= bm.length || (x < am.length && (dp[x + 1]?.[y] ?? 0) >= (dp[x]?.[y + 1] ?? 0))) {
      removed.push({ kind: "-", line: am[x] as Line, aIndex: pre + x, bIndex: pre + y });
      x++;
    } else {
      added.push({ kind: "+", line: bm[y] as Line, aIndex: pre + x, bIndex: pre + y });
      y++;
    }
  }
  flush();
  for (let k = 0; k < suf; k++) {
    const ai = a.length - suf + k;
    const bi = b.length - suf + k;
    ops.push({ kind: " ", line: a[ai] as Line, aIndex: ai, bIndex: bi });
  }
  return ops;
}
