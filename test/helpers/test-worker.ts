import { MeasurementWorker, type MeasurementWorkerOptions } from "../../src/jobs/measurement-worker.js";
import { QUICK_SETTINGS } from "../jobs/quick-settings.js";
import type { TestServer } from "./test-server.js";

/**
 * Starts an in-process measurement worker on a test server's database with the quick timing settings (one thread,
 * CPU only, 100 ms polls, silent) and returns it; `extra` overrides any option. The caller stops it.
 */
export async function startTestWorker(
  api: TestServer,
  extra: Partial<MeasurementWorkerOptions> = {},
): Promise<MeasurementWorker> {
  const worker = new MeasurementWorker({
    db: api.server.app.services.database.db,
    wakeups: api.server.app.services.jobWakeups,
    settings: QUICK_SETTINGS,
    threads: 1,
    pollMs: 100,
    cuda: false,
    onFigures: () => api.server.app.services.catalog.invalidate(),
    log: () => {},
    ...extra,
  });
  await worker.start();
  return worker;
}
