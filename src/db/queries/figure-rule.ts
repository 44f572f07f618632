import { type SQL, sql } from "drizzle-orm";

/**
 * THE FIGURE RULE, the one place that says which cell answers "subject S's value of metric K for device
 * selection D" (every list, filter, ordering, aggregate, Pareto front, export and the measure planner use it):
 *
 * - K not per device (catalogue `metrics.per_device` false: accuracy, params, MACs, FLOPs): the cell without a
 *   device;
 * - K per device, D omitted: the paper's figure on the GPU the run recorded (run cells only);
 * - K per device, D given: the cell on device D.
 *
 * A subject's run cell wins over its model@resolution cell (a measurement); among several matching cells
 * (different batch sizes) the largest batch size wins, then the lowest cell id.
 */
export type FigureOwner = "run" | "modelResolution";

/**
 * Returns the condition on cell `c` of the rule above for a cell owned by `owner`, where `perDevice` is known
 * (a boolean) or a SQL boolean expression (e.g. the catalogue column `k.per_device` of a joined metric).
 */
export function figureMatchSql(perDevice: boolean | SQL, deviceId: number | null, owner: FigureOwner): SQL {
  if (typeof perDevice !== "boolean") {
    return sql`CASE WHEN ${perDevice} THEN ${figureMatchSql(true, deviceId, owner)} ELSE ${figureMatchSql(false, deviceId, owner)} END`;
  }
  if (!perDevice) return sql`c.device_id IS NULL`;
  if (deviceId == null) return owner === "run" ? sql`TRUE` : sql`FALSE`;
  return sql`c.device_id = ${deviceId}`;
}

/** The ORDER BY of matching cells `c` of one owner, best first: largest batch size (missing last), lowest id. */
export const FIGURE_PREFERENCE: SQL = sql`c.batch_size DESC NULLS LAST, c.id`;
