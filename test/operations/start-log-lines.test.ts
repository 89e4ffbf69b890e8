import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonLogger } from "../../src/log/json-logger.js";
import type { FailoverOperations } from "../../src/operations/failover-operations.js";
import { createHomelabRemote, homelabOperations } from "../support/homelab-remote.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";

/** SPEC §6 log lines: `Starting backup failover` only for a promote that changes something. */
describe("the line that starts an operation", () => {
  let server: SshGitServer;
  let ops: FailoverOperations;
  const lines: { msg: string; action?: string }[] = [];
  const messages = () => lines.splice(0).map((l) => l.msg);
  const options = (extra: object = {}) => ({
    actor: "cli:tester",
    requestId: "00000000-0000-4000-8000-000000000002",
    ...extra,
  });

  beforeAll(async () => {
    server = await startSshGitServer();
    const url = await createHomelabRemote(server, "log-lines");
    const logger = new JsonLogger({ write: (line) => void lines.push(JSON.parse(line) as { msg: string }) });
    ({ operations: ops } = await homelabOperations(server, url, { logger }));
    await ops.refresh();
    lines.length = 0;
  });
  afterAll(async () => server.stop());

  it("promote: Starting backup failover; again: nothing to do; a dry-run: neither", async () => {
    await ops.switchService("sonarr", "promote", options({ dryRun: true }));
    expect(messages().filter((m) => m.startsWith("Starting") || m.startsWith("Nothing"))).toEqual([]);
    await ops.switchService("sonarr", "promote", options());
    const first = messages();
    expect(first).toContain("Starting backup failover");
    expect(first).toContain("Updated volume");
    await ops.switchService("sonarr", "promote", options());
    const again = messages();
    expect(again).toContain("Nothing to do: already on the backup");
    expect(again).not.toContain("Starting backup failover");
  });

  it("demote: its own line, never Starting backup failover", async () => {
    await ops.switchService("sonarr", "demote", options());
    const demote = messages();
    expect(demote).toContain("Starting failback to primary");
    expect(demote).not.toContain("Starting backup failover");
    await ops.switchService("sonarr", "demote", options());
    expect(messages()).toContain("Nothing to do: already on the primary");
  });

  it("evacuate: Starting backup failover once", async () => {
    await ops.evacuate("w1", options());
    expect(messages().filter((m) => m === "Starting backup failover")).toHaveLength(1);
  });
});
