import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable } from "drizzle-orm/pg-core";

/**
 * A single row whose `version` grows with every statement that writes models, runs, cells, devices or metrics
 * (statement triggers, migration 0001). Processes cache query results and catalogue rows keyed by it, so a figure a
 * worker writes in another process is seen by the next query of every API replica.
 */
export const dataVersion = pgTable(
  "data_version",
  {
    id: integer("id").primaryKey().default(1),
    version: bigint("version", { mode: "number" }).notNull().default(0),
  },
  (t) => [check("data_version_single_row", sql`${t.id} = 1`)],
);
