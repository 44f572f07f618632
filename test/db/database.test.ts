import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  type FavorDatabase,
  MAX_PREPARED_STATEMENTS,
  openDatabase,
  queryRows,
  queryRowsPrepared,
} from "../../src/db/client.js";
import { DataDirLockedError } from "../../src/db/data-dir-lock.js";
import { METRIC_CATALOG } from "../../src/db/metric-catalog.js";
import { cells, metrics, models } from "../../src/db/schema/index.js";
import { seedDatabase } from "../../src/db/seed.js";
import { SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, createScratchDatabase, type ScratchDatabase } from "../helpers/test-database.js";

describe.each(BACKENDS)("openDatabase (%s)", (backend) => {
  let scratch: ScratchDatabase;
  let database: FavorDatabase;
  const counts = async () =>
    (
      await queryRows<Record<string, number>>(
        database.db,
        sql`SELECT (SELECT count(*)::int FROM models) AS models, (SELECT count(*)::int FROM runs) AS runs,
                   (SELECT count(*)::int FROM run_epochs) AS epochs, (SELECT count(*)::int FROM cells) AS cells,
                   (SELECT count(*)::int FROM devices) AS devices, (SELECT count(*)::int FROM metrics) AS metrics`,
      )
    )[0];
  const open = () => openDatabase({ databaseUrl: scratch.databaseUrl, dataDir: scratch.dataDir });

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend, { empty: true });
    database = await open();
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  it("migrates and seeds an empty database with every run, epoch and figure", async () => {
    const figures = SEED.runs.reduce((n, r) => n + Object.keys(r.metrics).length, 0);
    expect(await counts()).toEqual({
      models: 65,
      runs: 90,
      epochs: 90 * 50,
      cells: figures,
      devices: new Set(SEED.runs.map((r) => r.gpu)).size,
      metrics: METRIC_CATALOG.length,
    });
  });

  it("seeds only once: seeding again and reopening change nothing", async () => {
    const before = await counts();
    expect(await seedDatabase(database.db)).toEqual({ seeded: false });
    await database.close();
    database = await open();
    expect(await counts()).toEqual(before);
  });

  it("adds the catalogue models a seeded database lacks, and leaves the others as they are", async () => {
    await database.db.delete(models).where(sql`${models.sourceId} = 'fastvit_s12'`);
    expect((await counts()).models).toBe(64);
    expect(await seedDatabase(database.db)).toEqual({ seeded: false });
    expect((await counts()).models).toBe(65);
    const [row] = await database.db.select().from(models).where(sql`${models.sourceId} = 'fastvit_s12'`);
    expect(row.name).toBe("FastViT-S12");
  });

  it("restores the metric catalogue from code at every start", async () => {
    await database.db.update(metrics).set({ label: "tampered" }).where(sql`${metrics.key} = 'params'`);
    await seedDatabase(database.db);
    const [row] = await database.db.select().from(metrics).where(sql`${metrics.key} = 'params'`);
    expect(row.label).toBe(METRIC_CATALOG.find((m) => m.key === "params")!.label);
  });

  it("refuses to write a paper figure twice", async () => {
    const [existing] = await database.db
      .select()
      .from(cells)
      .where(sql`${cells.metricKey} = 'throughput'`)
      .limit(1);
    const { id: _id, createdAt: _c, ...copy } = existing;
    await expect(database.db.insert(cells).values({ ...copy, value: 1 })).rejects.toThrow();
  });

  it("treats missing device and batch size as equal in the uniqueness of model@resolution figures", async () => {
    const [model] = await queryRows<{ id: number }>(
      database.db,
      sql`SELECT id FROM models ORDER BY id LIMIT 1`,
    );
    const figure = {
      modelId: model.id,
      resolution: 224,
      metricKey: "params",
      value: 1,
      source: "measured" as const,
    };
    await database.db.insert(cells).values(figure);
    await expect(database.db.insert(cells).values({ ...figure, value: 2 })).rejects.toThrow();
    await database.db.delete(cells).where(sql`${cells.runId} IS NULL`);
  });

  it("refuses a figure that names both a run and a model@resolution, or neither", async () => {
    const [model] = await queryRows<{ id: number }>(
      database.db,
      sql`SELECT id FROM models ORDER BY id LIMIT 1`,
    );
    const [run] = await queryRows<{ id: number }>(database.db, sql`SELECT id FROM runs ORDER BY id LIMIT 1`);
    await expect(
      database.db.insert(cells).values({
        runId: run.id,
        modelId: model.id,
        resolution: 224,
        metricKey: "params",
        value: 1,
        source: "measured",
      }),
    ).rejects.toThrow();
    await expect(
      database.db.insert(cells).values({ metricKey: "params", value: 1, source: "measured" }),
    ).rejects.toThrow();
  });

  it.runIf(backend === "pglite")("refuses a second open of the same PGlite directory", async () => {
    await expect(open()).rejects.toThrow(DataDirLockedError);
  });

  it("runs prepared queries: one text with new values each time, and more texts than are kept prepared", async () => {
    for (const n of [1, 2, 3])
      expect(await queryRowsPrepared(database.db, sql`SELECT ${n}::int * 2 AS n`)).toEqual([{ n: n * 2 }]);
    for (let k = 0; k < MAX_PREPARED_STATEMENTS + 20; k++) {
      const rows = await queryRowsPrepared<{ n: number }>(
        database.db,
        sql`SELECT ${sql.raw(String(k))}::int + ${1}::int AS n`,
      );
      expect(rows).toEqual([{ n: k + 1 }]);
    }
  });
});
