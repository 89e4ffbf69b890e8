import { render } from "preact";
import { App } from "./app";
import { startClock } from "./state/live-store";
import "./styles.css";

const root = document.getElementById("app");
if (root) {
  startClock();
  render(<App />, root);
}
