import { rm } from "node:fs/promises";
import { Command, Option } from "@commander-js/extra-typings";
import { isFailoverError } from "../../domain/failover-error.js";
import { createDemo, demoInstructions } from "../../server/demo-setup.js";
import { startServer } from "../../server/start-server.js";
import type { CliContext } from "../cli-context.js";
import { examples, hostOption, portOption } from "../cli-options.js";
import { stopSignal, untilStopped } from "../until-stopped.js";

export function demoCommand(ctx: CliContext) {
  return new Command("demo")
    .summary("serve the bundled example homelab from a local Git repository")
    .description(
      "Serve the bundled example homelab: a local bare Git repository and a matching configuration\n" +
        "in a temporary directory, auth off, no cluster. Real promotes and demotes commit there.\n" +
        "The directory is removed when the demo stops (Ctrl-C), unless --keep.",
    )
    .addOption(hostOption("127.0.0.1"))
    .addOption(portOption(8080))
    .addOption(new Option("--keep", "keep the temporary directory (repository, config, clone) on exit"))
    .addHelpText(
      "after",
      examples("failover-api demo", "failover-api demo --port 8081 --keep", "npm start -- --port 8081"),
    )
    .action(async (options) => {
      const signal = stopSignal();
      const demo = await createDemo().catch((error: unknown) => {
        signal.dispose();
        throw error;
      });
      const cleanUp = async () => {
        signal.dispose();
        if (options.keep === true) ctx.io.stderr.write(`failover-api demo: kept ${demo.directory}\n`);
        else await rm(demo.directory, { recursive: true, force: true });
      };
      let server;
      try {
        server = await startServer({ configPath: demo.configPath, host: options.host, port: options.port });
      } catch (error) {
        await cleanUp();
        throw npmHint(error, ctx.io.env);
      }
      ctx.io.stdout.write(demoInstructions(server.url, demo, options.keep === true));
      ctx.exitCode = await untilStopped(server, signal);
      await cleanUp();
    });
}

/** `npm start` runs the demo: say how to pass --port through npm. */
function npmHint(error: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!isFailoverError(error) || env.npm_lifecycle_event !== "start" || !error.message.includes("--port")) {
    return error;
  }
  error.message += " (through npm: npm start -- --port 8081)";
  return error;
}
