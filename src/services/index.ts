import type { FavorDatabase } from "../db/client.js";
import { type LocalDevice, localDevice } from "../jobs/device-registry.js";
import { JobWakeups } from "../jobs/job-wakeups.js";
import type { RequestedProvider } from "../measure/profiler/provider.js";
import { AggregatesService } from "./aggregates.service.js";
import { AnalysisService } from "./analysis.service.js";
import { CatalogService } from "./catalog.service.js";
import { DataVersion } from "./data-version.js";
import {
  DEFAULT_MEASUREMENT_LIMITS,
  type MeasurementLimits,
  MeasurementService,
} from "./measurement.service.js";
import { ModelsService } from "./models.service.js";
import { RunsService } from "./runs.service.js";
import { SubjectQueryService } from "./subject-query.js";
import { TaxonomyService } from "./taxonomy.service.js";

export * from "./aggregates.service.js";
export * from "./analysis.service.js";
export * from "./batch-loader.js";
export * from "./catalog.service.js";
export * from "./data-version.js";
export * from "./ids.js";
export * from "./measurement.service.js";
export * from "./models.service.js";
export * from "./pagination.js";
export * from "./runs.service.js";
export * from "./subject-query.js";
export * from "./taxonomy.service.js";

/**
 * Every use case of the service, built once per process over one database and handed to every caller: the
 * resolvers (through the container), the web routes (`app.services`), the CLIs and the worker (`jobWakeups`).
 */
export interface Services {
  database: FavorDatabase;
  dataVersion: DataVersion;
  catalog: CatalogService;
  subjects: SubjectQueryService;
  models: ModelsService;
  runs: RunsService;
  taxonomy: TaxonomyService;
  aggregates: AggregatesService;
  analysis: AnalysisService;
  measurements: MeasurementService;
  /** This process's enqueue signal: hand it to the workers of this process (MeasurementWorker `wakeups`). */
  jobWakeups: JobWakeups;
}

/** What createServices may be given besides the database. */
export interface ServicesOptions {
  /** Bounds of measurement requests (FavorConfig `measurement`); default DEFAULT_MEASUREMENT_LIMITS. */
  measurementLimits?: MeasurementLimits;
  /**
   * Describes this machine's device for a provider (default: the hardware probe, src/jobs/device-registry.ts).
   * It runs once per provider, here and not inside a request: the answers are kept for the process's life.
   */
  localDevice?: (provider: RequestedProvider) => LocalDevice;
}

/** Returns the services over an open database. */
export function createServices(database: FavorDatabase, options: ServicesOptions = {}): Services {
  const { db } = database;
  const dataVersion = new DataVersion(db, database);
  const catalog = new CatalogService(db, dataVersion);
  const subjects = new SubjectQueryService(db, catalog, dataVersion);
  const jobWakeups = new JobWakeups();
  const hostDevice = probedOnce(options.localDevice ?? localDevice);
  return {
    database,
    dataVersion,
    catalog,
    subjects,
    models: new ModelsService(catalog, subjects),
    runs: new RunsService(db, subjects),
    taxonomy: new TaxonomyService(catalog),
    aggregates: new AggregatesService(db, catalog, subjects),
    analysis: new AnalysisService(catalog, subjects),
    measurements: new MeasurementService(
      db,
      catalog,
      options.measurementLimits ?? DEFAULT_MEASUREMENT_LIMITS,
      jobWakeups,
      hostDevice,
    ),
    jobWakeups,
  };
}

/** The providers probed when the services are built (a provider not listed is probed on first use). */
const PROBED_PROVIDERS: readonly RequestedProvider[] = ["cpu", "cuda", "auto"];

/** Returns `probe` answered once per provider (its result or its error), probing the usual ones now. */
function probedOnce(
  probe: (provider: RequestedProvider) => LocalDevice,
): (provider: RequestedProvider) => LocalDevice {
  const answers = new Map<RequestedProvider, { device: LocalDevice } | { error: unknown }>();
  const answer = (provider: RequestedProvider) => {
    let found = answers.get(provider);
    if (!found) {
      try {
        found = { device: probe(provider) };
      } catch (error) {
        found = { error };
      }
      answers.set(provider, found);
    }
    return found;
  };
  for (const provider of PROBED_PROVIDERS) answer(provider);
  return (provider) => {
    const found = answer(provider);
    if ("error" in found) throw found.error;
    return found.device;
  };
}
