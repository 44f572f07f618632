/**
 * `npm run gpu:run -- --out <dir> [--provider webgpu] [--budget-s 330] [--models a,b] [--metrics a,b] [--check]`
 *
 * The measuring half of scripts/gpu-run.sh: measures the zoo at one resolution on one provider within a time
 * budget, the Pareto-front models of the paper first, then the rest as time allows, and writes the figures with
 * their full provenance as a published-device file (format favor-measurements/1, the one data/measurements/ holds
 * and `npm run measurements:import` writes), so committing it seeds the device beside the paper's A100.
 *
 * Work goes in passes so that a budget cut keeps the most useful figures: throughput of the front models, their
 * latency, their memory; then the same for the rest. Each figure is measured exactly as a worker measures a job's
 * cell (src/measure/cell-measurer.ts: one child process per measurement, the GPU protocol, validity verdicts), with
 * no database. The file is rewritten after every cell, so a kill at the budget's end loses one cell at most.
 *
 * Files in --out: measurements/<device>.json (the figures; copy it into data/measurements/), status.json (availability, device, cells done and failed, timing),
 * summary.txt (one line per model, and the PyTorch calibration line when --calibration names its JSON).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import {
  deviceFileName,
  MEASUREMENT_FILE_FORMAT,
  type MeasurementFile,
  parseMeasurementFile,
} from "../src/db/measurement-file.js";
import { METRIC_CATALOG } from "../src/db/metric-catalog.js";
import type { PreparedModelGraph, TaskOutcome } from "../src/measure/cell-measurer.js";
import { GraphBuildError, measureTask, prepareZooGraph, removeGraph } from "../src/measure/cell-measurer.js";
import type { DeviceDescription } from "../src/measure/device/device-description.js";
import { describeProviderDevice } from "../src/measure/device/device-description.js";
import type { MeasureTask } from "../src/measure/measurable-metrics.js";
import { TASK_METRICS, taskOf } from "../src/measure/measurable-metrics.js";
import type { MeasureSettingsInput } from "../src/measure/profiler/measure-settings.js";
import { normalizeSettings } from "../src/measure/profiler/measure-settings.js";
import type { Provider, ProviderChoice, RequestedProvider } from "../src/measure/profiler/provider.js";
import {
  chooseProvider,
  ProviderUnavailableError,
  REQUESTED_PROVIDERS,
} from "../src/measure/profiler/provider.js";
import { webgpuAvailability } from "../src/measure/profiler/webgpu-probe.js";
import { findModel, listModels, resolutionProblem } from "../src/measure/zoo/registry.js";

/** The paper's Pareto-front models (accuracy vs throughput and memory), measured first. */
export const FRONT_MODELS: readonly string[] = [
  "ViT-Ti/16",
  "ViT-S/16",
  "ViT-B/16",
  "XCiT-S12",
  "EViT-S",
  "ToMe-S (r8)",
  "DynamicViT-S",
  "TokenLearner-S (8/50)",
  "Synthesizer-FR-S",
  "FocalNet-S (SRF)",
];

/** The figures a GPU run measures by default: throughput, latency at batch 1, inference memory at 1/32/64/128. */
export const GPU_RUN_METRICS: readonly string[] = [
  ...TASK_METRICS.throughput,
  ...TASK_METRICS.latency,
  ...TASK_METRICS["memory-1"],
  ...TASK_METRICS["memory-32"],
  ...TASK_METRICS["memory-64"],
  ...TASK_METRICS["memory-128"],
];

/**
 * Loops sized for a short GPU session (about 30 s a model for all its figures on an H200): MLPerf-style minimums
 * still hold (runs and duration), the validity verdicts are computed, unstable figures are not re-measured (the
 * verdict says so).
 */
export const GPU_RUN_SETTINGS: MeasureSettingsInput = {
  latency: { warmupRuns: 10, minRuns: 50, minDurationMs: 1_000, maxRuns: 20_000, maxDurationMs: 5_000 },
  throughput: {
    final: { warmupRuns: 3, minRuns: 10, minDurationMs: 1_500, maxRuns: 20_000, maxDurationMs: 6_000 },
    search: { warmupRuns: 2, minRuns: 3, minDurationMs: 200, maxRuns: 500, maxDurationMs: 3_000 },
    minGain: 0.03,
    patience: 2,
    searchBudgetMs: 20_000,
  },
  memory: { runs: 1 },
  stability: { remeasure: 0 },
  webgpu: { warmupRuns: 3 },
};

/** Options of {@link runGpuMeasurement}. */
export interface GpuRunOptions {
  readonly out: string;
  readonly provider: RequestedProvider;
  readonly resolution: number;
  /** Wall-clock budget of the whole run; no cell starts once it is spent (seconds). */
  readonly budgetSeconds: number;
  /** Models in order (default: the front, then the rest of the zoo). */
  readonly models?: readonly string[];
  readonly metrics?: readonly string[];
  readonly settings?: MeasureSettingsInput;
  /** Time limit of one measurement child (seconds). */
  readonly cellTimeoutSeconds?: number;
  /** PyTorch calibration JSON (scripts/calibrate-torch.py), for the summary's ratio line. */
  readonly calibration?: string | null;
  /** Extra provenance on every figure. */
  readonly provenance?: Record<string, unknown>;
  readonly log?: (line: string) => void;
}

/** What a run did. */
export interface GpuRunResult {
  readonly ok: boolean;
  readonly provider: Provider | null;
  readonly problem: string | null;
  readonly file: string | null;
  readonly figures: number;
  readonly failures: number;
  readonly cellsSkippedForTime: number;
}

interface CellFailure {
  model: string;
  task: MeasureTask;
  kind: string;
  message: string;
}

/** Returns the models in the order a run measures them: the front first, then the rest of the zoo. */
export function runOrder(front: readonly string[] = FRONT_MODELS): string[] {
  const zoo = listModels().map((m) => m.name);
  const first = front.map((n) => findModel(n)?.name).filter((n): n is string => n !== undefined);
  return [...first, ...zoo.filter((n) => !first.includes(n))];
}

/** Returns the run's passes: (models, task) pairs, the front's tasks before the rest's. */
export function runPasses(
  models: readonly string[],
  metrics: readonly string[],
  frontCount: number,
): Array<{ model: string; task: MeasureTask; keys: string[] }> {
  const tasks: MeasureTask[] = [];
  for (const key of metrics) {
    const task = taskOf(key);
    if (task === undefined || task === "theory")
      throw new RangeError(`metric ${key} is not measured on a device`);
    if (!tasks.includes(task)) tasks.push(task);
  }
  // Throughput first (the fidelity figure), then latency, then memory; within each, the models in order.
  const rank = (t: MeasureTask) => (t === "throughput" ? 0 : t === "latency" ? 1 : 2);
  tasks.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, "en", { numeric: true }));
  const keysOf = (task: MeasureTask) => metrics.filter((k) => taskOf(k) === task);
  const groups = [models.slice(0, frontCount), models.slice(frontCount)];
  return groups.flatMap((group) =>
    tasks.flatMap((task) => group.map((model) => ({ model, task, keys: keysOf(task) }))),
  );
}

/** Measures the zoo as the options say and writes the files; see the module comment. */
export async function runGpuMeasurement(options: GpuRunOptions): Promise<GpuRunResult> {
  const started = Date.now();
  const deadline = started + options.budgetSeconds * 1000;
  const log = options.log ?? ((line: string) => console.log(line));
  await mkdir(options.out, { recursive: true });
  const statusFile = path.join(options.out, "status.json");
  const settings = { ...GPU_RUN_SETTINGS, ...options.settings };
  normalizeSettings(settings);

  let choice: ProviderChoice;
  try {
    choice = chooseProvider(options.provider);
  } catch (error) {
    const problem = withoutPaths((error as Error).message) ?? "";
    const missing = error instanceof ProviderUnavailableError ? error.missing : null;
    await writeJson(statusFile, {
      ok: false,
      provider: options.provider,
      missing,
      problem,
      at: new Date().toISOString(),
    });
    log(`gpu-measure: ${problem}`);
    return {
      ok: false,
      provider: null,
      problem,
      file: null,
      figures: 0,
      failures: 0,
      cellsSkippedForTime: 0,
    };
  }
  const device: DeviceDescription = describeProviderDevice(choice.provider, 0);
  const metrics = options.metrics ?? GPU_RUN_METRICS;
  const models = (options.models ?? runOrder()).map((n) => {
    const zoo = findModel(n);
    if (!zoo) throw new RangeError(`the zoo has no model ${JSON.stringify(n)}`);
    return zoo;
  });
  const frontCount = models.filter((m) => FRONT_MODELS.includes(m.name)).length;
  const passes = runPasses(
    models.map((m) => m.name),
    metrics,
    options.models ? models.length : frontCount,
  );
  log(
    `gpu-measure: ${choice.provider} on ${device.name} (${choice.reason ?? "as asked"}); ${models.length} models, ` +
      `${passes.length} measurements at ${options.resolution} px within ${options.budgetSeconds} s`,
  );

  const file: MeasurementFile = {
    format: MEASUREMENT_FILE_FORMAT,
    device: { name: device.name, kind: device.kind, description: { ...device } },
    exportedFrom: `scripts/gpu-measure.ts (${choice.provider})`,
    exportedAt: new Date().toISOString(),
    figures: [],
  };
  // A folder of its own, laid out as data/measurements/ is: copy the file there to publish the device.
  await mkdir(path.join(options.out, "measurements"), { recursive: true });
  const out = path.join(options.out, "measurements", deviceFileName(device.name));
  const failures: CellFailure[] = [];
  const graphs = new Map<string, PreparedModelGraph | GraphBuildError>();
  const scratch = await mkdtemp(path.join(os.tmpdir(), "favor-gpu-run-"));
  let skippedForTime = 0;
  const durations: Record<string, number[]> = {};
  const writeSummary = async () =>
    writeFile(
      path.join(options.out, "summary.txt"),
      await summary(file, device, failures, skippedForTime, options.calibration ?? null),
    );
  const status = (extra: Record<string, unknown> = {}) =>
    writeJson(statusFile, {
      ok: true,
      provider: choice.provider,
      requestedProvider: options.provider,
      providerReason: withoutPaths(choice.reason),
      webgpu: choice.provider === "webgpu" ? summaryOfWebGpu() : null,
      device: { id: device.id, name: device.name, gpu: device.gpu, webgpu: device.webgpu ?? null },
      resolution: options.resolution,
      budgetSeconds: options.budgetSeconds,
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
      figures: file.figures.length,
      failures,
      cellsSkippedForTime: skippedForTime,
      file: path.relative(options.out, out),
      ...extra,
    });
  try {
    for (const pass of passes) {
      const zoo = findModel(pass.model)!;
      const remainingMs = deadline - Date.now();
      // Expect a task to take as long as its slowest run so far (a model's first task also builds its graph).
      const expected = Math.max(5_000, ...(durations[pass.task] ?? []));
      if (remainingMs < expected) {
        skippedForTime++;
        continue;
      }
      const problem = resolutionProblem(zoo, options.resolution);
      if (problem !== null) {
        failures.push({ model: zoo.name, task: pass.task, kind: "invalid-request", message: problem });
        continue;
      }
      let graph = graphs.get(zoo.name);
      if (graph === undefined) {
        graph = await prepareZooGraph(scratch, zoo.name, zoo.sourceId, options.resolution).catch(
          (e: unknown) => (e instanceof GraphBuildError ? e : new GraphBuildError(String(e))),
        );
        graphs.set(zoo.name, graph);
      }
      const t0 = Date.now();
      const outcome: TaskOutcome =
        graph instanceof GraphBuildError
          ? { ok: false, kind: "invalid-graph", message: graph.message, details: {} }
          : await measureTask(pass.task, pass.keys, graph, {
              provider: choice.provider,
              gpuIndex: 0,
              settings,
              operators: false,
              timeoutMs: Math.max(
                5_000,
                Math.min((options.cellTimeoutSeconds ?? 120) * 1000, deadline - Date.now() + 15_000),
              ),
              provenance: {
                run: "scripts/gpu-measure.ts",
                requestedProvider: options.provider,
                providerReason: withoutPaths(choice.reason),
                ...options.provenance,
              },
            });
      const ms = Date.now() - t0;
      durations[pass.task] = [...(durations[pass.task] ?? []), ms];
      if (outcome.ok) {
        for (const f of outcome.figures) {
          if (!PER_DEVICE_METRICS.has(f.metricKey)) continue; // params/MACs/FLOPs belong to no device
          file.figures.push({
            model: zoo.sourceId,
            modelName: zoo.name,
            resolution: options.resolution,
            metric: f.metricKey,
            batchSize: f.batchSize,
            value: f.value,
            provenance: f.provenance,
          });
        }
        const shown = outcome.figures.map((f) => `${f.metricKey}=${round(f.value)}`).join(" ");
        log(`gpu-measure: ${zoo.name} ${pass.task}: ${shown} (${(ms / 1000).toFixed(1)} s)`);
      } else {
        failures.push({ model: zoo.name, task: pass.task, kind: outcome.kind, message: outcome.message });
        log(`gpu-measure: ${zoo.name} ${pass.task} FAILED (${outcome.kind}): ${outcome.message}`);
        // A provider that stopped working fails every later cell the same way: stop early.
        if (
          outcome.kind === "provider-unavailable" &&
          failures.filter((f) => f.kind === outcome.kind).length >= 3
        )
          break;
      }
      // Checked against the published format before every write, so the file is always importable.
      parseMeasurementFile(JSON.parse(JSON.stringify(file)), out);
      await writeFile(out, `${JSON.stringify(file, null, 1)}\n`);
      await status();
      // Also after every cell: a run killed at its time limit still leaves its summary.
      await writeSummary();
    }
  } finally {
    for (const g of graphs.values()) if (!(g instanceof GraphBuildError)) await removeGraph(g);
    await rm(scratch, { recursive: true, force: true });
  }
  await writeFile(out, `${JSON.stringify(file, null, 1)}\n`);
  await status({ finishedAt: new Date().toISOString() });
  await writeSummary();
  log(
    `gpu-measure: ${file.figures.length} figures, ${failures.length} failed measurements, ${skippedForTime} left for lack of time -> ${out}`,
  );
  return {
    ok: true,
    provider: choice.provider,
    problem: null,
    file: out,
    figures: file.figures.length,
    failures: failures.length,
    cellsSkippedForTime: skippedForTime,
  };
}

/** A published file names no folder of the measuring host: absolute paths keep their last part (as the API does). */
function withoutPaths(text: string | null): string | null {
  return text === null ? null : text.replace(/(?:\/[^\s/'"`:,;()]+)+\/([^\s/'"`:,;()]+)/g, "…/$1");
}

function summaryOfWebGpu(): Record<string, unknown> {
  const a = webgpuAvailability();
  return {
    loader: a.loader && path.basename(a.loader),
    driverFiles: a.driverFiles.map((f) => path.basename(f)),
  };
}

/** The summary: a line per model, and the calibration ratio against PyTorch eager fp32 where it was measured. */
async function summary(
  file: MeasurementFile,
  device: DeviceDescription,
  failures: readonly CellFailure[],
  skipped: number,
  calibration: string | null,
): Promise<string> {
  const lines = [`${device.name} (${device.id}), ${file.figures.length} figures`];
  const byModel = new Map<string, Record<string, number>>();
  for (const f of file.figures) {
    const row = byModel.get(f.modelName) ?? {};
    row[f.metric] = f.value;
    byModel.set(f.modelName, row);
  }
  for (const [model, row] of byModel) {
    const mem = ["inferenceMemoryB1", "inferenceMemoryB32", "inferenceMemoryB64", "inferenceMemoryB128"]
      .map((k) => (row[k] === undefined ? "-" : (row[k] / 2 ** 20).toFixed(0)))
      .join("/");
    const first = file.figures.find((f) => f.modelName === model);
    const webgpu = first?.provenance.webgpu as {
      cpuFallbackOps?: Array<{ op: string; count: number }>;
    } | null;
    const fallback =
      webgpu?.cpuFallbackOps === undefined
        ? ""
        : `  on CPU: ${webgpu.cpuFallbackOps.map((o) => `${o.op}×${o.count}`).join(", ") || "none"}`;
    const batch = file.figures.find((f) => f.modelName === model && f.metric === "throughput")?.batchSize;
    lines.push(
      `${model.padEnd(24)} throughput ${fmt(row.throughput)} img/s${batch ? ` (batch ${batch})` : ""}  latency p50 ${fmt(row.latencyP50Ms)} ms  memory B1/32/64/128 ${mem} MiB${fallback}`,
    );
  }
  for (const f of failures) lines.push(`FAILED ${f.model} ${f.task} (${f.kind}): ${f.message}`);
  if (skipped > 0) lines.push(`${skipped} measurements left for lack of time`);
  if (calibration !== null) {
    try {
      const cal = JSON.parse(await readFile(calibration, "utf8")) as {
        imagesPerSecond?: number;
        batchSize?: number;
        model?: string;
        torch?: string;
        error?: string;
      };
      const favor = file.figures.find((f) => f.modelName === "ViT-S/16" && f.metric === "throughput");
      if (cal.imagesPerSecond === undefined)
        lines.push(`calibration: PyTorch run failed: ${cal.error ?? "no figure"}`);
      else
        lines.push(
          `calibration: PyTorch ${cal.torch ?? "?"} eager fp32 ${cal.model ?? "vit_small_patch16_224"} ${fmt(cal.imagesPerSecond)} img/s (batch ${cal.batchSize}); ` +
            (favor
              ? `Favor ${device.name} ViT-S/16 ${fmt(favor.value)} img/s (batch ${favor.batchSize}): ratio Favor/PyTorch ${(favor.value / cal.imagesPerSecond).toFixed(3)}`
              : "no Favor ViT-S/16 throughput to compare"),
        );
    } catch (error) {
      lines.push(`calibration: unreadable ${path.basename(calibration)}: ${(error as Error).message}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function fmt(value: number | undefined): string {
  return value === undefined ? "-" : round(value);
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 1)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      provider: { type: "string", default: "webgpu" },
      resolution: { type: "string", default: "224" },
      "budget-s": { type: "string", default: "330" },
      "cell-timeout-s": { type: "string", default: "120" },
      models: { type: "string" },
      metrics: { type: "string" },
      settings: { type: "string" },
      calibration: { type: "string" },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "Usage: npm run gpu:run -- --out <dir> [--provider webgpu|cuda|cpu|auto] [--resolution 224] [--budget-s 330]\n" +
        "         [--models a,b] [--metrics a,b] [--settings <json>] [--calibration <file>] [--cell-timeout-s 120] [--check]",
    );
    return;
  }
  const provider = values.provider as RequestedProvider;
  if (!REQUESTED_PROVIDERS.includes(provider))
    throw new RangeError(`--provider must be one of ${REQUESTED_PROVIDERS.join(", ")}`);
  if (values.check) {
    // The adapter check alone: what WebGPU (and the provider asked for) finds here.
    const webgpu = webgpuAvailability();
    let chosen: string;
    try {
      const c = chooseProvider(provider);
      chosen = `${c.provider}${c.reason ? ` (${c.reason})` : ""}`;
    } catch (error) {
      chosen = `unavailable: ${(error as Error).message}`;
    }
    console.log(
      JSON.stringify(
        {
          provider,
          chosen,
          webgpu: {
            ...webgpu,
            probe: webgpu.probe && { ...webgpu.probe, log: { ...webgpu.probe.log, placements: undefined } },
          },
        },
        null,
        1,
      ),
    );
    process.exit(chosen.startsWith("unavailable") ? 3 : 0);
  }
  if (!values.out) throw new RangeError("--out <dir> is required");
  const list = (text: string | undefined) =>
    text
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const result = await runGpuMeasurement({
    out: values.out,
    provider,
    resolution: Number(values.resolution),
    budgetSeconds: Number(values["budget-s"]),
    cellTimeoutSeconds: Number(values["cell-timeout-s"]),
    models: list(values.models),
    metrics: list(values.metrics),
    settings: values.settings ? (JSON.parse(values.settings) as MeasureSettingsInput) : undefined,
    calibration: values.calibration ?? null,
  });
  process.exit(result.ok ? 0 : 3);
}

/** The metrics whose figures depend on the device, from the catalogue (its one home). */
const PER_DEVICE_METRICS: ReadonlySet<string> = new Set(
  METRIC_CATALOG.filter((m) => m.perDevice).map((m) => m.key),
);

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`gpu-measure: ${(error as Error).message}`);
    process.exit(2);
  });
}
