import { relations } from "drizzle-orm";
import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  unique,
} from "drizzle-orm/pg-core";

import { devices } from "./devices.js";
import { models } from "./models.js";

/**
 * The paper's fine-tuning runs (ImageNet-21k pre-training, ImageNet-1k fine-tuning). Duplicate runs of one
 * configuration stay separate rows; see the model@resolution rule in src/db/queries/subjects.ts for how they combine.
 */
export const runs = pgTable(
  "runs",
  {
    id: serial("id").primaryKey(),
    modelId: integer("model_id")
      .notNull()
      .references(() => models.id),
    /** The dashboard's experiment id (a 64-bit integer, kept as text so no digit is lost). */
    experimentId: text("experiment_id").notNull(),
    runName: text("run_name").notNull(),
    /** As recorded by the source, "dd.mm.yyyy hh:mm:ss". */
    runDate: text("run_date").notNull(),
    /** The GPU type the run recorded; figures that depend on the device are stored against it. */
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id),
    gpuCount: integer("gpu_count").notNull(),
    pretrainResolution: integer("pretrain_resolution").notNull(),
    resolution: integer("resolution").notNull(),
    pretrainDataset: text("pretrain_dataset").notNull(),
    dataset: text("dataset").notNull(),
    hyperparameters: jsonb("hyperparameters").$type<Record<string, unknown>>().notNull(),
    pretrainHyperparameters: jsonb("pretrain_hyperparameters").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    unique("runs_name_date_unique").on(t.runName, t.runDate),
    index("runs_model_resolution_idx").on(t.modelId, t.resolution),
  ],
);

/** Per-epoch curves of a run's fine-tuning: one row per (run, epoch), the source's 16 fields as columns. */
export const runEpochs = pgTable(
  "run_epochs",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    epoch: integer("epoch").notNull(),
    loss: doublePrecision("loss"),
    time: doublePrecision("time"),
    learningRate: doublePrecision("learning_rate"),
    acc1: doublePrecision("acc1"),
    acc5: doublePrecision("acc5"),
    gradNormAvg: doublePrecision("grad_norm_avg"),
    gradNormMax: doublePrecision("grad_norm_max"),
    infGradNorm: doublePrecision("inf_grad_norm"),
    gradNormP20: doublePrecision("grad_norm_p20"),
    gradNormP80: doublePrecision("grad_norm_p80"),
    validationLoss: doublePrecision("validation_loss"),
    validationTime: doublePrecision("validation_time"),
    valAcc1: doublePrecision("val_acc1"),
    valAcc5: doublePrecision("val_acc5"),
    timeSum: doublePrecision("time_sum"),
    validationTimeSum: doublePrecision("validation_time_sum"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.epoch] })],
);

export const runsRelations = relations(runs, ({ one, many }) => ({
  model: one(models, { fields: [runs.modelId], references: [models.id] }),
  device: one(devices, { fields: [runs.deviceId], references: [devices.id] }),
  epochs: many(runEpochs),
}));

export const runEpochsRelations = relations(runEpochs, ({ one }) => ({
  run: one(runs, { fields: [runEpochs.runId], references: [runs.id] }),
}));

export type RunRow = typeof runs.$inferSelect;
export type NewRunRow = typeof runs.$inferInsert;
export type RunEpochRow = typeof runEpochs.$inferSelect;
