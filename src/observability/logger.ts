import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/** The levels LOG_LEVEL accepts, quietest last. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every log line written inside a request or a job carries (pino's `mixin` adds it). */
export interface LogScope {
  /** The HTTP request's id (`x-request-id`, accepted from the client or made up here). */
  readonly requestId?: string;
  /** The measurement job a worker is working on. */
  readonly jobId?: number;
  readonly workerId?: string;
}

const scope = new AsyncLocalStorage<LogScope>();

/**
 * Returns a pino logger writing JSON lines to `destination` (default stdout) at `level`. Every line written while
 * `withLogScope` runs carries that scope's request or job id; errors go through `errorSerializer`, so a failed
 * query's SQL parameters never reach the log.
 */
export function createLogger(level: LogLevel = "info", destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: "favor", pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => ({ ...scope.getStore() }),
    serializers: { err: errorSerializer, error: errorSerializer },
  };
  return destination ? pino(options, destination) : pino(options);
}

const stdout: DestinationStream = pino.destination({ dest: 1, sync: true });
let destination: DestinationStream = stdout;

/**
 * Favor's process-wide logger, JSON lines on stdout. It starts at LOG_LEVEL when that names a level (so code that
 * logs before the config is read, and tests, honour it), else info; main.ts and worker.ts then set
 * `logger.level = config.logLevel`, where loadConfig has refused a malformed LOG_LEVEL.
 */
export const logger: Logger = createLogger(
  LOG_LEVELS.find((l) => l === process.env.LOG_LEVEL?.toLowerCase()) ?? "info",
  { write: (line: string) => destination.write(line) },
);

/** Sends the process logger's lines to `stream` (tests keep them to check them), or back to stdout. */
export function setLogDestination(stream?: DestinationStream): void {
  destination = stream ?? stdout;
}

/** Returns the level named by `text` (case-insensitive), undefined when empty; throws on an unknown name. */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined || text === "") return undefined;
  const level = text.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level))
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${text}"`);
  return level;
}

/** Runs `fn` with `extra` added to the current log scope: every line it (and what it awaits) writes carries it. */
export function withLogScope<T>(extra: LogScope, fn: () => T): T {
  return scope.run({ ...scope.getStore(), ...extra }, fn);
}

/** The scope of the code running now (request id, job id), or an empty one. */
export function currentLogScope(): LogScope {
  return scope.getStore() ?? {};
}

const REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/** Returns the client's `x-request-id` when it is a plain token (≤ 128 word characters, `.:/+=-`), else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Serialises an error for the log: type, message, stack, code, query text and its cause, but never a failed query's
 * parameters: drizzle's DrizzleQueryError lists them in its message after "params:" (cut, only their count kept),
 * and the database's own message may quote one (`invalid input syntax for type integer: "…"`), so every parameter
 * of three or more characters is blanked out of the whole cause chain. The database's `detail` is not copied.
 */
export function errorSerializer(error: unknown): unknown {
  return serialize(error, 0, []);
}

function serialize(error: unknown, depth: number, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const record = error as Error & { code?: unknown; params?: unknown; query?: unknown; cause?: unknown };
  const hidden = Array.isArray(record.params)
    ? [...secrets, ...record.params.map((p) => (typeof p === "string" ? p : (JSON.stringify(p) ?? "")))]
    : secrets;
  const scrub = (text: string) =>
    hidden.reduce((t, secret) => (secret.length >= 3 ? t.split(secret).join("[redacted]") : t), text);
  const type = error.constructor?.name ?? "Error";
  const message = scrub(error.message.replace(/\nparams: [\s\S]*$/, "\nparams: [redacted]"));
  // The stack repeats the message: rebuild it from the redacted message and the frames alone.
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  const out: Record<string, unknown> = {
    type,
    message,
    stack: [`${type}: ${message}`, ...frames].join("\n"),
  };
  if (typeof record.code === "string" || typeof record.code === "number") out.code = record.code;
  if (typeof record.query === "string") out.query = record.query;
  if (Array.isArray(record.params)) out.paramCount = record.params.length;
  if (record.cause !== undefined && depth < 3) out.cause = serialize(record.cause, depth + 1, hidden);
  return out;
}
