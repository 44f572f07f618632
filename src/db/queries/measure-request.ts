/**
 * A measurement job's request as stored in `measurement_jobs.request` (jsonb): written once by the measurement
 * service, read by the worker and (without `onnxFile`) by clients. {@link parseMeasureRequest} is the one place
 * it is checked when read back, so every reader gets this type instead of re-casting the jsonb.
 */
export type MeasureRequest = {
  /** Display names of the models asked for. */
  readonly models: readonly string[];
  readonly resolutions: readonly number[];
  readonly metrics: readonly string[];
  /** The provider asked for (e.g. auto). */
  readonly provider: string;
  /** The provider it became. */
  readonly providerUsed: string;
  /** Why `auto` chose it (host paths removed); null for an explicit provider. */
  readonly providerReason: string | null;
  readonly device: { readonly id: number; readonly name: string };
  readonly onlyMissing: boolean;
  readonly force: boolean;
  readonly onlyStable: boolean;
  /** Per-cell time budget in seconds. */
  readonly maxSecondsPerCell: number;
  /** A user's .onnx file relative to FAVOR_ONNX_DIR (public); null for the zoo's graphs. */
  readonly onnxPath: string | null;
  /** Internal: the absolute path the worker opens. Never leaves the service (views strip it). */
  readonly onnxFile: string | null;
  /** What was measured, for telling duplicates apart: the zoo's graph, or a user file by its content hash. */
  readonly graph: "zoo" | `sha256:${string}`;
};

/** The request as clients see it. */
export type PublicMeasureRequest = Omit<MeasureRequest, "onnxFile">;

/**
 * Returns the stored request `value` (parsed jsonb) checked field by field, keys in their stored order; throws a
 * TypeError naming the first malformed field.
 */
export function parseMeasureRequest(value: unknown): MeasureRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TypeError(`measure request: expected an object, got ${JSON.stringify(value)}`);
  const raw = value as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new TypeError(`measure request: ${field} must be ${expected}, got ${JSON.stringify(raw[field])}`);
  };
  const strings = (field: string) =>
    (Array.isArray(raw[field]) && (raw[field] as unknown[]).every((v) => typeof v === "string")) ||
    fail(field, "a list of strings");
  const numbers = (field: string) =>
    (Array.isArray(raw[field]) && (raw[field] as unknown[]).every((v) => typeof v === "number")) ||
    fail(field, "a list of numbers");
  const is = (field: string, type: "string" | "boolean" | "number") =>
    typeof raw[field] === type || fail(field, `a ${type}`);
  const orNull = (field: string) =>
    raw[field] === null || typeof raw[field] === "string" || fail(field, "a string or null");
  strings("models");
  numbers("resolutions");
  strings("metrics");
  is("provider", "string");
  is("providerUsed", "string");
  orNull("providerReason");
  const device = raw.device as { id?: unknown; name?: unknown } | null;
  if (
    typeof device !== "object" ||
    device === null ||
    typeof device.id !== "number" ||
    typeof device.name !== "string"
  )
    fail("device", "{ id, name }");
  is("onlyMissing", "boolean");
  is("force", "boolean");
  is("onlyStable", "boolean");
  is("maxSecondsPerCell", "number");
  orNull("onnxPath");
  orNull("onnxFile");
  if (raw.graph !== "zoo" && !(typeof raw.graph === "string" && /^sha256:[0-9a-f]{64}$/.test(raw.graph)))
    fail("graph", '"zoo" or "sha256:<hex>"');
  return raw as MeasureRequest;
}

/** Returns the request without its internal fields, for clients. */
export function publicMeasureRequest(request: MeasureRequest): PublicMeasureRequest {
  const { onnxFile: _internal, ...visible } = request;
  return visible;
}
