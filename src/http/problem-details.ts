import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode, FailoverError } from "../domain/failover-error.js";

/** An RFC 9457 problem document as this API writes it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  retryable: boolean;
  requestId: string;
  [extra: string]: unknown;
}

const statusByCode: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  INVALID_INPUT: 400,
  SERVICE_NOT_FOUND: 404,
  NODE_NOT_FOUND: 404,
  PREFLIGHT_FAILED: 409,
  CLUSTER_REQUIRED: 409,
  OPERATION_CONFLICT: 409,
  OPERATION_NOT_FOUND: 404,
  MANIFEST_UNSUPPORTED: 422,
  // Transient: the remote may come back / the branch may settle, so the client should retry.
  GIT_UNREACHABLE: 503,
  GIT_PUSH_REJECTED: 503,
  // Also "the service cannot do its job right now" (503), but retrying will not help until an
  // operator fixes the deploy key, known_hosts, branch protection or repository URL: retryable false.
  GIT_AUTH: 503,
  GIT_HOST_KEY: 503,
  GIT_PROTECTED_BRANCH: 503,
  GIT_REPO_NOT_FOUND: 503,
  // The working clone's volume is full: 503 rather than 507 (which SPEC §7 does not list),
  // retryable because space can be freed and another replica, with its own volume, may succeed.
  DISK_FULL: 503,
  // Shutting down or the cluster API is away: another replica or a later retry can succeed.
  SHUTTING_DOWN: 503,
  CLUSTER_UNAVAILABLE: 503,
  // Only the automation Lease holder takes alerts; Alertmanager retries a 503, reaching the other replica.
  NOT_LEADER: 503,
};

const retryableCodes: ReadonlySet<ErrorCode> = new Set([
  "GIT_UNREACHABLE",
  "DISK_FULL",
  "GIT_PUSH_REJECTED",
  "SHUTTING_DOWN",
  "CLUSTER_UNAVAILABLE",
  "NOT_LEADER",
]);

const titles: Partial<Record<number, string>> = {
  400: "Invalid input",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Preflight refused",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unusable configuration or manifests",
  500: "Internal error",
  503: "Service unavailable",
};

// A 409 is usually a preflight refusal; these codes say what else it was.
const titlesByCode: Partial<Record<ErrorCode, string>> = {
  CLUSTER_REQUIRED: "Cluster required",
  OPERATION_CONFLICT: "Conflict",
};

// Fields of FailoverError.details that are part of the public problem document.
const publicDetails = ["checks", "errors", "skipped", "problems", "service", "node", "file", "operation"];

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return statusByCode[code] ?? 500;
}

export function problemType(code: string): string {
  return `urn:failover-api:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function makeProblem(
  status: number,
  code: string,
  detail: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    type: problemType(code),
    title: titles[status] ?? "Error",
    status,
    detail,
    code,
    retryable: false,
    requestId,
    ...extra,
  };
}

export function problemFromError(error: FailoverError, requestId: string): Problem {
  const status = statusOf(error.code);
  const extra: Record<string, unknown> = {};
  for (const key of publicDetails) {
    if (error.details[key] !== undefined) extra[key] = error.details[key];
  }
  // A 500 is a bug: its message may carry internals, so it is replaced by a generic one.
  const detail = status === 500 ? "internal error; see the server log for this request id" : error.message;
  const problem = makeProblem(status, error.code, detail, requestId, extra);
  return {
    ...problem,
    title: titlesByCode[error.code] ?? problem.title,
    retryable: retryableCodes.has(error.code),
  };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });
}
