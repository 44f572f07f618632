import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { DeviceDescription } from "../device/device-description.js";
import { describeDevice } from "../device/device-description.js";
import type { ChildFault, ChildProgress, ChildRequest, ChildTask } from "./child-protocol.js";
import { runChild } from "./child-runner.js";
import {
  effectiveStopRule,
  gpuMemoryBudget,
  gpuProtocol,
  gpuQueue,
  maxBatchSizeFor,
  webgpuOptions,
} from "./gpu-protocol.js";
import type { MeasureSettings, MeasureSettingsInput } from "./measure-settings.js";
import { normalizeSettings } from "./measure-settings.js";
import type {
  FailureDetails,
  FailureKind,
  GraphInfo,
  GraphOptimizationLevel,
  Measurement,
  ProfileFailure,
  ProfileMetric,
  ProfileOutcome,
  ProfileResult,
  Provenance,
} from "./profile.types.js";
import type { Provider, ProviderChoice, RequestedProvider } from "./provider.js";
import { chooseProvider, ProviderUnavailableError } from "./provider.js";
import type { WebGpuProbeResult } from "./webgpu-probe.js";
import { probeWebGpu } from "./webgpu-probe.js";

/** The graph to measure: an .onnx file, or its bytes (written to a temporary file for the child). */
export type GraphSource = { readonly path: string } | { readonly bytes: Uint8Array };

/** Time and memory limits of one measurement. */
export interface ProfileBudgets {
  /** Wall-clock limit of the child process, session creation included (ms). Default 300 000. */
  readonly timeoutMs?: number;
  /**
   * Resident memory the child may reach (bytes); also bounds the throughput search. Default: 80% of the
   * memory free when the measurement starts. null: no limit.
   */
  readonly memoryBytes?: number | null;
}

/** Options shared by every measurement of a graph. */
export interface ProfileOptions {
  readonly graph: GraphSource;
  /** Default `cpu`. `cuda` fails with `provider-unavailable` where it cannot run; `auto` picks. */
  readonly provider?: RequestedProvider;
  /** GPU index for cuda. Default 0. */
  readonly gpuIndex?: number;
  /**
   * onnxruntime intra-op threads. Default: the physical cores this process may use (onnxruntime's own
   * choice; hyper-threads rarely help GEMM-bound models), else the usable CPUs.
   */
  readonly threads?: number;
  /** onnxruntime inter-op threads (sequential execution). Default 1. */
  readonly interOpThreads?: number;
  /** Default `all`. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** Full shapes at batch 1 for inputs with symbolic non-batch dims (dim 0 is always the batch). */
  readonly inputShapes?: Readonly<Record<string, ReadonlyArray<number>>>;
  readonly settings?: MeasureSettingsInput;
  readonly budgets?: ProfileBudgets;
  readonly signal?: AbortSignal;
  readonly onProgress?: (note: ChildProgress & { readonly metric: ProfileMetric }) => void;
  /** Called with each child's pid when it starts. */
  readonly onSpawn?: (pid: number, metric: ProfileMetric) => void;
  /** Test only: a fault for the child to inject; honoured only with FAVOR_PROFILER_FAULTS=1 in `childEnv`. */
  readonly fault?: ChildFault;
  /** Extra environment for the child process. */
  readonly childEnv?: Readonly<Record<string, string>>;
}

/** One cell's measurement: the metric, and the batch size where the metric has one. */
export interface ProfileMetricInput extends ProfileOptions {
  readonly metric: ProfileMetric;
  /** latency (default 1) and memory (default 1); throughput searches its own; operators use settings. */
  readonly batchSize?: number;
}

/** Several measurements of one graph. */
export interface ProfileModelInput extends ProfileOptions {
  /** Default: all four. */
  readonly metrics?: ReadonlyArray<ProfileMetric>;
  /** Batch sizes of the memory metric. Default [1, 32, 64, 128], the paper's. */
  readonly memoryBatchSizes?: ReadonlyArray<number>;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const METRICS: ReadonlyArray<ProfileMetric> = ["latency", "throughput", "memory", "operators"];
const LEVELS: ReadonlyArray<GraphOptimizationLevel> = ["disabled", "basic", "extended", "all"];
/** Failures that would recur for every metric of the same graph and options. */
const GRAPH_WIDE: ReadonlyArray<FailureKind> = ["invalid-graph", "unsupported-op", "provider-unavailable"];

/**
 * Measures one metric of a graph in a fresh child process and returns the result with its provenance, or
 * the failure as data: this is what a job worker calls per cell. Never rejects for a bad graph, a crash,
 * a timeout or memory exhaustion of the child.
 */
export async function profileMetric(input: ProfileMetricInput): Promise<ProfileOutcome> {
  let graph: PreparedGraph;
  try {
    graph = await prepareGraph(input.graph);
  } catch (error) {
    return earlyFailure(input, new Date(), "invalid-request", errorMessage(error));
  }
  try {
    return await profilePrepared(input, graph);
  } finally {
    await graph.cleanup();
  }
}

async function profilePrepared(input: ProfileMetricInput, graph: PreparedGraph): Promise<ProfileOutcome> {
  const startedAt = new Date();
  const requested = input.provider ?? "cpu";
  let settings: MeasureSettings;
  let choice: ProviderChoice;
  try {
    validate(input);
    settings = normalizeSettings(input.settings);
    choice = chooseProvider(requested);
  } catch (error) {
    const kind = error instanceof ProviderUnavailableError ? "provider-unavailable" : "invalid-request";
    return earlyFailure(input, startedAt, kind, errorMessage(error));
  }
  let outcome = await measureOnce(input, settings, choice, graph, startedAt);
  if (
    !outcome.ok &&
    outcome.kind === "provider-unavailable" &&
    requested === "auto" &&
    choice.provider !== "cpu"
  ) {
    // auto promised a GPU provider where it can run; when it cannot load after all, cpu is the honest answer.
    const fallback: ProviderChoice = {
      requested,
      provider: "cpu",
      reason: `${choice.provider} failed to load (${outcome.message}); fell back to cpu`,
    };
    outcome = await measureOnce(input, settings, fallback, graph, startedAt);
  }
  return outcome;
}

function earlyFailure(
  input: ProfileMetricInput,
  startedAt: Date,
  kind: FailureKind,
  message: string,
): ProfileFailure {
  return {
    ok: false,
    metric: input.metric,
    kind,
    message,
    details: {},
    requestedProvider: input.provider ?? "cpu",
    provider: null,
    device: null,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Measures several metrics of one graph, one child process each, in order (latency, throughput, memory at
 * each batch size, operators) and returns one outcome per measurement. When a failure would recur for
 * every metric (invalid graph, unsupported operator, provider unavailable), the remaining ones are not run
 * and carry the same failure.
 *
 * @throws RangeError for an unknown metric name (a programming error; everything else is an outcome).
 */
export async function profileModel(input: ProfileModelInput): Promise<ProfileOutcome[]> {
  const metrics = input.metrics ?? METRICS;
  const memoryBatchSizes = input.memoryBatchSizes ?? [1, 32, 64, 128];
  for (const metric of metrics) {
    if (!METRICS.includes(metric))
      throw new RangeError(`unknown metric ${JSON.stringify(metric)}; use ${METRICS.join(", ")}`);
  }
  const cells: Array<{ metric: ProfileMetric; batchSize?: number }> = [];
  for (const metric of METRICS) {
    if (!metrics.includes(metric)) continue;
    if (metric === "memory") for (const batchSize of memoryBatchSizes) cells.push({ metric, batchSize });
    else cells.push({ metric });
  }
  // The graph is read (and bytes written out) once for all children.
  let graph: PreparedGraph;
  try {
    graph = await prepareGraph(input.graph);
  } catch (error) {
    const startedAt = new Date();
    return cells.map((c) =>
      earlyFailure({ ...input, metric: c.metric }, startedAt, "invalid-request", errorMessage(error)),
    );
  }
  const outcomes: ProfileOutcome[] = [];
  let fatal: ProfileFailure | null = null;
  try {
    for (const cell of cells) {
      if (fatal !== null) {
        outcomes.push({
          ...fatal,
          metric: cell.metric,
          message: `not run: an earlier measurement of this graph failed: ${fatal.message}`,
        });
        continue;
      }
      const outcome = await profilePrepared(
        { ...input, metric: cell.metric, batchSize: cell.batchSize },
        graph,
      );
      outcomes.push(outcome);
      if (!outcome.ok && GRAPH_WIDE.includes(outcome.kind)) fatal = outcome;
    }
  } finally {
    await graph.cleanup();
  }
  return outcomes;
}

/** What the WebGPU provider did with a graph, recorded with every WebGPU figure. */
export interface WebGpuProvenance {
  /** The adapter: the GPU's name (nvidia-smi, else vulkaninfo). */
  readonly adapter: string | null;
  /** The GPU driver's version. */
  readonly driver: string | null;
  /** Dawn's backend (Vulkan on Linux) and the backend type the EP logged (0: Dawn's default). */
  readonly backend: string;
  readonly dawnBackendType: string | null;
  readonly vulkanLoader: string | null;
  readonly driverFiles: readonly string[];
  readonly validationMode: string;
  readonly preferredLayout: string;
  /** `record`: CPU fallback allowed and listed below; `refuse`: session.disable_cpu_ep_fallback was set. */
  readonly cpuFallback: string;
  /** Operators that ran on the CPU provider, by type (Memcpy left out). */
  readonly cpuFallbackOps: WebGpuProbeResult["cpuFallbackOps"];
  /** Nodes per provider from onnxruntime's placement report. */
  readonly nodeCounts: WebGpuProbeResult["nodeCounts"];
  /** Operators onnxruntime said have no WebGPU kernel. */
  readonly kernelsNotFound: ReadonlyArray<{ op: string; name: string }>;
  /** Time of the placement probe (a separate child that created the session with onnxruntime's verbose log). */
  readonly placementProbeMs: number;
}

/** Placement probes by graph hash and WebGPU options: every cell of a graph shares one. */
const placementCache = new Map<string, WebGpuProbeResult>();

async function placementOf(
  graph: PreparedGraph,
  settings: MeasureSettings,
  input: ProfileMetricInput,
): Promise<WebGpuProbeResult> {
  const options = webgpuOptions(settings.webgpu);
  const key = `${graph.sha256}:${JSON.stringify(options)}`;
  const hit = placementCache.get(key);
  if (hit) return hit;
  const result = await probeWebGpu(
    { graphPath: graph.path, options, run: false },
    { timeoutMs: input.budgets?.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: input.signal, env: input.childEnv },
  );
  // A failure may be passing (a cancelled probe); only what the graph does is worth keeping.
  if (result.ok || result.missing === "cpu-fallback") placementCache.set(key, result);
  return result;
}

function webgpuProvenance(
  device: DeviceDescription,
  settings: MeasureSettings,
  probe: WebGpuProbeResult,
): WebGpuProvenance {
  return {
    adapter: device.gpu?.name ?? null,
    driver: device.gpu?.driverVersion ?? null,
    backend: device.webgpu?.backend ?? "vulkan",
    dawnBackendType: probe.log.config.dawnBackendType ?? null,
    vulkanLoader: device.webgpu?.vulkanLoader ?? null,
    driverFiles: device.webgpu?.driverFiles ?? [],
    validationMode: settings.webgpu.validationMode,
    preferredLayout: settings.webgpu.preferredLayout,
    cpuFallback: settings.webgpu.cpuFallback,
    cpuFallbackOps: probe.cpuFallbackOps,
    nodeCounts: probe.nodeCounts,
    kernelsNotFound: probe.log.kernelsNotFound,
    placementProbeMs: Math.round(probe.wallMs),
  };
}

async function measureOnce(
  input: ProfileMetricInput,
  settings: MeasureSettings,
  choice: ProviderChoice,
  graph: PreparedGraph,
  startedAt: Date,
): Promise<ProfileOutcome> {
  // One GPU measurement at a time in this process: WebGPU sessions never run concurrently.
  if (choice.provider === "cpu") return measureOnceNow(input, settings, choice, graph, startedAt);
  return gpuQueue.run(() => measureOnceNow(input, settings, choice, graph, startedAt));
}

async function measureOnceNow(
  input: ProfileMetricInput,
  settings: MeasureSettings,
  choice: ProviderChoice,
  graph: PreparedGraph,
  startedAt: Date,
): Promise<ProfileOutcome> {
  const gpuIndex = input.gpuIndex ?? 0;
  let device: DeviceDescription;
  try {
    device = cachedDevice(choice.provider, gpuIndex);
  } catch (error) {
    return failure(input, choice, null, startedAt, "provider-unavailable", errorMessage(error), {});
  }
  let webgpu: WebGpuProvenance | null = null;
  if (choice.provider === "webgpu") {
    const probe = await placementOf(graph, settings, input);
    if (!probe.ok) {
      const kind: FailureKind =
        probe.missing === "cpu-fallback"
          ? "unsupported-op"
          : probe.missing === "error"
            ? "error"
            : "provider-unavailable";
      const op = probe.cpuFallbackOps[0];
      return failure(input, choice, device, startedAt, kind, probe.problem ?? "the WebGPU probe failed", {
        ...(op ? { op: op.op, node: op.nodes[0] ?? null } : {}),
      });
    }
    webgpu = webgpuProvenance(device, settings, probe);
  }
  const memoryBudgetBytes =
    input.budgets?.memoryBytes === undefined ? Math.floor(os.freemem() * 0.8) : input.budgets.memoryBytes;
  const scratch = input.metric === "operators" ? await mkdtemp(path.join(os.tmpdir(), "favor-trace-")) : null;
  try {
    const task = childTask(input, settings, choice.provider, device, memoryBudgetBytes, scratch);
    const request: ChildRequest = {
      graphPath: graph.path,
      provider: choice.provider,
      gpuIndex,
      intraOpThreads: input.threads ?? defaultThreads(device),
      interOpThreads: input.interOpThreads ?? 1,
      graphOptimizationLevel: input.graphOptimizationLevel ?? "all",
      inputShapes: input.inputShapes ?? null,
      task,
      settings,
      fault: input.fault ?? null,
    };
    const run = await runChild(request, {
      timeoutMs: input.budgets?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      memoryBudgetBytes,
      env: input.childEnv,
      signal: input.signal,
      onProgress: input.onProgress && ((note) => input.onProgress?.({ ...note, metric: input.metric })),
      onSpawn: input.onSpawn && ((pid) => input.onSpawn?.(pid, input.metric)),
    });
    const reply = run.reply;
    if (!reply.ok) return failure(input, choice, device, startedAt, reply.kind, reply.message, reply.details);
    const info: GraphInfo = {
      sha256: graph.sha256,
      sizeBytes: graph.sizeBytes,
      path: graph.userPath,
      inputs: reply.session.inputs,
    };
    const result: ProfileResult = {
      ok: true,
      metric: reply.measurement.metric,
      measurement: reply.measurement,
      provenance: provenance(
        reply.measurement,
        request,
        choice,
        device,
        settings,
        info,
        reply.session,
        startedAt,
        run.wallMs,
        webgpu,
      ),
    };
    return result;
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

function childTask(
  input: ProfileMetricInput,
  settings: MeasureSettings,
  provider: Provider,
  device: DeviceDescription,
  memoryBudgetBytes: number | null,
  scratch: string | null,
): ChildTask {
  switch (input.metric) {
    case "latency":
      return { metric: "latency", batchSize: input.batchSize ?? 1 };
    case "memory":
      return { metric: "memory", batchSize: input.batchSize ?? 1 };
    case "operators":
      return { metric: "operators", profileDir: scratch as string };
    case "throughput":
      // The paper leaves 500 MB of the GPU free; on CPU the process budget bounds the search.
      return {
        metric: "throughput",
        maxBatchSize: maxBatchSizeFor(provider, settings.throughput.maxBatchSize),
        memoryBudgetBytes: provider === "cpu" ? memoryBudgetBytes : gpuMemoryBudget(device.gpu?.memoryBytes),
      };
  }
}

function provenance(
  m: Measurement,
  request: ChildRequest,
  choice: ProviderChoice,
  device: DeviceDescription,
  settings: MeasureSettings,
  graph: GraphInfo,
  session: { onnxruntimeVersion: string; sessionLoadMs: number },
  startedAt: Date,
  wallMs: number,
  webgpu: WebGpuProvenance | null,
): Provenance {
  let timing: Pick<
    Provenance,
    "batchSize" | "warmupRuns" | "iterations" | "durationMs" | "spread" | "stopRule" | "validity"
  >;
  switch (m.metric) {
    case "latency":
    case "throughput": {
      const s = m.summaryMs;
      const rule = effectiveStopRule(
        m.metric === "latency" ? settings.latency : settings.throughput.final,
        choice.provider,
        settings.webgpu,
      );
      timing = {
        batchSize: m.batchSize,
        warmupRuns: rule.warmupRuns,
        iterations: s.count,
        durationMs: m.wallMs,
        spread: { stddevMs: s.stddev, cv: s.cv, ci95Ms: s.ci === null ? null : [s.ci.low, s.ci.high] },
        stopRule: rule,
        validity: m.validity,
      };
      break;
    }
    case "memory":
      timing = {
        batchSize: m.batchSize,
        warmupRuns: 0,
        iterations: m.runs,
        durationMs: 0,
        spread: null,
        stopRule: null,
        validity: null,
      };
      break;
    case "operators":
      timing = {
        batchSize: m.batchSize,
        warmupRuns: settings.operators.warmupRuns,
        iterations: m.runs,
        durationMs: m.modelRunMs * m.runs,
        spread: null,
        stopRule: null,
        validity: null,
      };
      break;
  }
  return {
    device,
    provider: choice.provider,
    requestedProvider: choice.requested,
    providerReason: choice.reason,
    onnxruntimeVersion: session.onnxruntimeVersion,
    nodeVersion: process.version,
    intraOpThreads: request.intraOpThreads,
    interOpThreads: request.interOpThreads,
    graphOptimizationLevel: request.graphOptimizationLevel,
    precision: precisionOf(graph),
    ...timing,
    gpuProtocol: choice.provider === "cpu" ? null : gpuProtocol(choice.provider),
    webgpu,
    settings,
    graph,
    sessionLoadMs: session.sessionLoadMs,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallMs,
  };
}

function failure(
  input: ProfileMetricInput,
  choice: ProviderChoice,
  device: DeviceDescription | null,
  startedAt: Date,
  kind: FailureKind,
  message: string,
  details: FailureDetails,
): ProfileFailure {
  return {
    ok: false,
    metric: input.metric,
    kind,
    message,
    details,
    requestedProvider: choice.requested,
    provider: choice.provider,
    device,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

/** Returns the default intra-op thread count: physical cores, at most the CPUs this process may use. */
export function defaultThreads(device: DeviceDescription): number {
  const usable = device.cpu.availableCores;
  return Math.max(1, Math.min(usable, device.cpu.physicalCores ?? usable));
}

/** Returns the precision of a graph, read from its first input's element type. */
function precisionOf(graph: GraphInfo): string {
  const type = graph.inputs[0]?.type ?? "unknown";
  return (
    { float32: "fp32", float16: "fp16", float64: "fp64", bfloat16: "bf16", int8: "int8", uint8: "uint8" }[
      type
    ] ?? type
  );
}

interface PreparedGraph {
  readonly path: string;
  /** The caller's path, or null for bytes. */
  readonly userPath: string | null;
  readonly sha256: string;
  readonly sizeBytes: number;
  cleanup(): Promise<void>;
}

const hashCache = new Map<string, string>();

async function prepareGraph(source: GraphSource): Promise<PreparedGraph> {
  if ("bytes" in source) {
    if (!(source.bytes instanceof Uint8Array) || source.bytes.byteLength === 0)
      throw new Error("graph bytes are empty");
    const dir = await mkdtemp(path.join(os.tmpdir(), "favor-graph-"));
    const file = path.join(dir, "graph.onnx");
    await writeFile(file, source.bytes);
    return {
      path: file,
      userPath: null,
      sha256: createHash("sha256").update(source.bytes).digest("hex"),
      sizeBytes: source.bytes.byteLength,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  if (typeof source.path !== "string" || source.path === "") throw new Error("graph path is empty");
  const file = path.resolve(source.path);
  const info = await stat(file).catch(() => null);
  if (info === null) throw new Error(`graph file ${file} does not exist`);
  if (!info.isFile()) throw new Error(`graph path ${file} is not a file`);
  if (info.size === 0) throw new Error(`graph file ${file} is empty`);
  // Hashing a large graph costs a second; a worker measures the same file many times.
  const key = `${file}:${info.size}:${info.mtimeMs}`;
  let sha256 = hashCache.get(key);
  if (sha256 === undefined) {
    sha256 = await hashFile(file);
    hashCache.set(key, sha256);
  }
  return { path: file, userPath: file, sha256, sizeBytes: info.size, cleanup: async () => {} };
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}

const deviceCache = new Map<string, DeviceDescription>();

function cachedDevice(provider: Provider, gpuIndex: number): DeviceDescription {
  const key = provider === "cpu" ? "cpu" : `${provider}:${gpuIndex}`;
  let device = deviceCache.get(key);
  if (device === undefined) {
    device =
      provider === "cpu"
        ? describeDevice("cpu")
        : describeDevice("gpu", gpuIndex, provider === "webgpu" ? "webgpu" : "cuda");
    deviceCache.set(key, device);
  }
  return device;
}

function validate(input: ProfileMetricInput): void {
  if (!METRICS.includes(input.metric))
    throw new RangeError(`unknown metric ${JSON.stringify(input.metric)}; use ${METRICS.join(", ")}`);
  positiveInteger("batchSize", input.batchSize);
  positiveInteger("threads", input.threads);
  positiveInteger("interOpThreads", input.interOpThreads);
  if (input.gpuIndex !== undefined && !(Number.isSafeInteger(input.gpuIndex) && input.gpuIndex >= 0)) {
    throw new RangeError(`gpuIndex must be a non-negative integer, got ${input.gpuIndex}`);
  }
  if (input.graphOptimizationLevel !== undefined && !LEVELS.includes(input.graphOptimizationLevel)) {
    throw new RangeError(
      `unknown graphOptimizationLevel ${JSON.stringify(input.graphOptimizationLevel)}; use ${LEVELS.join(", ")}`,
    );
  }
  const b = input.budgets;
  if (b?.timeoutMs !== undefined && !(Number.isFinite(b.timeoutMs) && b.timeoutMs > 0)) {
    throw new RangeError(`budgets.timeoutMs must be a positive number, got ${b.timeoutMs}`);
  }
  if (
    b?.memoryBytes !== undefined &&
    b.memoryBytes !== null &&
    !(Number.isFinite(b.memoryBytes) && b.memoryBytes > 0)
  ) {
    throw new RangeError(`budgets.memoryBytes must be a positive number or null, got ${b.memoryBytes}`);
  }
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
