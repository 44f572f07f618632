import { sql } from "drizzle-orm";

import { type FavorDb, queryRows } from "../db/client.js";
import type { CatalogService } from "./catalog.service.js";
import {
  metricValueSql,
  type SubjectFilter,
  type SubjectLevel,
  type SubjectQueryService,
  subjectsSql,
} from "./subject-query.js";

export type AggregateGroupBy = "TAXONOMY_CLASS" | "FAMILY" | "RESOLUTION" | "CHANGES_WHAT";

/** min/max/mean/count of one metric over one group of subjects. */
export interface AggregateRow {
  group: string;
  count: number;
  subjects: number;
  min: number | null;
  max: number | null;
  mean: number | null;
}

const GROUP_COLUMNS: Record<AggregateGroupBy, ReturnType<typeof sql>> = {
  TAXONOMY_CLASS: sql`m.taxonomy_class`,
  FAMILY: sql`m.family`,
  RESOLUTION: sql`s.resolution::text`,
  CHANGES_WHAT: sql`m.changes_what`,
};

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
    const where = await this.subjects.filterSql(filter ?? {}, deviceId);
    const groupColumn = GROUP_COLUMNS[groupBy];
    const rows = await queryRows<{
      grp: string;
      n: number;
      total: number;
      min: number | null;
      max: number | null;
      mean: number | null;
    }>(
      this.db,
      sql`SELECT grp, count(v)::int AS n, count(*)::int AS total, min(v) AS min, max(v) AS max, avg(v) AS mean
          FROM (
            SELECT ${groupColumn} AS grp, ${metricValueSql(metric, deviceId)} AS v
            FROM (${subjectsSql(level)}) s JOIN models m ON m.id = s.model_id LEFT JOIN runs r ON r.id = s.run_id
            ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
          ) t
          GROUP BY grp
          ORDER BY ${groupBy === "RESOLUTION" ? sql`grp::int` : sql`grp`}`,
    );
    const num = (v: number | string | null) => (v == null ? null : Number(v));
    return rows.map((row) => ({
      group: row.grp,
      count: row.n,
      subjects: row.total,
      min: num(row.min),
      max: num(row.max),
      mean: num(row.mean),
    }));
  }
}
