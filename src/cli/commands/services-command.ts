import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { examples } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderServices } from "../render.js";

export function servicesCommand(ctx: CliContext) {
  return withClientOptions(new Command("services"))
    .summary("list every service with its role and active node")
    .description("List every configured service with its role in Git, its active node and problems.")
    .addHelpText(
      "after",
      examples(
        "failover-api services --server http://127.0.0.1:8080",
        "failover-api services --config config.yaml -o json",
      ),
    )
    .action(async (options) => {
      ctx.exitCode = await runOnClient(ctx, options, (c) => c.services(), renderServices);
    });
}
