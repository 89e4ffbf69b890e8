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
import { renderOperation } from "../render.js";

const texts = {
  promote: {
    summary: "switch a service to its backup volumes and node",
    description:
      "Switch a service to its backup: claims, node pins and replication are edited in Git, committed and pushed.\n" +
      "A service already on its backup is a success that changes nothing.",
  },
  demote: {
    summary: "switch a service back to its primary volumes and node",
    description:
      "Switch a service back to its primary, once the data written on the backup has been replicated back.\n" +
      "A service already on its primary is a success that changes nothing.",
  },
} as const;

/** `promote <service>` and `demote <service>`: the same options, opposite directions. */
export function switchCommand(action: "promote" | "demote", ctx: CliContext) {
  return withClientOptions(new Command(action))
    .summary(texts[action].summary)
    .description(texts[action].description)
    .argument("<service>", "service name")
    .addOption(dryRunOption())
    .addOption(forceOption())
    .addOption(reasonOption())
    .addOption(finalSyncOption())
    .addOption(waitOption())
    .addHelpText(
      "after",
      examples(
        `failover-api ${action} sonarr --dry-run`,
        `failover-api ${action} sonarr --final-sync --wait --server http://127.0.0.1:8080`,
        `failover-api ${action} sonarr --reason "w1 is down" --server http://127.0.0.1:8080`,
        `failover-api ${action} sonarr --config config.yaml -o json`,
      ),
    )
    .action(async (service, options) => {
      const act = { dryRun: options.dryRun === true, force: options.force === true, reason: options.reason };
      if (options.wait === true && options.finalSync !== true) {
        ctx.io.stderr.write(`failover-api ${action}: --wait follows a planned move; add --final-sync\n`);
        ctx.exitCode = exitCodes.usage;
        return;
      }
      if (options.finalSync === true) {
        const target = { service, action };
        ctx.exitCode = await runPlanned(ctx, options, target, act, { wait: options.wait === true });
        return;
      }
      ctx.exitCode = await runOnClient(
        ctx,
        options,
        (c) => c.switchService(service, action, act),
        renderOperation,
      );
    });
}

export const promoteCommand = (ctx: CliContext) => switchCommand("promote", ctx);
export const demoteCommand = (ctx: CliContext) => switchCommand("demote", ctx);
