import { boolean, integer, pgEnum, pgTable, text } from "drizzle-orm/pg-core";

export const metricDirection = pgEnum("metric_direction", ["HIGHER", "LOWER"]);
export const metricStage = pgEnum("metric_stage", ["QUALITY", "THEORETICAL", "INFERENCE", "TRAINING"]);

/** The metric catalogue, upserted at every start from src/db/metric-catalog.ts. */
export const metrics = pgTable("metrics", {
  /** Stable key used everywhere (cells, filters, orderings), e.g. `accuracyTop1`. */
  key: text("key").primaryKey(),
  label: text("label").notNull(),
  unit: text("unit").notNull(),
  /** Whether higher or lower values are better. */
  direction: metricDirection("direction").notNull(),
  stage: metricStage("stage").notNull(),
  /** True when the figure depends on the machine it was obtained on (throughput, memory, time, latency). */
  perDevice: boolean("per_device").notNull(),
  /** Batch size the metric is defined at, where fixed (inference memory @32 → 32); null when it varies. */
  batchSize: integer("batch_size"),
  description: text("description").notNull(),
});

export type MetricRow = typeof metrics.$inferSelect;
export type NewMetricRow = typeof metrics.$inferInsert;
