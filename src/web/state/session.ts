import { signal } from "@preact/signals";
import { request } from "../api/api-client";
import type { DashboardInfo } from "../api/api-types";

const tokenKey = "failover-api.token";
const readOnlyKey = "failover-api.read-only";

function stored(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: ask every time
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage disabled: the token lives only in this page
  }
}

export type TokenPrompt = null | "start" | "invalid" | "required" | "sign-in";

/**
 * Who is using the page. The bearer token is kept in sessionStorage (this tab only, gone when it
 * closes) and sent as an Authorization header: no cookie, so no request can be forged from
 * another site.
 */
export class Session {
  readonly token = signal<string | null>(stored(tokenKey));
  /** Who the server says we are (`GET /api/dashboard`); null until loaded. */
  readonly info = signal<DashboardInfo | null>(null);
  /** Why the token dialog is open (null: closed). */
  readonly prompt = signal<TokenPrompt>(null);

  setToken(value: string | null): void {
    this.token.value = value;
    store(tokenKey, value);
  }

  /** The user chose to look without a token: do not ask again in this tab. */
  chooseReadOnly(): void {
    store(readOnlyKey, "1");
    this.prompt.value = null;
  }

  choseReadOnly(): boolean {
    return stored(readOnlyKey) === "1";
  }

  canOperate(): boolean {
    return this.info.value?.viewer.canOperate === true;
  }

  /** A request to the API with this session's token. */
  api<T>(path: string, init: Parameters<typeof request>[2] = {}): Promise<T> {
    return request<T>(path, this.token.value, init);
  }
}
