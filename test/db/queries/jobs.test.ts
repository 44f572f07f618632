import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type FavorDatabase, openDatabase, queryRows, sql } from "../../../src/db/client.js";
import {
  cancelJob,
  claimJob,
  completeJob,
  enqueueJob,
  finishCells,
  getJob,
  heartbeat,
  LeaseLostError,
  pendingCells,
  QueueFullError,
  releaseJob,
  startCells,
} from "../../../src/db/queries/jobs.js";
import { registerDevice } from "../../../src/jobs/device-registry.js";
import { describeDevice } from "../../../src/measure/device/device-description.js";
import { testMeasureRequest } from "../../helpers/measure-request.js";
import { BACKENDS, createScratchDatabase, type ScratchDatabase } from "../../helpers/test-database.js";

describe.each(BACKENDS)("job queue (%s)", (backend) => {
  let scratch: ScratchDatabase;
  let database: FavorDatabase;
  let cpu: number;
  let other: number;
  let modelId: number;

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    database = await openDatabase({ databaseUrl: scratch.databaseUrl, dataDir: scratch.dataDir });
    cpu = (await registerDevice(database.db, describeDevice("cpu"))).id;
    const fake = { ...describeDevice("cpu"), id: "cpu-00000000000000ff", name: "Test CPU (1 core)" };
    other = (await registerDevice(database.db, fake)).id;
    [{ id: modelId }] = await queryRows<{ id: number }>(
      database.db,
      sql`SELECT id FROM models WHERE name = 'ViT-Ti/16'`,
    );
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  const enqueue = (deviceId: number, resolution: number, metrics = ["throughput"]) =>
    enqueueJob(database.db, {
      request: testMeasureRequest(deviceId),
      deviceId,
      provider: "cpu",
      maxActiveJobs: 10,
      cells: metrics.map((metricKey) => ({ modelId, resolution, metricKey })),
    });
  const claim = (workerId: string, deviceIds = [cpu], leaseMs = 60_000) =>
    claimJob(database.db, { workerId, deviceIds, leaseMs, maxAttempts: 2 });

  it("registers a device once per stable id and keeps paper devices apart", async () => {
    expect((await registerDevice(database.db, describeDevice("cpu"))).id).toBe(cpu);
    expect(other).not.toBe(cpu);
  });

  it("runs one job per device at a time, in order, and only for the worker's devices", async () => {
    const first = await enqueue(cpu, 32);
    const second = await enqueue(cpu, 48);
    const elsewhere = await enqueue(other, 32);
    const claims = await Promise.all(["a", "b", "c", "d"].map((w) => claim(w)));
    const won = claims.filter((j) => j !== null);
    expect(won.map((j) => j!.id)).toEqual([first]);
    expect(await claim("e")).toBeNull();
    // Another device is not blocked by this one.
    expect((await claim("f", [other]))?.id).toBe(elsewhere);

    const owner = won[0]!.workerId!;
    const [cell] = await pendingCells(database.db, first);
    await startCells(database.db, first, owner, [cell.id], { note: "test" }, 60_000);
    await finishCells(
      database.db,
      first,
      owner,
      [],
      [{ jobCellId: cell.id, status: "failed", kind: "oom", reason: "test" }],
      60_000,
    );
    expect(await completeJob(database.db, first, owner)).toBe("failed");
    expect((await claim("g"))?.id).toBe(second);
    await cancelJob(database.db, second);
    await cancelJob(database.db, elsewhere);
  });

  it("lets another worker take over a job whose lease expired; the old worker can no longer write", async () => {
    const jobId = await enqueue(cpu, 64, ["throughput", "inferenceMemoryB1"]);
    const a = await claim("old", [cpu], 200);
    expect(a?.id).toBe(jobId);
    const [c1, c2] = await pendingCells(database.db, jobId);
    await startCells(database.db, jobId, "old", [c1.id], {}, 200);
    expect(await claim("new", [cpu], 60_000)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const b = await claim("new", [cpu], 60_000);
    expect(b).toMatchObject({ id: jobId, claims: 2, workerId: "new" });
    // The dead worker's running cell is pending again, its attempt counted.
    const pending = await pendingCells(database.db, jobId);
    expect(pending.map((c) => [c.id, c.attempts])).toEqual([
      [c1.id, 1],
      [c2.id, 0],
    ]);
    expect(await heartbeat(database.db, jobId, "old", 200)).toBe("lost");
    await expect(
      finishCells(
        database.db,
        jobId,
        "old",
        [],
        [{ jobCellId: c1.id, status: "failed", kind: "x", reason: "x" }],
        200,
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await completeJob(database.db, jobId, "old")).toBeNull();
    // A graceful stop hands the job back without counting the attempt.
    await startCells(database.db, jobId, "new", [c2.id], {}, 60_000);
    expect(await releaseJob(database.db, jobId, "new")).toBe(true);
    expect(await getJob(database.db, jobId)).toMatchObject({ status: "queued" });
    expect((await pendingCells(database.db, jobId)).map((c) => c.attempts)).toEqual([1, 0]);
    // Cancelling tells the holder at its next heartbeat.
    await claim("third");
    expect(await cancelJob(database.db, jobId)).toBe(true);
    expect(await heartbeat(database.db, jobId, "third", 60_000)).toBe("cancelled");
    expect(await cancelJob(database.db, jobId)).toBe(false);
  });

  it("fails a cell whose worker died twice while measuring it", async () => {
    const jobId = await enqueue(cpu, 80);
    const [cell] = await pendingCells(database.db, jobId);
    for (const worker of ["w1", "w2"]) {
      expect((await claim(worker, [cpu], 100))?.id).toBe(jobId);
      await startCells(database.db, jobId, worker, [cell.id], {}, 100);
      await new Promise((r) => setTimeout(r, 200));
    }
    const job = await claim("w3");
    expect(job?.counts).toMatchObject({ failed: 1, pending: 0 });
    expect(await completeJob(database.db, jobId, "w3")).toBe("failed");
  });

  it("lets a cell another job holds wait for it, and bounds the number of active jobs", async () => {
    const a = await enqueue(other, 96);
    const b = await enqueue(other, 96);
    // Not succeeded: the figure does not exist yet, and the cell counts as pending until a's outcome settles it.
    expect(await getJob(database.db, b)).toMatchObject({
      status: "queued",
      counts: { pending: 1, skipped: 0, total: 1 },
    });
    const [dup] = await queryRows<{ duplicate_of_job_id: string }>(
      database.db,
      sql`SELECT duplicate_of_job_id FROM measurement_job_cells WHERE job_id = ${b}`,
    );
    expect(Number(dup.duplicate_of_job_id)).toBe(a);
    const full = enqueueJob(database.db, {
      request: testMeasureRequest(other),
      deviceId: other,
      provider: "cpu",
      maxActiveJobs: 1,
      cells: [],
    });
    await expect(full).rejects.toBeInstanceOf(QueueFullError);
    await cancelJob(database.db, a);
    await cancelJob(database.db, b);
    expect(await getJob(database.db, b)).toMatchObject({ status: "cancelled", counts: { cancelled: 1 } });
  });
});
