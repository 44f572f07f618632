import { asc, eq, inArray } from "drizzle-orm";

import type { FavorDb } from "../client.js";
import { type RunEpochRow, runEpochs } from "../schema/index.js";

/** Returns the per-epoch rows of a run, epoch 1 first. */
export function runEpochRows(db: FavorDb, runId: number): Promise<RunEpochRow[]> {
  return db.select().from(runEpochs).where(eq(runEpochs.runId, runId)).orderBy(asc(runEpochs.epoch));
}

/** Returns the per-epoch rows of several runs, ordered by run id then epoch. */
export function runEpochRowsOf(db: FavorDb, runIds: readonly number[]): Promise<RunEpochRow[]> {
  return db
    .select()
    .from(runEpochs)
    .where(inArray(runEpochs.runId, [...runIds]))
    .orderBy(asc(runEpochs.runId), asc(runEpochs.epoch));
}
