import { statfs } from "node:fs/promises";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";

// Below this much free space a failed git command is blamed on the disk: git does not always
// say why it could not write ("fatal: unable to write new index file").
const nearlyFullBytes = 1024 * 1024;

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

/**
 * The error a failure of the working clone becomes when the data directory is full: DISK_FULL,
 * saying so in the operator's words, instead of an opaque git failure (and instead of a
 * re-clone, which could only fail the same way). Undefined when the disk is not the problem.
 */
export async function diskFullError(
  error: unknown,
  dataDir: string,
  operation: string,
): Promise<FailoverError | undefined> {
  if (isFailoverError(error) && error.code === "DISK_FULL" && error.details.dataDir !== undefined)
    return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const full =
    (isFailoverError(error) && error.code === "DISK_FULL") ||
    errno === "ENOSPC" ||
    errno === "EDQUOT" ||
    (isFailoverError(error) &&
      error.code === "GIT_FAILED" &&
      ((await freeBytes(dataDir)) ?? Infinity) < nearlyFullBytes);
  if (!full) return undefined;
  const free = await freeBytes(dataDir);
  return new FailoverError(
    "DISK_FULL",
    `no space left in ${dataDir} (${operation} failed${free === undefined ? "" : `, ${free} bytes free`}): ` +
      `free space on that volume or make it larger; nothing was pushed`,
    {
      cause: error,
      retryable: true,
      details: { dataDir, ...(isFailoverError(error) ? error.details : {}) },
    },
  );
}
