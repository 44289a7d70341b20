/** Structured fields attached to a log line. Errand never puts payloads or results here. */
export type LogFields = Record<string, unknown>;

/** A logger: pino, winston and console-like objects fit. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => undefined;

/** The default: warnings and errors to stderr, one line each; debug and info dropped. */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, fields) => console.warn(`[errand] ${message}`, fields ?? ""),
  error: (message, fields) => console.error(`[errand] ${message}`, fields ?? ""),
};

/** A logger that drops everything (`logger: false`). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** The message of anything thrown, for log fields. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
