import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import {
  dryRunOption,
  examples,
  finalSyncOption,
  forceOption,
  reasonOption,
  waitOption,
} from "../cli-options.js";
import { exitCodes } from "../cli-io.js";
import { runPlanned } from "../planned-action.js";
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
    .addOption(finalSyncOption())
    .addOption(waitOption())
    .addHelpText(
      "after",
      examples(
        "failover-api evacuate w1 --dry-run",
        'failover-api evacuate w1 --reason "w1 died"',
        'failover-api evacuate w1 --final-sync --wait --reason "kernel update on w1" --server http://127.0.0.1:8080',
      ),
    )
    .action(async (node, options) => {
      const act = { dryRun: options.dryRun === true, force: options.force === true, reason: options.reason };
      if (options.wait === true && options.finalSync !== true) {
        ctx.io.stderr.write("failover-api evacuate: --wait follows a planned move; add --final-sync\n");
        ctx.exitCode = exitCodes.usage;
        return;
      }
      if (options.finalSync === true) {
        ctx.exitCode = await runPlanned(ctx, options, { node }, act, { wait: options.wait === true });
        return;
      }
      ctx.exitCode = await runOnClient(ctx, options, (c) => c.evacuate(node, act), renderEvacuate);
    });
}
