import path from "node:path";

import type { MeasurementWorkerOptions } from "./jobs/measurement-worker.js";
import { workerOptionsFromEnv } from "./jobs/worker-config.js";
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from "./limits/operation-limits.js";
import type { Provider } from "./measure/profiler/provider.js";
import { type LogLevel, parseLogLevel } from "./observability/logger.js";
import { DEFAULT_MEASUREMENT_LIMITS, type MeasurementLimits } from "./services/measurement.service.js";

/** Favor's configuration, read once from the environment (see README "Configuration"). */
export interface FavorConfig {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Bind address (HOST), e.g. 127.0.0.1 for this machine only; undefined = every interface. */
  host?: string;
  /** LOG_LEVEL: trace, debug, info (default), warn, error, fatal or silent. */
  logLevel: LogLevel;
  /** METRICS_PORT: `npm run worker` serves GET /metrics on this port (the API serves it on PORT); undefined = none. */
  metricsPort?: number;
  /** Real PostgreSQL connection string; undefined = embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory. */
  dataDir: string;
  /** `NODE_ENV=production`: errors are masked, no stack traces. */
  production: boolean;
  /** Bearer tokens allowed to call mutations (empty = mutations refused). */
  tokens: readonly string[];
  /** Run the measurement worker inside the server process. */
  worker: boolean;
  /**
   * FAVOR_WORKER_PROVIDERS: the execution providers a measurement worker serves (cpu, cuda, webgpu), each of which
   * must run here; undefined = cpu, cuda where it can run, webgpu where an adapter is found.
   */
  workerProviders?: readonly Provider[];
  /** Answer repeated read-only queries from a whole-response cache keyed by the data version (src/response-cache.ts). */
  responseCache: boolean;
  /** Bounds every GraphQL operation must meet (FAVOR_MAX_QUERY_*, FAVOR_MAX_RESPONSE_BYTES, FAVOR_QUERY_TIMEOUT_MS). */
  limits: OperationLimits;
  /** Bounds of measurement requests (FAVOR_MAX_CELLS_PER_JOB, FAVOR_MAX_ACTIVE_JOBS, FAVOR_ONNX_DIR). */
  measurement: MeasurementLimits;
  /** The measurement worker's options (FAVOR_WORKER_*, FAVOR_MEASURE_*; src/jobs/worker-config.ts). */
  workerOptions: Partial<MeasurementWorkerOptions>;
  /** Whether LOG_LEVEL was set (the measure CLI keeps the JSON lines off its output unless it is). */
  logLevelSet: boolean;
}

/** Default PGlite data directory: a git-ignored subfolder of ./data (which holds the committed seed files). */
export const DEFAULT_DATA_DIR = "./data/pglite";

/** Returns the configuration read from `env`; throws naming the variable when a value is malformed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FavorConfig {
  const portText = env.PORT ?? "4000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer 0-65535, got "${portText}"`);
  }
  const metricsText = env.METRICS_PORT || undefined;
  const metricsPort = metricsText === undefined ? undefined : Number(metricsText);
  if (
    metricsPort !== undefined &&
    (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
  ) {
    throw new Error(`METRICS_PORT must be an integer 0-65535, got "${metricsText}"`);
  }
  const flag = (name: string): boolean => {
    const text = env[name] ?? "1";
    if (text !== "0" && text !== "1") throw new Error(`${name} must be 0 or 1, got "${text}"`);
    return text === "1";
  };
  const positive = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got "${text}"`);
    return value;
  };
  const d = DEFAULT_OPERATION_LIMITS;
  return {
    port,
    host: env.HOST || undefined,
    logLevel: parseLogLevel(env.LOG_LEVEL) ?? "info",
    metricsPort,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.FAVOR_DATA_DIR || DEFAULT_DATA_DIR,
    production: env.NODE_ENV === "production",
    tokens: (env.FAVOR_TOKENS ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
    worker: flag("FAVOR_WORKER"),
    workerProviders: parseWorkerProviders(env.FAVOR_WORKER_PROVIDERS),
    responseCache: flag("FAVOR_RESPONSE_CACHE"),
    measurement: measurementLimitsFromEnv(env),
    workerOptions: workerOptionsFromEnv(env),
    logLevelSet: Boolean(env.LOG_LEVEL),
    limits: {
      maxTokens: positive("FAVOR_MAX_QUERY_TOKENS", d.maxTokens),
      maxDepth: positive("FAVOR_MAX_QUERY_DEPTH", d.maxDepth),
      maxAliases: positive("FAVOR_MAX_QUERY_ALIASES", d.maxAliases),
      maxCost: positive("FAVOR_MAX_QUERY_COST", d.maxCost),
      maxResponseBytes: positive("FAVOR_MAX_RESPONSE_BYTES", d.maxResponseBytes),
      timeoutMs: positive("FAVOR_QUERY_TIMEOUT_MS", d.timeoutMs),
      maxConcurrent: positive("FAVOR_MAX_CONCURRENT_OPERATIONS", d.maxConcurrent),
      maxQueued: positive("FAVOR_MAX_QUEUED_OPERATIONS", d.maxQueued),
    },
  };
}

const WORKER_PROVIDERS: readonly Provider[] = ["cpu", "cuda", "webgpu"];

/** Returns FAVOR_WORKER_PROVIDERS as a list (`cpu,webgpu`); undefined when unset; throws naming a bad entry. */
export function parseWorkerProviders(text: string | undefined): readonly Provider[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const names = text
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!WORKER_PROVIDERS.includes(name as Provider))
      throw new Error(
        `FAVOR_WORKER_PROVIDERS must list providers out of ${WORKER_PROVIDERS.join(", ")}, got "${name}"`,
      );
  }
  if (names.length === 0) throw new Error("FAVOR_WORKER_PROVIDERS names no provider");
  return [...new Set(names)] as Provider[];
}

/**
 * Returns the limits with the environment's overrides (FAVOR_MAX_CELLS_PER_JOB, FAVOR_MAX_ACTIVE_JOBS, and
 * FAVOR_ONNX_DIR, which turns on measuring users' .onnx files from that folder); throws naming a malformed variable.
 */
function measurementLimitsFromEnv(env: NodeJS.ProcessEnv): MeasurementLimits {
  const int = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got "${text}"`);
    return value;
  };
  return {
    ...DEFAULT_MEASUREMENT_LIMITS,
    maxCellsPerJob: int("FAVOR_MAX_CELLS_PER_JOB", DEFAULT_MEASUREMENT_LIMITS.maxCellsPerJob),
    maxActiveJobs: int("FAVOR_MAX_ACTIVE_JOBS", DEFAULT_MEASUREMENT_LIMITS.maxActiveJobs),
    onnxDir: env.FAVOR_ONNX_DIR ? path.resolve(env.FAVOR_ONNX_DIR) : null,
  };
}
