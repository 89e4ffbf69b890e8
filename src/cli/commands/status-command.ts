import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { examples } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderStatus } from "../render.js";

export function statusCommand(ctx: CliContext) {
  return withClientOptions(new Command("status"))
    .summary("show one service in depth")
    .description("Show one service: role, claims, files, problems and its last operation.")
    .argument("<service>", "service name")
    .addHelpText(
      "after",
      examples(
        "failover-api status sonarr --server http://127.0.0.1:8080",
        "failover-api status sonarr -o json",
      ),
    )
    .action(async (service, options) => {
      ctx.exitCode = await runOnClient(ctx, options, (c) => c.status(service), renderStatus);
    });
}
