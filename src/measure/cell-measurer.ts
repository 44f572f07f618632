import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MeasureTask } from "./measurable-metrics.js";
import { memoryBatchOf } from "./measurable-metrics.js";
import { analyzeModel, bytesPerElement, isFloat, readModel } from "./onnx/index.js";
import type { ChildFault } from "./profiler/child-protocol.js";
import { webgpuBatchLimit } from "./profiler/gpu-protocol.js";
import { type MeasureSettingsInput, normalizeSettings } from "./profiler/measure-settings.js";
import type {
  LatencyMeasurement,
  MemoryMeasurement,
  OperatorsMeasurement,
  ProfileFailure,
  ProfileMetric,
  ProfileOutcome,
  ThroughputMeasurement,
} from "./profiler/profile.types.js";
import { profileMetric } from "./profiler/profile-model.js";
import type { Provider } from "./profiler/provider.js";
import { type BuiltModel, buildModel, findModel } from "./zoo/registry.js";

/** A graph built once for all tasks of one model@resolution, on disk for the profiler's children. */
export interface PreparedModelGraph {
  readonly modelName: string;
  readonly resolution: number;
  readonly path: string;
  /** Where the graph came from, for provenance. */
  readonly source: Record<string, unknown>;
  /** Parameters, MACs and FLOPs at batch 1 (null when the analysis failed: `analysisError`). */
  readonly stats: {
    parameters: number;
    macs: number;
    flops: number;
    weightBytes: number;
    /** Bytes of the largest node output at batch 1 (float32 elements × 4): bounds WebGPU's batch (one buffer each). */
    largestTensorBytes?: number;
  } | null;
  readonly analysisError: string | null;
  /** Full input shapes at batch 1 for a graph whose image size is symbolic (a user's file). */
  readonly inputShapes: Record<string, number[]> | null;
  /** Whether the file is ours to delete (built from the zoo) or the user's. */
  readonly owned: boolean;
}

/** A graph that could not be built. */
export class GraphBuildError extends Error {
  override readonly name = "GraphBuildError";
}

/**
 * Builds a zoo model at a resolution into `dir` (seeded random weights: timings and memory do not depend on the
 * weights' values) and analyses it; returns the prepared graph.
 *
 * @throws GraphBuildError when the zoo has no such model or cannot build it at that resolution.
 */
export async function prepareZooGraph(
  dir: string,
  modelName: string,
  sourceId: string,
  resolution: number,
): Promise<PreparedModelGraph> {
  const zoo = findModel(modelName) ?? findModel(sourceId);
  if (!zoo) throw new GraphBuildError(`the model zoo has no ONNX graph for ${modelName}`);
  let built: BuiltModel;
  try {
    built = buildModel(zoo.name, { resolution });
  } catch (error) {
    throw new GraphBuildError(`building ${zoo.name} at ${resolution}px failed: ${(error as Error).message}`);
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${zoo.sourceId.replace(/[^\w.-]+/g, "_")}-${resolution}.onnx`);
  await writeFile(file, built.bytes);
  const { stats, analysisError } = analyze(readModel(built.bytes), {});
  const m = built.metadata;
  return {
    modelName: zoo.name,
    resolution,
    path: file,
    source: {
      kind: "zoo",
      model: m.name,
      sourceId: m.sourceId,
      resolution: m.resolution,
      dtype: m.dtype,
      seed: m.seed,
      opset: m.opset,
      numClasses: m.numClasses,
      note: zoo.note ?? null,
    },
    stats,
    analysisError,
    inputShapes: null,
    owned: true,
  };
}

/**
 * Prepares a user's .onnx file as the graph of a model@resolution: its first input is the image, [batch, 3, r, r]
 * (symbolic height and width are set to the resolution); returns the prepared graph (the file stays where it is).
 *
 * @throws GraphBuildError when the file cannot be read or is not an ONNX model with an input.
 */
export async function prepareFileGraph(
  file: string,
  modelName: string,
  resolution: number,
  /** How messages and provenance name the file (e.g. relative to the users' folder); default `file`. */
  shownAs: string = file,
): Promise<PreparedModelGraph> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new GraphBuildError(`cannot read the graph file ${shownAs} (${code})`);
  }
  let graph: ReturnType<typeof readModel>;
  try {
    graph = readModel(bytes);
  } catch (error) {
    throw new GraphBuildError(`${shownAs} is not an ONNX model: ${(error as Error).message}`);
  }
  const input = graph.inputs[0];
  if (!input) throw new GraphBuildError(`${shownAs} has no graph input`);
  const want = [1, 3, resolution, resolution];
  const dims: Record<string, number> = {};
  if (input.shape.length === 4) {
    for (const [i, d] of input.shape.entries()) if (i > 0 && typeof d === "string") dims[d] = want[i];
  }
  const { stats, analysisError } = analyze(graph, dims);
  return {
    modelName,
    resolution,
    path: file,
    source: {
      kind: "file",
      path: shownAs,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      sizeBytes: bytes.byteLength,
      opset: graph.opset,
      input: { name: input.name, shape: input.shape },
    },
    stats,
    analysisError,
    inputShapes: Object.keys(dims).length > 0 ? { [input.name]: want } : null,
    owned: false,
  };
}

/** Removes a prepared graph's file if it is ours. */
export async function removeGraph(graph: PreparedModelGraph): Promise<void> {
  if (graph.owned) await rm(graph.path, { force: true });
}

function analyze(
  graph: ReturnType<typeof readModel>,
  dims: Record<string, number>,
): Pick<PreparedModelGraph, "stats" | "analysisError"> {
  try {
    const s = analyzeModel(graph, { batch: 1, dims });
    const weightBytes = graph.initializers.reduce(
      (sum, t) =>
        sum +
        (t.dtype !== null && isFloat(t.dtype)
          ? t.dims.reduce((a, b) => a * b, 1) * bytesPerElement(t.dtype)
          : 0),
      0,
    );
    return {
      stats: {
        parameters: s.parameters,
        macs: s.macs,
        flops: s.flops,
        weightBytes,
        largestTensorBytes: Math.max(
          0,
          ...s.nodes.flatMap((n) => n.outputShapes.map((shape) => shape.reduce((a, b) => a * b, 1) * 4)),
        ),
      },
      analysisError: null,
    };
  } catch (error) {
    return { stats: null, analysisError: (error as Error).message };
  }
}

/** How a worker measures: provider, threads, settings and the per-cell budget. */
export interface MeasureContext {
  readonly provider: Provider;
  readonly gpuIndex: number;
  readonly threads?: number;
  readonly settings?: MeasureSettingsInput;
  /** Wall-clock limit of each profiler child (ms). */
  readonly timeoutMs: number;
  /** Resident memory a child may reach (bytes); undefined: the profiler's default (80% of free memory). */
  readonly memoryBytes?: number | null;
  readonly signal?: AbortSignal;
  /** Extra environment for the profiler children (tests: FAVOR_PROFILER_FAULTS=1). */
  readonly childEnv?: Readonly<Record<string, string>>;
  /** Test only: a fault the child injects (honoured only with FAVOR_PROFILER_FAULTS=1 in `childEnv`). */
  readonly fault?: ChildFault;
  /** Refuse (fail the cell as `unstable`) a timed figure whose validity verdict is not stable. */
  readonly onlyStable?: boolean;
  /** Add the per-operator breakdown (one more child run) to the latency figures' provenance. Default true. */
  readonly operators?: boolean;
  /** Facts added to every figure's provenance (job, worker). */
  readonly provenance: Record<string, unknown>;
}

/** A figure measured for one metric key. */
export interface MeasuredFigure {
  readonly metricKey: string;
  readonly value: number;
  readonly batchSize: number | null;
  readonly provenance: Record<string, unknown>;
}

/** A task that produced no figure. */
export interface TaskFailure {
  readonly kind: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** The outcome of one task: figures for its metric keys, or why it failed. */
export type TaskOutcome =
  | { readonly ok: true; readonly figures: MeasuredFigure[] }
  | ({ readonly ok: false } & TaskFailure);

/**
 * Measures one task of a prepared graph and returns its figures with provenance, or its failure as data. Profiler
 * tasks run in a fresh child process each (a crash, OOM or hang never reaches the caller); the theoretical task
 * reads the graph analysis. Keys not in `keys` are left out.
 */
export async function measureTask(
  task: MeasureTask,
  keys: readonly string[],
  graph: PreparedModelGraph,
  context: MeasureContext,
): Promise<TaskOutcome> {
  const base = {
    ...context.provenance,
    model: graph.modelName,
    resolution: graph.resolution,
    graphSource: graph.source,
  };
  if (task === "theory") {
    if (graph.stats === null)
      return {
        ok: false,
        kind: "invalid-graph",
        message: `graph analysis failed: ${graph.analysisError}`,
        details: {},
      };
    // A user's file can parse as protobuf and still be no graph onnxruntime loads (a truncated file does): its
    // counts would describe nothing that runs, so they are written only after one run at batch 1 succeeds.
    if (graph.source.kind === "file") {
      const loads = await profile("memory", graph, context, 1);
      if (!loads.ok) {
        return {
          ok: false,
          kind: loads.kind,
          message: `onnxruntime cannot run the graph, so no counts are written: ${loads.message}`,
          details: failureDetails(loads),
        };
      }
    }
    const s = graph.stats;
    const values: Record<string, number> = { params: s.parameters, macs: s.macs, flops: s.flops };
    const provenance = {
      ...base,
      method: "graph-analysis",
      counting:
        "parameters: float initializer elements; MACs: torchprofile rules; FLOPs: the benchmark's fvcore rules (src/measure/onnx/graph-stats.ts)",
      batchSize: 1,
      measuredAt: new Date().toISOString(),
    };
    return {
      ok: true,
      figures: keys.map((k) => ({
        metricKey: k,
        value: values[k],
        batchSize: null,
        provenance,
      })),
    };
  }
  const metric: ProfileMetric =
    task === "latency" ? "latency" : task === "throughput" ? "throughput" : "memory";
  const limit =
    metric === "throughput" && context.provider === "webgpu"
      ? webgpuBatchLimit(graph.stats?.largestTensorBytes ?? null)
      : null;
  const measuring =
    limit === null
      ? context
      : {
          ...context,
          settings: {
            ...context.settings,
            throughput: {
              ...context.settings?.throughput,
              maxBatchSize: Math.min(
                context.settings?.throughput?.maxBatchSize ?? limit.maxBatchSize,
                limit.maxBatchSize,
              ),
            },
          },
        };
  const outcome =
    metric === "memory"
      ? await profile(metric, graph, context, memoryBatchOf(task) ?? undefined)
      : await profileSteadily(metric, graph, measuring);
  if (!outcome.ok) return failureOf(outcome);
  const validity = outcome.provenance.validity;
  if (context.onlyStable && validity !== null && validity.verdict !== "stable") {
    return {
      ok: false,
      kind: "unstable",
      message: `the figure stayed ${validity.verdict} after ${validity.attempts} attempts and only stable figures were asked for: ${validity.reasons.join("; ")}`,
      details: { validity },
    };
  }
  switch (outcome.measurement.metric) {
    case "latency": {
      const m = outcome.measurement as LatencyMeasurement;
      // The per-operator breakdown is part of the latency figures' provenance (one more child run).
      const ops = context.operators === false ? null : await profile("operators", graph, context);
      const operators =
        ops === null
          ? { skipped: "not asked for (MeasureContext.operators = false)" }
          : ops.ok
            ? { ...(ops.measurement as OperatorsMeasurement) }
            : { error: `${ops.kind}: ${ops.message}` };
      const provenance = {
        ...base,
        ...outcome.provenance,
        latencyMs: { ...m.summaryMs },
        valid: m.valid,
        reasons: m.reasons,
        stoppedBy: m.stoppedBy,
        operators,
      };
      const values: Record<string, number> = {
        latencyP50Ms: m.summaryMs.p50,
        latencyP90Ms: m.summaryMs.p90,
        latencyP99Ms: m.summaryMs.p99,
      };
      return {
        ok: true,
        figures: keys.map((k) => ({
          metricKey: k,
          value: values[k],
          batchSize: 1,
          provenance,
        })),
      };
    }
    case "throughput": {
      const m = outcome.measurement as ThroughputMeasurement;
      const provenance = {
        ...base,
        ...outcome.provenance,
        imagesPerSecondCi: m.imagesPerSecondCi,
        runTimeMs: { ...m.summaryMs },
        valid: m.valid,
        reasons: m.reasons,
        stoppedBy: m.stoppedBy,
        batchSearch: m.search,
        ...(limit === null ? {} : { batchLimit: limit }),
      };
      return {
        ok: true,
        figures: [
          {
            metricKey: "throughput",
            value: m.imagesPerSecond,
            batchSize: m.batchSize,
            provenance,
          },
        ],
      };
    }
    case "memory": {
      const m = outcome.measurement as MemoryMeasurement;
      if (graph.stats === null)
        return {
          ok: false,
          kind: "invalid-graph",
          message: `graph analysis failed: ${graph.analysisError}`,
          details: {},
        };
      const provenance = {
        ...base,
        ...outcome.provenance,
        memory: {
          // The figure = weights + what the runs added above the loaded session (inputs, outputs, activations).
          valueBytes: m.bytes + graph.stats.weightBytes,
          aboveLoadedBytes: m.bytes,
          weightBytes: graph.stats.weightBytes,
          startBytes: m.startBytes,
          loadedBytes: m.loadedBytes,
          peakBytes: m.peakBytes,
          method: m.method,
          runs: m.runs,
        },
      };
      return {
        ok: true,
        figures: keys.map((k) => ({
          metricKey: k,
          value: m.bytes + graph.stats!.weightBytes,
          batchSize: m.batchSize,
          provenance,
        })),
      };
    }
    default:
      return {
        ok: false,
        kind: "error",
        message: `unexpected measurement ${outcome.measurement.metric}`,
        details: {},
      };
  }
}

/**
 * Measures a timed metric, and again, up to `stability.remeasure` more times, while its verdict is not stable;
 * returns the steadiest attempt (a stable one, else the one with the smallest coefficient of variation), its
 * validity saying how many attempts were made.
 */
async function profileSteadily(
  metric: "latency" | "throughput",
  graph: PreparedModelGraph,
  context: MeasureContext,
): Promise<ProfileOutcome> {
  const { remeasure } = normalizeSettings(context.settings).stability;
  let best: ProfileOutcome | null = null;
  let attempts = 0;
  for (let i = 0; i <= remeasure; i++) {
    const outcome = await profile(metric, graph, context);
    attempts++;
    if (!outcome.ok) return best ?? outcome;
    const cv = (o: ProfileOutcome) =>
      o.ok ? (o.provenance.spread?.cv ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    if (best === null || cv(outcome) < cv(best)) best = outcome;
    if (outcome.provenance.validity?.verdict === "stable") {
      best = outcome;
      break;
    }
    if (context.signal?.aborted) break;
  }
  if (best === null || !best.ok || best.provenance.validity === null) return best!;
  const validity = { ...best.provenance.validity, attempts };
  const provenance = { ...best.provenance, validity };
  return { ...best, provenance, measurement: { ...best.measurement, validity } as typeof best.measurement };
}

function profile(
  metric: ProfileMetric,
  graph: PreparedModelGraph,
  context: MeasureContext,
  batchSize?: number,
): Promise<ProfileOutcome> {
  return profileMetric({
    graph: { path: graph.path },
    metric,
    batchSize,
    provider: context.provider,
    gpuIndex: context.gpuIndex,
    threads: context.threads,
    inputShapes: graph.inputShapes ?? undefined,
    settings: context.settings,
    budgets: {
      timeoutMs: context.timeoutMs,
      ...(context.memoryBytes === undefined ? {} : { memoryBytes: context.memoryBytes }),
    },
    signal: context.signal,
    childEnv: context.childEnv,
    fault: context.fault,
  });
}

function failureOf(f: ProfileFailure): TaskOutcome {
  return { ok: false, kind: f.kind, message: f.message, details: failureDetails(f) };
}

function failureDetails(f: ProfileFailure): Record<string, unknown> {
  return {
    ...f.details,
    provider: f.provider,
    requestedProvider: f.requestedProvider,
    startedAt: f.startedAt,
    finishedAt: f.finishedAt,
  };
}
