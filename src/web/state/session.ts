import { signal } from "@preact/signals";
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

/**
 * The bearer token, kept in sessionStorage (this tab only, gone when it closes) and sent as an
 * Authorization header: no cookie, so no request can be forged from another site.
 */
export const token = signal<string | null>(stored(tokenKey));

/** Who the server says we are (`GET /api/dashboard`); null until loaded. */
export const dashboardInfo = signal<DashboardInfo | null>(null);

/** Why the token dialog is open (null: closed). */
export const tokenPrompt = signal<null | "start" | "invalid" | "required" | "sign-in">(null);

export function setToken(value: string | null): void {
  token.value = value;
  store(tokenKey, value);
}

/** The user chose to look without a token: do not ask again in this tab. */
export function chooseReadOnly(): void {
  store(readOnlyKey, "1");
  tokenPrompt.value = null;
}

export function choseReadOnly(): boolean {
  return stored(readOnlyKey) === "1";
}

export function canOperate(): boolean {
  return dashboardInfo.value?.viewer.canOperate === true;
}
