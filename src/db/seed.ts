import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { count, sql } from "drizzle-orm";

import type { FavorDb } from "./client.js";
import { METRIC_CATALOG } from "./metric-catalog.js";
import type { NewCellRow, NewModelRow } from "./schema/index.js";
import { cells, devices, metrics, models, runEpochs, runs } from "./schema/index.js";
import { type EPOCH_FIELDS, SEED_METRIC_SOURCES, type SeedFile, type SeedMetricKey } from "./seed-file.js";
import { seedPublishedMeasurements } from "./seed-measurements.js";

/** The committed seed files, found relative to this module. */
export const SEED_FILE = fileURLToPath(new URL("../../data/wtf-benchmark.json", import.meta.url));
export const MODELS_FILE = fileURLToPath(new URL("../../data/models.json", import.meta.url));

interface ModelsFile {
  models: Array<Omit<NewModelRow, "id">>;
}

/** Source field name → run_epochs column key. The source's 16 per-epoch fields, in order. */
export const EPOCH_COLUMNS = {
  loss: "loss",
  time: "time",
  "learning rate": "learningRate",
  acc1: "acc1",
  acc5: "acc5",
  "grad norm avrg": "gradNormAvg",
  "grad norm max": "gradNormMax",
  "inf grad norm": "infGradNorm",
  "grad norm 20%": "gradNormP20",
  "grad norm 80%": "gradNormP80",
  validation_loss: "validationLoss",
  validation_time: "validationTime",
  val_acc1: "valAcc1",
  val_acc5: "valAcc5",
  time_sum: "timeSum",
  validation_time_sum: "validationTimeSum",
} as const satisfies Record<(typeof EPOCH_FIELDS)[number], string>;

/** Reads and parses the committed seed file. */
export function readSeedFile(path = SEED_FILE): SeedFile {
  return JSON.parse(readFileSync(path, "utf8")) as SeedFile;
}

/** Reads the committed model catalogue (display names and taxonomy). */
export function readModelsFile(path = MODELS_FILE): ModelsFile {
  return JSON.parse(readFileSync(path, "utf8")) as ModelsFile;
}

/** Metric keys whose figure depends on the GPU, read from the catalogue. */
const PER_DEVICE = new Set(METRIC_CATALOG.filter((m) => m.perDevice).map((m) => m.key));
const FIXED_BATCH = new Map(METRIC_CATALOG.map((m) => [m.key, m.batchSize ?? null]));

/**
 * Upserts the metric catalogue, then, if the database holds no runs, inserts models, the paper's devices, the 90
 * runs with their epochs and one cell per published figure, all in one transaction. Returns whether it seeded.
 * A database that holds runs only gains the catalogue's models it lacks (existing rows are left as they are).
 * Then adds the devices published in data/measurements/ that are new or changed (seed-measurements.ts).
 * Safe to call at every start: a seeded database is left as it is.
 */
export async function seedDatabase(db: FavorDb): Promise<{ seeded: boolean }> {
  const result = await seedPaper(db);
  await seedPublishedMeasurements(db);
  return result;
}

async function seedPaper(db: FavorDb): Promise<{ seeded: boolean }> {
  await db
    .insert(metrics)
    .values([...METRIC_CATALOG])
    .onConflictDoUpdate({
      target: metrics.key,
      set: {
        label: sql`excluded.label`,
        unit: sql`excluded.unit`,
        direction: sql`excluded.direction`,
        stage: sql`excluded.stage`,
        perDevice: sql`excluded.per_device`,
        batchSize: sql`excluded.batch_size`,
        description: sql`excluded.description`,
      },
    });

  return db.transaction(async (tx) => {
    const [{ runCount }] = await tx.select({ runCount: count() }).from(runs);
    if (runCount > 0) {
      // A database seeded from an older catalogue gains the models added since (e.g. zoo models without paper runs).
      await tx.insert(models).values(readModelsFile().models).onConflictDoNothing();
      return { seeded: false };
    }

    const seed = readSeedFile();
    const catalogue = readModelsFile();
    const provenanceBase = {
      repository: seed.source.repository,
      file: seed.source.file,
      commit: seed.source.commit,
      license: seed.source.license,
    };

    const modelRows = await tx
      .insert(models)
      .values(catalogue.models)
      .onConflictDoNothing()
      .returning({ id: models.id, sourceId: models.sourceId });
    const modelIds = new Map(modelRows.map((m) => [m.sourceId, m.id]));

    const gpuNames = [...new Set(seed.runs.map((r) => r.gpu))].sort();
    const deviceRows = await tx
      .insert(devices)
      .values(
        gpuNames.map((name) => ({
          name,
          kind: "gpu" as const,
          description: {
            source: "paper",
            recordedAs: name,
            note: "GPU type recorded by the benchmark's runs; the paper's device-dependent figures were obtained on it.",
          },
        })),
      )
      .onConflictDoUpdate({ target: devices.name, set: { name: sql`excluded.name` } })
      .returning({ id: devices.id, name: devices.name });
    const deviceIds = new Map(deviceRows.map((d) => [d.name, d.id]));

    const runRows = await tx
      .insert(runs)
      .values(
        seed.runs.map((run) => {
          const modelId = modelIds.get(run.sourceModelId);
          if (modelId === undefined)
            throw new Error(`Seed run "${run.runName}" names unknown model ${run.sourceModelId}`);
          return {
            modelId,
            experimentId: run.experimentId,
            runName: run.runName,
            runDate: run.runDate,
            deviceId: deviceIds.get(run.gpu)!,
            gpuCount: run.gpuCount,
            pretrainResolution: run.pretrainResolution,
            resolution: run.resolution,
            pretrainDataset: run.pretrainDataset,
            dataset: run.dataset,
            hyperparameters: run.hyperparameters,
            pretrainHyperparameters: run.pretrainHyperparameters,
          };
        }),
      )
      .returning({ id: runs.id });

    const epochRows = seed.runs.flatMap((run, i) =>
      run.epochs.map((epoch) => {
        const row: Record<string, number | null> = { runId: runRows[i].id, epoch: epoch.epoch };
        for (const [field, column] of Object.entries(EPOCH_COLUMNS)) {
          row[column] = epoch[field as keyof typeof EPOCH_COLUMNS] ?? null;
        }
        return row as typeof runEpochs.$inferInsert;
      }),
    );
    for (let i = 0; i < epochRows.length; i += 1000) {
      await tx.insert(runEpochs).values(epochRows.slice(i, i + 1000));
    }

    const cellRows: NewCellRow[] = seed.runs.flatMap((run, i) =>
      Object.entries(run.metrics).map(([key, value]): NewCellRow => {
        const metricKey = key as SeedMetricKey;
        const batchSize =
          metricKey === "throughput" ? run.throughputBatchSize : (FIXED_BATCH.get(metricKey) ?? null);
        return {
          runId: runRows[i].id,
          metricKey,
          deviceId: PER_DEVICE.has(metricKey) ? deviceIds.get(run.gpu)! : null,
          batchSize,
          value: value as number,
          source: "paper",
          provenance: {
            ...provenanceBase,
            field: SEED_METRIC_SOURCES[metricKey],
            ...(metricKey === "throughput" ? { batchSizeField: "throughput_batch_size" } : {}),
          },
        };
      }),
    );
    for (let i = 0; i < cellRows.length; i += 1000) {
      await tx.insert(cells).values(cellRows.slice(i, i + 1000));
    }
    return { seeded: true };
  });
}
