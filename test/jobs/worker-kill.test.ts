import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type FavorDatabase, openDatabase, queryRows, sql } from "../../src/db/client.js";
import { getJob, type JobRecord, jobCells } from "../../src/db/queries/jobs.js";
import { MeasurementWorker, WORKER_SCRATCH_PREFIX } from "../../src/jobs/measurement-worker.js";
import { createServices } from "../../src/services/index.js";
import { MeasurementService } from "../../src/services/measurement.service.js";
import { createScratchDatabase, type ScratchDatabase } from "../helpers/test-database.js";
import { QUICK_SETTINGS, QUICK_SETTINGS_JSON } from "./quick-settings.js";

const LEASE_MS = 3_000;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A worker process really killed (SIGKILL) in the middle of a job: another worker resumes the job after the lease
 * expires, without redoing finished cells and without writing any cell twice. PostgreSQL only: PGlite belongs to
 * one process, so a second worker process cannot share it (set TEST_DATABASE_URL).
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)("a worker killed mid-job (postgres)", () => {
  let scratch: ScratchDatabase;
  let database: FavorDatabase;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    scratch = await createScratchDatabase("postgres");
    database = await openDatabase({ databaseUrl: scratch.databaseUrl, dataDir: scratch.dataDir });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await database?.close();
    await scratch?.drop();
  });

  it("is resumed by another worker after the lease: finished cells kept, no duplicate figure", async () => {
    const { db } = database;
    const service = new MeasurementService(db, createServices(database).catalog);
    const metrics = [
      "latencyP50Ms",
      "latencyP90Ms",
      "latencyP99Ms",
      "throughput",
      "inferenceMemoryB1",
      "inferenceMemoryB32",
      "inferenceMemoryB64",
    ];
    const job = await service.request({
      models: ["ViT-Ti/16"],
      resolutions: [32],
      metrics,
      provider: "cpu",
      force: true,
    });

    const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    let output = "";
    child = spawn(process.execPath, ["--import", loader, "src/worker.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: scratch.databaseUrl,
        FAVOR_WORKER_LEASE_MS: String(LEASE_MS),
        FAVOR_WORKER_POLL_MS: "100",
        FAVOR_MEASURE_SETTINGS: QUICK_SETTINGS_JSON,
        FAVOR_MEASURE_THREADS: "1",
        FAVOR_WORKER_CUDA: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));

    // Mid-job: some cells written, one being measured.
    let seen: JobRecord;
    for (;;) {
      seen = (await getJob(db, job.id))!;
      if (seen.counts.done >= 3 && seen.counts.running >= 1) break;
      if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const firstWorker = seen.workerId;
    const doneBefore = (await jobCells(db, job.id, ["done"])).map((c) => [c.id, c.cellId]);
    const killed = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await killed;
    removeScratchOf(child.pid!);

    // Nothing is released on a kill: the job stays running under the dead worker's lease until it expires.
    const orphaned = (await getJob(db, job.id))!;
    expect(orphaned).toMatchObject({ status: "running", workerId: firstWorker });
    expect(orphaned.counts.done).toBeGreaterThanOrEqual(doneBefore.length);

    const second = new MeasurementWorker({
      db,
      settings: QUICK_SETTINGS,
      threads: 1,
      leaseMs: LEASE_MS,
      pollMs: 100,
      cuda: false,
      log: () => {},
    });
    let resumed: JobRecord | null = null;
    while (resumed === null) {
      resumed = await second.runOnce();
      if (resumed === null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(resumed.id).toBe(job.id);
    expect(resumed.claims).toBe(2);

    const final = (await getJob(db, job.id))!;
    expect(final.status).toBe("succeeded");
    expect(final.counts).toMatchObject({ total: metrics.length, done: metrics.length, failed: 0 });
    const cells = await jobCells(db, job.id);
    // Cells finished before the kill were not measured again.
    for (const [id, cellId] of doneBefore) expect(cells.find((c) => c.id === id)?.cellId).toBe(cellId);
    // The cell that was running when the worker died was measured again: its second attempt.
    expect(Math.max(...cells.map((c) => c.attempts))).toBe(2);
    const figures = await queryRows<{ metric_key: string; n: number; workers: string[] }>(
      db,
      sql`SELECT metric_key, count(*)::int AS n, array_agg(DISTINCT provenance->>'worker') AS workers FROM cells
          WHERE job_id = ${job.id} GROUP BY metric_key ORDER BY metric_key`,
    );
    expect(figures.map((f) => f.metric_key).sort()).toEqual([...metrics].sort());
    for (const f of figures) expect(f.n, f.metric_key).toBe(1);
    const writers = new Set(figures.flatMap((f) => f.workers));
    expect(writers).toEqual(new Set([firstWorker, second.workerId]));
  });
});

/** Removes the scratch folders of a worker that was SIGKILLed (it had no chance to). */
function removeScratchOf(pid: number): void {
  const prefix = `${WORKER_SCRATCH_PREFIX}${pid}-`;
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(prefix)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
