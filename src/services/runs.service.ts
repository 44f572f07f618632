import type { FavorDb } from "../db/client.js";
import { runEpochRows, runEpochRowsOf } from "../db/queries/runs.js";
import type { RunEpochRow } from "../db/schema/index.js";
import type { PageRequest } from "./pagination.js";
import type { SortSpec, Subject, SubjectFilter, SubjectPage, SubjectQueryService } from "./subject-query.js";

/** Use cases over the paper's runs: pages of runs with figures, one run, its per-epoch curves. */
export class RunsService {
  constructor(
    private readonly db: FavorDb,
    private readonly subjects: SubjectQueryService,
  ) {}

  /** Returns one page of runs matching `filter` in `orderBy` order (default: model name, resolution, run id). */
  list(
    filter: SubjectFilter | null | undefined,
    orderBy: readonly SortSpec[] | null | undefined,
    page: PageRequest,
    deviceId: number | null,
  ): Promise<SubjectPage> {
    return this.subjects.find({
      level: "run",
      filter,
      orderBy,
      deviceId,
      limit: page.limit,
      offset: page.offset,
    });
  }

  /** Returns the run with `id` and its figures, or null. */
  async byId(id: number, deviceId: number | null): Promise<Subject | null> {
    const { subjects } = await this.subjects.find({ level: "run", filter: { runIds: [id] }, deviceId });
    return subjects[0] ?? null;
  }

  /** Returns the runs of a model (every resolution), ordered by resolution then id. */
  async ofModel(modelId: number, deviceId: number | null): Promise<Subject[]> {
    const { subjects } = await this.subjects.find({
      level: "run",
      filter: { modelIds: [modelId] },
      orderBy: [{ field: "RESOLUTION" }, { field: "RUN_ID" }],
      deviceId,
    });
    return subjects;
  }

  /** Returns the per-epoch rows of a run, epoch 1 first. */
  epochs(runId: number): Promise<RunEpochRow[]> {
    return runEpochRows(this.db, runId);
  }

  /** Returns the per-epoch rows of several runs at once, grouped by run id (for batching). */
  async epochsOf(runIds: readonly number[]): Promise<Map<number, RunEpochRow[]>> {
    const grouped = new Map<number, RunEpochRow[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return grouped;
    const rows = await runEpochRowsOf(this.db, runIds);
    for (const row of rows) grouped.get(row.runId)?.push(row);
    return grouped;
  }
}
