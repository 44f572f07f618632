import type { MeasureSettingsInput } from "../../src/measure/profiler/measure-settings.js";

/**
 * Short measurement settings for tests: a few runs per loop and no minimum durations, so one cell takes about a
 * second (mostly the child's start). The figures are real measurements, just noisy ones.
 */
export const QUICK_SETTINGS: MeasureSettingsInput = {
  latency: { warmupRuns: 1, minRuns: 5, minDurationMs: 0, maxRuns: 50, maxDurationMs: 2_000 },
  throughput: {
    final: { warmupRuns: 1, minRuns: 3, minDurationMs: 0, maxRuns: 20, maxDurationMs: 2_000 },
    search: { warmupRuns: 0, minRuns: 2, minDurationMs: 0, maxRuns: 10, maxDurationMs: 1_000 },
    batchSizes: [1, 2, 4],
    searchBudgetMs: 3_000,
  },
  memory: { runs: 1 },
  operators: { warmupRuns: 1, runs: 3 },
  // Figures taken while the suite runs other files in parallel are seldom stable; one attempt each keeps tests short.
  stability: { remeasure: 0 },
};

/** The same settings as JSON, for a worker process (FAVOR_MEASURE_SETTINGS). */
export const QUICK_SETTINGS_JSON = JSON.stringify(QUICK_SETTINGS);
