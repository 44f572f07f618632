/**
 * Returns a json/jsonb column's value as read by either driver: node-postgres and PGlite return it parsed, a
 * driver or a `::text` cast may return its text. The one JSON reader of src/db/queries.
 */
export function jsonColumn(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Returns a json/jsonb column that holds an object (provenance, hyperparameters, details) as a record. */
export function jsonObjectColumn(value: unknown): Record<string, unknown> {
  const parsed = jsonColumn(value);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new TypeError(`expected a JSON object column, got ${JSON.stringify(parsed)}`);
  return parsed as Record<string, unknown>;
}
