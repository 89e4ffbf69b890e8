import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../cli-context.js";
import { examples, parseInteger } from "../cli-options.js";
import { runOnClient, withClientOptions } from "../client-action.js";
import { renderOperationDetail, renderOperations } from "../render-operation.js";

export function operationsCommand(ctx: CliContext) {
  return withClientOptions(new Command("operations"))
    .summary("list recent operations, or show one with its steps")
    .description(
      "List recent operations (planned moves with their steps, and one-commit moves), newest first;\n" +
        "with an <id>, show that operation. Read back from Git (and, through --server, the cluster).",
    )
    .argument("[id]", "operation id (the request id that started it)")
    .addOption(
      new Option("--limit <n>", "how many operations, 1 to 200").argParser(parseInteger(1, 200)).default(20),
    )
    .addHelpText(
      "after",
      examples(
        "failover-api operations --server http://127.0.0.1:8080",
        "failover-api operations 3f1c9a2e-8b7d-4c1e-9f00-2a6b5c4d3e21 -o json",
      ),
    )
    .action(async (id, options) => {
      ctx.exitCode =
        id === undefined
          ? await runOnClient(ctx, options, (c) => c.operations(options.limit), renderOperations)
          : await runOnClient(ctx, options, (c) => c.operation(id), renderOperationDetail);
    });
}
