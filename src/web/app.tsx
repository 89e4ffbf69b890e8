import { useEffect } from "preact/hooks";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { ApiError } from "./api/api-client";
import type { DashboardInfo } from "./api/api-types";
import { TokenDialog } from "./components/token-dialog";
import { NodesPage } from "./pages/nodes-page";
import { ServicePage } from "./pages/service-page";
import { ServicesPage } from "./pages/services-page";
import { TimelinePage } from "./pages/timeline-page";
import { type AppState, useApp } from "./state/app-context";

/** Who we are, then the live stream; a missing or refused token opens the token dialog. */
async function start({ session, live }: AppState): Promise<void> {
  try {
    const info = await session.api<DashboardInfo>("/api/dashboard");
    session.info.value = info;
    if (info.auth.mode === "token" && session.token.value === null && !session.choseReadOnly())
      session.prompt.value = "start";
    live.connect(session.token.value, () => {
      session.prompt.value = session.token.value === null ? "required" : "invalid";
    });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      session.prompt.value = session.token.value === null ? "required" : "invalid";
      if (session.token.value !== null) session.setToken(null);
      return;
    }
    throw error;
  }
}

async function signIn(state: AppState, value: string): Promise<void> {
  state.session.setToken(value);
  state.session.prompt.value = null;
  try {
    await start(state);
  } catch {
    // Network trouble: the connection indicator says so; the stream keeps retrying.
  }
}

function signOut(state: AppState): void {
  state.session.setToken(null);
  state.session.prompt.value = "sign-in";
  void start(state).catch(() => undefined);
}

const connectionText = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  unauthorized: "Not signed in",
} as const;

function Header() {
  const state = useApp();
  const { session, live } = state;
  const { path } = useLocation();
  const info = session.info.value;
  const link = (href: string, label: string) => (
    <a
      href={href}
      aria-current={path === href || (href === "/" && path.startsWith("/services/")) ? "page" : undefined}
    >
      {label}
    </a>
  );
  return (
    <header class="top">
      <a href="#main" class="skip-link">
        Skip to content
      </a>
      <div class="brand">failover-api</div>
      <nav aria-label="Main">
        {link("/", "Services")}
        {link("/nodes", "Nodes")}
        {link("/timeline", "Timeline")}
      </nav>
      <div class="session">
        <span
          class={`connection connection-${live.connection.value}`}
          role="status"
          data-connection={live.connection.value}
        >
          <span aria-hidden="true">{live.connection.value === "live" ? "● " : "○ "}</span>
          {connectionText[live.connection.value]}
        </span>
        {info?.auth.mode === "token" ? (
          session.token.value === null ? (
            <button type="button" class="button small" onClick={() => (session.prompt.value = "sign-in")}>
              Sign in
            </button>
          ) : (
            <button
              type="button"
              class="button small"
              onClick={() => signOut(state)}
              title="Forget the token in this tab"
            >
              {info.viewer.name} ({info.viewer.role}) · Sign out
            </button>
          )
        ) : null}
      </div>
    </header>
  );
}

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <a href="/">All services</a>
    </>
  );
}

function ServiceRoute({ service }: { service?: string }) {
  return <ServicePage service={service ?? ""} />;
}

export function App() {
  const state = useApp();
  useEffect(() => {
    void start(state).catch(() => (state.live.connection.value = "reconnecting"));
  }, [state]);
  // "Interactive": the first list is on screen (the benchmark reads this mark).
  const ready = state.live.services.value !== null;
  useEffect(() => {
    if (!ready || document.documentElement.dataset.ready === "true") return;
    performance.mark("dashboard-interactive");
    document.documentElement.dataset.ready = "true";
  }, [ready]);
  return (
    <LocationProvider>
      <Header />
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={ServicesPage} />
          <Route path="/nodes" component={NodesPage} />
          <Route path="/timeline" component={TimelinePage} />
          <Route path="/services/:service" component={ServiceRoute} />
          <Route default component={NotFound} />
        </Router>
      </main>
      <TokenDialog onSubmit={(token) => signIn(state, token)} />
    </LocationProvider>
  );
}
