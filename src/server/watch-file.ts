import { type FSWatcher, watch } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";

export interface FileWatch {
  close(): void;
}

async function identity(path: string): Promise<string> {
  try {
    const [info, real] = await Promise.all([stat(path), realpath(path)]);
    return `${real}:${info.ino}:${info.mtimeMs}:${info.size}`;
  } catch {
    return "missing";
  }
}

/**
 * Calls `onChange` when `path` may have changed. The directory is watched (not the file) because
 * a ConfigMap update swaps the `..data` symlink and the file's inode never changes; a poll of
 * realpath + inode + mtime every `pollMs` catches what fs.watch misses (network and overlay
 * filesystems). Callers must tolerate spurious calls.
 */
export function watchFile(path: string, onChange: () => void, pollMs = 2000): FileWatch {
  let last: string | undefined;
  void identity(path).then((id) => (last ??= id));
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name === null || name === basename(path) || name.startsWith("..")) onChange();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined; // the poll still works
  }
  const timer = setInterval(() => {
    void identity(path).then((id) => {
      if (last !== undefined && id !== last) onChange();
      last = id;
    });
  }, pollMs);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
