import type { MetricRow } from "../db/schema/index.js";
import type { FigureVerdict } from "../schema/index.js";
import { CellSource, MetricValue, ModelResolution, Run, SubjectLevel, validityOf } from "../schema/index.js";
import type { CellValue, Services, Subject } from "../services/index.js";
import type { FavorContext } from "./context.type.js";

// Nodes are instances of their schema class: type-graphql hands a field resolver's root through unchanged when it
// is one (otherwise it copies the root into a new instance on every call). Subjects are cached per data version
// and never mutated, so each one's node is built once and shared by every request that pages over it.
const runNodes = new WeakMap<Subject, Run>();
const modelResolutionNodes = new WeakMap<Subject, ModelResolution>();

/** Returns the Run node of a subject that has a run (shared: do not mutate it). */
export function toRunNode(subject: Subject): Run {
  let node = runNodes.get(subject);
  if (!node) {
    node = Object.assign(new Run(), subject.run!, { modelRow: subject.model, values: subject.values });
    runNodes.set(subject, node);
  }
  return node;
}

/** Returns the ModelResolution node of a model@resolution subject (shared: do not mutate it). */
export function toModelResolutionNode(subject: Subject): ModelResolution {
  let node = modelResolutionNodes.get(subject);
  if (!node) {
    node = Object.assign(new ModelResolution(), {
      resolution: subject.resolution,
      pretrainResolution: subject.run?.pretrainResolution ?? null,
      runId: subject.run?.id ?? null,
      runCount: subject.runCount,
      subject,
      modelRow: subject.model,
    });
    modelResolutionNodes.set(subject, node);
  }
  return node;
}

// Subjects are cached per data version and their `values` maps are immutable, so the MetricValue lists built
// from them can be reused by every request that asks for the same keys.
const metricValueMemo = new WeakMap<Map<string, CellValue>, Map<string, MetricValue[]>>();
const MAX_MEMO_KEY_LISTS = 16;

/**
 * Returns the figures among `values` for `keys` (all catalogue metrics when omitted), in the order asked, skipping
 * metrics without a figure; BAD_USER_INPUT names an unknown key. The list is shared: do not mutate it.
 */
export function metricValues(
  services: Services,
  values: Map<string, CellValue>,
  keys?: string[] | null,
): MetricValue[] | Promise<MetricValue[]> {
  const memoKey = keys ? keys.join("\u0000") : "\u0000*";
  // Answered synchronously where it can be (a memo hit, or the catalogue loaded and every key known): the executor
  // then completes the list without a promise per row.
  const hit = metricValueMemo.get(values)?.get(memoKey);
  if (hit) return hit;
  const byKey = services.catalog.loadedMetricMap();
  if (byKey && (keys ?? []).every((key) => byKey.has(key)))
    return buildMetricValues(byKey, values, keys, memoKey);
  return services.catalog.metricMap().then(async (map) => {
    for (const key of keys ?? []) if (!map.has(key)) await services.catalog.metric(key); // BAD_USER_INPUT naming it
    return buildMetricValues(map, values, keys, memoKey);
  });
}

function buildMetricValues(
  byKey: Map<string, MetricRow>,
  values: Map<string, CellValue>,
  keys: string[] | null | undefined,
  memoKey: string,
): MetricValue[] {
  const wanted: MetricRow[] = [];
  for (const key of keys ?? byKey.keys()) {
    const metric = byKey.get(key);
    if (metric) wanted.push(metric);
  }
  const list = wanted.flatMap((metric) => {
    const cell = values.get(metric.key);
    return cell ? [toMetricValue(cell, metric)] : [];
  });
  const memo = metricValueMemo.get(values);
  if (!memo) metricValueMemo.set(values, new Map([[memoKey, list]]));
  else {
    // Keys come from clients: a subject keeps the lists of its last few key lists only.
    if (memo.size >= MAX_MEMO_KEY_LISTS) memo.clear();
    memo.set(memoKey, list);
  }
  return list;
}

/** Returns the value of one metric (null without a figure); BAD_USER_INPUT names an unknown key. */
export async function metricValue(
  services: Services,
  values: Map<string, CellValue>,
  key: string,
): Promise<number | null> {
  await services.catalog.metric(key);
  return values.get(key)?.value ?? null;
}

function toMetricValue(cell: CellValue, metric: MetricRow): MetricValue {
  return Object.assign(new MetricValue(), {
    key: cell.metricKey,
    metric: metric as MetricValue["metric"],
    value: cell.value,
    unit: metric.unit,
    batchSize: cell.batchSize,
    deviceId: cell.deviceId,
    source: cell.source as CellSource,
    cellId: cell.id,
    jobId: cell.jobId,
    createdAt: cell.createdAt,
    owner: cell.owner === "run" ? SubjectLevel.RUN : SubjectLevel.MODEL_RESOLUTION,
  });
}

/** Returns the device id for a `device` argument (null when omitted); BAD_USER_INPUT names an unknown device. */
export async function deviceArg(
  services: Services,
  device: string | null | undefined,
): Promise<number | null> {
  if (device == null) return null;
  return (await services.catalog.device(device)).id;
}

/**
 * Keeps the figures whose validity verdict is in `verdicts`; figures without a verdict (the paper's, memory,
 * parameters) are always kept. Provenance is read only here, so queries that do not ask pay nothing.
 */
export async function keepVerdicts(
  list: MetricValue[] | Promise<MetricValue[]>,
  verdicts: readonly FigureVerdict[],
  ctx: FavorContext,
): Promise<MetricValue[]> {
  const values = await list;
  const checked = await Promise.all(
    values.map(async (v) => {
      if (v.source !== CellSource.MEASURED) return true;
      const validity = validityOf(await ctx.loaders.provenance(v.cellId));
      return validity === null || verdicts.includes(validity.verdict);
    }),
  );
  return values.filter((_, i) => checked[i]);
}
