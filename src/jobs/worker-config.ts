import type { MeasureSettingsInput } from "../measure/profiler/measure-settings.js";
import { normalizeSettings } from "../measure/profiler/measure-settings.js";
import type { MeasurementWorkerOptions } from "./measurement-worker.js";

/**
 * Returns the worker options set by the environment (read by src/config.ts, FavorConfig `workerOptions`); throws
 * naming a malformed variable.
 *
 * | variable | meaning |
 * |---|---|
 * | FAVOR_WORKER_LEASE_MS | lease of a claimed job (default 30000); a dead worker's job is resumed after it |
 * | FAVOR_WORKER_POLL_MS | idle wait between looks for work (default 2000) |
 * | FAVOR_MEASURE_THREADS | onnxruntime intra-op threads (default: the CPUs this process may use) |
 * | FAVOR_MEASURE_SETTINGS | JSON of measurement settings (src/measure/profiler/measure-settings.ts), e.g. shorter loops |
 * | FAVOR_WORKER_CUDA | 1/0: serve this machine's GPUs (default: where the CUDA provider can run) |
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<MeasurementWorkerOptions> {
  const options: {
    leaseMs?: number;
    pollMs?: number;
    threads?: number;
    settings?: MeasureSettingsInput;
    cuda?: boolean;
  } = {};
  const int = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got "${text}"`);
    return value;
  };
  options.leaseMs = int("FAVOR_WORKER_LEASE_MS");
  options.pollMs = int("FAVOR_WORKER_POLL_MS");
  options.threads = int("FAVOR_MEASURE_THREADS");
  const settings = env.FAVOR_MEASURE_SETTINGS;
  if (settings) {
    try {
      options.settings = JSON.parse(settings) as MeasureSettingsInput;
      normalizeSettings(options.settings);
    } catch (error) {
      throw new Error(
        `FAVOR_MEASURE_SETTINGS is not valid measurement settings JSON: ${(error as Error).message}`,
      );
    }
  }
  const cuda = env.FAVOR_WORKER_CUDA;
  if (cuda !== undefined && cuda !== "") {
    if (cuda !== "0" && cuda !== "1") throw new Error(`FAVOR_WORKER_CUDA must be 0 or 1, got "${cuda}"`);
    options.cuda = cuda === "1";
  }
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<MeasurementWorkerOptions>;
}
