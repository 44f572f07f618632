import type { ModelRow } from "../db/schema/index.js";
import type { CatalogService } from "./catalog.service.js";

/** A taxonomy class of the dashboard and its models. */
export interface TaxonomyClassData {
  name: string;
  models: ModelRow[];
}

/** The paper's two-level taxonomy: a category (what the model changes) and its approaches (how). */
export interface TaxonomyCategoryData {
  changesWhat: string;
  approaches: Array<{ changesHow: string; models: ModelRow[] }>;
}

/** Use cases over the taxonomy (read from the models table). */
export class TaxonomyService {
  constructor(private readonly catalog: CatalogService) {}

  /** Returns the dashboard's classes, each with its models, ordered by class name. */
  async classes(): Promise<TaxonomyClassData[]> {
    const { models } = await this.catalog.vocabulary();
    return group(models, (m) => m.taxonomyClass).map(([name, members]) => ({ name, models: members }));
  }

  /** Returns the paper's categories with their approaches and models, ordered by name. */
  async categories(): Promise<TaxonomyCategoryData[]> {
    const { models } = await this.catalog.vocabulary();
    return group(models, (m) => m.changesWhat).map(([changesWhat, members]) => ({
      changesWhat,
      approaches: group(members, (m) => m.changesHow).map(([changesHow, list]) => ({
        changesHow,
        models: list,
      })),
    }));
  }
}

function group(models: readonly ModelRow[], key: (m: ModelRow) => string): Array<[string, ModelRow[]]> {
  const map = new Map<string, ModelRow[]>();
  for (const model of models) map.set(key(model), [...(map.get(key(model)) ?? []), model]);
  return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
}
