import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { homelabDir } from "./homelab.js";
import type { SshGitServer } from "./ssh-git-server.js";

/** The example homelab's configuration as YAML, pointed at `url` on the test SSH server. */
export function serveConfigYaml(
  server: SshGitServer,
  url: string,
  dataDir: string,
  auth: Record<string, unknown>,
): string {
  const raw = parse(readFileSync(join(homelabDir, "failover-api.yaml"), "utf8")) as Record<string, unknown>;
  return stringify({
    ...raw,
    git: {
      url,
      branch: "main",
      sshKeyFile: server.clientKeyFile,
      knownHostsFile: server.knownHostsFile,
      dataDir,
    },
    cluster: { enabled: false },
    auth,
  });
}

export const operatorToken = "operator-token-0123456789abcdef";
export const tokensYaml = stringify([{ name: "ops", role: "operator", token: operatorToken }]);

export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}
