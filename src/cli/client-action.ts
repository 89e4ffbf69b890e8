import { resolve } from "node:path";
import type { Command, OptionValues } from "@commander-js/extra-typings";
import { FailoverError, isFailoverError } from "../domain/failover-error.js";
import { defaultCacheDir } from "./cache-dir.js";
import type { CliContext } from "./cli-context.js";
import { exitCodes } from "./cli-io.js";
import { configOption, dataDirOption, outputOption, serverOption, tokenOption } from "./cli-options.js";
import type { FailoverClient } from "./failover-client.js";
import { requireConfigFile } from "./require-config-file.js";

export interface ClientOptions {
  config: string;
  dataDir?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  output: "table" | "json";
}

/** Adds where-to-act and output options: locally on Git (--config, --data-dir) or --server. */
export function withClientOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .addOption(configOption().helpGroup("Where to act:"))
    .addOption(dataDirOption().helpGroup("Where to act:"))
    .addOption(serverOption().helpGroup("Where to act:"))
    .addOption(tokenOption().helpGroup("Where to act:"))
    .addOption(outputOption())
    .hook("preAction", async (self) => {
      const options = self.opts() as { config: string; server?: string };
      const given = (name: string) => self.getOptionValueSource(name) === "cli";
      // An option that the chosen mode would ignore is refused, not ignored.
      if (options.server !== undefined && given("dataDir")) {
        throw new FailoverError(
          "INVALID_INPUT",
          "--data-dir is for local mode; with --server the server uses its own clone",
        );
      }
      if (options.server === undefined && given("token")) {
        throw new FailoverError(
          "INVALID_INPUT",
          "--token is for --server (FAILOVER_API_URL); locally the deploy key of --config is used",
        );
      }
      if (options.server !== undefined) return;
      // Locally, the configuration is needed first: a missing one says how to give it.
      await requireConfigFile(resolve(options.config), self.getOptionValueSource("config"), {
        server: true,
      });
    });
}

/**
 * Runs one call on a client (local or remote) and prints its result: a table, or with `-o json`
 * the API's object. With `-o json` a failure is printed as JSON too, so scripts always get JSON.
 */
export async function runOnClient<T>(
  ctx: CliContext,
  options: ClientOptions,
  call: (client: FailoverClient) => Promise<T>,
  render: (value: T) => string,
): Promise<number> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const client = await ctx.deps.openClient({
    configPath: resolve(options.config),
    dataDir: options.dataDir,
    cacheDir: defaultCacheDir(ctx.io.env),
    server: options.server,
    token: options.token,
    notice: (line) => ctx.io.stderr.write(`failover-api: ${line}\n`),
  });
  try {
    const value = await call(client);
    ctx.io.stdout.write(options.output === "json" ? json(value) : render(value));
    return exitCodes.ok;
  } catch (error) {
    if (isFailoverError(error) && options.output === "json") {
      ctx.io.stdout.write(json({ error: error.code, message: error.message, ...error.details }));
    }
    throw error;
  } finally {
    await client.close();
  }
}
