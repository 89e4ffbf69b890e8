// Automation needs the cluster's live facts: with `cluster.enabled: auto` and no cluster in reach,
// `serve` refuses to start (exit 2, the reason on one line), and a reload that turns automation on
// is rejected while the running configuration stays in force.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start-server.js";
import { createHomelabRemote } from "../support/homelab-remote.js";
import { runBin, stackFrame } from "../support/run-bin.js";
import { eventually, serveConfigYaml } from "../support/serve-config.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

const noCluster = { KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined };

describe("automation without a cluster", () => {
  let ssh: SshGitServer;
  let dir: string;
  let config: (automation: Record<string, unknown>) => string;

  beforeAll(async () => {
    ssh = await startSshGitServer();
    const url = await createHomelabRemote(ssh, "automation-no-cluster");
    dir = await mkdtemp(join(tmpdir(), "failover-automation-"));
    config = (automation) => {
      const raw = parse(serveConfigYaml(ssh, url, join(dir, "data"), { mode: "none" })) as Record<
        string,
        unknown
      >;
      return stringify({ ...raw, cluster: { enabled: "auto" }, automation });
    };
    expect(process.env.KUBECONFIG).toBeUndefined();
    expect(process.env.KUBERNETES_SERVICE_HOST).toBeUndefined();
  });
  afterAll(async () => ssh.stop());

  it("serve exits 2 naming the key, with no stack trace", async () => {
    const path = join(dir, "enabled.yaml");
    await writeFile(path, config({ enabled: true }));
    const result = await runBin(["serve", "--config", path, "--host", "127.0.0.1", "--port", "0"], noCluster);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "automation.enabled: true, but no cluster is reachable (not in a pod and KUBECONFIG is not set)",
    );
    expect(result.stderr).not.toMatch(stackFrame);
  });

  it("a reload that turns automation on is rejected; the old configuration stays", async () => {
    const path = join(dir, "reload.yaml");
    await writeFile(path, config({ enabled: false }));
    const logs: string[] = [];
    const server = await startServer({
      configPath: path,
      host: "127.0.0.1",
      port: 0,
      write: (l) => logs.push(l),
    });
    try {
      const automation = async () =>
        (await (await fetch(`${server.url}/api/automation`)).json()) as Record<string, unknown>;
      expect(await automation()).toEqual({
        enabled: false,
        dryRun: false,
        leader: false,
        holder: null,
        decisions: [],
      });
      await writeFile(path, config({ enabled: true, dryRun: true }));
      await eventually(
        () => Promise.resolve(logs.filter((l) => l.includes("reload rejected")).length),
        (n) => n >= 1,
      );
      expect(logs.find((l) => l.includes("reload rejected"))).toContain("no cluster is reachable");
      expect(await automation()).toMatchObject({ enabled: false, dryRun: false });
    } finally {
      await server.close();
    }
  });
});
