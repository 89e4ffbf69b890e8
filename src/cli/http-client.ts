import { errorCodes, type ErrorCode, FailoverError } from "../domain/failover-error.js";
import type { ActOptions, ClientTarget, FailoverClient } from "./failover-client.js";

// When a problem carries no known code, its status says what kind of failure it was.
const codeByStatus: Record<number, ErrorCode> = {
  400: "INVALID_INPUT",
  401: "INVALID_INPUT",
  403: "INVALID_INPUT",
  404: "SERVICE_NOT_FOUND",
  409: "PREFLIGHT_FAILED",
  422: "MANIFEST_UNSUPPORTED",
  503: "GIT_UNREACHABLE",
};

/** The remote CLI: the same commands through the HTTP API (SPEC §8), same objects back. */
export function httpClient(
  target: ClientTarget & { server: string },
  fetchImpl: typeof fetch = fetch,
): FailoverClient {
  const base = target.server.replace(/\/+$/, "");
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND …) is its cause.
      const inner = (cause as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof inner?.code === "string" ? inner.code : String(inner?.message ?? cause);
      throw new FailoverError("GIT_UNREACHABLE", `cannot reach the failover-api server at ${base} (${why})`, {
        cause,
        retryable: true,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const problem = (json ?? {}) as { code?: string; detail?: string; title?: string; retryable?: boolean };
      const known = (errorCodes as readonly string[]).includes(problem.code ?? "")
        ? (problem.code as ErrorCode)
        : undefined;
      const code = known ?? codeByStatus[response.status] ?? "INTERNAL";
      const message = `${response.status} ${problem.title ?? response.statusText}: ${problem.detail ?? text}`;
      throw new FailoverError(code, message, {
        details: { ...(json as object), status: response.status },
        retryable: problem.retryable ?? false,
      });
    }
    return json as T;
  };
  const act = (o: ActOptions) => ({
    dryRun: o.dryRun,
    force: o.force,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
  });
  const seg = encodeURIComponent;
  return {
    services: () => call("GET", "/api/services"),
    status: (name) => call("GET", `/api/failover/${seg(name)}/status`),
    switchService: (name, action, o) => call("POST", `/api/failover/${seg(name)}/${action}`, act(o)),
    evacuate: (node, o) => call("POST", `/api/nodes/${seg(node)}/evacuate`, act(o)),
    history: (name, limit) => call("GET", `/api/failover/${seg(name)}/history?limit=${limit}`),
    planned: (target, o) =>
      call(
        "POST",
        "node" in target
          ? `/api/nodes/${seg(target.node)}/evacuate`
          : `/api/failover/${seg(target.service)}/${target.action}`,
        { ...act(o), finalSync: true },
      ),
    operations: (limit) => call("GET", `/api/operations?limit=${limit}`),
    operation: (id) => call("GET", `/api/operations/${seg(id)}`),
    abort: (id, reason) =>
      call("POST", `/api/operations/${seg(id)}/abort`, reason === undefined ? {} : { reason }),
    close: () => Promise.resolve(),
  };
}
