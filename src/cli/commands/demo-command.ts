import { Command } from "@commander-js/extra-typings";
import { createDemo, demoInstructions } from "../../server/demo-setup.js";
import { startServer } from "../../server/start-server.js";
import type { CliContext } from "../cli-context.js";
import { examples, hostOption, portOption } from "../cli-options.js";
import { untilStopped } from "../until-stopped.js";

export function demoCommand(ctx: CliContext) {
  return new Command("demo")
    .summary("serve the bundled example homelab from a local Git repository")
    .description(
      "Serve the bundled example homelab: a local bare Git repository and a matching configuration\n" +
        "in a temporary directory, auth off, no cluster. Real promotes and demotes commit there.",
    )
    .addOption(hostOption("127.0.0.1"))
    .addOption(portOption(8080))
    .addHelpText("after", examples("failover-api demo", "failover-api demo --port 8081"))
    .action(async (options) => {
      const demo = await createDemo();
      const server = await startServer({
        configPath: demo.configPath,
        host: options.host,
        port: options.port,
      });
      ctx.io.stdout.write(demoInstructions(server.url));
      ctx.exitCode = await untilStopped(server);
    });
}
