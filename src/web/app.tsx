import { useEffect } from "preact/hooks";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { api, ApiError } from "./api/api-client";
import type { DashboardInfo } from "./api/api-types";
import { TokenDialog } from "./components/token-dialog";
import { NodesPage } from "./pages/nodes-page";
import { ServicePage } from "./pages/service-page";
import { ServicesPage } from "./pages/services-page";
import { TimelinePage } from "./pages/timeline-page";
import { connect, connection, services } from "./state/live-store";
import { choseReadOnly, dashboardInfo, setToken, token, tokenPrompt } from "./state/session";

/** Who we are, then the live stream; a missing or refused token opens the token dialog. */
async function start(): Promise<void> {
  try {
    const info = await api<DashboardInfo>("/api/dashboard");
    dashboardInfo.value = info;
    if (info.auth.mode === "token" && token.value === null && !choseReadOnly()) tokenPrompt.value = "start";
    connect(() => (tokenPrompt.value = token.value === null ? "required" : "invalid"));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      tokenPrompt.value = token.value === null ? "required" : "invalid";
      if (token.value !== null) setToken(null);
      return;
    }
    throw error;
  }
}

async function signIn(value: string): Promise<void> {
  setToken(value);
  tokenPrompt.value = null;
  try {
    await start();
  } catch {
    // Network trouble: the connection indicator says so; the stream keeps retrying.
  }
}

function signOut(): void {
  setToken(null);
  tokenPrompt.value = "sign-in";
  void start().catch(() => undefined);
}

const connectionText = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  unauthorized: "Not signed in",
} as const;

function Header() {
  const { path } = useLocation();
  const info = dashboardInfo.value;
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
          class={`connection connection-${connection.value}`}
          role="status"
          data-connection={connection.value}
        >
          <span aria-hidden="true">{connection.value === "live" ? "● " : "○ "}</span>
          {connectionText[connection.value]}
        </span>
        {info?.auth.mode === "token" ? (
          token.value === null ? (
            <button type="button" class="button small" onClick={() => (tokenPrompt.value = "sign-in")}>
              Sign in
            </button>
          ) : (
            <button type="button" class="button small" onClick={signOut} title="Forget the token in this tab">
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
  useEffect(() => {
    void start().catch(() => (connection.value = "reconnecting"));
  }, []);
  // "Interactive": the first list is on screen (the benchmark reads this mark).
  const ready = services.value !== null;
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
      <TokenDialog onSubmit={signIn} />
    </LocationProvider>
  );
}
