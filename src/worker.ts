/**
 * `npm run worker`: a measurement worker alone. It opens DATABASE_URL (or the PGlite data dir when no server holds
 * it), registers this machine's devices (CPU, and GPUs where onnxruntime's CUDA provider can run), and measures the
 * jobs queued for them until SIGTERM/SIGINT, when it hands its current job back to the queue. Run one per machine
 * (per accelerator) against a central PostgreSQL to let a GPU host join. Options: src/jobs/worker-config.ts.
 */
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/client.js";
import { MeasurementWorker } from "./jobs/measurement-worker.js";
import { workerOptionsFromEnv } from "./jobs/worker-config.js";

try {
  const config = loadConfig();
  const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`;
  console.log(`favor worker: opening ${where}...`);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 3,
  });
  const worker = new MeasurementWorker({ db: database.db, ...workerOptionsFromEnv() });
  await worker.start();
  console.log(`favor worker: ${worker.workerId} serving devices ${(await worker.register()).join(", ")}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`favor worker: ${signal}, handing back the current job...`);
    worker
      .stop()
      .then(() => database.close())
      .then(
        () => process.exit(0),
        (error) => {
          console.error("favor worker: shutdown failed:", error);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  console.error(`favor worker: could not start: ${(error as Error).message}`);
  process.exit(1);
}
