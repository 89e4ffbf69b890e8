// Flux's source-controller, kustomize-controller and helm-controller, built from source by
// components/flux.sh, run out of cluster against a started ControlPlane: admin kubeconfig
// through KUBECONFIG (they have no --kubeconfig flag), leader election off, every listener
// (metrics, health probes, source-controller's artifact server) on its own free 127.0.0.1 port.
import { mkdir, readdir, readFile, readlink } from "node:fs/promises";
import { request, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { freePort } from "../support/free-port.js";
import {
  CRD_SOURCES,
  defaultBinDir,
  goModuleDir,
  type ControlPlane,
  type ExtraProcess,
} from "./control-plane.js";

export type FluxControllerName = "source-controller" | "kustomize-controller" | "helm-controller";

const modules: Record<FluxControllerName, string> = {
  "source-controller": "github.com/fluxcd/source-controller",
  "kustomize-controller": "github.com/fluxcd/kustomize-controller",
  "helm-controller": "github.com/fluxcd/helm-controller",
};

/** The version of each controller: the one whose CRDs the control plane installs (CRD_SOURCES). */
export function fluxVersion(name: FluxControllerName): string {
  const source = CRD_SOURCES.find((s) => s.module === modules[name]);
  if (!source) throw new Error(`CRD_SOURCES has no entry for ${modules[name]}`);
  return source.version;
}

/** `<binDir>/<controller>-<version>`, as components/flux.sh names it. */
export function fluxBinary(name: FluxControllerName, binDir = defaultBinDir()): string {
  return join(binDir, `${name}-${fluxVersion(name)}`);
}

/**
 * source-controller reconciles all its kinds and refuses to start while one CRD is missing;
 * the control plane installs only GitRepository of them (CRD_SOURCES).
 */
export const FLUX_EXTRA_CRDS = {
  module: modules["source-controller"],
  files: [
    "source.toolkit.fluxcd.io_buckets.yaml",
    "source.toolkit.fluxcd.io_externalartifacts.yaml",
    "source.toolkit.fluxcd.io_helmcharts.yaml",
    "source.toolkit.fluxcd.io_helmrepositories.yaml",
    "source.toolkit.fluxcd.io_ocirepositories.yaml",
  ],
  names: [
    "buckets.source.toolkit.fluxcd.io",
    "externalartifacts.source.toolkit.fluxcd.io",
    "helmcharts.source.toolkit.fluxcd.io",
    "helmrepositories.source.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
  ],
} as const;

export interface FluxControllersOptions {
  /** Which controllers to run; default all three. */
  controllers?: readonly FluxControllerName[];
  /** Where the binaries are; default the cache build.sh fills. */
  binDir?: string;
  /** The controllers' RUNTIME_NAMESPACE (created when missing); default flux-system. */
  namespace?: string;
  /** `--log-level`; default info. */
  logLevel?: "debug" | "info" | "error";
  /** How long each controller may take to report ready (default 60 s). */
  startTimeoutMs?: number;
}

export interface FluxControllerProcess extends ExtraProcess {
  name: FluxControllerName;
  /** 127.0.0.1:<port> */
  metricsAddress: string;
  /** 127.0.0.1:<port>, serving /healthz and /readyz */
  healthAddress: string;
}

export interface FluxControllers {
  processes: FluxControllerProcess[];
  /** http://127.0.0.1:<port>: source-controller's artifact server (null without source-controller). */
  artifactServer: string | null;
  /** Stops the controllers (the control plane's stop() would too). */
  stop(): Promise<void>;
}

/** Installs the CRDs source-controller needs beyond CRD_SOURCES, and waits until they are Established. */
export async function installFluxExtraCrds(cp: ControlPlane): Promise<void> {
  const version = fluxVersion("source-controller");
  const dir = join(await goModuleDir(FLUX_EXTRA_CRDS.module, version), "config", "crd", "bases");
  await cp.kubectl(
    "apply",
    "--server-side",
    "--force-conflicts",
    ...FLUX_EXTRA_CRDS.files.flatMap((f) => ["-f", join(dir, f)]),
  );
  await cp.kubectl(
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...FLUX_EXTRA_CRDS.names.map((n) => `crd/${n}`),
  );
}

/**
 * Starts the Flux controllers on `cp` (which must have been started with its CRDs) and resolves
 * once each one answers /readyz. Their logs are `<cp.dir>/<controller>.log` (JSON lines).
 */
export async function startFluxControllers(
  cp: ControlPlane,
  options: FluxControllersOptions = {},
): Promise<FluxControllers> {
  const names = options.controllers ?? ["source-controller", "kustomize-controller", "helm-controller"];
  const binDir = options.binDir ?? defaultBinDir();
  const namespace = options.namespace ?? "flux-system";
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  await cp.kubectl("create", "namespace", namespace).catch((error: Error) => {
    if (!error.message.includes("AlreadyExists")) throw error;
  });
  if (names.includes("source-controller")) await installFluxExtraCrds(cp);

  const home = join(cp.dir, "flux-home");
  await mkdir(join(home, "tmp"), { recursive: true });
  // A fixed environment: METRICS_ADDR, STORAGE_ADDRESS & co. of the caller must not leak in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    TMPDIR: join(home, "tmp"),
    KUBECONFIG: cp.kubeconfigPath,
    RUNTIME_NAMESPACE: namespace,
  };
  const processes: FluxControllerProcess[] = [];
  let artifactServer: string | null = null;
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop(5_000);
  };
  try {
    for (const name of names) {
      const binary = fluxBinary(name, binDir);
      const metricsAddress = `127.0.0.1:${await freePort()}`;
      const healthAddress = `127.0.0.1:${await freePort()}`;
      const args = [
        "--enable-leader-election=false",
        `--metrics-addr=${metricsAddress}`,
        `--health-addr=${healthAddress}`,
        "--events-addr=",
        "--log-encoding=json",
        `--log-level=${options.logLevel ?? "info"}`,
        "--watch-all-namespaces=true",
      ];
      if (name === "source-controller") {
        const storageAddress = `127.0.0.1:${await freePort()}`;
        const storagePath = join(cp.dir, "source-controller-storage");
        await mkdir(storagePath, { recursive: true });
        // Artifacts are served and advertised on loopback: kustomize- and helm-controller
        // download them from status.artifact.url, which is built from --storage-adv-addr.
        args.push(
          `--storage-path=${storagePath}`,
          `--storage-addr=${storageAddress}`,
          `--storage-adv-addr=${storageAddress}`,
        );
        artifactServer = `http://${storageAddress}`;
      }
      let started: ExtraProcess;
      try {
        started = cp.startProcess(name, binary, args, env);
      } catch (error) {
        throw new Error(`cannot start ${name}: ${String(error)}`, { cause: error });
      }
      processes.push({ ...started, name, metricsAddress, healthAddress });
    }
    await Promise.all(
      processes.map((p) =>
        waitReady(p, `http://${p.healthAddress}/readyz`, timeoutMs, binDir).then(() =>
          p.name === "source-controller" && artifactServer
            ? waitReady(p, artifactServer, timeoutMs, binDir, (status) => status > 0)
            : undefined,
        ),
      ),
    );
    return { processes, artifactServer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2_000 }, (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function waitReady(
  p: FluxControllerProcess,
  url: string,
  timeoutMs: number,
  binDir: string,
  ok: (status: number) => boolean = (status) => status === 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = p.exitCode();
    if (exit !== undefined) {
      throw new Error(
        `${p.name} exited with ${String(exit)} before it was ready (binaries from ${binDir}: run ` +
          `test/cluster/build.sh); last lines of ${p.logPath}:\n${await tail(p.logPath)}`,
      );
    }
    if (ok(await httpStatus(url))) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${p.name} not ready at ${url} after ${timeoutMs} ms; last lines of ${p.logPath}:\n${await tail(p.logPath)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * The TCP addresses a process listens on (`127.0.0.1:9090`, `[::]:8080`), from its socket file
 * descriptors and /proc/net/tcp{,6}: to check that a controller opened nothing but loopback.
 */
export async function listeningAddresses(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const addresses: string[] = [];
  for (const [file, v6] of [
    ["/proc/net/tcp", false],
    ["/proc/net/tcp6", true],
  ] as const) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address st ... inode: state 0A is LISTEN
      if (cols.length < 10 || cols[3] !== "0A" || !inodes.has(cols[9]!)) continue;
      const [hexIp, hexPort] = cols[1]!.split(":") as [string, string];
      addresses.push(`${v6 ? `[${ipv6(hexIp)}]` : ipv4(hexIp)}:${parseInt(hexPort, 16)}`);
    }
  }
  return addresses.sort();
}

function ipv4(hex: string): string {
  // /proc/net/tcp prints the address as a little-endian 32-bit number.
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 4; i++) {
    const chunk = hex.slice(i * 8, i * 8 + 8);
    const bytes = [3, 2, 1, 0].map((j) => chunk.slice(j * 2, j * 2 + 2)).join("");
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const text = words.map((w) => parseInt(w, 16).toString(16)).join(":");
  return text === "0:0:0:0:0:0:0:0" ? "::" : text === "0:0:0:0:0:0:0:1" ? "::1" : text;
}
