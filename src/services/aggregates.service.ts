import type { FavorDb } from "../db/client.js";
import { type AggregateGroupBy, type AggregateRow, subjectAggregates } from "../db/queries/subjects.js";
import type { CatalogService } from "./catalog.service.js";
import type { SubjectFilter, SubjectLevel, SubjectQueryService } from "./subject-query.js";

export type { AggregateGroupBy, AggregateRow };

/** Use case: aggregates of a metric per group over runs or model@resolution rows. */
export class AggregatesService {
  constructor(
    private readonly db: FavorDb,
    private readonly catalog: CatalogService,
    private readonly subjects: SubjectQueryService,
  ) {}

  /**
   * Returns one row per group (ordered by group) with count (subjects that have the figure), subjects (all in the
   * group), min, max and mean of `metricKey` over the subjects matching `filter`. BAD_USER_INPUT for unknown names.
   */
  async byGroup(
    metricKey: string,
    groupBy: AggregateGroupBy,
    level: SubjectLevel,
    filter: SubjectFilter | null | undefined,
    deviceId: number | null,
  ): Promise<AggregateRow[]> {
    await this.catalog.sync();
    const metric = await this.catalog.metric(metricKey);
    const where = await this.subjects.conditions(filter ?? {});
    return subjectAggregates(this.db, { level, where, metric, groupBy, deviceId });
  }
}
