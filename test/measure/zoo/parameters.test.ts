import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import type { SeedFile } from "../../../src/db/seed-file.js";
import {
  catalogueModels,
  describeModel,
  findModel,
  listModels,
  referenceCounts,
} from "../../../src/measure/zoo/index.js";

const data = JSON.parse(
  readFileSync(new URL("../../../data/wtf-benchmark.json", import.meta.url), "utf8"),
) as SeedFile;
const catalogue = catalogueModels();

describe("zoo parameter counts", () => {
  it("covers every model of the catalogue (all 65), and nothing else", () => {
    const registered = listModels()
      .map((m) => m.sourceId)
      .sort();
    expect(catalogue).toHaveLength(65);
    expect(registered).toEqual(catalogue.map((m) => m.sourceId).sort());
  });

  it("matches the dataset's `number of parameters` for every run, at the run's fine-tune resolution", () => {
    const cache = new Map<string, number>();
    const mismatches: string[] = [];
    let checked = 0;
    for (const run of data.runs) {
      const model = findModel(run.sourceModelId);
      const expected = run.metrics.params;
      if (!model || expected === undefined) continue;
      const key = `${run.sourceModelId}@${run.pretrainResolution}->${run.resolution}`;
      const options = { resolution: run.resolution, pretrainResolution: run.pretrainResolution };
      if (!cache.has(key)) cache.set(key, describeModel(model.name, options).metadata.parameters);
      const built = cache.get(key)!;
      checked++;
      if (built === expected) continue;
      // A documented deviation must say why and stay below 0.1%.
      const reason = model.parameterDeviations?.[expected];
      const rel = Math.abs(built - expected) / expected;
      if (!reason || rel >= 0.001) {
        mismatches.push(
          `${model.name} @${run.pretrainResolution}→${run.resolution} (${run.runName}): built ${built}, dataset ${expected}${reason ? ` (documented, but ${(rel * 100).toFixed(3)}% ≥ 0.1%)` : ""}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    // Every run of a registered model was checked.
    expect(checked).toBe(
      data.runs.filter((r) => findModel(r.sourceModelId) && r.metrics.params !== undefined).length,
    );
  });

  it("has a reference count (data/zoo-references.json) for every catalogue model the benchmark data lacks", () => {
    const withRuns = new Set(data.runs.map((r) => r.sourceModelId));
    const referenced = new Set(referenceCounts().map((r) => r.sourceId));
    const lacking = catalogue.filter((m) => !withRuns.has(m.sourceId) && !referenced.has(m.sourceId));
    expect(lacking).toEqual([]);
    for (const r of referenceCounts()) expect(findModel(r.sourceId), r.sourceId).toBeDefined();
  });

  it("documents every accepted deviation with a reason", () => {
    for (const m of listModels()) {
      for (const [params, reason] of Object.entries(m.parameterDeviations ?? {})) {
        expect(reason.length, `${m.name}: deviation for ${params} needs a reason`).toBeGreaterThan(20);
        expect(
          data.runs.some((r) => r.sourceModelId === m.sourceId && r.metrics.params === Number(params)),
        ).toBe(true);
      }
    }
  });

  it("matches the issue's reference figures", () => {
    expect(describeModel("ViT-Ti/16", { resolution: 224 }).metadata.parameters).toBe(5_721_832);
    expect(describeModel("ViT-S/16", { resolution: 224 }).metadata.parameters).toBe(22_059_496);
    expect(describeModel("ViT-S/16", { resolution: 384 }).metadata.parameters).toBe(22_205_416);
  });
});
