import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "./test-git.js";

/**
 * Commits a change to a bare repository on disk as another person would (clone, edit, push),
 * for trees the plain file map of createBareRepo cannot express: symlinks, big or binary files.
 * Returns the new head.
 */
export async function pushChange(
  bare: string,
  edit: (work: string) => Promise<void>,
  message = "Change by someone else",
): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "push-change-"));
  try {
    // --no-local: a consistent view even while another push lands (a local clone copies files).
    await git(["clone", "--quiet", "--no-local", bare, work]);
    await edit(work);
    await git(["add", "--all"], work);
    await git(["commit", "--quiet", "-m", message], work);
    await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
    return await git(["rev-parse", "HEAD"], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
