import { eq } from "drizzle-orm";

import type { FavorDb } from "../client.js";
import { dataVersion } from "../schema/index.js";

/**
 * Returns a reader of the database's data version (table data_version, bumped by triggers on every write to
 * models, runs, cells, devices and metrics, from any process): one prepared single-row read per call.
 */
export function dataVersionReader(db: FavorDb): () => Promise<number> {
  const statement = db
    .select({ version: dataVersion.version })
    .from(dataVersion)
    .where(eq(dataVersion.id, 1))
    .prepare("favor_data_version");
  return () => statement.execute().then(([row]) => Number(row?.version ?? 0));
}
