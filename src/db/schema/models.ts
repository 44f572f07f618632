import { relations } from "drizzle-orm";
import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";

import { runs } from "./runs.js";

/** Benchmarked architectures: display name, the benchmark's source id and the paper's taxonomy. */
export const models = pgTable("models", {
  id: serial("id").primaryKey(),
  /** Canonical display name, e.g. "ViT-S/16", "Swin-T", "EViT-S (fuse)". */
  name: text("name").notNull().unique(),
  /** The benchmark's model id, e.g. `deit_small_patch16_LS`. */
  sourceId: text("source_id").notNull().unique(),
  family: text("family").notNull(),
  size: text("size").notNull(),
  /** Patch size in pixels; null for models without a patch embedding (ResNet). */
  patchSize: integer("patch_size"),
  /** One of the dashboard's 10 taxonomy classes. */
  taxonomyClass: text("taxonomy_class").notNull(),
  /** The paper's first taxonomy level: which part of the ViT the model changes. */
  changesWhat: text("changes_what").notNull(),
  /** The paper's second taxonomy level: how it changes it. */
  changesHow: text("changes_how").notNull(),
});

export const modelsRelations = relations(models, ({ many }) => ({
  runs: many(runs),
}));

export type ModelRow = typeof models.$inferSelect;
export type NewModelRow = typeof models.$inferInsert;
