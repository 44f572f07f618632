import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { GraphQLError } from "graphql";
import type { FavorDb } from "../db/client.js";
import { type JobFigure, jobFigures } from "../db/queries/figures.js";
import type { JobCellRecord, JobCellStatus, JobRecord, JobStatus, PlannedCell } from "../db/queries/jobs.js";
import {
  cancelJob,
  enqueueJob,
  existingFigures,
  figureKey,
  getJob,
  jobCells,
  listJobs,
  QueueFullError,
} from "../db/queries/jobs.js";
import {
  type MeasureRequest,
  type PublicMeasureRequest,
  publicMeasureRequest,
} from "../db/queries/measure-request.js";
import type { DeviceRow, ModelRow } from "../db/schema/index.js";
import { BadUserInputError } from "../errors/index.js";
import type { LocalDevice } from "../jobs/device-registry.js";
import { localDevice, providerOfDevice, registerDevice, stableIdOf } from "../jobs/device-registry.js";
import type { JobWakeups } from "../jobs/job-wakeups.js";
import { MEASURABLE_METRICS, metricOrder } from "../measure/measurable-metrics.js";
import type { Provider, RequestedProvider } from "../measure/profiler/provider.js";
import { ProviderUnavailableError, REQUESTED_PROVIDERS } from "../measure/profiler/provider.js";
import { findModel, resolutionProblem } from "../measure/zoo/registry.js";
import { logger } from "../observability/logger.js";
import type { CatalogService } from "./catalog.service.js";
import { parseId } from "./ids.js";
import { type ConnectionData, pageRequest, toConnection } from "./pagination.js";
import { unique } from "./unique.js";

/** Bounds of a measurement request. */
export interface MeasurementLimits {
  /** Largest number of cells (models × resolutions × metrics) one job may ask for. */
  readonly maxCellsPerJob: number;
  /** Largest number of jobs queued or running at once. */
  readonly maxActiveJobs: number;
  readonly minResolution: number;
  readonly maxResolution: number;
  /** Largest per-cell time budget a request may set (seconds). */
  readonly maxSecondsPerCell: number;
  /** Per-cell time budget when the request sets none (seconds). */
  readonly defaultSecondsPerCell: number;
  /** Folder users' .onnx files must lie in (`onnxPath`); null: measuring users' files is off. */
  readonly onnxDir: string | null;
}

/** The default limits; FAVOR_MAX_CELLS_PER_JOB and FAVOR_MAX_ACTIVE_JOBS override the first two. */
export const DEFAULT_MEASUREMENT_LIMITS: MeasurementLimits = {
  maxCellsPerJob: 2_000,
  maxActiveJobs: 20,
  minResolution: 32,
  maxResolution: 1_024,
  maxSecondsPerCell: 3_600,
  defaultSecondsPerCell: 300,
  onnxDir: null,
};

/** A `measure` request as the API receives it (what is stored is the normalised MeasureRequest). */
export interface MeasureInputFields {
  models?: readonly string[] | null;
  allModels?: boolean | null;
  resolutions?: readonly number[] | null;
  metrics?: readonly string[] | null;
  device?: string | null;
  provider?: RequestedProvider | null;
  onlyMissing?: boolean | null;
  force?: boolean | null;
  onlyStable?: boolean | null;
  maxSecondsPerCell?: number | null;
  /** A user's .onnx file (relative to FAVOR_ONNX_DIR) to measure instead of the zoo's graph. */
  onnxPath?: string | null;
}

/** A job as the API returns it: the record (its request without internal fields), its device, its failed cells. */
export interface MeasurementJobView extends Omit<JobRecord, "request"> {
  request: PublicMeasureRequest;
  device: DeviceRow;
  /** Failed cells (at most `errorLimit`, oldest first). */
  errors: JobCellRecord[];
}

/** How many failed cells a job view lists. */
const ERROR_LIMIT = 100;

/**
 * The measurement use cases: validate a `measure` request (BAD_USER_INPUT naming any unknown model, metric or
 * device, a resolution out of range or unbuildable, an unavailable provider, a request over the limits), expand
 * it to cells for its device (skipping figures that exist unless forced), queue it as a job, and read, list and
 * cancel jobs. The measuring itself is the workers' (src/jobs).
 */
export class MeasurementService {
  constructor(
    private readonly db: FavorDb,
    private readonly catalog: CatalogService,
    private readonly limits: MeasurementLimits = DEFAULT_MEASUREMENT_LIMITS,
    private readonly wakeups: JobWakeups | null = null,
    private readonly deviceOf: (provider: RequestedProvider) => LocalDevice = localDevice,
  ) {}

  /** Returns the figures job `id` wrote (model, resolution, metric, value, unit, validity), in model order. */
  figuresOf(id: number): Promise<JobFigure[]> {
    return jobFigures(this.db, id);
  }

  /** Validates and queues a request; returns the job at once (queued, or succeeded when nothing is left to do). */
  async request(input: MeasureInputFields): Promise<MeasurementJobView> {
    const fromFile = input.onnxPath != null;
    const models = await this.models(input, fromFile);
    const resolutions = this.resolutions(input.resolutions);
    const file = fromFile ? await this.onnxFile(input.onnxPath!, models.length, resolutions.length) : null;
    // A named model must build at every requested resolution; with `allModels` a pair that cannot be built (e.g.
    // HaloNet-H2 at 224: its reference needs multiples of 256) is planned as skipped, with the reason.
    const unbuildable = new Map<string, string>();
    for (const { zooName, model } of fromFile ? [] : models) {
      for (const r of resolutions) {
        const problem = resolutionProblem(findModel(zooName!)!, r);
        if (problem && input.allModels === true) unbuildable.set(`${model.id}@${r}`, problem);
        else if (problem)
          throw new BadUserInputError(`${model.name} cannot be built at resolution ${r}: ${problem}`, {
            model: model.name,
            resolution: r,
          });
      }
    }
    const metrics = await this.metrics(input.metrics);
    const cellCount = models.length * resolutions.length * metrics.length;
    if (cellCount > this.limits.maxCellsPerJob) {
      throw new BadUserInputError(
        `The request asks for ${cellCount} cells (${models.length} models × ${resolutions.length} resolutions × ${metrics.length} metrics); ` +
          `one job may measure at most ${this.limits.maxCellsPerJob}`,
        { cells: cellCount, maxCellsPerJob: this.limits.maxCellsPerJob },
      );
    }
    const budget = input.maxSecondsPerCell ?? this.limits.defaultSecondsPerCell;
    if (!Number.isFinite(budget) || budget <= 0 || budget > this.limits.maxSecondsPerCell) {
      throw new BadUserInputError(
        `maxSecondsPerCell ${budget} is out of range: use more than 0 and at most ${this.limits.maxSecondsPerCell}`,
        {
          maxSecondsPerCell: budget,
        },
      );
    }
    const requested = input.provider ?? "auto";
    const { device, provider, reason } = await this.device(input.device ?? null, requested);
    const force = input.force === true || input.onlyMissing === false;

    const planned: PlannedCell[] = [];
    for (const { model } of models) {
      for (const resolution of resolutions) {
        for (const metricKey of metrics) planned.push({ modelId: model.id, resolution, metricKey });
      }
    }
    const onlyStable = input.onlyStable === true;
    const existing = force
      ? new Set<string>()
      : await existingFigures(this.db, device.id, planned, { stableOnly: onlyStable });
    const cells = planned.map((c) => {
      const problem = unbuildable.get(`${c.modelId}@${c.resolution}`);
      if (problem)
        return { ...c, skip: { kind: "unbuildable", reason: `the zoo cannot build it: ${problem}` } };
      return existing.has(figureKey(c.modelId, c.resolution, c.metricKey))
        ? {
            ...c,
            skip: {
              kind: "exists",
              reason: "the figure exists (onlyMissing); pass force: true to measure it again",
            },
          }
        : c;
    });
    const request: MeasureRequest = {
      models: models.map((m) => m.model.name),
      resolutions,
      metrics,
      provider: requested,
      providerUsed: provider,
      providerReason: withoutHostPaths(reason),
      device: { id: device.id, name: device.name },
      onlyMissing: !force,
      force,
      onlyStable,
      maxSecondsPerCell: budget,
      // Public: the file relative to FAVOR_ONNX_DIR. `onnxFile` (the worker's) never leaves the service (see view).
      onnxPath: file?.relative ?? null,
      onnxFile: file?.absolute ?? null,
      // What was measured, for telling duplicates apart: the zoo's graph, or the user's file by its content.
      graph: file ? `sha256:${file.sha256}` : "zoo",
    };
    let jobId: number;
    try {
      jobId = await enqueueJob(this.db, {
        request,
        deviceId: device.id,
        provider,
        cells,
        maxActiveJobs: this.limits.maxActiveJobs,
      });
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new GraphQLError(error.message, {
          extensions: { code: "QUEUE_FULL", active: error.active, limit: error.limit },
        });
      }
      throw error;
    }
    this.wakeups?.notify();
    // Carries the request id of the measure mutation: it links the request to the job's own lines (jobId).
    logger.info({ jobId, deviceId: device.id, cells: cells.length }, "job enqueued");
    return (await this.job(jobId))!;
  }

  /** Returns a job by id, or null when there is none; BAD_USER_INPUT for an id that is not a positive integer. */
  async job(id: string | number): Promise<MeasurementJobView | null> {
    const record = await getJob(this.db, parseId(id, "id"));
    return record === null ? null : this.view(record);
  }

  /**
   * Returns the job's updates: the job at once, then the job each time its status or progress (cell counts, the
   * cell being measured, the job's error) changed, ending after a terminal status (succeeded, failed, cancelled).
   * The worker may be another process, so it re-reads the database every `intervalMs`. BAD_USER_INPUT for an
   * unknown or invalid id. `return()` (the client unsubscribed) stops it without waiting out the interval.
   */
  async watch(
    id: string | number,
    intervalMs: number = JOB_WATCH_INTERVAL_MS,
  ): Promise<AsyncIterableIterator<MeasurementJobView>> {
    const first = await this.job(id);
    if (first === null) throw new BadUserInputError(`Unknown measurement job "${id}"`, { id: String(id) });
    const stopped = new AbortController();
    const updates = this.updates(first, intervalMs, stopped.signal);
    const iterator: AsyncIterableIterator<MeasurementJobView> = {
      next: () => updates.next(),
      // An async generator's own return() waits for its pending next(); aborting first ends that wait now.
      return: () => {
        stopped.abort();
        return updates.return();
      },
      throw: (error?: unknown) => {
        stopped.abort();
        return updates.throw(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async *updates(
    first: MeasurementJobView,
    intervalMs: number,
    signal: AbortSignal,
  ): AsyncGenerator<MeasurementJobView, void> {
    let last = first;
    yield first;
    while (!TERMINAL_JOB_STATUSES.has(last.status)) {
      try {
        await sleep(intervalMs, undefined, { signal });
        const now = await this.job(last.id);
        if (now === null) return; // jobs are not deleted; should one vanish, there is nothing more to say
        if (progressKey(now) === progressKey(last)) continue;
        last = now;
      } catch (error) {
        // Aborted: the client left (or the server stops, perhaps closing the database under the read).
        if (signal.aborted) return;
        throw error;
      }
      yield last;
    }
  }

  /** Returns one page of jobs (newest first), optionally only those in the given states. */
  async jobs(
    statuses: readonly JobStatus[] | null | undefined,
    first?: number | null,
    after?: string | null,
  ): Promise<ConnectionData<MeasurementJobView>> {
    const page = pageRequest(first, after);
    const { jobs, totalCount } = await listJobs(this.db, {
      statuses,
      offset: page.offset,
      limit: page.limit,
    });
    return toConnection(await Promise.all(jobs.map((j) => this.view(j))), page, totalCount);
  }

  /** Returns a job's cells in planned order, optionally only those in the given states. */
  cells(jobId: number, statuses?: readonly JobCellStatus[] | null): Promise<JobCellRecord[]> {
    return jobCells(this.db, jobId, statuses);
  }

  /** Cancels a queued or running job and returns it; BAD_USER_INPUT for an unknown job or one that has ended. */
  async cancel(id: string | number): Promise<MeasurementJobView> {
    const jobId = parseId(id, "id");
    const before = await getJob(this.db, jobId);
    if (before === null) throw new BadUserInputError(`Unknown measurement job "${id}"`, { id: String(id) });
    if (!(await cancelJob(this.db, jobId))) {
      const now = (await getJob(this.db, jobId))!;
      throw new BadUserInputError(
        `Measurement job ${jobId} has already ended (${now.status}); only queued or running jobs can be cancelled`,
        {
          id: String(id),
          status: now.status,
        },
      );
    }
    return (await this.job(jobId))!;
  }

  private async view(record: JobRecord): Promise<MeasurementJobView> {
    const device = await this.catalog.device(record.deviceId);
    const errors =
      record.counts.failed > 0 ? (await jobCells(this.db, record.id, ["failed"])).slice(0, ERROR_LIMIT) : [];
    return { ...record, request: publicMeasureRequest(record.request), device, errors };
  }

  /**
   * Resolves a user's graph inside FAVOR_ONNX_DIR, symbolic links included (a link pointing outside is refused),
   * and returns its absolute path, its path relative to the folder (what clients see) and its content hash.
   */
  private async onnxFile(
    given: string,
    models: number,
    resolutions: number,
  ): Promise<{ absolute: string; relative: string; sha256: string }> {
    const lexical = this.onnxPath(given, models, resolutions);
    const root = await realpath(this.limits.onnxDir!).catch(() => null);
    const absolute = await realpath(lexical).catch(() => null);
    if (root === null || absolute === null) {
      throw new BadUserInputError(`onnxPath "${given}" does not exist inside FAVOR_ONNX_DIR`, {
        onnxPath: given,
      });
    }
    if (!absolute.startsWith(root + path.sep) || !(await stat(absolute)).isFile()) {
      throw new BadUserInputError(`onnxPath "${given}" must name an .onnx file inside FAVOR_ONNX_DIR`, {
        onnxPath: given,
      });
    }
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer);
    return { absolute, relative: path.relative(root, absolute), sha256: hash.digest("hex") };
  }

  private onnxPath(given: string, models: number, resolutions: number): string {
    const root = this.limits.onnxDir;
    if (root === null) {
      throw new BadUserInputError(
        `onnxPath "${given}" cannot be measured: this server has no FAVOR_ONNX_DIR (the folder users' .onnx files lie in)`,
        {
          onnxPath: given,
        },
      );
    }
    const resolved = path.resolve(root, given);
    if (!resolved.startsWith(root + path.sep) || !resolved.endsWith(".onnx")) {
      throw new BadUserInputError(`onnxPath "${given}" must name an .onnx file inside FAVOR_ONNX_DIR`, {
        onnxPath: given,
      });
    }
    if (models !== 1 || resolutions !== 1) {
      throw new BadUserInputError(
        `onnxPath "${given}" is the graph of one model at one resolution: give exactly one model and one resolution`,
        {
          onnxPath: given,
        },
      );
    }
    return resolved;
  }

  private async models(
    input: MeasureInputFields,
    fromFile: boolean,
  ): Promise<Array<{ model: ModelRow; zooName: string | null }>> {
    const names = input.models ?? [];
    if (input.allModels === true && fromFile)
      throw new BadUserInputError("onnxPath is the graph of one model: name it in `models`", {
        allModels: true,
      });
    if (input.allModels === true && names.length > 0) {
      throw new BadUserInputError("Give either `models` or `allModels: true`, not both", { models: names });
    }
    if (input.allModels === true) {
      const { models } = await this.catalog.vocabulary();
      return models.flatMap((model) => {
        const zoo = findModel(model.name) ?? findModel(model.sourceId);
        return zoo ? [{ model, zooName: zoo.name }] : [];
      });
    }
    if (names.length === 0)
      throw new BadUserInputError("Name the models to measure (`models`) or pass `allModels: true`", {
        models: [],
      });
    unique(names, "model");
    const result: Array<{ model: ModelRow; zooName: string | null }> = [];
    for (const name of names) {
      const model = await this.catalog.model(name);
      // Two spellings of one model (`ViT-Ti/16`, `vit-ti/16`) are one model given twice.
      if (result.some((r) => r.model.id === model.id))
        throw new BadUserInputError(`Model "${name}" is given twice (as "${model.name}")`, { model: name });
      const zoo = findModel(model.name) ?? findModel(model.sourceId);
      if (fromFile) {
        result.push({ model, zooName: zoo?.name ?? null });
        continue;
      }
      if (!zoo) {
        throw new BadUserInputError(
          `Model "${name}" has no ONNX graph in the model zoo yet, so it cannot be measured`,
          { model: name },
        );
      }
      result.push({ model, zooName: zoo.name });
    }
    return result;
  }

  private resolutions(values: readonly number[] | null | undefined): number[] {
    const list = values ?? [224];
    if (list.length === 0) throw new BadUserInputError("Give at least one resolution", { resolutions: [] });
    unique(list.map(String), "resolution");
    for (const r of list) {
      if (!Number.isInteger(r) || r < this.limits.minResolution || r > this.limits.maxResolution) {
        throw new BadUserInputError(
          `Resolution ${r} is out of range: use an integer from ${this.limits.minResolution} to ${this.limits.maxResolution}`,
          {
            resolution: r,
          },
        );
      }
    }
    return [...list];
  }

  private async metrics(values: readonly string[] | null | undefined): Promise<string[]> {
    if (values == null) return [...MEASURABLE_METRICS];
    if (values.length === 0)
      throw new BadUserInputError(
        "Give at least one metric, or leave `metrics` out for all measurable ones",
        { metrics: [] },
      );
    unique(values, "metric");
    for (const key of values) {
      await this.catalog.metric(key);
      if (!MEASURABLE_METRICS.includes(key)) {
        throw new BadUserInputError(
          `Metric "${key}" cannot be measured; measurable metrics: ${MEASURABLE_METRICS.join(", ")}`,
          { metric: key },
        );
      }
    }
    return [...values].sort((a, b) => metricOrder(a) - metricOrder(b));
  }

  private async device(
    deviceArg: string | null,
    requested: RequestedProvider,
  ): Promise<{ device: DeviceRow; provider: Provider; reason: string | null }> {
    if (!REQUESTED_PROVIDERS.includes(requested)) {
      throw new BadUserInputError(`Unknown provider "${requested}": use ${REQUESTED_PROVIDERS.join(", ")}`, {
        provider: requested,
      });
    }
    if (deviceArg !== null) {
      const device = await this.catalog.device(deviceArg);
      if (stableIdOf(device) === null) {
        throw new BadUserInputError(
          `Device "${deviceArg}" (${device.name}) is not a measuring machine: its figures come from the paper. Give a device a worker registered, or none for this server's`,
          { device: deviceArg },
        );
      }
      const provider = providerOfDevice(device);
      if (requested !== "auto" && requested !== provider) {
        throw new BadUserInputError(
          `Provider "${requested}" does not run on device "${device.name}" (a ${device.kind.toUpperCase()}): use ${provider} or auto`,
          {
            provider: requested,
            device: deviceArg,
          },
        );
      }
      return { device, provider, reason: null };
    }
    let local: LocalDevice;
    try {
      local = this.deviceOf(requested);
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        // Not the client's mistake but this server's lack: PROVIDER_UNAVAILABLE names what is missing.
        throw new GraphQLError(
          withoutHostPaths(`Provider "${requested}" cannot run on this server: ${error.message}`)!,
          { extensions: { code: "PROVIDER_UNAVAILABLE", provider: requested, missing: error.missing } },
        );
      }
      throw error;
    }
    const device = await registerDevice(this.db, local.description);
    this.catalog.invalidate();
    return { device, provider: local.provider, reason: local.reason };
  }
}

/** How often `watch` (the measurementJobProgress subscription) re-reads a job, in milliseconds. */
export const JOB_WATCH_INTERVAL_MS = 500;

const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** What a progress update is about; heartbeats and lease renewals alone are no news. */
function progressKey(job: MeasurementJobView): string {
  return JSON.stringify([job.status, job.counts, job.current, job.error]);
}

/** Returns a job id from the API's ID; BAD_USER_INPUT naming anything that is not a positive integer. */
/** Replaces absolute paths in a message for clients (e.g. onnxruntime's bin folder) with their last part. */
export function withoutHostPaths(text: string | null): string | null {
  return text === null ? null : text.replace(/(?:\/[^\s/'"`:,;()]+)+\/([^\s/'"`:,;()]+)/g, "…/$1");
}
