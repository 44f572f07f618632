/**
 * The paper's GPU measurement protocol (Nauen et al., WACV 2025, §4 and appendix), as pure functions the profiler
 * applies on a GPU provider (cuda, webgpu):
 *
 * - precision: fp32 (the zoo's graphs are float32 unless asked otherwise; the precision is read from the graph);
 * - throughput: the best images/s over power-of-two batch sizes 1, 2, 4, … up to what the GPU memory holds. Stop
 *   rule ({@link GPU_THROUGHPUT_STOP_RULE}): stop growing at the first of (a) a batch that fails out of memory,
 *   (b) a next batch whose peak memory, predicted by a least-squares line through the peaks so far, exceeds the
 *   GPU's memory less a 500 MB reserve (the paper leaves 500 MB free), (c) batch 4096, (d) `patience` doublings
 *   in a row that gain under `minGain` (throughput saturated), (e) the search's time budget; the fastest stands;
 * - inference memory: the peak GPU memory of the measuring process at batch 1/32/64/128, read per process from
 *   nvidia-smi where it lists the process (`nvidia-smi-pid`), else the GPU's used memory above the loaded session
 *   (`nvidia-smi-device`: valid because one measurement runs on a GPU at a time);
 * - latency: p50/p90/p99 at batch 1, as on the CPU.
 *
 * WebGPU specifics: validation off for timing runs (`validationMode: "disabled"`); warm-up runs before every timed
 * loop compile the shaders of that shape; WebGPU sessions run one after another, never two at once; operators
 * without a WebGPU kernel fall back to the CPU provider, which is recorded (or, with `cpuFallback: "refuse"`,
 * refused through `session.disable_cpu_ep_fallback`).
 */
import type { InferenceSession } from "onnxruntime-node";

import type { GpuProcessMemory } from "../device/nvidia-smi.js";
import type { StopRule, WebGpuSettings } from "./measure-settings.js";
import type { MemoryMethod } from "./profile.types.js";
import type { Provider } from "./provider.js";
import type { WebGpuEpOptions } from "./webgpu-probe.js";

/** GPU memory the throughput search leaves free (bytes), as the paper does. */
export const GPU_MEMORY_RESERVE_BYTES = 500_000_000;

/** The largest batch the GPU search tries. */
export const GPU_MAX_BATCH_SIZE = 4096;

/** The largest batch the CPU search tries. */
export const CPU_MAX_BATCH_SIZE = 128;

/** The batch sizes of the paper's inference-memory figures. */
export const MEMORY_BATCH_SIZES: readonly number[] = [1, 32, 64, 128];

/** The throughput search's stop rule on a GPU, in words (recorded in provenance). */
export const GPU_THROUGHPUT_STOP_RULE =
  "powers of two from 1; stop at the first of: out of memory, predicted peak above GPU memory - 500 MB, " +
  "batch 4096, `patience` doublings in a row under `minGain`, the search budget; report the fastest batch";

/** The protocol as recorded with each GPU figure. */
export function gpuProtocol(provider: Provider): Record<string, string> {
  return {
    precision: "fp32 (the graph's element type is recorded as `precision`)",
    throughput: GPU_THROUGHPUT_STOP_RULE,
    memory:
      "peak GPU memory above the loaded session at batch 1/32/64/128 plus the weights: per process from nvidia-smi " +
      "where it lists the process, else the GPU's used memory (one measurement on the GPU at a time); `memory.method` says which",
    latency: "p50/p90/p99 of single-image runs at batch 1",
    timing:
      provider === "webgpu"
        ? "wall time of session.run; onnxruntime-node returns after the outputs are read back to the CPU, so the GPU work is complete"
        : "wall time of session.run (outputs copied back to the CPU)",
  };
}

/**
 * The largest buffer a WebGPU storage binding may hold (bytes): Dawn's default limit on desktop adapters
 * (`maxStorageBufferBindingSize` 2 GiB - 4, `maxBufferSize` 2 GiB). onnxruntime keeps each tensor in one buffer.
 */
export const WEBGPU_MAX_BINDING_BYTES = 2 ** 31 - 4;

/** A batch bound and why. */
export interface BatchLimit {
  readonly maxBatchSize: number;
  readonly reason: string;
}

/**
 * Returns the largest batch whose largest tensor still fits one WebGPU buffer binding: a larger batch would fail,
 * or with validation off write past the buffer and time garbage, so the search never tries one. Null where the
 * tensor size is unknown. At least 1.
 */
export function webgpuBatchLimit(
  largestTensorBytesAtBatch1: number | null,
  maxBindingBytes = WEBGPU_MAX_BINDING_BYTES,
): BatchLimit | null {
  if (largestTensorBytesAtBatch1 === null || !(largestTensorBytesAtBatch1 > 0)) return null;
  const maxBatchSize = Math.max(1, Math.floor(maxBindingBytes / largestTensorBytesAtBatch1));
  return {
    maxBatchSize,
    reason:
      `the largest tensor holds ${(largestTensorBytesAtBatch1 / 2 ** 20).toFixed(2)} MiB per image and a WebGPU ` +
      `buffer binding at most ${(maxBindingBytes / 2 ** 30).toFixed(2)} GiB, so batches above ${maxBatchSize} are not tried`,
  };
}

/** Returns the largest batch the search may try on a provider (settings win where they set one). */
export function maxBatchSizeFor(provider: Provider, configured: number | null): number {
  return configured ?? (provider === "cpu" ? CPU_MAX_BATCH_SIZE : GPU_MAX_BATCH_SIZE);
}

/** Returns the memory the throughput search may use on a GPU of `gpuMemoryBytes` (null: unknown, no bound). */
export function gpuMemoryBudget(gpuMemoryBytes: number | null | undefined): number | null {
  if (gpuMemoryBytes === null || gpuMemoryBytes === undefined || !(gpuMemoryBytes > 0)) return null;
  return Math.max(0, gpuMemoryBytes - GPU_MEMORY_RESERVE_BYTES);
}

/**
 * Returns the stop rule a timed loop runs with on a provider: on webgpu at least `webgpu.warmupRuns` warm-up runs
 * (the first runs at a shape compile its shaders, which must not be timed); elsewhere the rule as given.
 */
export function effectiveStopRule(rule: StopRule, provider: Provider, webgpu: WebGpuSettings): StopRule {
  if (provider !== "webgpu") return rule;
  return { ...rule, warmupRuns: Math.max(rule.warmupRuns, webgpu.warmupRuns) };
}

/** One reading of a process's GPU memory, and how it was read. */
export interface GpuMemoryReading {
  readonly bytes: number;
  readonly method: MemoryMethod;
}

/**
 * Returns the GPU memory of process `pid`: the sum of nvidia-smi's rows for it where it is listed (CUDA processes
 * are; Vulkan ones may not be, and a container's pids may differ from the host's), else the GPU's used memory.
 * Null when neither can be read (no nvidia-smi: e.g. a non-NVIDIA WebGPU adapter).
 */
export function readGpuMemory(
  processes: readonly GpuProcessMemory[],
  pid: number,
  deviceUsedBytes: number | null,
): GpuMemoryReading | null {
  const own = processes.filter((p) => p.pid === pid);
  if (own.length > 0) return { bytes: own.reduce((s, p) => s + p.usedBytes, 0), method: "nvidia-smi-pid" };
  if (deviceUsedBytes === null) return null;
  return { bytes: deviceUsedBytes, method: "nvidia-smi-device" };
}

/**
 * Returns the inference-memory figure's parts from two readings (after the session loaded, after the runs): the
 * growth above the loaded session, never negative. Both readings must use the same method, or the difference
 * means nothing.
 *
 * @throws Error when the methods differ.
 */
export function memoryAboveLoaded(loaded: GpuMemoryReading, after: GpuMemoryReading): number {
  if (loaded.method !== after.method)
    throw new Error(
      `GPU memory was read two ways (${loaded.method}, then ${after.method}); the figure would mix them`,
    );
  return Math.max(0, after.bytes - loaded.bytes);
}

/** Returns the WebGPU provider's options for a timing run from the settings. */
export function webgpuOptions(settings: WebGpuSettings): WebGpuEpOptions {
  return {
    validationMode: settings.validationMode,
    preferredLayout: settings.preferredLayout,
    disableCpuFallback: settings.cpuFallback === "refuse",
    ...(settings.forceCpuNodeNames.length > 0 ? { forceCpuNodeNames: settings.forceCpuNodeNames } : {}),
  };
}

/**
 * Returns onnxruntime-node session options that put a session on the WebGPU provider: the EP entry with its
 * validation mode, layout and forced-CPU nodes, and `session.disable_cpu_ep_fallback` when CPU fallback is refused.
 */
export function webgpuSessionOptions(
  options: WebGpuEpOptions,
  deviceId: number,
): Pick<InferenceSession.SessionOptions, "executionProviders" | "extra"> {
  const ep: InferenceSession.WebGpuExecutionProviderOption & { deviceId?: number } = {
    name: "webgpu",
    validationMode: options.validationMode,
    preferredLayout: options.preferredLayout,
    ...(options.forceCpuNodeNames && options.forceCpuNodeNames.length > 0
      ? { forceCpuNodeNames: options.forceCpuNodeNames }
      : {}),
    ...(deviceId > 0 ? { deviceId } : {}),
  };
  return {
    executionProviders: [ep],
    ...(options.disableCpuFallback ? { extra: { session: { disable_cpu_ep_fallback: "1" } } } : {}),
  };
}

/**
 * Runs GPU work one piece at a time within this process: WebGPU sessions must never run concurrently (two have
 * crashed on Linux/Vulkan), and two timing runs on one GPU would corrupt each other's figures. Calls queue in order.
 */
export class GpuQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private active = 0;
  private peak = 0;

  /** Runs `work` after every earlier call has settled; returns its result. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      try {
        return await work();
      } finally {
        this.active--;
      }
    });
    this.tail = next.catch(() => {});
    return next;
  }

  /** The most pieces of work that ever ran at once (1 when the queue works). */
  get maxConcurrent(): number {
    return this.peak;
  }
}

/** The one queue of this process's GPU measurements. */
export const gpuQueue = new GpuQueue();

/**
 * Returns why a run's outputs cannot be real results (non-finite values, or every value zero), or null when they
 * look like results. With validation off, a WebGPU error (a buffer past the device's limits, a lost device) can
 * leave outputs unwritten instead of failing the run, and timing such runs would report work that never happened;
 * the zoo's random weights never give all-zero logits.
 */
export function implausibleOutputs(
  outputs: Readonly<Record<string, { readonly data: unknown }>>,
): string | null {
  for (const [name, tensor] of Object.entries(outputs)) {
    const data = tensor.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) continue;
    let nonZero = false;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) return `output ${name} holds a non-finite value (${v}) at element ${i}`;
      if (v !== 0) nonZero = true;
    }
    if (data.length > 0 && !nonZero) return `output ${name} is all zeros (${data.length} elements)`;
  }
  return null;
}
