import type { LogFields, Logger } from "./logger.js";

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

// Keys whose values are never written, wherever they appear in the fields.
const secretKeys = /token|password|secret|authorization|identity|private/i;

export interface JsonLoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  /** Secret strings (e.g. loaded tokens) scrubbed from every line. */
  secrets?: () => readonly string[];
  now?: () => Date;
}

/** One JSON object per line on standard error (standard output carries only CLI results). */
export class JsonLogger implements Logger {
  readonly #options: Required<JsonLoggerOptions>;
  readonly #base: LogFields;

  constructor(options: JsonLoggerOptions = {}, base: LogFields = {}) {
    this.#options = {
      level: options.level ?? "info",
      write: options.write ?? ((line) => process.stderr.write(line)),
      secrets: options.secrets ?? (() => []),
      now: options.now ?? (() => new Date()),
    };
    this.#base = base;
  }

  debug(message: string, fields?: LogFields): void {
    this.#log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log("error", message, fields);
  }

  child(fields: LogFields): Logger {
    const logger = new JsonLogger(this.#options, { ...this.#base, ...fields });
    return logger;
  }

  #log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (levels[level] < levels[this.#options.level]) return;
    const record = { time: this.#options.now().toISOString(), level, msg: message, ...this.#base, ...fields };
    let line = JSON.stringify(record, (key, value: unknown) => {
      if (key !== "" && secretKeys.test(key) && typeof value === "string") return "[redacted]";
      if (value instanceof Error) return { name: value.name, message: value.message };
      return value;
    });
    for (const secret of this.#options.secrets()) {
      if (secret.length >= 4) line = line.split(secret).join("[redacted]");
    }
    this.#options.write(`${line}\n`);
  }
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
