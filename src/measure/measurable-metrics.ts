/**
 * What Favor can measure, and how the metric keys of the catalogue group into measurement tasks: one task runs
 * once (one profiler child, or one graph analysis) and fills every key of its group.
 */

/** A unit of measurement work. */
export type MeasureTask =
  /** Parameters, MACs and FLOPs from the graph (no execution; device-independent). */
  | "theory"
  /** Latency at batch 1 (p50/p90/p99), with the per-operator breakdown in the provenance. */
  | "latency"
  /** Throughput at the fastest batch size of the search. */
  | "throughput"
  /** Inference memory at one batch size. */
  | "memory-1"
  | "memory-32"
  | "memory-64"
  | "memory-128";

/** Metric keys per task, in the order a job runs them. */
export const TASK_METRICS: Readonly<Record<MeasureTask, readonly string[]>> = {
  theory: ["params", "macs", "flops"],
  latency: ["latencyP50Ms", "latencyP90Ms", "latencyP99Ms"],
  throughput: ["throughput"],
  "memory-1": ["inferenceMemoryB1"],
  "memory-32": ["inferenceMemoryB32"],
  "memory-64": ["inferenceMemoryB64"],
  "memory-128": ["inferenceMemoryB128"],
};

/** Every metric key Favor can measure, in task order (the `measure` mutation's default). */
export const MEASURABLE_METRICS: readonly string[] = Object.values(TASK_METRICS).flat();

/** Returns the task that measures `metricKey`; undefined for a metric Favor cannot measure (accuracy, training). */
export function taskOf(metricKey: string): MeasureTask | undefined {
  for (const [task, keys] of Object.entries(TASK_METRICS) as Array<[MeasureTask, readonly string[]]>) {
    if (keys.includes(metricKey)) return task;
  }
  return undefined;
}

/** Returns the batch size of a memory task (`memory-32` → 32); null for other tasks. */
export function memoryBatchOf(task: MeasureTask): number | null {
  return task.startsWith("memory-") ? Number(task.slice("memory-".length)) : null;
}

/** Returns the rank of a metric in task order, for ordering a job's cells. */
export function metricOrder(metricKey: string): number {
  const i = MEASURABLE_METRICS.indexOf(metricKey);
  return i < 0 ? MEASURABLE_METRICS.length : i;
}
