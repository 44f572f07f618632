import type { Correlation, CorrelationMethod } from "./correlation.js";
import { correlate } from "./correlation.js";

/**
 * Returns the symmetric matrix of correlations between every pair of columns (each column one variable, all
 * columns over the same rows), each cell with its own n: the rows where both of its variables are present.
 * The diagonal is each variable with itself (r = 1 unless it is constant or has fewer than 2 values).
 *
 * @throws RangeError when the columns differ in length or the method is unknown.
 */
export function correlationMatrix(
  columns: ReadonlyArray<ReadonlyArray<number | null | undefined>>,
  method: CorrelationMethod,
): Correlation[][] {
  const m = columns.length;
  const cells: Correlation[][] = Array.from({ length: m }, () => new Array<Correlation>(m));
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const c = correlate(method, columns[a], columns[b]);
      cells[a][b] = c;
      cells[b][a] = c;
    }
  }
  return cells;
}
