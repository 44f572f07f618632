import { relations, sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  serial,
  text,
  unique,
} from "drizzle-orm/pg-core";

import { timestamps } from "./columns.js";
import { devices } from "./devices.js";
import { measurementJobs } from "./jobs.js";
import { metrics } from "./metrics.js";
import { models } from "./models.js";
import { runs } from "./runs.js";

export const cellSource = pgEnum("cell_source", ["paper", "measured"]);

/**
 * One row per figure. The subject is either a paper run (`run_id`) or a model at a fine-tune resolution
 * (`model_id` + `resolution`, for Favor's own measurements). Device-independent figures have no device.
 * The unique constraint (NULLS NOT DISTINCT) means a figure cannot be written twice.
 */
export const cells = pgTable(
  "cells",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id").references(() => runs.id, { onDelete: "cascade" }),
    modelId: integer("model_id").references(() => models.id),
    resolution: integer("resolution"),
    metricKey: text("metric_key")
      .notNull()
      .references(() => metrics.key),
    deviceId: integer("device_id").references(() => devices.id),
    /** Batch size of the figure where it has one (throughput batch, inference-memory batch). */
    batchSize: integer("batch_size"),
    value: doublePrecision("value").notNull(),
    source: cellSource("source").notNull(),
    /** Where the figure came from: source file and field for the paper; runtime, provider, threads, iterations, spread... for measurements. */
    provenance: jsonb("provenance").$type<Record<string, unknown>>().notNull().default({}),
    /** The measurement job that wrote the figure (measured figures only). */
    jobId: bigint("job_id", { mode: "number" }).references(() => measurementJobs.id, {
      onDelete: "set null",
    }),
    ...timestamps,
  },
  (t) => [
    unique("cells_figure_unique")
      .on(t.runId, t.modelId, t.resolution, t.metricKey, t.deviceId, t.batchSize)
      .nullsNotDistinct(),
    check(
      "cells_subject_check",
      sql`(${t.runId} IS NOT NULL AND ${t.modelId} IS NULL AND ${t.resolution} IS NULL) OR (${t.runId} IS NULL AND ${t.modelId} IS NOT NULL AND ${t.resolution} IS NOT NULL)`,
    ),
    index("cells_run_idx").on(t.runId, t.metricKey),
    index("cells_model_resolution_idx").on(t.modelId, t.resolution, t.metricKey),
  ],
);

export const cellsRelations = relations(cells, ({ one }) => ({
  run: one(runs, { fields: [cells.runId], references: [runs.id] }),
  model: one(models, { fields: [cells.modelId], references: [models.id] }),
  metric: one(metrics, { fields: [cells.metricKey], references: [metrics.key] }),
  device: one(devices, { fields: [cells.deviceId], references: [devices.id] }),
}));

export type CellRow = typeof cells.$inferSelect;
export type NewCellRow = typeof cells.$inferInsert;
