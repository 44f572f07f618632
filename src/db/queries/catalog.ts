import { asc, isNotNull, sql } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";

import type { FavorDb } from "../client.js";
import {
  cells,
  type DeviceRow,
  devices,
  type MetricRow,
  type ModelRow,
  metrics,
  models,
  runs,
} from "../schema/index.js";

/** Returns the metric catalogue ordered by stage, then key. */
export function metricRows(db: FavorDb): Promise<MetricRow[]> {
  return db.select().from(metrics).orderBy(asc(metrics.stage), asc(metrics.key));
}

/** Returns all devices ordered by id. */
export function deviceRows(db: FavorDb): Promise<DeviceRow[]> {
  return db.select().from(devices).orderBy(asc(devices.id));
}

/** Returns all models ordered by display name. */
export function modelRows(db: FavorDb): Promise<ModelRow[]> {
  return db.select().from(models).orderBy(asc(models.name));
}

/** Returns every fine-tune resolution of a run or a measurement, ascending. */
export async function resolutions(db: FavorDb): Promise<number[]> {
  const rows = await union(
    db.select({ resolution: runs.resolution }).from(runs),
    db
      .select({ resolution: sql<number>`${cells.resolution}` })
      .from(cells)
      .where(isNotNull(cells.resolution)),
  ).orderBy(sql`1`);
  return rows.map((r) => Number(r.resolution));
}

/** Returns every pre-train resolution of a run, ascending. */
export async function pretrainResolutions(db: FavorDb): Promise<number[]> {
  const rows = await db
    .selectDistinct({ resolution: runs.pretrainResolution })
    .from(runs)
    .orderBy(asc(runs.pretrainResolution));
  return rows.map((r) => Number(r.resolution));
}

/** Returns each model's benchmark id by model id. */
export async function modelSourceIds(db: FavorDb): Promise<Map<number, string>> {
  const rows = await db.select({ id: models.id, sourceId: models.sourceId }).from(models);
  return new Map(rows.map((r) => [r.id, r.sourceId]));
}
