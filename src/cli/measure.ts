/**
 * `npm run measure -- --model "ViT-Ti/16" --resolution 224 [options]`: queues a measurement job exactly as the
 * `measure` mutation does (same validation, same queue), works it with an in-process worker, shows a progress bar
 * and prints the figures. Opens DATABASE_URL, or the PGlite data dir (which must not be held by a running server:
 * then POST the mutation to the server instead).
 */
import "reflect-metadata";

import path from "node:path";
import { parseArgs } from "node:util";

import cliProgress from "cli-progress";

import { loadConfig } from "../config.js";
import { openDatabase } from "../db/client.js";
import { MeasurementWorker } from "../jobs/measurement-worker.js";
import { MEASURABLE_METRICS } from "../measure/measurable-metrics.js";
import type { RequestedProvider } from "../measure/profiler/provider.js";
import { logger } from "../observability/logger.js";
import { createServices } from "../services/index.js";
import type { MeasurementJobView } from "../services/measurement.service.js";

const USAGE = `Usage: npm run measure -- --model <name> [--model <name> ...] [options]

  --model <name>        model display name or benchmark id (repeatable); or --all for every zoo model
  --all                 every model the ONNX zoo can build
  --resolution <px>     resolution (repeatable or comma-separated; default 224)
  --metrics <a,b,...>   metric keys (default all measurable: ${MEASURABLE_METRICS.join(", ")})
  --provider <p>        cpu, cuda, webgpu or auto (default auto: cuda, else webgpu, else cpu)
  --device <id|name>    a registered measuring device (default this machine's)
  --force               measure again where a figure exists (default: only missing cells)
  --only-stable         count unstable figures as missing; fail a cell whose figure stays unstable
  --max-seconds <s>     time budget per measurement (default 300)
  --threads <n>         onnxruntime intra-op threads (default: all usable CPUs)
  --onnx <file>         measure this .onnx file as the (one) model at the (one) resolution instead of the zoo's graph

Environment: DATABASE_URL / FAVOR_DATA_DIR as for the server; FAVOR_MEASURE_SETTINGS (JSON) shortens or lengthens
the timing loops.`;

const list = (values: string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        model: { type: "string", multiple: true },
        all: { type: "boolean", default: false },
        resolution: { type: "string", multiple: true },
        metrics: { type: "string" },
        provider: { type: "string", default: "auto" },
        device: { type: "string" },
        force: { type: "boolean", default: false },
        "only-stable": { type: "boolean", default: false },
        "max-seconds": { type: "string" },
        threads: { type: "string" },
        onnx: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const args = parseCommandLine();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const number = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    console.error(`--${name} must be a number, got "${text}"`);
    process.exit(2);
  }
  return value;
};
const resolutions = list(args.resolution).map((r) => number("resolution", r)!);
const threads = number("threads", args.threads);

const config = loadConfig();
// The CLI prints its own lines; the service's and worker's JSON log lines only when LOG_LEVEL asks for them.
logger.level = config.logLevelSet ? config.logLevel : "warn";
async function openDatabaseOrExit() {
  try {
    return await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 3 });
  } catch (error) {
    console.error(`measure: could not open the database: ${(error as Error).message}`);
    if (!config.databaseUrl)
      console.error(
        "measure: a running server holds the PGlite data dir: POST the `measure` mutation to it, or use DATABASE_URL.",
      );
    process.exit(1);
  }
}
const database = await openDatabaseOrExit();
const { db } = database;
// A local file is allowed wherever it lies: the CLI runs as the machine's user.
const onnxFile = args.onnx === undefined ? null : path.resolve(args.onnx);
const limits = { ...config.measurement, ...(onnxFile ? { onnxDir: path.dirname(onnxFile) } : {}) };
const services = createServices(database, { measurementLimits: limits });
const service = services.measurements;

let exitCode = 0;
try {
  const job = await service.request({
    models: list(args.model),
    allModels: args.all,
    resolutions: resolutions.length ? resolutions : null,
    metrics: args.metrics ? list([args.metrics]) : null,
    provider: args.provider as RequestedProvider,
    device: args.device ?? null,
    force: args.force,
    onlyStable: args["only-stable"],
    maxSecondsPerCell: number("max-seconds", args["max-seconds"]) ?? null,
    onnxPath: onnxFile ? path.basename(onnxFile) : null,
  });
  console.log(
    `measure: job ${job.id} on ${job.device.name} (${job.provider}): ${job.counts.total} cells, ${job.counts.skipped} skipped`,
  );
  // Why cells were skipped, one line per reason: a figure exists, another job measures it, the graph cannot be built.
  const skippedBy = new Map<string, Set<string>>();
  for (const cell of await service.cells(job.id, ["skipped"])) {
    const reason = cell.reason ?? "a figure exists or another job measures it (--force measures again)";
    skippedBy.set(reason, (skippedBy.get(reason) ?? new Set()).add(`${cell.modelName}@${cell.resolution}`));
  }
  for (const [reason, subjects] of skippedBy) console.log(`  skipped ${[...subjects].join(", ")}: ${reason}`);
  const worker = new MeasurementWorker({
    db,
    wakeups: services.jobWakeups,
    ...config.workerOptions,
    ...(config.workerProviders ? { providers: config.workerProviders } : {}),
    ...(threads ? { threads } : {}),
    log: () => {},
  });
  await worker.start();
  const bar = new cliProgress.SingleBar(
    {
      format:
        "{bar} {value}/{total} cells | {measured} measured, {skipped} skipped, {failed} failed | {current}",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const ended = (j: MeasurementJobView) =>
    j.counts.done + j.counts.failed + j.counts.skipped + j.counts.cancelled;
  const label = (j: MeasurementJobView) => {
    const c = j.current as { modelName?: string; resolution?: number; task?: string } | null;
    if (j.status === "queued") return "waiting for the device";
    return c?.modelName ? `${c.modelName}@${c.resolution} ${c.task}` : j.status;
  };
  const tallies = (j: MeasurementJobView) => ({
    measured: j.counts.done,
    skipped: j.counts.skipped,
    failed: j.counts.failed,
    current: label(j),
  });
  bar.start(job.counts.total, ended(job), tallies(job));
  let final: MeasurementJobView = job;
  for (;;) {
    final = (await service.job(job.id))!;
    bar.update(ended(final), tallies(final));
    if (["succeeded", "failed", "cancelled"].includes(final.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  bar.stop();
  await worker.stop();

  const figures = await service.figuresOf(job.id);
  for (const f of figures) {
    const batch = f.batchSize === null ? "" : ` (batch ${f.batchSize})`;
    const spread = f.cv === null ? "" : ` ±${(f.cv * 100).toFixed(1)} % (cv)`;
    const verdict = f.verdict === null ? "" : `  [${f.verdict}]`;
    console.log(
      `  ${f.model}@${f.resolution}  ${f.metricKey.padEnd(20)} ${format(f.value)} ${f.unit}${batch}${spread}${verdict}`,
    );
  }
  for (const e of (await service.job(job.id))!.errors) {
    console.log(
      `  ${e.modelName}@${e.resolution}  ${e.metricKey.padEnd(20)} FAILED (${e.reasonKind}): ${e.reason}`,
    );
  }
  console.log(
    `measure: job ${job.id} ${final.status}: ${final.counts.done} measured, ${final.counts.skipped} skipped, ` +
      `${final.counts.failed} failed of ${final.counts.total} cells; read the figures with models(device: "${job.device.id}") or coverage(device: "${job.device.id}")`,
  );
  exitCode = final.status === "succeeded" ? 0 : 1;
} catch (error) {
  console.error(`measure: ${(error as Error).message}`);
  exitCode = 2;
} finally {
  await database.close();
}
process.exit(exitCode);

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5);
}
