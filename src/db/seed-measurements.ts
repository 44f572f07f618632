import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { eq, inArray, sql } from "drizzle-orm";

import type { FavorDb } from "./client.js";
import { type MeasurementFile, MeasurementFileError, parseMeasurementFile } from "./measurement-file.js";
import { cells, devices, models } from "./schema/index.js";

/** data/measurements/, found relative to this module. */
export const MEASUREMENTS_DIR = fileURLToPath(new URL("../../data/measurements", import.meta.url));

/** A committed measurement file, parsed, with the hash that tells whether the database already holds it. */
export interface PublishedDevice {
  readonly file: string;
  readonly sha256: string;
  readonly content: MeasurementFile;
}

/** Reads and checks every data/measurements/*.json, in name order. @throws MeasurementFileError */
export function readPublishedDevices(dir = MEASUREMENTS_DIR): PublishedDevice[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const bytes = readFileSync(path.join(dir, name));
    const file = `data/measurements/${name}`;
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new MeasurementFileError(`${file}: not JSON: ${(error as Error).message}`);
    }
    return {
      file,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      content: parseMeasurementFile(json, file),
    };
  });
}

/**
 * Writes each published device whose file is new or changed since it was last seeded: the device (its
 * description says which file and hash it came from) and its figures as `measured` cells without a job.
 * A changed file replaces that device's published figures; figures the device's own jobs measured stay.
 */
export async function seedPublishedMeasurements(db: FavorDb, dir = MEASUREMENTS_DIR): Promise<number> {
  const published = readPublishedDevices(dir);
  let written = 0;
  for (const { file, sha256, content } of published) {
    await db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: devices.id, description: devices.description })
        .from(devices)
        .where(eq(devices.name, content.device.name));
      if (existing?.description.publishedSha256 === sha256) return;
      const description = {
        ...content.device.description,
        source: "published",
        publishedFile: file,
        publishedSha256: sha256,
        exportedFrom: content.exportedFrom,
        exportedAt: content.exportedAt,
      };
      const [device] = await tx
        .insert(devices)
        .values({ name: content.device.name, kind: content.device.kind, description })
        .onConflictDoUpdate({ target: devices.name, set: { description, kind: sql`excluded.kind` } })
        .returning({ id: devices.id });
      await tx
        .delete(cells)
        .where(
          sql`${cells.deviceId} = ${device.id} AND ${cells.jobId} IS NULL AND ${cells.source} = 'measured'`,
        );
      const sourceIds = [...new Set(content.figures.map((f) => f.model))];
      const modelRows =
        sourceIds.length === 0
          ? []
          : await tx
              .select({ id: models.id, sourceId: models.sourceId })
              .from(models)
              .where(inArray(models.sourceId, sourceIds));
      const modelIds = new Map(modelRows.map((m) => [m.sourceId, m.id]));
      const rows = content.figures.map((f, i) => {
        const modelId = modelIds.get(f.model);
        if (modelId === undefined)
          throw new MeasurementFileError(
            `${file}: figures[${i}].model names no model of the catalogue: ${f.model}`,
          );
        return {
          modelId,
          resolution: f.resolution,
          metricKey: f.metric,
          deviceId: device.id,
          batchSize: f.batchSize,
          value: f.value,
          source: "measured" as const,
          provenance: { ...f.provenance, publishedFile: file },
        };
      });
      for (let i = 0; i < rows.length; i += 1000) {
        await tx
          .insert(cells)
          .values(rows.slice(i, i + 1000))
          .onConflictDoNothing();
      }
      written += rows.length;
    });
  }
  return written;
}
