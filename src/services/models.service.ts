import type { ModelRow } from "../db/schema/index.js";
import type { CatalogService } from "./catalog.service.js";
import type { PageRequest } from "./pagination.js";
import type { SortSpec, Subject, SubjectFilter, SubjectPage, SubjectQueryService } from "./subject-query.js";

/** Use cases over models and model@resolution rows (see the rule in subject-query.ts). */
export class ModelsService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly subjects: SubjectQueryService,
  ) {}

  /** Returns one page of model@resolution rows matching `filter` in `orderBy` order. */
  list(
    filter: SubjectFilter | null | undefined,
    orderBy: readonly SortSpec[] | null | undefined,
    page: PageRequest,
    deviceId: number | null,
  ): Promise<SubjectPage> {
    return this.subjects.find({
      level: "modelResolution",
      filter,
      orderBy,
      deviceId,
      limit: page.limit,
      offset: page.offset,
    });
  }

  /** Returns the model with this display name or benchmark id; throws BAD_USER_INPUT naming an unknown one. */
  byName(nameOrSourceId: string): Promise<ModelRow> {
    return this.catalog.model(nameOrSourceId);
  }

  /** Returns every model, ordered by name. */
  async all(): Promise<ModelRow[]> {
    return (await this.catalog.vocabulary()).models;
  }

  /** Returns the model@resolution rows of one model, lowest resolution first. */
  async resolutionsOf(modelId: number, deviceId: number | null): Promise<Subject[]> {
    const { subjects } = await this.subjects.find({
      level: "modelResolution",
      filter: { modelIds: [modelId] },
      orderBy: [{ field: "RESOLUTION" }],
      deviceId,
    });
    return subjects;
  }
}
