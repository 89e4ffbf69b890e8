/**
 * Git's ref-name rules for a branch (`git check-ref-format --branch`), checked at load so a
 * value such as `--upload-pack=…` or `main; …` is refused as configuration instead of failing
 * later with an error that blames the credentials. Returns why the name is invalid, or undefined.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.startsWith("-")) return "must not start with '-'";
  if (name === "HEAD") return "must not be HEAD";
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(name);
  if (bad !== null) {
    const ch = bad[0];
    // eslint-disable-next-line no-control-regex
    const shown = /[\u0000-\u0020\u007f]/.test(ch)
      ? `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`
      : `'${ch}'`;
    return `must not contain ${shown === "U+0020" ? "a space" : shown}`;
  }
  if (name.includes("..")) return "must not contain '..'";
  if (name.includes("@{")) return "must not contain '@{'";
  if (name.endsWith(".")) return "must not end with '.'";
  for (const component of name.split("/")) {
    if (component === "") return "must not start or end with '/' or contain '//'";
    if (component.startsWith(".")) return "no part between '/' may start with '.'";
    if (component.endsWith(".lock")) return "no part between '/' may end with '.lock'";
  }
  return undefined;
}
