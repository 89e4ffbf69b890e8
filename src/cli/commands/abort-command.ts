import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { examples, reasonOption } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderOperationDetail } from "../render-operation.js";

export function abortCommand(ctx: CliContext) {
  return withClientOptions(new Command("abort"))
    .summary("roll back a planned move that has not switched yet")
    .description(
      "Roll back a planned move before its switch: one commit puts back the replica count and the trigger\n" +
        "as they were (changes others made meanwhile stay). Locally it works from Git alone (break-glass).",
    )
    .argument("<id>", "operation id")
    .addOption(reasonOption())
    .addHelpText(
      "after",
      examples(
        'failover-api abort 3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21 --reason "maintenance window closed"',
        "failover-api abort 3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21 --config config.yaml",
      ),
    )
    .action(async (id, options) => {
      ctx.exitCode = await runOnClient(
        ctx,
        options,
        (c) => c.abort(id, options.reason),
        renderOperationDetail,
      );
    });
}
