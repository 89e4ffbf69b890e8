import { resolve } from "node:path";
import { Command } from "@commander-js/extra-typings";
import { loadConfig } from "../../config/load-config.js";
import { isFailoverError } from "../../domain/failover-error.js";
import type { CliContext } from "../cli-context.js";
import { exitCodes } from "../cli-io.js";
import { configOption, examples } from "../cli-options.js";

function validateCommand(ctx: CliContext) {
  return new Command("validate")
    .summary("validate a configuration file")
    .description(
      "Validate a configuration file: every problem is printed as `<key>: <reason>` on standard output;\n" +
        "exit 0 when valid, 2 when not.",
    )
    .argument("[file]", "configuration file (default: --config)")
    .addOption(configOption())
    .addHelpText(
      "after",
      examples(
        "failover-api config validate config.yaml",
        "FAILOVER_API_CONFIG=/etc/failover-api/config.yaml failover-api config validate",
      ),
    )
    .action(async (file, options) => {
      const path = resolve(file ?? options.config);
      try {
        const config = await loadConfig(path);
        ctx.io.stdout.write(`${path}: valid (${config.services.length} services)\n`);
        ctx.exitCode = exitCodes.ok;
      } catch (error) {
        if (!isFailoverError(error) || error.code !== "CONFIG_INVALID") throw error;
        const errors = (error.details.errors as string[] | undefined) ?? [error.message];
        for (const line of errors) ctx.io.stdout.write(`${line}\n`);
        ctx.io.stderr.write(
          `${path}: invalid (${errors.length} ${errors.length === 1 ? "error" : "errors"})\n`,
        );
        ctx.exitCode = exitCodes.usage;
      }
    });
}

export function configCommand(ctx: CliContext) {
  return new Command("config")
    .summary("work with the configuration file")
    .description("Work with the configuration file.")
    .addCommand(validateCommand(ctx))
    .addHelpText("after", examples("failover-api config validate config.yaml"));
}
