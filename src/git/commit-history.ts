/** A commit written by failover-api, read back from its trailers (Git is the audit log). */
export interface HistoryCommit {
  sha: string;
  /** Committer time, strict ISO 8601 with offset. */
  time: string;
  author: { name: string; email: string };
  subject: string;
  /** The message body without the trailer block. */
  body: string;
  /** Trailer values by key, in order; e.g. several `Failover-Service` for an evacuation. */
  trailers: Record<string, string[]>;
}

export const actionTrailer = "Failover-Action";

/**
 * The operation a commit belongs to: its `Failover-Operation` trailer; a one-commit operation
 * written without one is identified by its request id.
 */
export function operationIdOf(commit: HistoryCommit): string | undefined {
  return commit.trailers["Failover-Operation"]?.[0] ?? commit.trailers["Failover-Request-Id"]?.[0];
}

const fieldSeparator = "%x00";
const recordSeparator = "%x1e";

/** The `git log --format` that parseHistory understands. */
export const historyFormat =
  ["%H", "%cI", "%an", "%ae", "%s", "%b", "%(trailers:only=true,unfold=true)"].join(fieldSeparator) +
  recordSeparator;

function parseTrailers(block: string): Record<string, string[]> {
  const trailers: Record<string, string[]> = {};
  for (const line of block.split("\n")) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (match === null) continue;
    const key = match[1] ?? "";
    (trailers[key] ??= []).push((match[2] ?? "").trim());
  }
  return trailers;
}

// %b contains the trailers too; the last paragraph is dropped when git recognised it as trailers.
function bodyWithoutTrailers(body: string, trailers: Record<string, string[]>): string {
  const trimmed = body.trim();
  if (Object.keys(trailers).length === 0) return trimmed;
  const paragraphs = trimmed.split(/\n\s*\n/);
  const last = paragraphs.at(-1) ?? "";
  const lastIsTrailers = last.split("\n").every((l) => /^[A-Za-z0-9-]+:\s/.test(l) || /^\s+\S/.test(l));
  return (lastIsTrailers ? paragraphs.slice(0, -1) : paragraphs).join("\n\n").trim();
}

export function parseHistory(output: string): HistoryCommit[] {
  const commits: HistoryCommit[] = [];
  for (const record of output.split("\x1e")) {
    const fields = record.replace(/^\n/, "").split("\x00");
    if (fields.length < 7) continue;
    const [sha = "", time = "", name = "", email = "", subject = "", body = "", trailerBlock = ""] = fields;
    const trailers = parseTrailers(trailerBlock);
    commits.push({
      sha,
      time,
      author: { name, email },
      subject,
      body: bodyWithoutTrailers(body, trailers),
      trailers,
    });
  }
  return commits;
}

/** Escapes text for git's basic regular expressions (used by `--grep`). */
export function basicRegexEscape(text: string): string {
  return text.replace(/[\\.[\]*^$]/g, "\\$&");
}
