import type { FavorDb } from "../db/client.js";
import {
  type CellValue,
  type ComparisonOperator,
  cellProvenance,
  type MetricCondition,
  representativeRunIds,
  type SortField,
  type Subject,
  type SubjectConditions,
  type SubjectLevel,
  type SubjectOrder,
  type SubjectRow,
  subjectPage,
} from "../db/queries/subjects.js";
import { BadUserInputError } from "../errors/index.js";
import type { CatalogService } from "./catalog.service.js";
import { type DataVersion, VersionedCache } from "./data-version.js";

export type { CellValue, ComparisonOperator, SortField, Subject, SubjectLevel };

/**
 * Subjects (runs, model@resolution rows: see src/db/queries/subjects.ts for the rules that define them and pick
 * their figures) are what lists, filters, orderings, aggregates (and the Pareto work) range over. This service
 * validates a client's filter and ordering and returns pages of subjects with their figures.
 */
/** "metric `op` value(s)"; a subject without the figure never matches. */
export interface MetricConstraint {
  metric: string;
  op: ComparisonOperator;
  value?: number | null;
  values?: readonly number[] | null;
}

/** Filters shared by runs, model@resolution rows, aggregates and Pareto queries. All given parts must hold. */
export interface SubjectFilter {
  /** Exact display name or benchmark id. */
  name?: string | null;
  /** Case-insensitive substring of the display name or benchmark id. */
  nameContains?: string | null;
  families?: readonly string[] | null;
  taxonomyClasses?: readonly string[] | null;
  changesWhat?: readonly string[] | null;
  resolutions?: readonly number[] | null;
  pretrainResolutions?: readonly number[] | null;
  metrics?: readonly MetricConstraint[] | null;
  /** Internal: restrict to these run ids / model ids (not exposed as filter input). */
  runIds?: readonly number[];
  modelIds?: readonly number[];
}

/** One ordering key: a field or a metric (exactly one), ascending or descending; missing figures sort last. */
export interface SortSpec {
  field?: SortField | null;
  metric?: string | null;
  direction?: "ASC" | "DESC" | null;
}

export interface SubjectQuery {
  level: SubjectLevel;
  filter?: SubjectFilter | null;
  orderBy?: readonly SortSpec[] | null;
  /** Device id for per-device metrics; null/undefined = the paper's own figures. */
  deviceId?: number | null;
  limit?: number;
  offset?: number;
}

export interface SubjectPage {
  subjects: Subject[];
  totalCount: number;
}

/** A validated filter and ordering. */
interface CheckedQuery {
  where: SubjectConditions;
  order: SubjectOrder[];
}

/** The subject-page cache's budget, in subjects held by all its pages together. */
export const SUBJECT_CACHE_MAX_SUBJECTS = 10_000;

/** Most subjects kept by identity at one data version (about 200 per level and device); beyond, they start over. */
export const MAX_INTERNED_SUBJECTS = 5_000;

/**
 * The reusable query over subjects: validates a filter/ordering (BAD_USER_INPUT naming any unknown model, family,
 * class, resolution, metric, device or a malformed constraint), runs it in SQL and returns one page of subjects
 * with their figures. Used by runs/models lists, aggregates, and the Pareto and correlation work.
 */
export class SubjectQueryService {
  /** Pages by filter, bounded by the subjects they hold in all (a full table is about 100). */
  private readonly cache = new VersionedCache<SubjectPage>(500, SUBJECT_CACHE_MAX_SUBJECTS, (page) =>
    Math.max(1, page.subjects.length),
  );
  /**
   * Each subject once per data version, by level, device and identity: every page that holds a run holds the
   * same Subject (so the pages of many filters cost references, not copies, and what is built from a subject,
   * its GraphQL node and metric lists, is built once), and a page query gathers and sends figures and
   * hyperparameters only for the subjects not held yet.
   */
  private interned = { version: Number.NaN, size: 0, groups: new Map<string, Map<string, Subject>>() };

  constructor(
    private readonly db: FavorDb,
    private readonly catalog: CatalogService,
    private readonly version: DataVersion,
  ) {}

  /**
   * Returns one page of subjects matching `query`, and how many match in all. Pages are cached per data version
   * (DataVersion: kept current by notifications, read per call while they are down), so a figure written by any
   * process is seen by the next call after its notification.
   * The subjects are shared with other callers: read them, do not mutate them (the array is yours).
   */
  async find(query: SubjectQuery): Promise<SubjectPage> {
    const version = await this.version.current();
    this.catalog.sync(version);
    const key = JSON.stringify([
      query.level,
      query.filter ?? null,
      query.orderBy ?? null,
      query.deviceId ?? null,
      query.limit ?? null,
      query.offset ?? null,
    ]);
    const page = await this.cache.get(key, version, () => this.load(query, version));
    return { subjects: [...page.subjects], totalCount: page.totalCount };
  }

  private async load(query: SubjectQuery, version: number): Promise<SubjectPage> {
    const deviceId = query.deviceId ?? null;
    const checked = await this.check(query.filter ?? {}, query.orderBy ?? []);
    // The subjects held at the start: the page query sends only their keys back. A group is never emptied (a
    // reset starts new ones), so each of them is still in it when the rows arrive.
    const held = this.heldSubjects(version, query.level, deviceId);
    const store = this.interned;
    const { rows, totalCount } = await subjectPage(this.db, {
      level: query.level,
      where: checked.where,
      order: checked.order,
      deviceId,
      limit: query.limit ?? 1_000_000,
      offset: query.offset ?? 0,
      known: [...held.keys()],
    });
    const subjects = rows.map((row) => {
      let subject = held.get(row.key);
      if (!subject) {
        subject = toSubject(row.parse(), query.level, deviceId);
        held.set(row.key, subject);
        store.size++;
      }
      return subject;
    });
    return { subjects, totalCount };
  }

  /** Returns the subjects held for this data version, level and device, by key (the group to add to). */
  private heldSubjects(version: number, level: SubjectLevel, deviceId: number | null): Map<string, Subject> {
    if (this.interned.version !== version || this.interned.size >= MAX_INTERNED_SUBJECTS)
      this.interned = { version, size: 0, groups: new Map() };
    const groupKey = `${level}|${deviceId ?? ""}`;
    let group = this.interned.groups.get(groupKey);
    if (!group) {
      group = new Map();
      this.interned.groups.set(groupKey, group);
    }
    return group;
  }

  /** Returns which of these runs the duplicate-run rule picks, one per (model, resolution) among them. */
  representativeRunIds(runIds: readonly number[]): Promise<Set<number>> {
    return representativeRunIds(this.db, runIds);
  }

  /** Returns the provenance of the cells with these ids, by id. */
  provenanceOf(cellIds: readonly number[]): Promise<Map<number, Record<string, unknown>>> {
    return cellProvenance(this.db, cellIds);
  }

  /** Returns the validated conditions of `filter`, for callers that read other shapes of subjects (aggregates). */
  async conditions(filter: SubjectFilter): Promise<SubjectConditions> {
    return (await this.check(filter, [])).where;
  }

  private async check(filter: SubjectFilter, orderBy: readonly SortSpec[]): Promise<CheckedQuery> {
    const vocabulary = await this.catalog.vocabulary();
    const where: SubjectConditions = {};

    if (filter.name != null) where.modelId = (await this.catalog.model(filter.name)).id;
    if (filter.nameContains != null && filter.nameContains !== "") where.nameContains = filter.nameContains;
    const known = <T extends string | number>(
      values: readonly T[] | null | undefined,
      vocabularyValues: readonly T[],
      what: string,
      message: (value: T) => string,
    ): readonly T[] | undefined => {
      if (values == null) return undefined;
      for (const value of values) {
        if (!vocabularyValues.includes(value)) {
          throw new BadUserInputError(message(value), { [camel(what)]: value });
        }
      }
      return values;
    };
    const textMessage = (what: string, list: readonly string[]) => (value: string) =>
      `Unknown ${what} "${value}". Known: ${list.join(", ")}`;
    const intMessage = (what: string, list: readonly number[]) => (value: number) =>
      `Unknown ${what} ${value}: known ${what}s are ${list.join(", ")}`;
    where.families = known(
      filter.families,
      vocabulary.families,
      "family",
      textMessage("family", vocabulary.families),
    );
    where.taxonomyClasses = known(
      filter.taxonomyClasses,
      vocabulary.taxonomyClasses,
      "taxonomy class",
      textMessage("taxonomy class", vocabulary.taxonomyClasses),
    );
    where.changesWhat = known(
      filter.changesWhat,
      vocabulary.changesWhat,
      "taxonomy category",
      textMessage("taxonomy category", vocabulary.changesWhat),
    );
    where.resolutions = known(
      filter.resolutions,
      vocabulary.resolutions,
      "resolution",
      intMessage("resolution", vocabulary.resolutions),
    );
    where.pretrainResolutions = known(
      filter.pretrainResolutions,
      vocabulary.pretrainResolutions,
      "pre-train resolution",
      intMessage("pre-train resolution", vocabulary.pretrainResolutions),
    );
    if (filter.runIds) where.runIds = filter.runIds;
    if (filter.modelIds) where.modelIds = filter.modelIds;

    const metricConditions: MetricCondition[] = [];
    for (const constraint of filter.metrics ?? []) {
      const metric = await this.catalog.metric(constraint.metric);
      if (constraint.op === "IN") {
        const values = constraint.values;
        if (!values || values.length === 0) {
          throw new BadUserInputError(
            `Constraint on "${constraint.metric}" with op IN needs a non-empty "values" list`,
            {
              metric: constraint.metric,
            },
          );
        }
        metricConditions.push({ metric, op: "IN", values });
      } else {
        if (!OPERATORS.has(constraint.op))
          throw new BadUserInputError(`Unknown operator "${constraint.op}"`, { operator: constraint.op });
        if (constraint.value == null || !Number.isFinite(constraint.value)) {
          throw new BadUserInputError(
            `Constraint on "${constraint.metric}" with op ${constraint.op} needs a finite "value"`,
            { metric: constraint.metric },
          );
        }
        metricConditions.push({ metric, op: constraint.op, value: constraint.value });
      }
    }
    if (metricConditions.length) where.metrics = metricConditions;

    const order: SubjectOrder[] = [];
    for (const spec of orderBy) {
      const direction = spec.direction === "DESC" ? "DESC" : "ASC";
      if ((spec.field == null) === (spec.metric == null)) {
        throw new BadUserInputError('Each orderBy entry needs exactly one of "field" or "metric"', {
          orderBy: spec,
        });
      }
      if (spec.metric != null) {
        order.push({ metric: await this.catalog.metric(spec.metric), direction });
      } else {
        if (!SORT_FIELDS.has(spec.field as SortField))
          throw new BadUserInputError(`Unknown order field "${spec.field}"`, { field: spec.field });
        order.push({ field: spec.field as SortField, direction });
      }
    }
    return { where, order };
  }
}

const OPERATORS: ReadonlySet<string> = new Set<Exclude<ComparisonOperator, "IN">>([
  "EQ",
  "NE",
  "GT",
  "GTE",
  "LT",
  "LTE",
]);

const SORT_FIELDS: ReadonlySet<string> = new Set<SortField>([
  "NAME",
  "FAMILY",
  "SIZE",
  "TAXONOMY_CLASS",
  "RESOLUTION",
  "PRETRAIN_RESOLUTION",
  "RUN_ID",
  "GPU_COUNT",
]);

function camel(words: string): string {
  return words.replace(/[- ](\w)/g, (_, c: string) => c.toUpperCase());
}

function toSubject(row: SubjectRow, level: SubjectLevel, deviceId: number | null): Subject {
  return {
    level,
    model: row.model,
    resolution: row.resolution,
    run: row.run,
    runCount: row.runCount,
    deviceId,
    values: new Map(row.cells.map((cell) => [cell.metricKey, cell])),
  };
}
