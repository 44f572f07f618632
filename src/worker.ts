/**
 * `npm run worker`: a measurement worker alone. It opens DATABASE_URL (or the PGlite data dir when no server holds
 * it), registers this machine's devices (FAVOR_WORKER_PROVIDERS; default the CPU, GPUs where onnxruntime's CUDA
 * provider can run, the WebGPU adapter where one is found), and measures the
 * jobs queued for them until SIGTERM/SIGINT, when it hands its current job back to the queue. Run one per machine
 * (per accelerator) against a central PostgreSQL to let a GPU host join. Options: src/jobs/worker-config.ts.
 * Logs are JSON lines (pino) on stdout at LOG_LEVEL; with METRICS_PORT set it serves GET /metrics there.
 */
import { createServer } from "node:http";

import { loadConfig } from "./config.js";
import { openDatabase } from "./db/client.js";
import { databaseGauges } from "./db/queries/observability.js";
import { MeasurementWorker } from "./jobs/measurement-worker.js";
import { logger } from "./observability/logger.js";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./observability/metrics.js";

try {
  const config = loadConfig();
  logger.level = config.logLevel;
  const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`;
  logger.info(`opening ${where}`);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 3,
  });
  const worker = new MeasurementWorker({
    db: database.db,
    ...config.workerOptions,
    ...(config.workerProviders ? { providers: config.workerProviders } : {}),
  });
  await worker.start();
  const devices = await worker.register();
  logger.info(
    { workerId: worker.workerId, devices },
    `${worker.workerId} serving devices ${devices.join(", ")}`,
  );

  const metrics =
    config.metricsPort === undefined
      ? null
      : createServer((req, res) => {
          if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
            res.statusCode = 404;
            res.end();
            return;
          }
          renderMetrics(() => databaseGauges(database.db)).then(
            (text) => {
              res.setHeader("content-type", METRICS_CONTENT_TYPE);
              res.end(text);
            },
            (error) => {
              logger.error({ err: error }, "metrics failed");
              res.statusCode = 500;
              res.end();
            },
          );
        });
  if (metrics) {
    await new Promise<void>((resolve, reject) => {
      metrics.once("error", reject);
      metrics.listen(config.metricsPort, config.host, () => resolve());
    });
    logger.info({ metricsPort: config.metricsPort }, `metrics on port ${config.metricsPort}`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "handing back the current job");
    metrics?.close();
    worker
      .stop()
      .then(() => database.close())
      .then(
        () => process.exit(0),
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
