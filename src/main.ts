/**
 * `npm start`: opens the database (migrate + seed when empty), serves GraphQL at http://localhost:$PORT/graphql,
 * runs a measurement worker in the process (FAVOR_WORKER=1, the default), and drains and closes on SIGTERM/SIGINT.
 */
import "reflect-metadata";

import { loadConfig } from "./config.js";
import { MeasurementWorker } from "./jobs/measurement-worker.js";
import { workerOptionsFromEnv } from "./jobs/worker-config.js";
import { startServer } from "./server.js";

try {
  const config = loadConfig();
  const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`;
  console.log(`favor: opening ${where}...`);
  const server = await startServer({ config });
  console.log(`favor: GraphQL at ${server.url.replace("127.0.0.1", "localhost")}/graphql (health: /healthz)`);
  const { services } = server.app;
  const worker = config.worker
    ? new MeasurementWorker({
        db: services.database.db,
        onFigures: () => services.catalog.invalidate(),
        ...workerOptionsFromEnv(),
      })
    : null;
  await worker?.start();
  if (worker)
    console.log(`favor: measurement worker ${worker.workerId} running (FAVOR_WORKER=0 turns it off)`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`favor: ${signal}, draining...`);
    Promise.resolve(worker?.stop())
      .then(() => server.stop())
      .then(
        () => {
          console.log("favor: stopped");
          process.exit(0);
        },
        (error) => {
          console.error("favor: shutdown failed:", error);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  console.error(`favor: could not start: ${(error as Error).message}`);
  process.exit(1);
}
