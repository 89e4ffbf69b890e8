import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/config/app-config.js";
import { FailoverError } from "../../src/domain/failover-error.js";
import type { FailoverOperations } from "../../src/operations/failover-operations.js";
import { serviceStatus } from "../../src/operations/service-status.js";
import { createHomelabRemote, homelabOperations } from "../support/homelab-remote.js";
import { pushChange } from "../support/push-change.js";
import { startSshGitServer, type SshGitServer } from "../support/ssh-git-server.js";
import { git } from "../support/test-git.js";

const options = (extra: object = {}) => ({
  actor: "test",
  requestId: "00000000-0000-4000-8000-0000000000aa",
  ...extra,
});
const radarrDeployment = "kubernetes/apps/media/radarr/app/deployment.yaml";

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    return (error as FailoverError).code;
  }
}

/**
 * SPEC §4 "plan equals apply": for a service whose repository is hostile, status, dry-run, the
 * operation and evacuate give one answer, naming the file; the other services are unaffected.
 */
async function expectRefusedEverywhere(ops: FailoverOperations, service: string, reason: RegExp) {
  await ops.refresh();
  const status = serviceStatus(ops.snapshot!, service);
  expect(status.role).toBe("unknown");
  expect(status.problems.join("\n")).toMatch(reason);
  expect(await outcome(ops.switchService(service, "promote", options({ dryRun: true })))).toBe(
    "MANIFEST_UNSUPPORTED",
  );
  expect(await outcome(ops.switchService(service, "promote", options()))).toBe("MANIFEST_UNSUPPORTED");
  const dry = await ops.evacuate("w1", options({ dryRun: true }));
  const skipped = dry.skipped.find((s) => s.name === service);
  expect(skipped?.reason).toMatch(reason);
  expect(dry.services.length).toBeGreaterThan(1);
  const real = await ops.evacuate("w1", options());
  expect(real.services).toEqual(dry.services);
  expect(real.skipped).toEqual(dry.skipped);
  expect(real.commit).not.toBeNull();
  // Everything else moved; the refused service did not.
  expect(serviceStatus(ops.snapshot!, "sonarr").role).toBe("backup");
  expect(serviceStatus(ops.snapshot!, service).role).toBe("unknown");
}

describe("a hostile repository affects one service at most", () => {
  let server: SshGitServer;
  beforeAll(async () => {
    server = await startSshGitServer();
  });
  afterAll(async () => server.stop());

  it("a managed file that is a symlink inside the repository is refused everywhere, naming its target", async () => {
    const url = await createHomelabRemote(server, "symlink-file");
    await pushChange(server.repoPath("symlink-file"), async (work) => {
      await mkdir(join(work, "shared"), { recursive: true });
      await rename(join(work, radarrDeployment), join(work, "shared/radarr.yaml"));
      await symlink("../../../../../shared/radarr.yaml", join(work, radarrDeployment));
    });
    const { operations } = await homelabOperations(server, url);
    await expectRefusedEverywhere(operations, "radarr", /symlink to shared\/radarr\.yaml/);
    const head = await git(["show", "--stat", "--format=%s", "main"], server.repoPath("symlink-file"));
    expect(head).not.toContain("shared/radarr.yaml");
  });

  it("a managed path through a symlinked directory is refused everywhere", async () => {
    const url = await createHomelabRemote(server, "symlink-dir");
    await pushChange(server.repoPath("symlink-dir"), async (work) => {
      const app = join(work, "kubernetes/apps/media/radarr/app");
      await rename(app, join(work, "kubernetes/apps/media/radarr/real-app"));
      await symlink("real-app", app);
    });
    const { operations } = await homelabOperations(server, url);
    await expectRefusedEverywhere(
      operations,
      "radarr",
      /passes through kubernetes\/apps\/media\/radarr\/app/,
    );
  });

  it("a managed file over the size limit is refused naming the file", async () => {
    const url = await createHomelabRemote(server, "big-file");
    await pushChange(server.repoPath("big-file"), async (work) => {
      const file = join(work, radarrDeployment);
      const text = await readFile(file, "utf8");
      await writeFile(file, `${text}\n${"# padding to make the manifest large\n".repeat(40_000)}`);
    });
    const { operations } = await homelabOperations(server, url);
    await expectRefusedEverywhere(
      operations,
      "radarr",
      /deployment\.yaml: is 1\.\d MiB, over the 512\.0 KiB limit/,
    );
  });

  it("a managed file that is not UTF-8 is refused (it could not be written back byte for byte)", async () => {
    const url = await createHomelabRemote(server, "latin1");
    await pushChange(server.repoPath("latin1"), async (work) => {
      const file = join(work, radarrDeployment);
      const text = await readFile(file);
      await writeFile(file, Buffer.concat([Buffer.from("# caf\xe9 \n", "latin1"), text]));
    });
    const { operations } = await homelabOperations(server, url);
    await expectRefusedEverywhere(operations, "radarr", /deployment\.yaml: is not UTF-8 text/);
  });

  it("a control character in a configured path (validation bypassed) is a problem of that service only", async () => {
    const url = await createHomelabRemote(server, "nul-path");
    const { operations, config } = await homelabOperations(server, url);
    const services = config.services.map((s) =>
      s.name === "radarr"
        ? { ...s, files: [...s.files, "kubernetes/apps/media/radarr/app/\u0000x.yaml"] }
        : s,
    );
    Object.assign(config, { services } satisfies Partial<AppConfig>);
    await expectRefusedEverywhere(operations, "radarr", /control character U\+0000/);
  });
});
