import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { FavorDb } from "../db/client.js";
import { metricRows, modelSourceIds } from "../db/queries/catalog.js";
import type {
  CellEnd,
  FigureWrite,
  HeartbeatResult,
  JobCellRecord,
  JobRecord,
  JobStatus,
} from "../db/queries/jobs.js";
import {
  claimJob,
  completeJob,
  existingFigures,
  figureKey,
  finishCells,
  heartbeat,
  LeaseLostError,
  pendingCells,
  releaseJob,
  startCells,
} from "../db/queries/jobs.js";
import type { MeasureContext, PreparedModelGraph, TaskOutcome } from "../measure/cell-measurer.js";
import {
  GraphBuildError,
  measureTask,
  prepareFileGraph,
  prepareZooGraph,
  removeGraph,
} from "../measure/cell-measurer.js";
import { listGpus } from "../measure/device/nvidia-smi.js";
import type { MeasureTask } from "../measure/measurable-metrics.js";
import { taskOf } from "../measure/measurable-metrics.js";
import type { ChildFault } from "../measure/profiler/child-protocol.js";
import type { MeasureSettingsInput } from "../measure/profiler/measure-settings.js";
import type { Provider } from "../measure/profiler/provider.js";
import { cudaAvailability, ProviderUnavailableError } from "../measure/profiler/provider.js";
import { webgpuAvailability } from "../measure/profiler/webgpu-probe.js";
import { logger, withLogScope } from "../observability/logger.js";
import {
  measurementCells,
  measurementDuration,
  measurementFailures,
  workerHeartbeats,
} from "../observability/metrics.js";
import { describeLocal, registerDevice } from "./device-registry.js";
import type { JobWakeups } from "./job-wakeups.js";

/** Prefix of a worker's scratch folder in the OS temp dir: `favor-worker-<pid>-<random>`. */
export const WORKER_SCRATCH_PREFIX = "favor-worker-";

/** Defaults of the worker's timing. */
export const WORKER_DEFAULTS = {
  /** A job whose worker sent no heartbeat for this long may be claimed by another worker. */
  leaseMs: 30_000,
  /** How long an idle worker waits before looking for work again (an in-process enqueue wakes it at once). */
  pollMs: 2_000,
  /** A cell whose worker died this many times while measuring it is failed. */
  maxAttempts: 2,
  /** Each profiler child's wall-clock limit when the request gives no budget. */
  cellTimeoutMs: 300_000,
} as const;

/** Options of a measurement worker. */
export interface MeasurementWorkerOptions {
  readonly db: FavorDb;
  /** Default: `worker-<random>`. */
  readonly workerId?: string;
  readonly leaseMs?: number;
  /** Default: a third of the lease. */
  readonly heartbeatMs?: number;
  readonly pollMs?: number;
  readonly maxAttempts?: number;
  /** onnxruntime intra-op threads; default: the CPUs this process may use. */
  readonly threads?: number;
  /** Measurement settings for every cell (stored with each figure); default: the profiler's. */
  readonly settings?: MeasureSettingsInput;
  /** Resident memory a profiler child may reach; default: the profiler's (80% of free memory). */
  readonly memoryBytes?: number | null;
  /** Also serve this machine's GPUs through CUDA (default: where the CUDA provider can run). `providers` wins. */
  readonly cuda?: boolean;
  /**
   * The providers this worker serves (FAVOR_WORKER_PROVIDERS): each named one must be able to run here, or
   * `register` fails naming what is missing. Default: cpu, cuda where it can run, webgpu where an adapter is found.
   */
  readonly providers?: readonly Provider[];
  /** Extra environment for the profiler children. */
  readonly childEnv?: Readonly<Record<string, string>>;
  /** Test only: a fault to inject into the child of a cell (needs FAVOR_PROFILER_FAULTS=1 in `childEnv`). */
  readonly faultFor?: (cell: {
    modelName: string;
    resolution: number;
    task: MeasureTask;
  }) => ChildFault | undefined;
  /** Enqueue signals of this process (the services' `jobWakeups`): an idle worker wakes at once on each. */
  readonly wakeups?: JobWakeups;
  /** Called after figures were written (e.g. to drop the API's caches). */
  readonly onFigures?: () => void;
  /** Progress events (the CLI's progress bar). */
  readonly onEvent?: (event: WorkerEvent) => void;
  /** Replaces the structured log (the process's logger; each line carries the job's id) with plain lines (the CLI's progress bar; tests silence it with `() => {}`). */
  readonly log?: (line: string) => void;
}

/** What a worker reports while it works. */
export type WorkerEvent =
  | { readonly type: "claimed"; readonly job: JobRecord }
  | { readonly type: "started"; readonly jobId: number; readonly cells: readonly JobCellRecord[] }
  | {
      readonly type: "cells";
      readonly jobId: number;
      readonly done: number;
      readonly failed: number;
      readonly skipped: number;
    }
  | {
      readonly type: "finished";
      readonly jobId: number;
      readonly status: JobStatus | "released" | "lost" | "cancelled";
    };

/** A device this worker measures on. */
interface ServedDevice {
  readonly provider: Provider;
  readonly gpuIndex: number;
}

/**
 * A measurement worker: registers this machine's devices, then claims jobs of those devices from the queue and
 * measures their cells one at a time (claim → per cell group: build the zoo graph, run the profiler child, write
 * the figures with provenance in one transaction → next), renewing its lease with heartbeats. A cancelled job,
 * or one another worker took over, stops at once (the running child is killed); `stop()` hands the current job
 * back to the queue.
 */
export class MeasurementWorker {
  readonly workerId: string;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private devices = new Map<number, ServedDevice>();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private current: AbortController | null = null;
  private wake: (() => void) | null = null;
  private readonly onEnqueued = () => this.wake?.();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: MeasurementWorkerOptions) {
    // Public (jobs show it): random, naming neither the host nor the process.
    this.workerId = options.workerId ?? `worker-${randomBytes(6).toString("hex")}`;
    this.leaseMs = options.leaseMs ?? WORKER_DEFAULTS.leaseMs;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.pollMs = options.pollMs ?? WORKER_DEFAULTS.pollMs;
    this.maxAttempts = options.maxAttempts ?? WORKER_DEFAULTS.maxAttempts;
    if (!(this.heartbeatMs < this.leaseMs))
      throw new RangeError(`heartbeatMs (${this.heartbeatMs}) must be below leaseMs (${this.leaseMs})`);
  }

  /**
   * Registers the devices of the providers this worker serves (see `providers`: the CPU; each GPU under CUDA; the
   * WebGPU adapter) and returns their ids.
   *
   * @throws ProviderUnavailableError when `providers` names one that cannot run here.
   */
  async register(): Promise<number[]> {
    if (this.devices.size > 0) return [...this.devices.keys()];
    const explicit = this.options.providers;
    const serves = (p: Provider): boolean => {
      if (explicit !== undefined) return explicit.includes(p);
      if (p === "cpu") return true;
      if (p === "cuda") return this.options.cuda ?? cudaAvailability().problem === null;
      return webgpuAvailability().problem === null;
    };
    const found = new Map<number, ServedDevice>();
    if (serves("cpu"))
      found.set((await registerDevice(this.options.db, describeLocal("cpu"))).id, {
        provider: "cpu",
        gpuIndex: 0,
      });
    if (serves("cuda")) {
      const problem = cudaAvailability().problem;
      if (explicit !== undefined && problem !== null)
        throw new ProviderUnavailableError(
          "cuda",
          `this worker is to serve cuda, which cannot run here: ${problem}`,
        );
      for (const gpu of listGpus()) {
        const row = await registerDevice(this.options.db, describeLocal("cuda", gpu.index));
        found.set(row.id, { provider: "cuda", gpuIndex: gpu.index });
      }
    }
    if (serves("webgpu")) {
      const webgpu = webgpuAvailability();
      if (webgpu.problem !== null)
        throw new ProviderUnavailableError(
          "webgpu",
          `this worker is to serve webgpu, which cannot run here: ${webgpu.problem}`,
          webgpu.missing,
        );
      // Dawn picks one adapter (the default high-performance one): one WebGPU device per worker.
      const row = await registerDevice(this.options.db, describeLocal("webgpu", 0));
      found.set(row.id, { provider: "webgpu", gpuIndex: 0 });
    }
    if (found.size === 0) throw new RangeError("this worker serves no provider: name at least one");
    this.devices = found;
    return [...this.devices.keys()];
  }

  /** Starts the claim loop in the background (after registering the devices and clearing dead workers' scratch). */
  async start(): Promise<void> {
    await removeStaleScratch();
    await this.register();
    this.unsubscribe ??= this.options.wakeups?.subscribe(this.onEnqueued);
    this.loop ??= this.run();
  }

  /** Stops: kills a running measurement, hands the current job back to the queue, and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.current?.abort();
    this.wake?.();
    await this.loop;
  }

  /** Claims one job of this worker's devices and works it to its end; returns the claimed job or null. */
  async runOnce(): Promise<JobRecord | null> {
    const deviceIds = await this.register();
    const job = await claimJob(this.options.db, {
      workerId: this.workerId,
      deviceIds,
      leaseMs: this.leaseMs,
      maxAttempts: this.maxAttempts,
    });
    if (job === null) return null;
    // Every line logged while the job is worked (heartbeats included) carries its id.
    await withLogScope({ jobId: job.id, workerId: this.workerId }, () => this.work(job));
    return job;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let job: JobRecord | null = null;
      try {
        job = await this.runOnce();
      } catch (error) {
        this.log("error", { err: error }, `worker ${this.workerId}: ${(error as Error).message}`);
      }
      if (job === null && !this.stopping) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async work(job: JobRecord): Promise<void> {
    const { db } = this.options;
    const device = this.devices.get(job.deviceId);
    if (!device)
      throw new Error(`claimed job ${job.id} of device ${job.deviceId}, which this worker does not serve`);
    this.emit({ type: "claimed", job });
    this.log(
      "info",
      { cells: job.counts.pending + job.counts.running, claim: job.claims, deviceId: job.deviceId },
      `worker ${this.workerId}: job ${job.id} (${job.counts.pending + job.counts.running} cells to measure, claim ${job.claims})`,
    );
    const abort = new AbortController();
    this.current = abort;
    let lost: HeartbeatResult | null = null;
    const beat = setInterval(() => {
      heartbeat(db, job.id, this.workerId, this.leaseMs).then(
        (result) => {
          workerHeartbeats.inc({ worker: this.workerId, result });
          if (result !== "renewed" && lost === null) {
            lost = result;
            abort.abort();
          }
        },
        (error) => {
          workerHeartbeats.inc({ worker: this.workerId, result: "error" });
          this.log(
            "warn",
            { err: error },
            `worker ${this.workerId}: heartbeat of job ${job.id} failed: ${(error as Error).message}`,
          );
        },
      );
    }, this.heartbeatMs);
    // The pid in the name lets whoever SIGKILLs a worker (which cannot clean up) find its scratch.
    const scratch = await mkdtemp(path.join(os.tmpdir(), `${WORKER_SCRATCH_PREFIX}${process.pid}-`));
    let graph: PreparedModelGraph | GraphBuildError | null = null;
    let graphKey = "";
    const request = job.request as {
      force?: boolean;
      onlyMissing?: boolean;
      onlyStable?: boolean;
      maxSecondsPerCell?: number;
      onnxPath?: string | null;
      onnxFile?: string | null;
    };
    const remeasure = request.force === true || request.onlyMissing === false;
    const tally = { done: 0, failed: 0, skipped: 0 };
    let outcome: JobStatus | "released" | "lost" | "cancelled";
    try {
      for (;;) {
        if (abort.signal.aborted || this.stopping) break;
        const pending = await pendingCells(db, job.id);
        if (pending.length === 0) break;
        const first = pending[0];
        const task = taskOf(first.metricKey);
        let group = pending.filter(
          (c) =>
            c.modelId === first.modelId && c.resolution === first.resolution && taskOf(c.metricKey) === task,
        );
        if (task === undefined) {
          await finishCells(
            db,
            job.id,
            this.workerId,
            [],
            group.map((c) => end(c, "failed", "invalid-request", `${c.metricKey} cannot be measured`)),
            this.leaseMs,
          );
          tally.failed += group.length;
          measurementCells.inc({ outcome: "failed" }, group.length);
          measurementFailures.inc({ reason: "invalid-request" }, group.length);
          continue;
        }
        if (!remeasure) {
          // Another job may have written the figure since this one was planned.
          const existing = await existingFigures(db, job.deviceId, group, {
            stableOnly: request.onlyStable === true,
          });
          const have = group.filter((c) => existing.has(figureKey(c.modelId, c.resolution, c.metricKey)));
          if (have.length > 0) {
            await finishCells(
              db,
              job.id,
              this.workerId,
              [],
              have.map((c) =>
                end(c, "skipped", "exists", "the figure exists (measured since the job was planned)"),
              ),
              this.leaseMs,
            );
            tally.skipped += have.length;
            measurementCells.inc({ outcome: "skipped" }, have.length);
            group = group.filter((c) => !have.includes(c));
            if (group.length === 0) continue;
          }
        }
        const current = {
          modelName: first.modelName,
          resolution: first.resolution,
          metrics: group.map((c) => c.metricKey),
          task,
          startedAt: new Date().toISOString(),
        };
        await startCells(
          db,
          job.id,
          this.workerId,
          group.map((c) => c.id),
          current,
          this.leaseMs,
        );
        this.emit({ type: "started", jobId: job.id, cells: group });

        const key = `${first.modelId}@${first.resolution}`;
        if (key !== graphKey) {
          if (graph !== null && !(graph instanceof GraphBuildError)) await removeGraph(graph);
          graphKey = key;
          // Jobs queued before `onnxFile` existed hold the absolute path in onnxPath.
          const onnxFile = request.onnxFile ?? request.onnxPath;
          const prepared = onnxFile
            ? prepareFileGraph(onnxFile, first.modelName, first.resolution, request.onnxPath ?? onnxFile)
            : prepareZooGraph(scratch, first.modelName, await this.sourceIdOf(first), first.resolution);
          graph = await prepared.catch((error: unknown) =>
            error instanceof GraphBuildError ? error : new GraphBuildError((error as Error).message),
          );
        }
        let result: TaskOutcome;
        const measureStarted = process.hrtime.bigint();
        if (graph instanceof GraphBuildError) {
          result = { ok: false, kind: "invalid-graph", message: graph.message, details: {} };
        } else {
          const context: MeasureContext = {
            provider: device.provider,
            gpuIndex: device.gpuIndex,
            threads: this.options.threads,
            settings: this.options.settings,
            timeoutMs: (request.maxSecondsPerCell ?? WORKER_DEFAULTS.cellTimeoutMs / 1000) * 1000,
            memoryBytes: this.options.memoryBytes,
            onlyStable: request.onlyStable === true,
            signal: abort.signal,
            childEnv: this.options.childEnv,
            fault: this.options.faultFor?.({
              modelName: first.modelName,
              resolution: first.resolution,
              task,
            }),
            provenance: {
              job: job.id,
              worker: this.workerId,
              // What the request asked for (e.g. auto) and why it became this provider; the profiler's own fields say what ran.
              jobProvider: {
                requested: (job.request as { provider?: string }).provider ?? null,
                reason: (job.request as { providerReason?: string }).providerReason ?? null,
              },
            },
          };
          result = await measureTask(
            task,
            group.map((c) => c.metricKey),
            graph!,
            context,
          );
        }
        // Cancelled, taken over or stopping: what the child measured (or not) is not written.
        if (abort.signal.aborted || this.stopping) break;
        measurementDuration.observe(
          { task, outcome: result.ok ? "measured" : "failed" },
          Number(process.hrtime.bigint() - measureStarted) / 1e9,
        );
        if (result.ok) {
          const perDevice = await this.perDeviceMetrics();
          const figures: FigureWrite[] = result.figures.map((f) => {
            const cell = group.find((c) => c.metricKey === f.metricKey)!;
            return {
              jobCellId: cell.id,
              modelId: cell.modelId,
              resolution: cell.resolution,
              metricKey: f.metricKey,
              // Whether a figure depends on the device is the catalogue's word (metrics.per_device).
              deviceId: perDevice.has(f.metricKey) ? job.deviceId : null,
              batchSize: f.batchSize,
              value: f.value,
              provenance: f.provenance,
            };
          });
          await finishCells(db, job.id, this.workerId, figures, [], this.leaseMs);
          tally.done += figures.length;
          measurementCells.inc({ outcome: "measured" }, figures.length);
          this.options.onFigures?.();
        } else {
          // A user's file is shown relative to FAVOR_ONNX_DIR, also inside onnxruntime's own messages.
          const failure =
            request.onnxFile && request.onnxPath
              ? withPath(result, request.onnxFile, request.onnxPath)
              : result;
          await finishCells(
            db,
            job.id,
            this.workerId,
            [],
            group.map((c) => end(c, "failed", failure.kind, failure.message, failure.details)),
            this.leaseMs,
          );
          tally.failed += group.length;
          measurementCells.inc({ outcome: "failed" }, group.length);
          measurementFailures.inc({ reason: failure.kind }, group.length);
          this.log(
            "warn",
            { model: first.modelName, resolution: first.resolution, task, reason: failure.kind },
            `worker ${this.workerId}: job ${job.id}: ${first.modelName}@${first.resolution} ${task} failed (${failure.kind}): ${failure.message}`,
          );
        }
        this.emit({ type: "cells", jobId: job.id, ...tally });
      }
      if (lost !== null) outcome = lost;
      else if (this.stopping) outcome = (await releaseJob(db, job.id, this.workerId)) ? "released" : "lost";
      else outcome = (await completeJob(db, job.id, this.workerId)) ?? "lost";
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      outcome = error.status === "cancelled" ? "cancelled" : "lost";
    } finally {
      clearInterval(beat);
      this.current = null;
      await rm(scratch, { recursive: true, force: true });
    }
    this.log(
      "info",
      { outcome, measured: tally.done, skipped: tally.skipped, failed: tally.failed },
      `worker ${this.workerId}: job ${job.id} ${outcome} (${tally.done} measured, ${tally.skipped} skipped, ${tally.failed} failed)`,
    );
    this.emit({ type: "finished", jobId: job.id, status: outcome });
  }

  private sourceIds: Map<number, string> | null = null;
  private perDeviceKeys: Promise<Set<string>> | null = null;

  /** The catalogue's per-device metric keys (read once per worker: the catalogue is fixed by the seed). */
  private perDeviceMetrics(): Promise<Set<string>> {
    this.perDeviceKeys ??= metricRows(this.options.db).then(
      (rows) => new Set(rows.filter((m) => m.perDevice).map((m) => m.key)),
    );
    this.perDeviceKeys.catch(() => (this.perDeviceKeys = null));
    return this.perDeviceKeys;
  }

  private async sourceIdOf(cell: JobCellRecord): Promise<string> {
    if (this.sourceIds === null || !this.sourceIds.has(cell.modelId)) {
      this.sourceIds = await modelSourceIds(this.options.db);
    }
    return this.sourceIds.get(cell.modelId) ?? cell.modelName;
  }

  private emit(event: WorkerEvent): void {
    this.options.onEvent?.(event);
  }

  private log(level: "info" | "warn" | "error", fields: Record<string, unknown>, message: string): void {
    if (this.options.log) this.options.log(message);
    else logger[level](fields, message);
  }
}

function end(
  cell: JobCellRecord,
  status: CellEnd["status"],
  kind: string,
  reason: string,
  details?: Record<string, unknown>,
): CellEnd {
  return { jobCellId: cell.id, status, kind, reason, details };
}

/**
 * Removes the scratch folders (`favor-worker-<pid>-*` in the OS temp dir) of workers whose process is gone: a
 * SIGKILLed worker cannot clean up after itself. Returns the folders removed.
 */
export async function removeStaleScratch(dir: string = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = new RegExp(`^${WORKER_SCRATCH_PREFIX}(\\d+)-`).exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Returns `failure` with every mention of `file` (message and details) replaced by `shownAs`. */
function withPath<T extends { message: string; details: Record<string, unknown> }>(
  failure: T,
  file: string,
  shownAs: string,
): T {
  const replace = (text: string) => text.split(file).join(shownAs);
  return {
    ...failure,
    message: replace(failure.message),
    details: JSON.parse(replace(JSON.stringify(failure.details))),
  };
}
