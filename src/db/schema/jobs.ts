import { relations, sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from "drizzle-orm/pg-core";

import { cells } from "./cells.js";
import { timestamps } from "./columns.js";
import { devices } from "./devices.js";
import { metrics } from "./metrics.js";
import { models } from "./models.js";

export const measurementJobStatus = pgEnum("measurement_job_status", [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
]);
export const measurementCellStatus = pgEnum("measurement_cell_status", [
  "pending",
  "running",
  "done",
  "failed",
  "skipped",
  "cancelled",
]);

/**
 * Measurement jobs (the `measure` mutation): the normalised request, the device the job measures on, and the
 * lease of the worker running it. A worker owns a running job while `lease_until` is in the future and renews it
 * with heartbeats; after it expires another worker may claim the job and resume it. At most one job runs per
 * device at a time (partial unique index), so concurrent measurements never disturb each other's timings.
 */
export const measurementJobs = pgTable(
  "measurement_jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The request as normalised by the service (models, resolutions, metrics, provider, force, budgets). */
    request: jsonb("request").$type<Record<string, unknown>>().notNull(),
    status: measurementJobStatus("status").notNull().default("queued"),
    /** The device the job measures on (a registered measuring machine). */
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id),
    /** The execution provider the job runs with (`cpu`, `cuda` or `webgpu`; `auto` is resolved when the job is created). */
    provider: text("provider").notNull(),
    /** The worker holding (or that last held) the job. */
    workerId: text("worker_id"),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    /** How many times a worker claimed the job (more than 1: resumed after a worker died). */
    claims: integer("claims").notNull().default(0),
    /** The cells being measured now: { modelName, resolution, metrics, startedAt }. */
    current: jsonb("current").$type<Record<string, unknown>>(),
    /** Why the whole job failed, where it did (per-cell failures are on the cells). */
    error: text("error"),
    ...timestamps,
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    check("measurement_jobs_provider_check", sql`${t.provider} IN ('cpu', 'cuda', 'webgpu')`),
    uniqueIndex("measurement_jobs_one_running_per_device").on(t.deviceId).where(sql`${t.status} = 'running'`),
    index("measurement_jobs_status_idx").on(t.status, t.id),
  ],
);

/**
 * The cells a job measures: one row per (model, resolution, metric) with its state, the figure it wrote
 * (`cell_id`) or why it failed. While a row is pending or running no other job may hold the same cell on the
 * same device (partial unique index), so identical concurrent requests never measure a cell twice.
 */
export const measurementJobCells = pgTable(
  "measurement_job_cells",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: bigint("job_id", { mode: "number" })
      .notNull()
      .references(() => measurementJobs.id, { onDelete: "cascade" }),
    modelId: integer("model_id")
      .notNull()
      .references(() => models.id),
    resolution: integer("resolution").notNull(),
    metricKey: text("metric_key")
      .notNull()
      .references(() => metrics.key),
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id),
    status: measurementCellStatus("status").notNull().default("pending"),
    /** Times a worker started this cell (a cell whose worker died twice while measuring it is failed). */
    attempts: integer("attempts").notNull().default(0),
    /** The figure written, once done. */
    cellId: integer("cell_id").references(() => cells.id, { onDelete: "set null" }),
    /** Skipped because another job was already measuring the same cell: that job. */
    duplicateOfJobId: bigint("duplicate_of_job_id", { mode: "number" }),
    /** Failure kind (oom, timeout, crash, unsupported-op, ...) or skip reason. */
    reasonKind: text("reason_kind"),
    /** Human-readable failure or skip reason. */
    reason: text("reason"),
    details: jsonb("details").$type<Record<string, unknown>>(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    unique("measurement_job_cells_job_cell_unique").on(t.jobId, t.modelId, t.resolution, t.metricKey),
    uniqueIndex("measurement_job_cells_active_unique")
      .on(t.modelId, t.resolution, t.metricKey, t.deviceId)
      .where(sql`${t.status} IN ('pending', 'running')`),
    index("measurement_job_cells_job_idx").on(t.jobId, t.status),
  ],
);

export const measurementJobsRelations = relations(measurementJobs, ({ one, many }) => ({
  device: one(devices, { fields: [measurementJobs.deviceId], references: [devices.id] }),
  cells: many(measurementJobCells),
}));

export const measurementJobCellsRelations = relations(measurementJobCells, ({ one }) => ({
  job: one(measurementJobs, { fields: [measurementJobCells.jobId], references: [measurementJobs.id] }),
  model: one(models, { fields: [measurementJobCells.modelId], references: [models.id] }),
  cell: one(cells, { fields: [measurementJobCells.cellId], references: [cells.id] }),
}));

export type MeasurementJobRow = typeof measurementJobs.$inferSelect;
export type NewMeasurementJobRow = typeof measurementJobs.$inferInsert;
export type MeasurementJobCellRow = typeof measurementJobCells.$inferSelect;
