import type { DeviceDescription } from "../device/device-description.js";
import type { BatchSearchStop, BatchTrial } from "./batch-search.js";
import type { MeasureSettings, StopRule } from "./measure-settings.js";
import type { OperatorBreakdown } from "./operator-trace.js";
import type { WebGpuProvenance } from "./profile-model.js";
import type { Provider, RequestedProvider } from "./provider.js";
import type { Validity } from "./stability.js";
import type { SampleSummary } from "./statistics.js";
import type { StopReason } from "./timing-loop.js";

/** What one profiler call measures (one child process each). */
export type ProfileMetric = "latency" | "throughput" | "memory" | "operators";

/** onnxruntime's graph optimization levels. */
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** Why a measurement failed. */
export type FailureKind =
  /** The caller's input is wrong (missing file, bad batch size, symbolic dims without shapes). */
  | "invalid-request"
  /** onnxruntime rejects the graph (cannot parse, invalid model). */
  | "invalid-graph"
  /** No execution provider implements an operator; `details.op`/`details.node` name it. */
  | "unsupported-op"
  /** The requested provider cannot load here. */
  | "provider-unavailable"
  /** Out of memory: an allocation failed, the memory budget was exceeded, or the kernel killed the child. */
  | "oom"
  /** The child ran past its time budget and was killed. */
  | "timeout"
  /** The child died (signal or exit code) without a result. */
  | "crash"
  /** The caller aborted the measurement. */
  | "cancelled"
  /** Any other error inside the child. */
  | "error";

/** The graph as the profiler saw it. */
export interface GraphInfo {
  /** SHA-256 of the .onnx bytes (hex). */
  readonly sha256: string;
  readonly sizeBytes: number;
  /** The file measured, or null when bytes were given. */
  readonly path: string | null;
  /** Each input's name, element type and shape (symbolic dims by name). */
  readonly inputs: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly shape: ReadonlyArray<number | string>;
  }>;
}

/** Latency at batch 1: every run's time and the summary. */
export interface LatencyMeasurement {
  readonly metric: "latency";
  readonly batchSize: number;
  /** Summary of the per-run times, in milliseconds. */
  readonly summaryMs: SampleSummary;
  /** Each timed run's time, in milliseconds. */
  readonly samplesMs: number[];
  /** Wall time of the timed runs, loop overhead included: what the stop rule's duration counts (ms). */
  readonly wallMs: number;
  readonly stoppedBy: StopReason;
  /** False when the stop rule's minimums were not met; `reasons` says why. */
  readonly valid: boolean;
  readonly reasons: string[];
  /** The stability verdict of the timed runs (windows, machine load). */
  readonly validity: Validity;
}

/** Throughput at the fastest batch size found. */
export interface ThroughputMeasurement {
  readonly metric: "throughput";
  /** Images per second at `batchSize`: batch × timed runs / summed run time, from the final loop. */
  readonly imagesPerSecond: number;
  readonly batchSize: number;
  /** Summary of the final loop's per-run times, in milliseconds. */
  readonly summaryMs: SampleSummary;
  /** 95% interval of the throughput, from the interval of the mean run time. */
  readonly imagesPerSecondCi: { readonly low: number; readonly high: number } | null;
  /** Wall time of the final loop's timed runs (ms). */
  readonly wallMs: number;
  readonly stoppedBy: StopReason;
  readonly valid: boolean;
  readonly reasons: string[];
  /** The stability verdict of the final loop (windows, machine load). */
  readonly validity: Validity;
  /** The search: every candidate tried and why it stopped growing. */
  readonly search: {
    readonly trials: BatchTrial[];
    readonly stoppedBy: BatchSearchStop;
    readonly outOfMemory: string | null;
    readonly maxBatchSize: number;
    readonly memoryBudgetBytes: number | null;
  };
}

/**
 * Inference memory at one batch size. CPU: peak resident memory of the child (VmHWM) while running the batch,
 * above the resident memory after the session was created (weights loaded) and before the input tensors were
 * allocated; so it counts inputs, outputs, activations and onnxruntime's arena growth, not the weights.
 * CUDA: device memory of the child process after the runs above the same point (onnxruntime's arena keeps
 * what it grew, so this is its peak reservation).
 */
export interface MemoryMeasurement {
  readonly metric: "memory";
  readonly batchSize: number;
  /** The figure: peak above the loaded baseline (bytes). */
  readonly bytes: number;
  readonly method: MemoryMethod;
  /** Resident (or device) memory before the session was created (bytes). */
  readonly startBytes: number;
  /** Resident (or device) memory after the session was created: the baseline (bytes). */
  readonly loadedBytes: number;
  /** Peak resident (or device) memory while running (bytes). */
  readonly peakBytes: number;
  /** Runs at the batch size over which the peak was taken. */
  readonly runs: number;
}

/** How a memory figure was read. */
export type MemoryMethod =
  /** VmHWM after resetting it through /proc/self/clear_refs just before the runs. */
  | "vmhwm-reset"
  /** VmHWM since the child started (reset not allowed): an upper bound that includes session creation. */
  | "vmhwm-since-start"
  /** nvidia-smi's used memory of the child's pid. */
  | "nvidia-smi-pid"
  /** nvidia-smi's used memory of the whole GPU (the pid was not visible: a container, or Vulkan work not listed). */
  | "nvidia-smi-device";

/** The per-operator time breakdown. */
export interface OperatorsMeasurement extends OperatorBreakdown {
  readonly metric: "operators";
  readonly batchSize: number;
}

/** One measurement's payload. */
export type Measurement =
  | LatencyMeasurement
  | ThroughputMeasurement
  | MemoryMeasurement
  | OperatorsMeasurement;

/** Where, how and when a figure was measured. */
export interface Provenance {
  readonly device: DeviceDescription;
  readonly provider: Provider;
  readonly requestedProvider: RequestedProvider;
  /** Why `auto` picked the provider, or why it fell back to cpu; null otherwise. */
  readonly providerReason: string | null;
  readonly onnxruntimeVersion: string;
  readonly nodeVersion: string;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  /** Element type of the first input (`float32` → fp32). */
  readonly precision: string;
  readonly batchSize: number;
  readonly warmupRuns: number;
  /** Timed runs (summed over search and final loops for throughput). */
  readonly iterations: number;
  /** Wall time of the timed runs, in milliseconds (the duration the stop rule counts). */
  readonly durationMs: number;
  /** Spread of the per-run times: sample stddev and 95% interval of the mean (ms); null where not timed. */
  readonly spread: {
    readonly stddevMs: number;
    readonly cv: number;
    readonly ci95Ms: readonly [number, number] | null;
  } | null;
  /** The stop rule used, where a timed loop ran. */
  readonly stopRule: StopRule | null;
  /** The validity verdict of the timed runs (stable / unstable / invalid, with windows and machine load); null where nothing was timed. */
  readonly validity: Validity | null;
  /** The paper's GPU protocol as applied (precision, throughput stop rule, memory method, timing); null on cpu. */
  readonly gpuProtocol: Record<string, string> | null;
  /** What the WebGPU provider ran: adapter, driver, backend, validation mode, layout, operators on the CPU. */
  readonly webgpu: WebGpuProvenance | null;
  readonly settings: MeasureSettings;
  readonly graph: GraphInfo;
  /** Session creation time in the child (ms). */
  readonly sessionLoadMs: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Wall time of the whole child process (ms). */
  readonly wallMs: number;
}

/** A measurement that succeeded, with its provenance. */
export interface ProfileResult<M extends Measurement = Measurement> {
  readonly ok: true;
  readonly metric: M["metric"];
  readonly measurement: M;
  readonly provenance: Provenance;
}

/** A measurement that failed, as data. */
export interface ProfileFailure {
  readonly ok: false;
  readonly metric: ProfileMetric;
  readonly kind: FailureKind;
  readonly message: string;
  readonly details: FailureDetails;
  readonly requestedProvider: RequestedProvider;
  /** The provider tried, when one was chosen. */
  readonly provider: Provider | null;
  readonly device: DeviceDescription | null;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Facts about a failure. */
export interface FailureDetails {
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  /** The operator onnxruntime named (unsupported-op). */
  readonly op?: string;
  readonly opDomain?: string | null;
  readonly node?: string | null;
  /** Peak resident memory the parent saw, for budget kills (bytes). */
  readonly residentBytes?: number;
  readonly memoryBudgetBytes?: number;
  readonly timeoutMs?: number;
  /** The last lines the child wrote to stderr. */
  readonly stderrTail?: string;
}

/** A measurement's outcome. */
export type ProfileOutcome = ProfileResult | ProfileFailure;
