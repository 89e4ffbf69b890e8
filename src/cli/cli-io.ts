export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;
