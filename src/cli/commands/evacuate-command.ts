import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { dryRunOption, examples, forceOption, reasonOption } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderEvacuate } from "../render.js";

export function evacuateCommand(ctx: CliContext) {
  return withClientOptions(new Command("evacuate"))
    .summary("promote every service whose primary is a node, in one commit")
    .description(
      "Promote every service whose primary node is <node> and that runs there, in one commit.\n" +
        "Best effort: services that cannot be promoted are listed as skipped with the reason.",
    )
    .argument("<node>", "node name")
    .addOption(dryRunOption())
    .addOption(forceOption())
    .addOption(reasonOption())
    .addHelpText(
      "after",
      examples("failover-api evacuate w1 --dry-run", 'failover-api evacuate w1 --reason "w1 died"'),
    )
    .action(async (node, options) => {
      const act = { dryRun: options.dryRun === true, force: options.force === true, reason: options.reason };
      ctx.exitCode = await runOnClient(ctx, options, (c) => c.evacuate(node, act), renderEvacuate);
    });
}
