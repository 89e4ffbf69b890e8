import { createHash } from "node:crypto";
import { remoteDisplayName } from "./git-remote.js";

/**
 * A directory name for a remote's working clone in a shared cache: readable (host and path) and
 * unique (a hash of the full URL), so that two configurations never share, or fight over, one clone.
 */
export function cloneCacheName(url: string): string {
  const readable = remoteDisplayName(url)
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+|_+$/g, "")
    .slice(-60);
  const hash = createHash("sha256").update(url).digest("hex").slice(0, 8);
  return `${readable === "" ? "repo" : readable}-${hash}`;
}
