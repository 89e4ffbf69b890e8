import { serve, type ServerType } from "@hono/node-server";
import type { ServerOptions } from "node:http";
import { FailoverError } from "../domain/failover-error.js";

/** Why the port could not be opened, in words that say what to do (no stack trace). */
export function listenError(error: unknown, host: string, port: number): FailoverError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const other = `choose another port with --port (e.g. --port ${port === 65535 ? 8081 : port + 1}, or --port 0 for any free one)`;
  const message =
    code === "EADDRINUSE"
      ? `port ${port} on ${host} is already in use (another failover-api, or another server?); ${other}`
      : code === "EACCES"
        ? `not allowed to listen on ${where}: ports below 1024 need root or CAP_NET_BIND_SERVICE; ${other}`
        : code === "EADDRNOTAVAIL"
          ? `cannot listen on ${where}: ${host} is not an address of this machine; use --host 127.0.0.1, or 0.0.0.0 for every interface`
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
            ? `cannot listen on ${where}: the host name ${host} does not resolve; use --host 127.0.0.1, or 0.0.0.0`
            : `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  return new FailoverError("INVALID_INPUT", message, { cause: error, details: { host, port } });
}

/** Opens the HTTP port; resolves once it listens, or rejects with a listenError. */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  serverOptions: ServerOptions = {},
) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port, serverOptions }, () => resolve(server));
    server.once("error", (error) => reject(listenError(error, host, port)));
  });
}
