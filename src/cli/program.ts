import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { CliContext } from "./cli-context.js";
import { commandTable } from "./command-table.js";

// dist/cli/program.js and src/cli/program.ts both sit two levels below the package root.
const packageJson = join(import.meta.dirname, "../../package.json");

function packageVersion(): string {
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

const footer = `
Commands that read or act (services, status, history, promote, demote, evacuate) work locally on
Git with --config, or through a running server with --server (or FAILOVER_API_URL).
Tables by default, -o json for the API's objects; results on standard output, logs on standard error.

Exit codes: 0 success (including "already done"), 1 refused or failed, 2 usage or configuration error.
Run "failover-api <command> --help" for a command's options and examples.

Examples:
  $ failover-api demo
  $ failover-api services --server http://127.0.0.1:8080
  $ failover-api promote sonarr --dry-run --config config.yaml
  $ failover-api config validate config.yaml
`;

function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Commander's messages ("error: unknown option '--frce'\n(Did you mean --force?)") as one line
 * that names the command and where to look for its usage.
 */
export function usageLine(command: CommandUnknownOpts, message: string): string {
  const text = message
    .replace(/^error: /, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ")
    .replace(/ is invalid\. /, " is invalid: ")
    .replace(/\(Did you mean (.*)\?\)/, "(did you mean $1?)")
    .replace(/\.$/, "");
  const path = commandPath(command);
  return `${path}: ${text}; see "${path} --help"\n`;
}

/** Settings every command and subcommand shares (addCommand does not copy them). */
function configure(command: CommandUnknownOpts, ctx: CliContext): void {
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      outputError: (text, write) => write(usageLine(command, text)),
    });
  for (const sub of command.commands) configure(sub, ctx);
}

/** The `failover-api` command tree of SPEC §8. */
export function buildProgram(ctx: CliContext): CommandUnknownOpts {
  const program = new Command("failover-api")
    .description(
      "Fail stateful Kubernetes apps over to their replicated backup volumes through Git, so Flux applies the change.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .helpCommand("help [command]", "show help for a command")
    .addHelpText("after", footer);
  for (const make of commandTable) program.addCommand(make(ctx));
  configure(program, ctx);
  return program;
}
