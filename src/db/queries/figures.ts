import { sql } from "drizzle-orm";

import { type FavorDb, queryRows } from "../client.js";

/** A figure a measurement job wrote, with what a summary line shows. */
export interface JobFigure {
  readonly model: string;
  readonly resolution: number;
  readonly metricKey: string;
  readonly unit: string;
  readonly value: number;
  readonly batchSize: number | null;
  /** The validity verdict in the provenance (null when it has none). */
  readonly verdict: string | null;
  /** The coefficient of variation in the provenance (null when it has none). */
  readonly cv: number | null;
}

/** Returns the figures job `jobId` wrote, ordered by model name, resolution and cell id. */
export async function jobFigures(db: FavorDb, jobId: number): Promise<JobFigure[]> {
  const rows = await queryRows<{
    model: string;
    resolution: number;
    metric_key: string;
    unit: string;
    value: number | string;
    batch_size: number | null;
    verdict: string | null;
    cv: number | string | null;
  }>(
    db,
    sql`SELECT m.name AS model, c.resolution, c.metric_key, k.unit, c.value, c.batch_size,
               c.provenance->'validity'->>'verdict' AS verdict, (c.provenance->'spread'->>'cv')::float8 AS cv FROM cells c
        JOIN models m ON m.id = c.model_id JOIN metrics k ON k.key = c.metric_key
        WHERE c.job_id = ${jobId} ORDER BY m.name, c.resolution, c.id`,
  );
  return rows.map((r) => ({
    model: r.model,
    resolution: Number(r.resolution),
    metricKey: r.metric_key,
    unit: r.unit,
    value: Number(r.value),
    batchSize: r.batch_size,
    verdict: r.verdict,
    cv: r.cv === null ? null : Number(r.cv),
  }));
}
