/**
 * One typed settings object for every measurement, with defaults and units in the names (after MLPerf
 * loadgen's TestSettings). `normalizeSettings()` fills defaults and checks ranges; the effective settings
 * are stored with every result.
 */

import { DEFAULT_STABILITY, type StabilitySettings } from "./stability.js";

/**
 * The stop rule of one timed loop (MLPerf loadgen): after `warmupRuns` untimed runs, time runs until BOTH
 * `minRuns` and `minDurationMs` are met; stop early at EITHER `maxRuns` or `maxDurationMs`, which makes the
 * measurement invalid when a minimum is still unmet.
 */
export interface StopRule {
  readonly warmupRuns: number;
  readonly minRuns: number;
  readonly minDurationMs: number;
  readonly maxRuns: number;
  readonly maxDurationMs: number;
}

/** Settings of the throughput batch-size search (see batch-search.ts). */
export interface ThroughputSettings {
  /** The loop at the chosen batch size, whose figure is reported. */
  readonly final: StopRule;
  /** The short loop at each candidate batch size during the search. */
  readonly search: StopRule;
  /** Largest batch size tried; null picks 128 on CPU and 4096 on CUDA. */
  readonly maxBatchSize: number | null;
  /** Explicit candidates instead of the doubling search (ascending, still bounded by memory). */
  readonly batchSizes: ReadonlyArray<number> | null;
  /** A candidate counts as faster only when it beats the best so far by this fraction. */
  readonly minGain: number;
  /** Stop after this many consecutive doublings without a gain (CPU throughput saturates early). */
  readonly patience: number;
  /** Stop growing once the search has taken this long. */
  readonly searchBudgetMs: number;
}

/** Settings of one inference-memory measurement. */
export interface MemorySettings {
  /** Runs at the batch size over which the peak is taken (the paper: one forward pass). */
  readonly runs: number;
}

/** Settings of the per-operator breakdown from onnxruntime's profiling trace. */
export interface OperatorSettings {
  readonly batchSize: number;
  /** Runs left out of the breakdown (first-run allocation and planning). */
  readonly warmupRuns: number;
  readonly runs: number;
  /** Operator types listed by name; the rest are summed into one "other" row. */
  readonly top: number;
}

/** Settings of the WebGPU provider (ignored on other providers). */
export interface WebGpuSettings {
  /** Dawn's validation: `disabled` for timing runs (validation costs time on every dispatch). */
  readonly validationMode: "disabled" | "wgpuOnly" | "basic" | "full";
  /** Layout of layout-sensitive operators (Conv, pooling). */
  readonly preferredLayout: "NCHW" | "NHWC";
  /**
   * Operators without a WebGPU kernel: `record` lets them run on the CPU provider and lists them in the provenance;
   * `refuse` sets `session.disable_cpu_ep_fallback`, so such a graph fails as `unsupported-op`.
   */
  readonly cpuFallback: "record" | "refuse";
  /** Least warm-up runs before every timed loop (the first runs at a shape compile its shaders). */
  readonly warmupRuns: number;
  /** Node names forced onto the CPU (onnxruntime's `forceCpuNodeNames`). */
  readonly forceCpuNodeNames: ReadonlyArray<string>;
}

/** All measurement settings. */
export interface MeasureSettings {
  readonly latency: StopRule;
  readonly throughput: ThroughputSettings;
  readonly memory: MemorySettings;
  readonly operators: OperatorSettings;
  /** The validity verdict of the latency and final throughput loops (stability.ts). */
  readonly stability: StabilitySettings;
  readonly webgpu: WebGpuSettings;
  /** Seed of the random input tensors. */
  readonly seed: number;
}

/** Partial settings as a caller gives them; nested objects are merged field by field. */
export type MeasureSettingsInput = {
  readonly latency?: Partial<StopRule>;
  readonly throughput?: Partial<Omit<ThroughputSettings, "final" | "search">> & {
    readonly final?: Partial<StopRule>;
    readonly search?: Partial<StopRule>;
  };
  readonly memory?: Partial<MemorySettings>;
  readonly operators?: Partial<OperatorSettings>;
  readonly stability?: Partial<StabilitySettings>;
  readonly webgpu?: Partial<WebGpuSettings>;
  readonly seed?: number;
};

/** The defaults: sized so that all inference cells of ViT-Ti/16@224 fit in about a minute on a small CPU. */
export const DEFAULT_SETTINGS: MeasureSettings = {
  latency: { warmupRuns: 10, minRuns: 100, minDurationMs: 3_000, maxRuns: 100_000, maxDurationMs: 30_000 },
  throughput: {
    final: { warmupRuns: 2, minRuns: 10, minDurationMs: 3_000, maxRuns: 100_000, maxDurationMs: 30_000 },
    search: { warmupRuns: 1, minRuns: 3, minDurationMs: 500, maxRuns: 1_000, maxDurationMs: 10_000 },
    maxBatchSize: null,
    batchSizes: null,
    minGain: 0.02,
    patience: 2,
    searchBudgetMs: 60_000,
  },
  // One forward pass per batch size, as the paper measures inference memory.
  memory: { runs: 1 },
  operators: { batchSize: 1, warmupRuns: 5, runs: 20, top: 15 },
  stability: DEFAULT_STABILITY,
  webgpu: {
    validationMode: "disabled",
    preferredLayout: "NCHW",
    cpuFallback: "record",
    warmupRuns: 5,
    forceCpuNodeNames: [],
  },
  seed: 0,
};

/**
 * Returns the effective settings: defaults overridden by `input`, validated.
 *
 * @throws RangeError naming the first setting out of range.
 */
export function normalizeSettings(input: MeasureSettingsInput = {}): MeasureSettings {
  const d = DEFAULT_SETTINGS;
  const settings: MeasureSettings = {
    latency: stopRule("latency", { ...d.latency, ...input.latency }),
    throughput: {
      final: stopRule("throughput.final", { ...d.throughput.final, ...input.throughput?.final }),
      search: stopRule("throughput.search", { ...d.throughput.search, ...input.throughput?.search }),
      maxBatchSize: input.throughput?.maxBatchSize ?? d.throughput.maxBatchSize,
      batchSizes: input.throughput?.batchSizes ?? d.throughput.batchSizes,
      minGain: input.throughput?.minGain ?? d.throughput.minGain,
      patience: input.throughput?.patience ?? d.throughput.patience,
      searchBudgetMs: input.throughput?.searchBudgetMs ?? d.throughput.searchBudgetMs,
    },
    memory: { ...d.memory, ...input.memory },
    operators: { ...d.operators, ...input.operators },
    stability: { ...d.stability, ...input.stability },
    webgpu: { ...d.webgpu, ...input.webgpu },
    seed: input.seed ?? d.seed,
  };
  const t = settings.throughput;
  if (t.maxBatchSize !== null) positiveInteger("throughput.maxBatchSize", t.maxBatchSize);
  if (t.batchSizes !== null) {
    if (t.batchSizes.length === 0) throw new RangeError("throughput.batchSizes must not be empty");
    for (const [i, b] of t.batchSizes.entries()) positiveInteger(`throughput.batchSizes[${i}]`, b);
    for (let i = 1; i < t.batchSizes.length; i++) {
      if (t.batchSizes[i] <= t.batchSizes[i - 1])
        throw new RangeError("throughput.batchSizes must be strictly ascending");
    }
  }
  if (!(t.minGain >= 0 && t.minGain < 1))
    throw new RangeError(`throughput.minGain must be within [0, 1), got ${t.minGain}`);
  positiveInteger("throughput.patience", t.patience);
  nonNegative("throughput.searchBudgetMs", t.searchBudgetMs);
  positiveInteger("memory.runs", settings.memory.runs);
  positiveInteger("operators.batchSize", settings.operators.batchSize);
  nonNegativeInteger("operators.warmupRuns", settings.operators.warmupRuns);
  positiveInteger("operators.runs", settings.operators.runs);
  positiveInteger("operators.top", settings.operators.top);
  const st = settings.stability;
  positiveInteger("stability.windows", st.windows);
  if (!(st.tolerance > 0 && st.tolerance < 1))
    throw new RangeError(`stability.tolerance must be within (0, 1), got ${st.tolerance}`);
  if (!(st.maxForeignCpuShare >= 0 && st.maxForeignCpuShare <= 1))
    throw new RangeError(`stability.maxForeignCpuShare must be within [0, 1], got ${st.maxForeignCpuShare}`);
  nonNegativeInteger("stability.remeasure", st.remeasure);
  const w = settings.webgpu;
  if (!["disabled", "wgpuOnly", "basic", "full"].includes(w.validationMode))
    throw new RangeError(
      `webgpu.validationMode must be disabled, wgpuOnly, basic or full, got ${w.validationMode}`,
    );
  if (!["NCHW", "NHWC"].includes(w.preferredLayout))
    throw new RangeError(`webgpu.preferredLayout must be NCHW or NHWC, got ${w.preferredLayout}`);
  if (!["record", "refuse"].includes(w.cpuFallback))
    throw new RangeError(`webgpu.cpuFallback must be record or refuse, got ${w.cpuFallback}`);
  nonNegativeInteger("webgpu.warmupRuns", w.warmupRuns);
  if (!Array.isArray(w.forceCpuNodeNames) || w.forceCpuNodeNames.some((n) => typeof n !== "string"))
    throw new RangeError("webgpu.forceCpuNodeNames must be a list of node names");
  nonNegativeInteger("seed", settings.seed);
  return settings;
}

function stopRule(name: string, rule: StopRule): StopRule {
  nonNegativeInteger(`${name}.warmupRuns`, rule.warmupRuns);
  positiveInteger(`${name}.minRuns`, rule.minRuns);
  nonNegative(`${name}.minDurationMs`, rule.minDurationMs);
  positiveInteger(`${name}.maxRuns`, rule.maxRuns);
  nonNegative(`${name}.maxDurationMs`, rule.maxDurationMs);
  if (rule.maxRuns < rule.minRuns) {
    throw new RangeError(
      `${name}.maxRuns (${rule.maxRuns}) must be at least ${name}.minRuns (${rule.minRuns})`,
    );
  }
  if (rule.maxDurationMs < rule.minDurationMs) {
    throw new RangeError(
      `${name}.maxDurationMs (${rule.maxDurationMs}) must be at least ${name}.minDurationMs (${rule.minDurationMs})`,
    );
  }
  return { ...rule };
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function nonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
}
