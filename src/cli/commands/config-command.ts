import { resolve } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { configFileProblems } from "../../config/config-files.js";
import { loadConfig } from "../../config/load-config.js";
import { isFailoverError } from "../../domain/failover-error.js";
import type { CliContext } from "../cli-context.js";
import { exitCodes } from "../cli-io.js";
import { configOption, examples } from "../cli-options.js";
import { requireConfigFile } from "../require-config-file.js";

function validateCommand(ctx: CliContext) {
  return new Command("validate")
    .summary("validate a configuration file")
    .description(
      "Validate a configuration file: every problem is printed as `<key>: <reason>` on standard output;\n" +
        "exit 0 when valid, 2 when not.",
    )
    .argument("[file]", "configuration file (default: --config)")
    .addOption(configOption())
    .addOption(
      new Option(
        "--no-file-checks",
        "check the file alone, not the key, known_hosts and tokens files it names (e.g. a ConfigMap away from its pod)",
      ),
    )
    .addHelpText(
      "after",
      examples(
        "failover-api config validate config.yaml",
        "FAILOVER_API_CONFIG=/etc/failover-api/config.yaml failover-api config validate",
        `failover-api config validate --no-file-checks <(yq -r '.data["config.yaml"]' deploy/base/configmap.yaml)`,
      ),
    )
    .action(async (file, options, command) => {
      const path = resolve(file ?? options.config);
      // A file named on the command line is reported like any invalid file; a default one
      // that is missing says how to name one.
      if (file === undefined) {
        await requireConfigFile(path, command.getOptionValueSource("config"), { server: false });
      }
      let errors: string[];
      let services = 0;
      try {
        const config = await loadConfig(path);
        services = config.services.length;
        errors = options.fileChecks ? await configFileProblems(config) : [];
      } catch (error) {
        if (!isFailoverError(error) || error.code !== "CONFIG_INVALID") throw error;
        errors = (error.details.errors as string[] | undefined) ?? [error.message];
      }
      if (errors.length === 0) {
        const files = options.fileChecks ? "" : "; the files it names were not checked";
        ctx.io.stdout.write(`${path}: valid (${services} services${files})\n`);
        ctx.exitCode = exitCodes.ok;
        return;
      }
      for (const line of errors) ctx.io.stdout.write(`${line}\n`);
      ctx.io.stderr.write(
        `${path}: invalid (${errors.length} ${errors.length === 1 ? "error" : "errors"})\n`,
      );
      ctx.exitCode = exitCodes.usage;
    });
}

export function configCommand(ctx: CliContext) {
  return new Command("config")
    .summary("work with the configuration file")
    .description("Work with the configuration file.")
    .addCommand(validateCommand(ctx))
    .addHelpText("after", examples("failover-api config validate config.yaml"));
}
