/**
 * The one error type of failover-api. Adapters throw it with a code from the fixed list; only
 * src/http maps codes to HTTP statuses and only src/cli maps them to exit codes.
 */
export const errorCodes = [
  "CONFIG_INVALID",
  "INVALID_INPUT",
  "SERVICE_NOT_FOUND",
  "NODE_NOT_FOUND",
  "MANIFEST_UNSUPPORTED",
  "PREFLIGHT_FAILED",
  "GIT_UNREACHABLE",
  "GIT_AUTH",
  "GIT_HOST_KEY",
  "GIT_REPO_NOT_FOUND",
  "GIT_PUSH_REJECTED",
  "GIT_PROTECTED_BRANCH",
  "GIT_FAILED",
  "DISK_FULL",
  "CLUSTER_UNAVAILABLE",
  "NOT_LEADER",
  /** A planned move needs a cluster to observe each step (SPEC §5.1). */
  "CLUSTER_REQUIRED",
  "OPERATION_NOT_FOUND",
  /** A planned move of the service is already running, or the operation can no longer be aborted. */
  "OPERATION_CONFLICT",
  "SHUTTING_DOWN",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const retryableByDefault: ReadonlySet<ErrorCode> = new Set([
  "GIT_UNREACHABLE",
  "DISK_FULL",
  "GIT_PUSH_REJECTED",
  "CLUSTER_UNAVAILABLE",
  "NOT_LEADER",
  "SHUTTING_DOWN",
]);

export interface FailoverErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Extra machine-readable fields (e.g. `checks`, `errors`) carried to the API's problem details. */
  details?: Record<string, unknown>;
}

export class FailoverError extends Error {
  override readonly name = "FailoverError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FailoverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? retryableByDefault.has(code);
    this.details = options.details ?? {};
  }
}

export function isFailoverError(value: unknown): value is FailoverError {
  return value instanceof FailoverError;
}
