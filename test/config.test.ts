import { describe, expect, it } from "vitest";

import { DEFAULT_DATA_DIR, loadConfig } from "../src/config.js";
import { DEFAULT_OPERATION_LIMITS } from "../src/limits/operation-limits.js";
import { DEFAULT_MEASUREMENT_LIMITS } from "../src/services/measurement.service.js";

describe("loadConfig", () => {
  it("Handles an empty environment with the documented defaults", () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: undefined,
      logLevel: "info",
      metricsPort: undefined,
      databaseUrl: undefined,
      dataDir: DEFAULT_DATA_DIR,
      production: false,
      tokens: [],
      worker: true,
      responseCache: true,
      limits: DEFAULT_OPERATION_LIMITS,
      measurement: DEFAULT_MEASUREMENT_LIMITS,
      workerOptions: {},
      logLevelSet: false,
    });
  });

  it("Handles every variable", () => {
    expect(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "WARN",
        METRICS_PORT: "9464",
        DATABASE_URL: "postgres://x/y",
        FAVOR_DATA_DIR: "/tmp/d",
        NODE_ENV: "production",
        FAVOR_TOKENS: " a, b ,,",
        FAVOR_WORKER: "0",
        FAVOR_RESPONSE_CACHE: "0",
        FAVOR_MAX_QUERY_TOKENS: "100",
        FAVOR_MAX_QUERY_DEPTH: "5",
        FAVOR_MAX_QUERY_ALIASES: "3",
        FAVOR_MAX_QUERY_COST: "1000",
        FAVOR_MAX_RESPONSE_BYTES: "4096",
        FAVOR_QUERY_TIMEOUT_MS: "250",
        FAVOR_MAX_CONCURRENT_OPERATIONS: "3",
        FAVOR_MAX_QUEUED_OPERATIONS: "7",
        FAVOR_WORKER_PROVIDERS: " cpu, WebGPU ,cpu",
        FAVOR_MAX_CELLS_PER_JOB: "20",
        FAVOR_MAX_ACTIVE_JOBS: "4",
        FAVOR_ONNX_DIR: "/tmp/onnx",
        FAVOR_WORKER_POLL_MS: "100",
      }),
    ).toEqual({
      port: 0,
      host: "127.0.0.1",
      logLevel: "warn",
      metricsPort: 9464,
      databaseUrl: "postgres://x/y",
      dataDir: "/tmp/d",
      production: true,
      tokens: ["a", "b"],
      worker: false,
      workerProviders: ["cpu", "webgpu"],
      responseCache: false,
      limits: {
        maxTokens: 100,
        maxDepth: 5,
        maxAliases: 3,
        maxCost: 1000,
        maxResponseBytes: 4096,
        timeoutMs: 250,
        maxConcurrent: 3,
        maxQueued: 7,
      },
      measurement: {
        ...DEFAULT_MEASUREMENT_LIMITS,
        maxCellsPerJob: 20,
        maxActiveJobs: 4,
        onnxDir: "/tmp/onnx",
      },
      workerOptions: { pollMs: 100 },
      logLevelSet: true,
    });
  });

  it("Refuses malformed values, naming the variable", () => {
    expect(() => loadConfig({ PORT: "80a" })).toThrow(/PORT must be an integer 0-65535, got "80a"/);
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadConfig({ FAVOR_WORKER: "yes" })).toThrow(/FAVOR_WORKER must be 0 or 1, got "yes"/);
    expect(() => loadConfig({ FAVOR_RESPONSE_CACHE: "2" })).toThrow(/FAVOR_RESPONSE_CACHE must be 0 or 1/);
    expect(() => loadConfig({ FAVOR_MAX_QUERY_COST: "-1" })).toThrow(
      /FAVOR_MAX_QUERY_COST must be a positive integer, got "-1"/,
    );
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL must be one of trace, debug, info/);
    expect(() => loadConfig({ METRICS_PORT: "x" })).toThrow(/METRICS_PORT must be an integer/);
    expect(() => loadConfig({ FAVOR_WORKER_PROVIDERS: "cpu,tpu" })).toThrow(
      /FAVOR_WORKER_PROVIDERS must list providers out of cpu, cuda, webgpu, got "tpu"/,
    );
    expect(() => loadConfig({ FAVOR_WORKER_PROVIDERS: " , " })).toThrow(
      /FAVOR_WORKER_PROVIDERS names no provider/,
    );
  });
});
