import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { examples, parseInteger } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderHistory } from "../render.js";

export function historyCommand(ctx: CliContext) {
  return withClientOptions(new Command("history"))
    .summary("list a service's failover commits, newest first")
    .description("List a service's operations, read back from the commit trailers in Git, newest first.")
    .argument("<service>", "service name")
    .addOption(
      new Option("--limit <n>", "how many operations, 1 to 200").argParser(parseInteger(1, 200)).default(20),
    )
    .addHelpText(
      "after",
      examples("failover-api history sonarr", "failover-api history sonarr --limit 5 -o json"),
    )
    .action(async (service, options) => {
      ctx.exitCode = await runOnClient(ctx, options, (c) => c.history(service, options.limit), renderHistory);
    });
}
