import { git } from "./test-git.js";

/** `svc-00`, `svc-01`, ... (two digits at least, so names sort in creation order). */
export function generatedServiceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
}

export function generatedServiceFile(name: string): string {
  return `apps/${name}/deployment.yaml`;
}

/** A Deployment on its primary claim, plus forward (running) and reverse (paused) replication. */
export function generatedServiceManifest(name: string): string {
  return [
    "---",
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  replicas: 1",
    "  strategy:",
    "    type: Recreate",
    "  selector:",
    "    matchLabels:",
    `      app.kubernetes.io/name: ${name}`,
    "  template:",
    "    metadata:",
    "      labels:",
    `        app.kubernetes.io/name: ${name}`,
    "    spec:",
    "      containers:",
    "        - name: app",
    `          image: ghcr.io/example/${name}:1.0.0`,
    "          volumeMounts:",
    "            - name: config",
    "              mountPath: /config",
    "      volumes:",
    "        - name: config",
    "          persistentVolumeClaim:",
    `            claimName: ${name}-config`,
    "---",
    "apiVersion: volsync.backube/v1alpha1",
    "kind: ReplicationDestination",
    "metadata:",
    `  name: ${name}-config-backup`,
    "spec:",
    "  paused: false",
    "  trigger:",
    '    schedule: "15 * * * *"',
    "  restic:",
    `    repository: ${name}-volsync-secret`,
    `    destinationPVC: ${name}-config-backup`,
    "    copyMethod: Direct",
    "---",
    "apiVersion: volsync.backube/v1alpha1",
    "kind: ReplicationSource",
    "metadata:",
    `  name: ${name}-config-reverse`,
    "spec:",
    "  paused: true",
    `  sourcePVC: ${name}-config-backup`,
    "  trigger:",
    '    schedule: "45 * * * *"',
    "  restic:",
    `    repository: ${name}-volsync-reverse-secret`,
    "    copyMethod: Direct",
    "",
  ].join("\n");
}

/** The repository files for `count` services (path → content). */
export function generatedHomelabFiles(count: number): Record<string, string> {
  const files: Record<string, string> = { "README.md": "# generated homelab\n" };
  for (const name of generatedServiceNames(count))
    files[generatedServiceFile(name)] = generatedServiceManifest(name);
  return files;
}

export interface GeneratedConfigOptions {
  services: number;
  url: string;
  sshKeyFile: string;
  knownHostsFile: string;
  dataDir: string;
  pushRetries?: number;
}

/** Configuration text (SPEC §3) managing every generated service, no cluster, no auth. */
export function generatedConfigText(options: GeneratedConfigOptions): string {
  const lines = [
    "git:",
    `  url: ${JSON.stringify(options.url)}`,
    "  branch: main",
    `  sshKeyFile: ${JSON.stringify(options.sshKeyFile)}`,
    `  knownHostsFile: ${JSON.stringify(options.knownHostsFile)}`,
    "  author: { name: failover-api, email: failover-api@users.noreply.local }",
    `  pushRetries: ${options.pushRetries ?? 5}`,
    `  dataDir: ${JSON.stringify(options.dataDir)}`,
    "cluster:",
    "  enabled: false",
    "auth:",
    "  mode: none",
    "defaults:",
    "  primaryNode: w1",
    "  backupNode: w2",
    "  maxReplicationAge: 2h",
    "services:",
  ];
  for (const name of generatedServiceNames(options.services)) {
    lines.push(
      `  - name: ${name}`,
      "    namespace: apps",
      `    files: [${generatedServiceFile(name)}]`,
      `    claims: [{ primary: ${name}-config, backup: ${name}-config-backup }]`,
      "    replication:",
      `      - { kind: ReplicationDestination, name: ${name}-config-backup, direction: forward }`,
      `      - { kind: ReplicationSource, name: ${name}-config-reverse, direction: reverse }`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface PaddingOptions {
  /** Filler files added in the first padding commit (`filler/dNN/fNNNNN.txt`). */
  files: number;
  /** Commits in total (the first adds the files, each next one edits one filler file). */
  commits: number;
}

function fillerPath(i: number): string {
  return `filler/d${String(i % 100).padStart(2, "0")}/f${String(i).padStart(5, "0")}.txt`;
}

function blob(content: string): string {
  return `data ${Buffer.byteLength(content)}\n${content}\n`;
}

/**
 * Appends filler files and history to `branch` of a (bare) repository with one `git fast-import`
 * run: thousands of commits in a second or two instead of thousands of `git commit` calls.
 */
export async function padRepository(
  repoDir: string,
  options: PaddingOptions,
  branch = "main",
): Promise<void> {
  if (options.commits < 1 || options.files < 1) return;
  const parent = await git(["rev-parse", `refs/heads/${branch}`], repoDir);
  const start = 1_700_000_000;
  const chunks: string[] = [];
  const ident = (n: number) => `Filler Bot <filler@example.test> ${start + n} +0000`;
  const header = (n: number, message: string) =>
    `commit refs/heads/${branch}\ncommitter ${ident(n)}\n${blob(message)}`;
  chunks.push(header(0, `filler: add ${options.files} files`), `from ${parent}\n`);
  for (let i = 0; i < options.files; i++)
    chunks.push(`M 100644 inline ${fillerPath(i)}\n`, blob(`filler file ${i}\nline two\n`));
  chunks.push("\n");
  for (let c = 1; c < options.commits; c++) {
    const i = (c * 7919) % options.files;
    chunks.push(
      header(c, `filler: edit ${fillerPath(i)} (${c})`),
      `M 100644 inline ${fillerPath(i)}\n`,
      blob(`filler file ${i}\nrevision ${c}\n`),
      "\n",
    );
  }
  chunks.push("done\n");
  await git(["fast-import", "--quiet", "--done"], repoDir, chunks.join(""));
}
