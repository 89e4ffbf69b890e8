import { render } from "preact";
import { App } from "./app";
import { AppContext } from "./state/app-context";
import { LiveStore } from "./state/live-store";
import { Session } from "./state/session";
import "./styles.css";

const root = document.getElementById("app");
if (root) {
  const state = { session: new Session(), live: new LiveStore() };
  state.live.startClock();
  render(
    <AppContext.Provider value={state}>
      <App />
    </AppContext.Provider>,
    root,
  );
}
