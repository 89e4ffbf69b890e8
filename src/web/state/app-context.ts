import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { LiveStore } from "./live-store";
import type { Session } from "./session";

export interface AppState {
  session: Session;
  live: LiveStore;
}

/** The page's state, created once in main.tsx and handed down (no module-level state). */
export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (state === null) throw new Error("AppContext is missing: render inside <AppContext.Provider>");
  return state;
}
