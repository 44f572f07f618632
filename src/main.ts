/**
 * `npm start`: opens the database (migrate + seed when empty), serves GraphQL at http://localhost:$PORT/graphql,
 * runs a measurement worker in the process (FAVOR_WORKER=1, the default), and drains and closes on SIGTERM/SIGINT.
 * Logs are JSON lines (pino) on stdout at LOG_LEVEL.
 */
import "reflect-metadata";

import { loadConfig } from "./config.js";
import { MeasurementWorker } from "./jobs/measurement-worker.js";
import { logger } from "./observability/logger.js";
import { checkPortFree } from "./port-check.js";
import { startServer } from "./server.js";

try {
  const config = loadConfig();
  logger.level = config.logLevel;
  const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`;
  // Before the database: a new data folder takes seconds to seed, and a busy port should not wait for that.
  await checkPortFree(config.port, config.host);
  logger.info({ database: config.databaseUrl ? "postgres" : "pglite" }, `opening ${where}`);
  const server = await startServer({ config });
  logger.info(
    { url: server.url, port: server.port, host: config.host ?? null },
    `GraphQL at ${server.url.replace("127.0.0.1", "localhost")}/graphql (health: /healthz, metrics: /metrics)`,
  );
  const { services } = server.app;
  const worker = config.worker
    ? new MeasurementWorker({
        db: services.database.db,
        wakeups: services.jobWakeups,
        onFigures: () => services.catalog.invalidate(),
        ...config.workerOptions,
        ...(config.workerProviders ? { providers: config.workerProviders } : {}),
      })
    : null;
  await worker?.start();
  if (worker)
    logger.info(
      { workerId: worker.workerId },
      `measurement worker ${worker.workerId} running (FAVOR_WORKER=0 turns it off)`,
    );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    Promise.resolve(worker?.stop())
      .then(() => server.stop())
      .then(
        () => {
          logger.info("stopped");
          process.exit(0);
        },
        (error) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`);
  process.exit(1);
}
