import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const otherIdentity = { name: "Someone Else", email: "someone@example.test" };

/** Runs git for test setup and assertions (local paths only); returns trimmed stdout. */
export async function git(args: string[], cwd?: string, input?: string): Promise<string> {
  const promise = execFileAsync("git", args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      // Isolated from the developer's ~/.gitconfig, like the code under test.
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      LC_ALL: "C",
      GIT_AUTHOR_NAME: otherIdentity.name,
      GIT_AUTHOR_EMAIL: otherIdentity.email,
      GIT_COMMITTER_NAME: otherIdentity.name,
      GIT_COMMITTER_EMAIL: otherIdentity.email,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) promise.child.stdin?.end(input);
  const { stdout } = await promise;
  return stdout.trim();
}

export async function run(file: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(file, args);
  return stdout.trim();
}
