/**
 * RFC-0005 revisions are `<branch>@sha1:<sha>`: the commit is what follows the last `@` (and
 * `sha1:`). Flux before 2.0 wrote `<branch>/<sha>`.
 */
export function revisionSha(revision: string): string {
  const at = revision.lastIndexOf("@");
  const afterAt = at >= 0 ? revision.slice(at + 1) : revision.slice(revision.lastIndexOf("/") + 1);
  const colon = afterAt.lastIndexOf(":");
  return colon >= 0 ? afterAt.slice(colon + 1) : afterAt;
}
