/**
 * The one lexical check of a repository-relative path, shared by configuration validation and by
 * every read and write of the working clone (src/git/managed-file.ts), so a path the
 * configuration accepts is judged the same way wherever it is used. What it cannot see (symlinks,
 * size) is checked on the tree by src/git.
 */

// C0, DEL and C1 controls (a NUL cannot even reach a system call; the others make paths that
// look like something else in logs and diffs).
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;

/** Git's own metadata directory, however it is spelt on a case-insensitive or NTFS file system. */
function isGitDir(segment: string): boolean {
  return /^\.git[. ]*$/i.test(segment) || /^git~\d+$/i.test(segment);
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Why a configured repository path is unsafe or ambiguous, or undefined when it is fine. */
export function repoPathProblem(path: string): string | undefined {
  const shown = JSON.stringify(path);
  if (path === "") return "must not be empty";
  const control = controlCharacter.exec(path);
  if (control !== null)
    return `${shown} contains the control character ${codePoint(control[0])} at position ${control.index}`;
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path))
    return `${shown} must be relative to the repository root`;
  if (path.includes("\\")) return `${shown} must use "/" separators`;
  const segments = path.split("/");
  if (segments.some((s) => s === "..")) return `${shown} must not contain ".."`;
  if (segments.some((s) => isGitDir(s))) return `${shown} points into .git, the repository's own metadata`;
  if (segments.some((s) => s === "")) return `${shown} has an empty path segment`;
  if (segments.some((s) => s === ".")) {
    const normal = segments.filter((s) => s !== ".").join("/");
    return `${shown} must be written without "." segments: ${JSON.stringify(normal)}`;
  }
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return `${shown} has a segment longer than 255 bytes`;
  return undefined;
}
