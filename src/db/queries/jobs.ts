import { type SQL, sql } from "drizzle-orm";
import { type FavorDb, queryRows } from "../client.js";
import { figureMatchSql } from "./figure-rule.js";
import { jsonColumn } from "./json-column.js";

/**
 * The measurement job queue, hand-written on PostgreSQL (the same SQL on PGlite and on a server):
 *
 * - a job is claimed with `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)` and held by a lease that the
 *   worker renews with heartbeats; a job whose lease ran out (its worker died) is claimed again by any worker of
 *   the same device and resumed at its first unfinished cell;
 * - every write of a worker (starting cells, writing figures, finishing the job) first re-checks in the same
 *   transaction that it still holds the lease, so a worker that lost its job can never write into it;
 * - a partial unique index allows one running job per device (timings of concurrent runs would corrupt each
 *   other) and another one cell per (model, resolution, metric, device) in pending/running state across all jobs
 *   (identical concurrent requests never measure a cell twice).
 *
 * Why not pg-boss or graphile-worker: neither is installed, both need a node-postgres Pool (and LISTEN/NOTIFY or
 * their own schema migrations), while Favor's default database is embedded PGlite in the server process; the
 * queue needs a dozen statements, and keeping them here lets jobs, cells and figures change in one transaction.
 */

/** One cell a job is asked to measure. */
export interface PlannedCell {
  readonly modelId: number;
  readonly resolution: number;
  readonly metricKey: string;
  /** Recorded as skipped at once (e.g. the figure exists and the request asked only for missing ones). */
  readonly skip?: { readonly kind: string; readonly reason: string };
}

/** What `enqueueJob` stores. */
export interface EnqueueInput {
  /** The normalised request (stored as is, returned to clients). */
  readonly request: Record<string, unknown>;
  readonly deviceId: number;
  readonly provider: "cpu" | "cuda" | "webgpu";
  /** Cells to measure, in the order the worker should measure them. */
  readonly cells: readonly PlannedCell[];
  /** Refuse when this many jobs are already queued or running. */
  readonly maxActiveJobs: number;
}

/** The queue already holds the maximum number of active jobs. */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
  constructor(
    readonly active: number,
    readonly limit: number,
  ) {
    super(
      `the measurement queue is full: ${active} jobs are queued or running (limit ${limit}); try again later or cancel one`,
    );
  }
}

/** A worker's write into a job it no longer holds (lease expired and taken over, or the job was cancelled). */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(
    readonly jobId: number,
    readonly status: string | null,
  ) {
    super(`job ${jobId} is no longer held by this worker (status ${status ?? "unknown"})`);
  }
}

/** Job states. */
export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
/** Cell states within a job. */
export type JobCellStatus = "pending" | "running" | "done" | "failed" | "skipped" | "cancelled";

/** A job row with its progress counts. */
export interface JobRecord {
  id: number;
  status: JobStatus;
  request: Record<string, unknown>;
  deviceId: number;
  provider: "cpu" | "cuda" | "webgpu";
  workerId: string | null;
  leaseUntil: Date | null;
  heartbeatAt: Date | null;
  claims: number;
  current: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: Record<JobCellStatus, number> & { total: number };
}

/** A cell of a job, with its model's name. */
export interface JobCellRecord {
  id: number;
  jobId: number;
  modelId: number;
  modelName: string;
  resolution: number;
  metricKey: string;
  deviceId: number;
  status: JobCellStatus;
  attempts: number;
  cellId: number | null;
  duplicateOfJobId: number | null;
  reasonKind: string | null;
  reason: string | null;
  details: Record<string, unknown> | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

// Any constant: serialises enqueues so the queue-length limit holds under concurrent requests.
const ENQUEUE_LOCK_KEY = 7_216_305;

/**
 * Stores a job and its cells in one transaction and returns the job id. A cell that another job already holds in
 * pending/running state on the same device is not measured twice: it waits for that job (`skipped` with
 * reason_kind `waiting`, naming it) and is settled when this job is claimed (see `settleWaitingCells`). A job with
 * nothing to measure and nothing to wait for is finished at once (`succeeded`).
 *
 * @throws QueueFullError when `maxActiveJobs` jobs are queued or running.
 */
export async function enqueueJob(db: FavorDb, input: EnqueueInput): Promise<number> {
  return db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK_KEY})`);
    const [{ n: active }] = await queryRows<{ n: number }>(
      tx,
      sql`SELECT count(*)::int AS n FROM measurement_jobs WHERE status IN ('queued', 'running')`,
    );
    if (active >= input.maxActiveJobs) throw new QueueFullError(active, input.maxActiveJobs);
    const [{ id }] = await queryRows<{ id: string | number }>(
      tx,
      sql`INSERT INTO measurement_jobs (request, device_id, provider)
          VALUES (${JSON.stringify(input.request)}::jsonb, ${input.deviceId}, ${input.provider}) RETURNING id`,
    );
    const jobId = Number(id);
    let pending = 0;
    let waiting = 0;
    const skipped = input.cells.filter((c) => c.skip !== undefined);
    const toMeasure = input.cells.filter((c) => c.skip === undefined);
    for (let i = 0; i < skipped.length; i += 500) {
      await tx.execute(
        sql`INSERT INTO measurement_job_cells (job_id, model_id, resolution, metric_key, device_id, status, reason_kind, reason, finished_at)
            VALUES ${sql.join(
              skipped
                .slice(i, i + 500)
                .map(
                  (c) =>
                    sql`(${jobId}, ${c.modelId}, ${c.resolution}, ${c.metricKey}, ${input.deviceId}, 'skipped', ${c.skip!.kind}, ${c.skip!.reason}, now())`,
                ),
              sql`, `,
            )}`,
      );
    }
    // Batches keep the statement's parameter count well under the protocol's limit.
    for (let i = 0; i < toMeasure.length; i += 500) {
      const batch = toMeasure.slice(i, i + 500);
      const inserted = await queryRows<{ model_id: number; resolution: number; metric_key: string }>(
        tx,
        sql`INSERT INTO measurement_job_cells (job_id, model_id, resolution, metric_key, device_id)
            VALUES ${sql.join(
              batch.map(
                (c) => sql`(${jobId}, ${c.modelId}, ${c.resolution}, ${c.metricKey}, ${input.deviceId})`,
              ),
              sql`, `,
            )}
            ON CONFLICT (model_id, resolution, metric_key, device_id) WHERE status IN ('pending', 'running') DO NOTHING
            RETURNING model_id, resolution, metric_key`,
      );
      pending += inserted.length;
      const taken = new Set(inserted.map((r) => cellKey(r.model_id, r.resolution, r.metric_key)));
      const duplicates = batch.filter((c) => !taken.has(cellKey(c.modelId, c.resolution, c.metricKey)));
      if (duplicates.length === 0) continue;
      waiting += duplicates.length;
      await tx.execute(
        sql`INSERT INTO measurement_job_cells (job_id, model_id, resolution, metric_key, device_id, status, duplicate_of_job_id,
              reason_kind, reason, finished_at)
            SELECT ${jobId}, d.model_id, d.resolution, d.metric_key, ${input.deviceId}, 'skipped', o.job_id, 'waiting',
              CASE WHEN o.job_id IS NULL THEN 'waiting for a concurrent job that measures the same cell'
                   ELSE 'waiting for job ' || o.job_id || ', which measures the same cell' END, now()
            FROM (VALUES ${sql.join(
              duplicates.map((c) => sql`(${c.modelId}::int, ${c.resolution}::int, ${c.metricKey}::text)`),
              sql`, `,
            )})
              AS d (model_id, resolution, metric_key)
            LEFT JOIN LATERAL (
              SELECT a.job_id FROM measurement_job_cells a
              WHERE a.model_id = d.model_id AND a.resolution = d.resolution AND a.metric_key = d.metric_key
                AND a.device_id = ${input.deviceId} AND a.status IN ('pending', 'running') LIMIT 1
            ) o ON TRUE`,
      );
    }
    if (pending === 0 && waiting === 0) {
      await tx.execute(
        sql`UPDATE measurement_jobs SET status = 'succeeded', finished_at = now() WHERE id = ${jobId}`,
      );
    }
    return jobId;
  });
}

/** What a worker claims with. */
export interface ClaimOptions {
  readonly workerId: string;
  /** The devices this worker measures on. */
  readonly deviceIds: readonly number[];
  readonly leaseMs: number;
  /** A cell whose worker died this many times while measuring it is failed instead of retried. */
  readonly maxAttempts: number;
}

/**
 * Claims the oldest job of one of the worker's devices that is queued, or running with an expired lease (a dead
 * worker's: preferred, so a resumed job finishes before new ones start), and returns it; null when there is none
 * or the device is busy. On a resumed job, cells left running by the dead worker go back to pending (or fail after
 * `maxAttempts`).
 */
export async function claimJob(db: FavorDb, options: ClaimOptions): Promise<JobRecord | null> {
  if (options.deviceIds.length === 0) return null;
  const devices = sql.join(
    options.deviceIds.map((d) => sql`${d}`),
    sql`, `,
  );
  let claimed: Array<{ id: string | number }>;
  try {
    claimed = await queryRows<{ id: string | number }>(
      db,
      sql`UPDATE measurement_jobs SET status = 'running', worker_id = ${options.workerId},
            lease_until = now() + ${lease(options.leaseMs)}, heartbeat_at = now(),
            started_at = COALESCE(started_at, now()), claims = claims + 1
          WHERE id = (
            SELECT j.id FROM measurement_jobs j
            WHERE j.device_id IN (${devices})
              AND (j.status = 'queued' OR (j.status = 'running' AND j.lease_until < now()))
              AND NOT EXISTS (SELECT 1 FROM measurement_jobs o WHERE o.device_id = j.device_id AND o.status = 'running'
                              AND o.id <> j.id AND o.lease_until >= now())
            ORDER BY (j.status = 'running') DESC, j.id
            LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
    );
  } catch (error) {
    // Another worker started a job on the same device between our check and our update.
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  if (claimed.length === 0) return null;
  const jobId = Number(claimed[0].id);
  await settleWaitingCells(db, jobId);
  await db.execute(
    sql`UPDATE measurement_job_cells SET
          status = (CASE WHEN attempts >= ${options.maxAttempts} THEN 'failed' ELSE 'pending' END)::measurement_cell_status,
          reason_kind = CASE WHEN attempts >= ${options.maxAttempts} THEN 'worker-died' ELSE reason_kind END,
          reason = CASE WHEN attempts >= ${options.maxAttempts}
                        THEN 'the worker died ' || attempts || ' times while measuring this cell' ELSE reason END,
          finished_at = CASE WHEN attempts >= ${options.maxAttempts} THEN now() ELSE NULL END
        WHERE job_id = ${jobId} AND status = 'running'`,
  );
  return getJob(db, jobId);
}

/**
 * Settles the cells a just-claimed job was waiting for another job to measure. The device runs one job at a time,
 * so the job it waited for has ended (or waits in the queue itself): a cell that job measured on the same graph
 * (`request.graph`: the zoo's, or a user file's content hash) stays skipped, as measured by it; any other (that
 * job failed, was cancelled or measured another graph) becomes pending here, taken over from a queued job that
 * holds it (which then waits for this one). A cell held by a job still running elsewhere (an expired lease) fails
 * rather than count as measured.
 */
async function settleWaitingCells(db: FavorDb, jobId: number): Promise<void> {
  const same = sql`o.model_id = b.model_id AND o.resolution = b.resolution AND o.metric_key = b.metric_key
                   AND o.device_id = b.device_id`;
  const waiting = sql`b.job_id = ${jobId} AND b.status = 'skipped' AND b.reason_kind = 'waiting'`;
  await db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK_KEY})`);
    await tx.execute(
      sql`UPDATE measurement_job_cells b SET reason_kind = 'duplicate', reason = 'measured by job ' || o.job_id,
            finished_at = now()
          FROM measurement_job_cells o, measurement_jobs oj, measurement_jobs bj
          WHERE ${waiting} AND o.job_id = b.duplicate_of_job_id AND ${same} AND o.status = 'done'
            AND oj.id = o.job_id AND bj.id = b.job_id
            AND (oj.request->>'graph') IS NOT DISTINCT FROM (bj.request->>'graph')`,
    );
    await tx.execute(
      sql`UPDATE measurement_job_cells o SET status = 'skipped', reason_kind = 'waiting', duplicate_of_job_id = ${jobId},
            reason = 'waiting for job ' || ${jobId} || ', which measures the same cell', finished_at = now()
          FROM measurement_job_cells b
          WHERE ${waiting} AND o.job_id <> ${jobId} AND o.status = 'pending' AND ${same}`,
    );
    await tx.execute(
      sql`UPDATE measurement_job_cells b SET status = 'pending', reason_kind = NULL, reason = NULL,
            duplicate_of_job_id = NULL, finished_at = NULL
          WHERE ${waiting} AND NOT EXISTS (
            SELECT 1 FROM measurement_job_cells o WHERE ${same} AND o.job_id <> ${jobId} AND o.status IN ('pending', 'running'))`,
    );
    await tx.execute(
      sql`UPDATE measurement_job_cells b SET status = 'failed', reason_kind = 'duplicate-unsettled',
            reason = 'another job still holds this cell: ' || b.reason, finished_at = now()
          WHERE ${waiting}`,
    );
  });
}

/** Result of a heartbeat: the lease was renewed, the job was cancelled, or another worker holds it now. */
export type HeartbeatResult = "renewed" | "cancelled" | "lost";

/** Renews the worker's lease on a job and returns whether it still holds it. */
export async function heartbeat(
  db: FavorDb,
  jobId: number,
  workerId: string,
  leaseMs: number,
): Promise<HeartbeatResult> {
  const rows = await queryRows<{ id: unknown }>(
    db,
    sql`UPDATE measurement_jobs SET lease_until = now() + ${lease(leaseMs)}, heartbeat_at = now()
        WHERE id = ${jobId} AND worker_id = ${workerId} AND status = 'running' RETURNING id`,
  );
  if (rows.length > 0) return "renewed";
  const [row] = await queryRows<{ status: JobStatus }>(
    db,
    sql`SELECT status FROM measurement_jobs WHERE id = ${jobId}`,
  );
  return row?.status === "cancelled" ? "cancelled" : "lost";
}

/** Returns the pending cells of a job in the order they were planned. */
export async function pendingCells(db: FavorDb, jobId: number): Promise<JobCellRecord[]> {
  return jobCells(db, jobId, ["pending"]);
}

/** Marks cells running (one attempt more) and records them as the job's current work; checks the lease. */
export async function startCells(
  db: FavorDb,
  jobId: number,
  workerId: string,
  cellIds: readonly number[],
  current: Record<string, unknown>,
  leaseMs: number,
): Promise<void> {
  await db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    await holdLease(tx, jobId, workerId, leaseMs, current);
    await tx.execute(
      sql`UPDATE measurement_job_cells SET status = 'running', attempts = attempts + 1, started_at = now()
          WHERE job_id = ${jobId} AND id IN (${ids(cellIds)}) AND status = 'pending'`,
    );
  });
}

/** A figure a worker writes into `cells`. */
export interface FigureWrite {
  /** The job cell it completes. */
  readonly jobCellId: number;
  readonly modelId: number;
  readonly resolution: number;
  readonly metricKey: string;
  /** null for device-independent figures. */
  readonly deviceId: number | null;
  readonly batchSize: number | null;
  readonly value: number;
  readonly provenance: Record<string, unknown>;
}

/** A job cell that ends without a figure. */
export interface CellEnd {
  readonly jobCellId: number;
  readonly status: "failed" | "skipped";
  readonly kind: string;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
}

/**
 * Writes figures and ends cells in one transaction, after checking the worker still holds the job: each figure
 * replaces any measured figure of the same model@resolution, metric and device (whatever its batch size), so a
 * cell exists at most once; the job cells become done (with the figure's id) or failed/skipped with their reason.
 *
 * @throws LeaseLostError when the job was taken over or cancelled (nothing is written).
 */
export async function finishCells(
  db: FavorDb,
  jobId: number,
  workerId: string,
  figures: readonly FigureWrite[],
  ends: readonly CellEnd[],
  leaseMs: number,
): Promise<void> {
  await db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    await holdLease(tx, jobId, workerId, leaseMs, null);
    for (const f of figures) {
      const device = f.deviceId === null ? sql`IS NULL` : sql`= ${f.deviceId}`;
      await tx.execute(
        sql`DELETE FROM cells WHERE run_id IS NULL AND model_id = ${f.modelId} AND resolution = ${f.resolution}
            AND metric_key = ${f.metricKey} AND device_id ${device} AND source = 'measured'`,
      );
      const [cell] = await queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO cells (model_id, resolution, metric_key, device_id, batch_size, value, source, provenance, job_id)
            VALUES (${f.modelId}, ${f.resolution}, ${f.metricKey}, ${f.deviceId}, ${f.batchSize}, ${f.value}, 'measured',
                    ${JSON.stringify(f.provenance)}::jsonb, ${jobId})
            RETURNING id`,
      );
      await tx.execute(
        sql`UPDATE measurement_job_cells SET status = 'done', cell_id = ${cell.id}, finished_at = now()
            WHERE id = ${f.jobCellId} AND job_id = ${jobId}`,
      );
    }
    for (const e of ends) {
      await tx.execute(
        sql`UPDATE measurement_job_cells SET status = ${e.status}, reason_kind = ${e.kind}, reason = ${e.reason},
              details = ${e.details === undefined ? null : JSON.stringify(e.details)}::jsonb, finished_at = now()
            WHERE id = ${e.jobCellId} AND job_id = ${jobId}`,
      );
    }
  });
}

/**
 * Ends a job the worker holds: `failed` when a cell failed or `error` is given (pending cells are then failed with
 * it), else `succeeded`. Returns the final status, or null when the worker no longer held the job.
 */
export async function completeJob(
  db: FavorDb,
  jobId: number,
  workerId: string,
  error: string | null = null,
): Promise<JobStatus | null> {
  return db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    const held = await queryRows<{ id: unknown }>(
      tx,
      sql`SELECT id FROM measurement_jobs WHERE id = ${jobId} AND worker_id = ${workerId} AND status = 'running' FOR UPDATE`,
    );
    if (held.length === 0) return null;
    if (error !== null) {
      await tx.execute(
        sql`UPDATE measurement_job_cells SET status = 'failed', reason_kind = 'job-failed', reason = ${error}, finished_at = now()
            WHERE job_id = ${jobId} AND status IN ('pending', 'running')`,
      );
    }
    const [row] = await queryRows<{ status: JobStatus }>(
      tx,
      sql`UPDATE measurement_jobs SET
            status = (CASE WHEN ${error}::text IS NOT NULL OR EXISTS (
                        SELECT 1 FROM measurement_job_cells WHERE job_id = ${jobId} AND status = 'failed')
                      THEN 'failed' ELSE 'succeeded' END)::measurement_job_status,
            error = ${error}, finished_at = now(), lease_until = NULL, current = NULL
          WHERE id = ${jobId} RETURNING status`,
    );
    return row.status;
  });
}

/**
 * Hands a job back to the queue (a worker stopping gracefully): it becomes queued again, its running cells pending
 * without counting the attempt. Returns false when the worker no longer held it.
 */
export async function releaseJob(db: FavorDb, jobId: number, workerId: string): Promise<boolean> {
  return db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    const rows = await queryRows<{ id: unknown }>(
      tx,
      sql`UPDATE measurement_jobs SET status = 'queued', lease_until = NULL, current = NULL
          WHERE id = ${jobId} AND worker_id = ${workerId} AND status = 'running' RETURNING id`,
    );
    if (rows.length === 0) return false;
    await tx.execute(
      sql`UPDATE measurement_job_cells SET status = 'pending', attempts = GREATEST(attempts - 1, 0), started_at = NULL
          WHERE job_id = ${jobId} AND status = 'running'`,
    );
    return true;
  });
}

/**
 * Cancels a queued or running job (its pending and running cells become cancelled, freeing them for other jobs)
 * and returns true; false when the job had already ended. A running job's worker notices at its next heartbeat.
 */
export async function cancelJob(db: FavorDb, jobId: number): Promise<boolean> {
  return db.transaction(async (txn) => {
    const tx: FavorDb = txn;
    const rows = await queryRows<{ id: unknown }>(
      tx,
      sql`UPDATE measurement_jobs SET status = 'cancelled', finished_at = now(), lease_until = NULL, current = NULL
          WHERE id = ${jobId} AND status IN ('queued', 'running') RETURNING id`,
    );
    if (rows.length === 0) return false;
    await tx.execute(
      sql`UPDATE measurement_job_cells SET status = 'cancelled', reason_kind = 'cancelled', reason = 'the job was cancelled',
            finished_at = now()
          WHERE job_id = ${jobId} AND (status IN ('pending', 'running') OR (status = 'skipped' AND reason_kind = 'waiting'))`,
    );
    return true;
  });
}

/** Returns a job with its progress counts, or null. */
export async function getJob(db: FavorDb, jobId: number): Promise<JobRecord | null> {
  const [row] = await listJobs(db, { ids: [jobId], offset: 0, limit: 1 }).then((page) => page.jobs);
  return row ?? null;
}

/** Filters and page of `listJobs`. */
export interface ListJobsOptions {
  readonly statuses?: readonly JobStatus[] | null;
  readonly ids?: readonly number[];
  readonly offset: number;
  readonly limit: number;
}

/** Returns one page of jobs, newest first, with their progress counts and how many match in all. */
export async function listJobs(
  db: FavorDb,
  options: ListJobsOptions,
): Promise<{ jobs: JobRecord[]; totalCount: number }> {
  const where: SQL[] = [];
  if (options.statuses?.length)
    where.push(
      sql`j.status IN (${sql.join(
        options.statuses.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (options.ids) where.push(options.ids.length ? sql`j.id IN (${ids(options.ids)})` : sql`FALSE`);
  const whereSql = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
  const rows = await queryRows<RawJob>(
    db,
    sql`SELECT j.*, count(*) OVER ()::int AS total_count,
          (SELECT json_build_object(
             'total', count(*),
             'pending', count(*) FILTER (WHERE c.status = 'pending' OR (c.status = 'skipped' AND c.reason_kind = 'waiting')),
             'running', count(*) FILTER (WHERE c.status = 'running'), 'done', count(*) FILTER (WHERE c.status = 'done'),
             'failed', count(*) FILTER (WHERE c.status = 'failed'),
             'skipped', count(*) FILTER (WHERE c.status = 'skipped' AND c.reason_kind IS DISTINCT FROM 'waiting'),
             'cancelled', count(*) FILTER (WHERE c.status = 'cancelled'))
           FROM measurement_job_cells c WHERE c.job_id = j.id) AS counts
        FROM measurement_jobs j ${whereSql}
        ORDER BY j.id DESC LIMIT ${options.limit} OFFSET ${options.offset}`,
  );
  let totalCount = rows[0]?.total_count ?? 0;
  if (rows.length === 0 && options.offset > 0) {
    const [c] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM measurement_jobs j ${whereSql}`,
    );
    totalCount = c.n;
  }
  return { jobs: rows.map(toJob), totalCount };
}

/** Returns a job's cells (optionally only some states) in planned order, with model names. */
export async function jobCells(
  db: FavorDb,
  jobId: number,
  statuses?: readonly JobCellStatus[] | null,
): Promise<JobCellRecord[]> {
  const filter = statuses?.length
    ? sql`AND c.status IN (${sql.join(
        statuses.map((s) => sql`${s}`),
        sql`, `,
      )})`
    : sql``;
  const rows = await queryRows<RawJobCell>(
    db,
    sql`SELECT c.*, m.name AS model_name FROM measurement_job_cells c JOIN models m ON m.id = c.model_id
        WHERE c.job_id = ${jobId} ${filter} ORDER BY c.id`,
  );
  return rows.map(toJobCell);
}

/** A (model, resolution, metric) whose figure exists, as `modelId@resolution:metric` keys. */
export type FigureKey = string;

/** Returns the key of a (model, resolution, metric) for {@link existingFigures}. */
export function figureKey(modelId: number, resolution: number, metricKey: string): FigureKey {
  return `${modelId}@${resolution}:${metricKey}`;
}

/**
 * Returns which of the given (model, resolution, metric) figures already exist for `deviceId`, by the figure rule
 * (./figure-rule.ts; whether a metric depends on the device is the catalogue's `per_device`) over any paper run of
 * the model at that resolution and its measurements. With
 * `stableOnly`, a measured figure whose validity verdict is not `stable` does not count.
 */
export async function existingFigures(
  db: FavorDb,
  deviceId: number,
  cells: ReadonlyArray<{ modelId: number; resolution: number; metricKey: string }>,
  options: { stableOnly?: boolean } = {},
): Promise<Set<FigureKey>> {
  const found = new Set<FigureKey>();
  if (cells.length === 0) return found;
  const pairs = [
    ...new Map(
      cells.map((c) => [`${c.modelId}@${c.resolution}`, [c.modelId, c.resolution] as const]),
    ).values(),
  ];
  const rows = await queryRows<{ model_id: number; resolution: number; metric_key: string }>(
    db,
    sql`SELECT DISTINCT COALESCE(c.model_id, r.model_id) AS model_id, COALESCE(c.resolution, r.resolution) AS resolution, c.metric_key
        FROM cells c LEFT JOIN runs r ON r.id = c.run_id JOIN metrics k ON k.key = c.metric_key
        WHERE (COALESCE(c.model_id, r.model_id), COALESCE(c.resolution, r.resolution)) IN (
                ${sql.join(
                  pairs.map(([m, r]) => sql`(${m}::int, ${r}::int)`),
                  sql`, `,
                )})
          AND ${figureMatchSql(sql`k.per_device`, deviceId, "run")}
          ${options.stableOnly ? sql`AND COALESCE(c.provenance->'validity'->>'verdict', 'stable') = 'stable'` : sql``}`,
  );
  for (const r of rows) found.add(figureKey(Number(r.model_id), Number(r.resolution), r.metric_key));
  return found;
}

/** Checks (and renews) the lease inside a transaction and sets the job's current work; throws LeaseLostError. */
async function holdLease(
  tx: FavorDb,
  jobId: number,
  workerId: string,
  leaseMs: number,
  current: Record<string, unknown> | null,
): Promise<void> {
  const rows = await queryRows<{ id: unknown }>(
    tx,
    sql`UPDATE measurement_jobs SET lease_until = now() + ${lease(leaseMs)}, heartbeat_at = now(),
          current = ${current === null ? null : JSON.stringify(current)}::jsonb
        WHERE id = ${jobId} AND worker_id = ${workerId} AND status = 'running' RETURNING id`,
  );
  if (rows.length === 0) {
    const [row] = await queryRows<{ status: string }>(
      tx,
      sql`SELECT status FROM measurement_jobs WHERE id = ${jobId}`,
    );
    throw new LeaseLostError(jobId, row?.status ?? null);
  }
}

function lease(ms: number): SQL {
  return sql`make_interval(secs => ${ms / 1000}::double precision)`;
}

function ids(values: readonly number[]): SQL {
  return sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
}

function cellKey(modelId: number, resolution: number, metricKey: string): string {
  return `${modelId}@${resolution}:${metricKey}`;
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

interface RawJob {
  id: string | number;
  request: unknown;
  status: JobStatus;
  device_id: number;
  provider: "cpu" | "cuda" | "webgpu";
  worker_id: string | null;
  lease_until: Date | string | null;
  heartbeat_at: Date | string | null;
  claims: number;
  current: unknown;
  error: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  total_count: number;
  counts: unknown;
}

interface RawJobCell {
  id: string | number;
  job_id: string | number;
  model_id: number;
  model_name: string;
  resolution: number;
  metric_key: string;
  device_id: number;
  status: JobCellStatus;
  attempts: number;
  cell_id: number | null;
  duplicate_of_job_id: string | number | null;
  reason_kind: string | null;
  reason: string | null;
  details: unknown;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

function json<T>(value: unknown): T {
  return jsonColumn(value) as T;
}

function date(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}

function toJob(row: RawJob): JobRecord {
  const counts = json<Record<string, number | string>>(row.counts);
  const n = (k: string) => Number(counts?.[k] ?? 0);
  return {
    id: Number(row.id),
    status: row.status,
    request: json(row.request),
    deviceId: Number(row.device_id),
    provider: row.provider,
    workerId: row.worker_id,
    leaseUntil: date(row.lease_until),
    heartbeatAt: date(row.heartbeat_at),
    claims: Number(row.claims),
    current: row.current == null ? null : json(row.current),
    error: row.error,
    createdAt: new Date(row.created_at),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    counts: {
      total: n("total"),
      pending: n("pending"),
      running: n("running"),
      done: n("done"),
      failed: n("failed"),
      skipped: n("skipped"),
      cancelled: n("cancelled"),
    },
  };
}

function toJobCell(row: RawJobCell): JobCellRecord {
  return {
    id: Number(row.id),
    jobId: Number(row.job_id),
    modelId: Number(row.model_id),
    modelName: row.model_name,
    resolution: Number(row.resolution),
    metricKey: row.metric_key,
    deviceId: Number(row.device_id),
    status: row.status,
    attempts: Number(row.attempts),
    cellId: row.cell_id == null ? null : Number(row.cell_id),
    duplicateOfJobId: row.duplicate_of_job_id == null ? null : Number(row.duplicate_of_job_id),
    reasonKind: row.reason_kind,
    reason: row.reason,
    details: row.details == null ? null : json(row.details),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
  };
}
