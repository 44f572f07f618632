/** A row that cannot take part in an analysis, and which of its values are missing. */
export interface ExcludedRow {
  /** Index of the row in the input. */
  readonly index: number;
  /** Positions (ascending) whose value is missing: `null`, `undefined` or not a finite number. */
  readonly missing: number[];
}

/**
 * Returns the rows split into those with every value present (`complete`: their input indices, ascending,
 * and their values) and those with some value missing (`excluded`, with the positions missing). A value is
 * present when it is a finite number.
 */
export function completeRows(rows: ReadonlyArray<ReadonlyArray<number | null | undefined>>): {
  complete: number[];
  values: number[][];
  excluded: ExcludedRow[];
} {
  const complete: number[] = [];
  const values: number[][] = [];
  const excluded: ExcludedRow[] = [];
  rows.forEach((row, index) => {
    const missing: number[] = [];
    row.forEach((value, j) => {
      if (typeof value !== "number" || !Number.isFinite(value)) missing.push(j);
    });
    if (missing.length > 0) excluded.push({ index, missing });
    else {
      complete.push(index);
      values.push(row as number[]);
    }
  });
  return { complete, values, excluded };
}
