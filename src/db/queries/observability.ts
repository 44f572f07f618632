import { and, count, eq, isNotNull, sql } from "drizzle-orm";

import type { FavorDb } from "../client.js";
import { measurementJobCells, measurementJobs } from "../schema/index.js";

/** How many measurement jobs and job cells are in each status now (every process's, read from the database). */
export interface QueueDepth {
  readonly jobs: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  readonly cells: ReadonlyArray<{ readonly status: string; readonly count: number }>;
}

/** Returns the queue's depth by status: jobs and cells (the /metrics gauges). */
export async function queueDepth(db: FavorDb): Promise<QueueDepth> {
  const jobs = await db
    .select({ status: measurementJobs.status, count: count() })
    .from(measurementJobs)
    .groupBy(measurementJobs.status);
  const cells = await db
    .select({ status: measurementJobCells.status, count: count() })
    .from(measurementJobCells)
    .groupBy(measurementJobCells.status);
  return { jobs, cells };
}

/** The last heartbeat of each worker holding a running job, in seconds since the epoch. */
export async function runningWorkerHeartbeats(
  db: FavorDb,
): Promise<ReadonlyArray<{ readonly workerId: string; readonly heartbeatSeconds: number }>> {
  const rows = await db
    .select({
      workerId: measurementJobs.workerId,
      heartbeatSeconds: sql<number>`extract(epoch FROM max(${measurementJobs.heartbeatAt}))::float8`,
    })
    .from(measurementJobs)
    .where(
      and(
        eq(measurementJobs.status, "running"),
        isNotNull(measurementJobs.workerId),
        isNotNull(measurementJobs.heartbeatAt),
      ),
    )
    .groupBy(measurementJobs.workerId);
  return rows.map((r) => ({ workerId: r.workerId!, heartbeatSeconds: Number(r.heartbeatSeconds) }));
}

/** The /metrics gauges read from the database: queue depth, running workers' heartbeats, optionally the data version. */
export async function databaseGauges(
  db: FavorDb,
  dataVersion?: () => Promise<number>,
): Promise<
  QueueDepth & {
    readonly heartbeats: ReadonlyArray<{ readonly workerId: string; readonly heartbeatSeconds: number }>;
    readonly dataVersion: number | null;
  }
> {
  const [depth, heartbeats, version] = await Promise.all([
    queueDepth(db),
    runningWorkerHeartbeats(db),
    dataVersion?.() ?? Promise.resolve(null),
  ]);
  return { ...depth, heartbeats, dataVersion: version };
}
