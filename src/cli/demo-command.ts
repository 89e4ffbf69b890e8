import { parseArgs } from "node:util";
import { createDemo, demoInstructions } from "../server/demo-setup.js";
import { startServer } from "../server/start-server.js";
import type { CliIo } from "./cli-io.js";
import { parsePort, untilStopped } from "./serve-command.js";

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: "string" }, port: { type: "string" } },
  });
  const demo = await createDemo();
  const server = await startServer({
    configPath: demo.configPath,
    host: values.host ?? "127.0.0.1",
    port: parsePort(values.port, 8080),
  });
  io.stdout.write(demoInstructions(server.url));
  return untilStopped(server);
}
