import type { FavorDatabase } from "../db/client.js";
import { AggregatesService } from "./aggregates.service.js";
import { CatalogService } from "./catalog.service.js";
import { DataVersion } from "./data-version.js";
import { ModelsService } from "./models.service.js";
import { RunsService } from "./runs.service.js";
import { SubjectQueryService } from "./subject-query.js";
import { TaxonomyService } from "./taxonomy.service.js";

export * from "./aggregates.service.js";
export * from "./batch-loader.js";
export * from "./catalog.service.js";
export * from "./data-version.js";
export * from "./models.service.js";
export * from "./pagination.js";
export * from "./runs.service.js";
export * from "./subject-query.js";
export * from "./taxonomy.service.js";

/**
 * Every use case of the service, built once per process over one database. Later work adds its services here
 * (one property each: e.g. `pareto`, `measurements`) and reaches them from resolvers through the container.
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
}

/** Returns the services over an open database. */
export function createServices(database: FavorDatabase): Services {
  const { db } = database;
  const dataVersion = new DataVersion(db, database);
  const catalog = new CatalogService(db, dataVersion);
  const subjects = new SubjectQueryService(db, catalog, dataVersion);
  return {
    database,
    dataVersion,
    catalog,
    subjects,
    models: new ModelsService(catalog, subjects),
    runs: new RunsService(db, subjects),
    taxonomy: new TaxonomyService(catalog),
    aggregates: new AggregatesService(db, catalog, subjects),
  };
}
