/**
 * Lexical safety of a repository-relative path from the configuration. Symlinks that escape the
 * repository are caught when files are read from the working clone (see src/git).
 */
export function repoPathProblem(path: string): string | undefined {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path))
    return `"${path}" must be relative to the repository root`;
  if (path.includes("\\")) return `"${path}" must use "/" separators`;
  if (path.split("/").some((part) => part === "..")) return `"${path}" must not contain ".."`;
  if (path.split("/").some((part) => part === "")) return `"${path}" has an empty path segment`;
  return undefined;
}
