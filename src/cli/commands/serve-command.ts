import { resolve } from "node:path";
import { Command } from "@commander-js/extra-typings";
import { startServer } from "../../server/start-server.js";
import type { CliContext } from "../cli-context.js";
import { configOption, examples, hostOption, portOption } from "../cli-options.js";
import { requireConfigFile } from "../require-config-file.js";
import { stopSignal, untilStopped } from "../until-stopped.js";

export function serveCommand(ctx: CliContext) {
  return new Command("serve")
    .summary("run the HTTP API server")
    .description(
      "Run the HTTP API server (SPEC §7) from a configuration file, until SIGTERM or Ctrl-C.\n" +
        "The configuration is reloaded when the file changes.",
    )
    .addOption(configOption())
    .addOption(hostOption("0.0.0.0"))
    .addOption(portOption(8080))
    .addHelpText(
      "after",
      examples(
        "failover-api serve --config /etc/failover-api/config.yaml",
        "failover-api serve --config config.yaml --host 127.0.0.1 --port 9090",
      ),
    )
    .action(async (options, command) => {
      const configPath = resolve(options.config);
      await requireConfigFile(configPath, command.getOptionValueSource("config"), { server: false });
      const signal = stopSignal();
      try {
        const server = await startServer({
          configPath,
          host: options.host,
          port: options.port,
        });
        ctx.exitCode = await untilStopped(server, signal);
      } finally {
        signal.dispose();
      }
    });
}
