import { sql } from "drizzle-orm";

import { type FavorDb, queryRows } from "../client.js";

/** How many measurement jobs and job cells are in each status now (every process's, read from the database). */
export interface QueueDepth {
  readonly jobs: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  readonly cells: ReadonlyArray<{ readonly status: string; readonly count: number }>;
}

/** Returns the queue's depth by status: jobs and cells (the /metrics gauges). */
export async function queueDepth(db: FavorDb): Promise<QueueDepth> {
  const jobs = await queryRows<{ status: string; count: number }>(
    db,
    sql`SELECT status::text AS status, count(*)::int AS count FROM measurement_jobs GROUP BY status`,
  );
  const cells = await queryRows<{ status: string; count: number }>(
    db,
    sql`SELECT status::text AS status, count(*)::int AS count FROM measurement_job_cells GROUP BY status`,
  );
  return { jobs, cells };
}

/** The last heartbeat of each worker holding a running job, in seconds since the epoch. */
export async function runningWorkerHeartbeats(
  db: FavorDb,
): Promise<ReadonlyArray<{ readonly workerId: string; readonly heartbeatSeconds: number }>> {
  return queryRows<{ workerId: string; heartbeatSeconds: number }>(
    db,
    sql`SELECT worker_id AS "workerId", extract(epoch FROM max(heartbeat_at))::float8 AS "heartbeatSeconds"
        FROM measurement_jobs WHERE status = 'running' AND worker_id IS NOT NULL AND heartbeat_at IS NOT NULL
        GROUP BY worker_id`,
  );
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
