/** A unified diff, line by line; the +/- signs stay visible, so it reads without colour too. */
export function DiffView({ diff, label = "Changes to the manifests" }: { diff: string; label?: string }) {
  if (diff === "") return <p class="muted">No file changes.</p>;
  const lines = diff.endsWith("\n") ? diff.slice(0, -1).split("\n") : diff.split("\n");
  const added = lines.filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
  const removed = lines.filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
  return (
    <figure class="diff-figure">
      <figcaption>
        {label}:{" "}
        <span class="diff-count">
          {added} added, {removed} removed
        </span>
      </figcaption>
      <pre class="diff" tabIndex={0} aria-label={label}>
        {lines.map((line, i) => (
          <span key={i} class={`diff-line ${lineClass(line)}`}>
            {line}
            {"\n"}
          </span>
        ))}
      </pre>
    </figure>
  );
}

function lineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ")) return "diff-file";
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-context";
}
