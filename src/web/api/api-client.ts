import type { Problem } from "./api-types";

/** A non-2xx answer: the problem document when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem?.detail ?? fallback);
    this.status = status;
    this.problem = problem;
  }
}

export function authHeaders(token: string | null): Record<string, string> {
  return token === null ? {} : { Authorization: `Bearer ${token}` };
}

/** A JSON request to this server's API; throws ApiError for anything but 2xx. */
export async function request<T>(
  path: string,
  token: string | null,
  init: { method?: "GET" | "POST"; body?: Record<string, unknown>; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders(token) };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: init.signal ?? null,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, null, "the server cannot be reached; check the connection and retry");
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const problem = body !== null && typeof body === "object" && "status" in body ? (body as Problem) : null;
    throw new ApiError(response.status, problem, `${response.status} ${response.statusText}`);
  }
  return body as T;
}

export const servicePath = (service: string) => `/api/failover/${encodeURIComponent(service)}`;
export const nodePath = (node: string) => `/api/nodes/${encodeURIComponent(node)}`;
