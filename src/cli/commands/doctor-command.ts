import { resolve } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { FailoverError } from "../../domain/failover-error.js";
import { defaultCacheDir } from "../cache-dir.js";
import type { CliContext } from "../cli-context.js";
import { exitCodes } from "../cli-io.js";
import { configOption, dataDirOption, examples, outputOption } from "../cli-options.js";
import { requireConfigFile } from "../require-config-file.js";

export function doctorCommand(ctx: CliContext) {
  return (
    new Command("doctor")
      .summary("check the setup end to end: config, key, known_hosts, remote, services, cluster")
      .description(
        "Check the setup end to end, as an operator would by hand: configuration, deploy key, known_hosts,\n" +
          "remote readable and writable (git push --dry-run), every service's files and claims, and with a\n" +
          "cluster the Flux objects and RBAC. One line per check (pass, warn, fail, skip); exit 1 if any fails.",
      )
      .addOption(configOption())
      .addOption(dataDirOption())
      .addOption(outputOption())
      // The doctor checks this machine's setup; a server checks its own (GET /readyz). Named here
      // only so that the refusal says so instead of a bare "unknown option".
      .addOption(new Option("--server <url>").hideHelp())
      .addHelpText(
        "after",
        examples(
          "failover-api doctor --config config.yaml",
          "failover-api doctor --config config.yaml -o json",
        ),
      )
      .action(async (options, command) => {
        if (options.server !== undefined) {
          throw new FailoverError(
            "INVALID_INPUT",
            `doctor checks the setup on this machine from --config and takes no --server; for a running server, GET ${options.server.replace(/\/+$/, "")}/readyz`,
          );
        }
        const configPath = resolve(options.config);
        await requireConfigFile(configPath, command.getOptionValueSource("config"), { server: false });
        const checks = await ctx.deps.runDoctor(configPath, options.dataDir, {
          env: ctx.io.env,
          cacheDir: defaultCacheDir(ctx.io.env),
        });
        if (options.output === "json") ctx.io.stdout.write(`${JSON.stringify({ checks }, null, 2)}\n`);
        else
          for (const c of checks)
            ctx.io.stdout.write(`${c.status.padEnd(4)}  ${c.name.padEnd(24)}  ${c.detail}\n`);
        ctx.exitCode = checks.some((c) => c.status === "fail") ? exitCodes.failed : exitCodes.ok;
      })
  );
}
