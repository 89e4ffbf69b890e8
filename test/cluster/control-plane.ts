// A real Kubernetes control plane for tests: etcd + kube-apiserver (optionally
// kube-controller-manager, kube-scheduler and kwok for fake nodes), all on 127.0.0.1
// with free ports, started the way controller-runtime's envtest starts them.
// Binaries come from build.sh (a cache directory outside the repository).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { request } from "node:https";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Kubernetes version built by build.sh (keep in sync with K8S_VERSION there). */
export const K8S_VERSION = "v1.34.4";
/** kwok version built by build.sh (keep in sync with KWOK_VERSION there). */
export const KWOK_VERSION = "v0.7.0";

/**
 * With `controllers: true`, the node-lifecycle controller marks a node whose kwok was stopped
 * (see {@link ControlPlane.stopNode}) Ready=Unknown this long after its last Lease renewal.
 */
export const NODE_MONITOR_GRACE_PERIOD_SECONDS = 20;

/** Go modules whose `config/crd/bases/` provide the CRDs installed into every control plane. */
export const CRD_SOURCES = [
  {
    module: "github.com/fluxcd/source-controller",
    version: "v1.7.3",
    files: ["source.toolkit.fluxcd.io_gitrepositories.yaml"],
    names: ["gitrepositories.source.toolkit.fluxcd.io"],
  },
  {
    module: "github.com/fluxcd/kustomize-controller",
    version: "v1.7.3",
    files: ["kustomize.toolkit.fluxcd.io_kustomizations.yaml"],
    names: ["kustomizations.kustomize.toolkit.fluxcd.io"],
  },
  {
    module: "github.com/fluxcd/helm-controller",
    version: "v1.4.3",
    files: ["helm.toolkit.fluxcd.io_helmreleases.yaml"],
    names: ["helmreleases.helm.toolkit.fluxcd.io"],
  },
  {
    module: "github.com/backube/volsync",
    version: "v0.14.0",
    files: ["volsync.backube_replicationsources.yaml", "volsync.backube_replicationdestinations.yaml"],
    names: ["replicationsources.volsync.backube", "replicationdestinations.volsync.backube"],
  },
] as const;

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager and kube-scheduler (default false). */
  controllers?: boolean;
  /**
   * Enable fake nodes (default false): {@link ControlPlane.addNode} creates a Node and runs a
   * kwok process (out of cluster) that manages only that node and its pods.
   */
  kwok?: boolean;
  /** Install the Flux and VolSync CRDs (default true). */
  crds?: boolean;
  /** Directory holding the binaries; default: the cache directory build.sh fills. */
  binDir?: string;
  /** Keep the work directory (logs, certificates, data) after stop(); also FAILOVER_API_KEEP_CLUSTER_DIR=1. */
  keepDir?: boolean;
  /** Timeout for each component to become ready, in milliseconds (default 60 s). */
  startTimeoutMs?: number;
}

export interface ControlPlane {
  /** Admin (system:masters) kubeconfig. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Work directory: logs (`*.log`), certificates, etcd data, kubeconfigs. */
  dir: string;
  stop(): Promise<void>;
  /** Stops kube-apiserver and starts it again on the same port with the same etcd. */
  restartApiServer(): Promise<void>;
  /** Creates the namespace (if missing) and ServiceAccount, returns a token kubeconfig's path. */
  createServiceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /**
   * Creates a Node managed by its own kwok process (requires `kwok: true`) and waits until it
   * is Ready. kwok renews its Lease every 5 s and runs the pods scheduled onto it (Running,
   * Ready, with a pod IP), without containers.
   */
  addNode(name: string, labels?: Record<string, string>): Promise<void>;
  /**
   * Kills the node's kwok process (SIGKILL): its Lease and status heartbeats stop, as when a
   * machine dies. With `controllers: true` the node becomes Ready=Unknown (tainted
   * node.kubernetes.io/unreachable) about {@link NODE_MONITOR_GRACE_PERIOD_SECONDS} later.
   */
  stopNode(name: string): Promise<void>;
  /** Starts the node's kwok again; the node returns to Ready. */
  startNode(name: string): Promise<void>;
  /** Runs kubectl with the admin kubeconfig and returns stdout. */
  kubectl(...args: string[]): Promise<string>;
  /**
   * Starts a further process beside the control plane (a controller, Alertmanager, ...) with
   * the same bookkeeping as its own: output in `<dir>/<name>.log`, stopped by stop() before
   * kube-apiserver, killed on process exit and by the reaper if this process dies hard.
   */
  startProcess(name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): ExtraProcess;
}

/** A process started with {@link ControlPlane.startProcess}. */
export interface ExtraProcess {
  readonly logPath: string;
  readonly pid: number | undefined;
  /** undefined while running; the exit code (-1 when killed by a signal) once it has exited. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Default binary directory: $FAILOVER_API_TEST_BIN_DIR, else the one build.sh fills. */
export function defaultBinDir(): string {
  if (process.env.FAILOVER_API_TEST_BIN_DIR) return process.env.FAILOVER_API_TEST_BIN_DIR;
  const root =
    process.env.FAILOVER_API_TEST_CACHE ?? join(process.env.HOME ?? tmpdir(), ".cache", "failover-api");
  return join(root, `k8s-${K8S_VERSION}`, "bin");
}

/** The Node manifest {@link ControlPlane.addNode} creates. */
export function kwokNode(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok", ...labels },
    },
    spec: {},
  };
}

// ---------------------------------------------------------------------------------------
// Process bookkeeping: everything started is killed on stop() and on process exit. A small
// detached reaper shell also kills the recorded pids if this Node.js process dies hard.

interface Managed {
  name: string;
  proc: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
}

const live = new Set<{ killAll(): void }>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", () => {
    for (const cp of live) cp.killAll();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const cp of live) cp.killAll();
      process.kill(process.pid, signal);
    });
  }
}

function tail(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd().split("\n");
    return text.slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  server.close();
  await once(server, "close");
  if (port === 0) throw new Error("could not allocate a free port");
  return port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, {
      maxBuffer: 64 * 1024 * 1024,
      cwd: options.cwd,
      env: options.env ?? process.env,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** GET a URL; resolves with the status code (0 when the connection fails). */
function probe(url: string, tls?: TlsMaterial): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const callback = (res: IncomingMessage): void => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ status: 0, body }));
    };
    const req =
      u.protocol === "https:"
        ? request(
            url,
            tls
              ? { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 5000 }
              : { rejectUnauthorized: false, timeout: 5000 },
            callback,
          )
        : httpRequest(url, { timeout: 5000 }, callback);
    req.on("timeout", () => req.destroy());
    req.on("error", (error) => resolve({ status: 0, body: String(error) }));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? defaultBinDir();
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const keepDir = options.keepDir ?? process.env.FAILOVER_API_KEEP_CLUSTER_DIR === "1";
  const required = ["kube-apiserver"];
  if (options.controllers) required.push("kube-controller-manager", "kube-scheduler");
  if (options.kwok) required.push(`kwok-${KWOK_VERSION}`);
  for (const name of required) {
    if (!existsSync(join(binDir, name))) {
      throw new Error(
        `${name} not found in ${binDir}: run test/cluster/build.sh first (npm run test:cluster does)`,
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "failover-api-cp-"));
  const managed: Managed[] = [];
  const pidsFile = join(dir, "pids");
  let stopped = false;

  const killAll = (): void => {
    for (const m of managed) {
      if (m.exitCode === undefined) {
        try {
          m.proc.kill("SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const entry = { killAll };
  installExitHooks();
  live.add(entry);

  // Reaper: if this process dies without running exit hooks (SIGKILL), kill our children.
  writeFileSync(pidsFile, "");
  const reaper = spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
        'if [ -f "$2/pids" ]; then for p in $(cat "$2/pids"); do kill -9 "$p" 2>/dev/null; done; fi; ' +
        'if [ "$3" = 0 ]; then rm -rf "$2"; fi',
      "failover-api-cp-reaper",
      String(process.pid),
      dir,
      keepDir ? "1" : "0",
    ],
    { detached: true, stdio: "ignore" },
  );
  reaper.unref();

  const recordPids = (): void => {
    const pids = managed
      .filter((m) => m.exitCode === undefined && m.proc.pid !== undefined)
      .map((m) => m.proc.pid);
    writeFileSync(pidsFile, pids.join("\n") + "\n");
  };

  const startProcess = (name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): Managed => {
    const logPath = join(dir, `${name}.log`);
    const fd = openSync(logPath, "a");
    writeSync(fd, `\n### ${new Date().toISOString()} ${bin} ${args.join(" ")}\n`);
    const proc = spawn(bin, args, { stdio: ["ignore", fd, fd], env: env ?? process.env });
    closeSync(fd);
    const m: Managed = { name, proc, logPath, exitCode: undefined, exited: Promise.resolve(null) };
    m.exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        m.exitCode = code ?? (signal ? -1 : null);
        resolve(m.exitCode);
      });
      proc.on("error", (error) => {
        writeFileSync(logPath, `spawn error: ${String(error)}\n`, { flag: "a" });
        m.exitCode = -1;
        resolve(-1);
      });
    });
    managed.push(m);
    recordPids();
    return m;
  };

  const stopProcess = async (m: Managed, graceMs = 10_000): Promise<void> => {
    if (m.exitCode === undefined) {
      m.proc.kill("SIGTERM");
      const timer = setTimeout(() => m.proc.kill("SIGKILL"), graceMs);
      await m.exited;
      clearTimeout(timer);
    }
    const index = managed.indexOf(m);
    if (index >= 0) managed.splice(index, 1);
    recordPids();
  };

  const startupError = (m: Managed, what: string): Error =>
    new Error(
      `${m.name} ${what} (exit code ${m.exitCode === undefined ? "none, still running" : String(m.exitCode)}); ` +
        `last lines of ${m.logPath}:\n${tail(m.logPath)}`,
    );

  /** Polls `check` until it returns true; fails early if `m` exits. */
  const waitUntil = async (m: Managed, what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (m.exitCode !== undefined) throw startupError(m, `exited before ${what}`);
      if (await check()) return;
      if (Date.now() > deadline) throw startupError(m, `not ${what} after ${timeoutMs} ms`);
      await sleep(200);
    }
  };

  // Resolve the CRD files from the Go module cache while the processes start.
  const crdFiles = (options.crds ?? true) ? resolveCrdFiles() : undefined;
  crdFiles?.catch(() => undefined); // awaited below; avoid an unhandled rejection if startup fails first

  try {
    const bin = (name: string): string => join(binDir, name);
    const pki = join(dir, "pki");
    const openssl = (...args: string[]): Promise<string> => run("openssl", args, { cwd: pki });
    await run("mkdir", ["-p", pki]);

    // --- certificates (ECDSA P-256: fast to generate): a CA, the apiserver serving cert, an
    // admin client cert (O=system:masters), the ServiceAccount token signing key pair.
    const ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    await openssl(
      ...`req -x509 ${ec} -keyout ca.key -out ca.crt -days 3 -subj /CN=failover-api-test-ca`.split(" "),
    );
    writeFileSync(
      join(pki, "serving.ext"),
      "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default," +
        "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n" +
        "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
    );
    writeFileSync(
      join(pki, "client.ext"),
      "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n",
    );
    let serial = 1;
    const issue = async (name: string, subject: string): Promise<void> => {
      const set = String(++serial);
      await openssl(...`req -new ${ec} -keyout ${name}.key -out ${name}.csr -subj`.split(" "), subject);
      await openssl(
        ...`x509 -req -in ${name}.csr -CA ca.crt -CAkey ca.key -set_serial ${set} -days 3`.split(" "),
        ...["-extfile", name === "serving" ? "serving.ext" : "client.ext", "-out", `${name}.crt`],
      );
    };
    await Promise.all([
      issue("serving", "/CN=kube-apiserver"),
      issue("admin", "/O=system:masters/CN=failover-api-test-admin"),
      (async () => {
        await openssl(..."ecparam -name prime256v1 -genkey -noout -out sa.key".split(" "));
        await openssl(..."ec -in sa.key -pubout -out sa.pub".split(" "));
      })(),
    ]);
    const read = (f: string): string => readFileSync(join(pki, f), "utf8");
    const adminTls: TlsMaterial = { ca: read("ca.crt"), cert: read("admin.crt"), key: read("admin.key") };
    const b64 = (s: string): string => Buffer.from(s).toString("base64");

    // --- etcd
    const etcdClientPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startProcess("etcd", process.env.FAILOVER_API_ETCD ?? "etcd", [
      "--name=default",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${etcdPeerUrl}`,
      `--initial-advertise-peer-urls=${etcdPeerUrl}`,
      `--initial-cluster=default=${etcdPeerUrl}`,
      "--initial-cluster-state=new",
      // etcd 3.4 (Debian bookworm) has no --unsafe-no-fsync; keep the data on tmpfs if speed matters.
    ]);
    await waitUntil(etcd, "healthy", async () => {
      const r = await probe(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes("true");
    });

    // --- kube-apiserver
    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${join(pki, "serving.crt")}`,
      `--tls-private-key-file=${join(pki, "serving.key")}`,
      `--client-ca-file=${join(pki, "ca.crt")}`,
      // A request-header (front-proxy) CA, so controller-manager and scheduler find a complete
      // extension-apiserver-authentication ConfigMap; only CN=front-proxy-client may use it.
      `--requestheader-client-ca-file=${join(pki, "ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--secure-port=${apiPort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--endpoint-reconciler-type=none",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--authorization-mode=RBAC",
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${join(pki, "sa.pub")}`,
      `--service-account-signing-key-file=${join(pki, "sa.key")}`,
      // Without kube-controller-manager nobody creates the "default" ServiceAccounts, so the
      // ServiceAccount admission plugin would refuse every pod; envtest disables it too.
      ...(options.controllers ? [] : ["--disable-admission-plugins=ServiceAccount"]),
      // etcd 3.4 lacks RequestWatchProgress: with WatchList on, kube-apiserver keeps ending the
      // watches of clients that ask for a streaming list (kwok's: "RequestWatchProgress is
      // disabled"), kwok's Lease renewals then conflict and its nodes flap to Unknown near the
      // grace period. Off, clients list and watch as before (README: "kwok nodes flapping").
      "--feature-gates=WatchList=false",
      "--profiling=false",
      "--v=1",
    ];
    let apiserver = startProcess("kube-apiserver", bin("kube-apiserver"), apiArgs);
    const waitApiReady = (m: Managed): Promise<void> =>
      waitUntil(m, "ready (/readyz)", async () => (await probe(`${server}/readyz`, adminTls)).status === 200);
    await waitApiReady(apiserver);

    // --- kubeconfigs
    const kubeconfigPath = join(dir, "admin.kubeconfig");
    const writeKubeconfig = (path: string, user: Record<string, string>): void => {
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "test", cluster: { server, "certificate-authority-data": b64(adminTls.ca) } }],
        users: [{ name: "user", user }],
        contexts: [{ name: "test", context: { cluster: "test", user: "user" } }],
        "current-context": "test",
      };
      writeFileSync(path, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
    };
    writeKubeconfig(kubeconfigPath, {
      "client-certificate-data": b64(adminTls.cert),
      "client-key-data": b64(adminTls.key),
    });
    const kubectl = (...args: string[]): Promise<string> =>
      run(process.env.FAILOVER_API_KUBECTL ?? "kubectl", [`--kubeconfig=${kubeconfigPath}`, ...args]);

    // --- CRDs from the Go module cache (never copied into the repository)
    if (options.crds ?? true) {
      const files = await crdFiles!;
      await kubectl("apply", "--server-side", "--force-conflicts", ...files.flatMap((f) => ["-f", f]));
      const names = CRD_SOURCES.flatMap((s) => [...s.names]).map((n) => `crd/${n}`);
      await kubectl(
        "wait",
        "--for=condition=Established",
        `--timeout=${Math.round(timeoutMs / 1000)}s`,
        ...names,
      );
    }

    // --- kube-controller-manager and kube-scheduler
    if (options.controllers) {
      const kcmPort = await freePort();
      const kcm = startProcess("kube-controller-manager", bin("kube-controller-manager"), [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, "kcm-certs")}`,
        "--leader-elect=false",
        `--service-account-private-key-file=${join(pki, "sa.key")}`,
        `--root-ca-file=${join(pki, "ca.crt")}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        `--node-monitor-grace-period=${NODE_MONITOR_GRACE_PERIOD_SECONDS}s`,
        "--node-monitor-period=2s",
        "--profiling=false",
        "--v=1",
      ]);
      const schedPort = await freePort();
      const scheduler = startProcess("kube-scheduler", bin("kube-scheduler"), [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${schedPort}`,
        `--cert-dir=${join(dir, "scheduler-certs")}`,
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
      ]);
      await waitUntil(
        kcm,
        "healthy",
        async () => (await probe(`https://127.0.0.1:${kcmPort}/healthz`)).status === 200,
      );
      await waitUntil(
        scheduler,
        "healthy",
        async () => (await probe(`https://127.0.0.1:${schedPort}/healthz`)).status === 200,
      );
    }

    // --- kwok: one process per fake node (kwok has no clean way to let go of a single node
    // among many: with an annotation selector it keeps heartbeating a node after the
    // annotation is removed), so killing that process is a node failure.
    const kwokHome = join(dir, "kwok-home");
    const kwoks = new Map<string, Managed>();
    const startKwok = async (name: string): Promise<void> => {
      if (!options.kwok) throw new Error("startControlPlane({ kwok: true }) is needed for fake nodes");
      const running = kwoks.get(name);
      if (running && running.exitCode === undefined) return;
      await run("mkdir", ["-p", kwokHome]);
      const kwok = startProcess(
        `kwok-${name}`,
        bin(`kwok-${KWOK_VERSION}`),
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--manage-single-node=${name}`,
          // Leases renewed every 5 s, well inside the controller-manager's grace period.
          "--node-lease-duration-seconds=20",
          "--cidr=10.244.0.1/16",
          "--node-ip=10.96.0.1",
        ],
        // kwok reads ~/.kwok/kwok.yaml when present: keep it hermetic.
        { ...process.env, HOME: kwokHome },
      );
      kwoks.set(name, kwok);
      await waitUntil(kwok, `node ${name} Ready`, async () => {
        const out = await kubectl(
          "get",
          "node",
          name,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ).catch(() => "");
        return out.trim() === "True";
      });
    };
    const addNode = async (name: string, labels: Record<string, string> = {}): Promise<void> => {
      if (!options.kwok) throw new Error("startControlPlane({ kwok: true }) is needed for fake nodes");
      await applyObject(kubectl, kwokNode(name, labels));
      await startKwok(name);
    };
    const stopNode = async (name: string): Promise<void> => {
      const kwok = kwoks.get(name);
      if (!kwok) throw new Error(`no kwok node ${name}`);
      if (kwok.exitCode !== undefined) return;
      kwok.proc.kill("SIGKILL");
      await stopProcess(kwok);
    };

    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      // Clients first, then the apiserver, then etcd (restartApiServer() reorders `managed`;
      // clients whose apiserver is already gone hang in their graceful shutdown).
      const order = ["kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];
      const sorted = [...managed].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)); // kwok-* first
      for (const m of sorted) await stopProcess(m);
      live.delete(entry);
      try {
        reaper.kill("SIGKILL");
      } catch {
        /* gone */
      }
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    };

    const restartApiServer = async (): Promise<void> => {
      // With clients (controllers, kwok, watches) connected, kube-apiserver stops listening at
      // once but takes many seconds to exit after SIGTERM; do not wait that long.
      await stopProcess(apiserver, 2_000);
      apiserver = startProcess("kube-apiserver", bin("kube-apiserver"), apiArgs);
      await waitApiReady(apiserver);
    };

    const createServiceAccountKubeconfig = async (namespace: string, name: string): Promise<string> => {
      await applyObject(kubectl, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
      await applyObject(kubectl, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
      const token = (await kubectl("create", "token", name, "-n", namespace, "--duration=24h")).trim();
      const path = join(dir, `sa-${namespace}-${name}.kubeconfig`);
      writeKubeconfig(path, { token });
      return path;
    };

    return {
      kubeconfigPath,
      server,
      dir,
      stop,
      restartApiServer,
      createServiceAccountKubeconfig,
      addNode,
      stopNode,
      startNode: startKwok,
      kubectl,
      startProcess: (name, path, args, env) => {
        if (stopped) throw new Error(`cannot start ${name}: the control plane is stopped`);
        const m = startProcess(name, path, args, env);
        return {
          logPath: m.logPath,
          pid: m.proc.pid,
          exitCode: () => m.exitCode,
          stop: (graceMs) => stopProcess(m, graceMs),
        };
      },
    };
  } catch (error) {
    const logs = managed.map((m) => m.logPath);
    killAll();
    live.delete(entry);
    try {
      reaper.kill("SIGKILL");
    } catch {
      /* gone */
    }
    if (error instanceof Error && !keepDir && logs.length > 0) {
      error.message += "\n(set FAILOVER_API_KEEP_CLUSTER_DIR=1 to keep the logs in the work directory)";
    }
    throw error;
  }
}

async function applyObject(kubectl: (...args: string[]) => Promise<string>, obj: object): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "failover-api-obj-"));
  try {
    const file = join(dir, "obj.json");
    writeFileSync(file, JSON.stringify(obj));
    await kubectl("apply", "--server-side", "-f", file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Paths of the CRD files listed in {@link CRD_SOURCES}, in the Go module cache. */
export async function resolveCrdFiles(): Promise<string[]> {
  const dirs = await Promise.all(CRD_SOURCES.map((s) => goModuleDir(s.module, s.version)));
  return CRD_SOURCES.flatMap((s, i) => s.files.map((f) => join(dirs[i]!, "config", "crd", "bases", f)));
}

const moduleDirs = new Map<string, Promise<string>>();

/** `go mod download -json module@version` → its directory in the Go module cache. */
export function goModuleDir(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    dir = (async () => {
      let out: string;
      try {
        // Run outside any module so the wrapper go.mod does not interfere.
        out = await run("go", ["mod", "download", "-json", key], {
          cwd: tmpdir(),
          env: { ...process.env, GOFLAGS: "" },
        });
      } catch (error) {
        throw new Error(
          `cannot fetch ${key} from the Go module proxy (needed for its CRDs): ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      const info = JSON.parse(out) as { Dir?: string; Error?: string };
      if (!info.Dir) throw new Error(`go mod download ${key}: ${info.Error ?? "no Dir in output"}`);
      return info.Dir;
    })();
    moduleDirs.set(key, dir);
  }
  return dir;
}
