import type { MetricRow } from "../db/schema/index.js";
import type { FigureVerdict, MetricValue, ModelResolution, Run } from "../schema/index.js";
import { CellSource, SubjectLevel, validityOf } from "../schema/index.js";
import type { CellValue, Services, Subject } from "../services/index.js";
import type { FavorContext } from "./context.type.js";

/** Returns the Run node of a subject that has a run. */
export function toRunNode(subject: Subject): Run {
  const run = subject.run!;
  return { ...run, modelRow: subject.model, values: subject.values };
}

/** Returns the ModelResolution node of a model@resolution subject. */
export function toModelResolutionNode(subject: Subject): ModelResolution {
  return {
    resolution: subject.resolution,
    pretrainResolution: subject.run?.pretrainResolution ?? null,
    runId: subject.run?.id ?? null,
    runCount: subject.runCount,
    subject,
    modelRow: subject.model,
  };
}

// Subjects are cached per data version and their `values` maps are immutable, so the MetricValue lists built
// from them can be reused by every request that asks for the same keys.
const metricValueMemo = new WeakMap<Map<string, CellValue>, Map<string, MetricValue[]>>();

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
  // A hit is returned synchronously: graphql-js then completes the list without a promise per row.
  return metricValueMemo.get(values)?.get(memoKey) ?? buildMetricValues(services, values, keys, memoKey);
}

async function buildMetricValues(
  services: Services,
  values: Map<string, CellValue>,
  keys: string[] | null | undefined,
  memoKey: string,
): Promise<MetricValue[]> {
  const byKey = await services.catalog.metricMap();
  const wanted: MetricRow[] = [];
  for (const key of keys ?? [...byKey.keys()]) {
    const metric = byKey.get(key);
    if (!metric)
      await services.catalog.metric(key); // throws BAD_USER_INPUT naming it
    else wanted.push(metric);
  }
  const list = wanted.flatMap((metric) => {
    const cell = values.get(metric.key);
    return cell ? [toMetricValue(cell, metric)] : [];
  });
  const memo = metricValueMemo.get(values);
  if (memo) memo.set(memoKey, list);
  else metricValueMemo.set(values, new Map([[memoKey, list]]));
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
  return {
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
  };
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
