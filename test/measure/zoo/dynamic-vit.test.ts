import { describe, expect, it } from "vitest";

import { buildDynamicVit } from "../../../src/measure/zoo/dynamic-vit.js";
import {
  buildGraph,
  computeTable,
  images,
  maxAbsDiff,
  parameterTable,
  rows,
  run,
  smokeRun,
  topk,
} from "./dynamic-helpers.js";

describe("DynamicViT-S", () => {
  it("has the dataset's parameter count for every run", () => {
    for (const row of parameterTable("DynamicViT-S"))
      expect(row.built, `@${row.resolution}`).toBe(row.expected);
  });

  it("runs in onnxruntime at full size (224) at batch 1 and 2 with the same logits for the same image", async () => {
    const { dims, first, finite } = await smokeRun("DynamicViT-S", 224);
    expect(dims).toEqual([
      [1, 1000],
      [2, 1000],
    ]);
    expect(finite).toBe(true);
    expect(maxAbsDiff(first[0], first[1])).toBeLessThan(1e-4);
  });

  it("keeps int(196 · 0.9^k) = 176, 158, 142 tokens at 224 px, chosen per image by the predictor's scores", async () => {
    const dims = { embedDim: 32, depth: 12, numHeads: 2, mlpRatio: 2, patchSize: 16 };
    const g = buildGraph((b) => buildDynamicVit(b, { resolution: 224, numClasses: 10, dims, probes: true }));
    const session = await g.session();
    const kept: string[] = [];
    for (const variant of [1, 2]) {
      const out = await run(session, images(2, 224, variant));
      [176, 158, 142].forEach((n, p) => {
        const keep = out[`score_predictor.${p}.keep_idx`];
        expect(keep.dims).toEqual([2, n]);
        const scores = rows(out[`score_predictor.${p}.score`]);
        rows(keep).forEach((k, img) => {
          expect(k).toEqual(topk(scores[img], n));
          kept.push(JSON.stringify([...k].sort((a, b) => a - b)));
        });
      });
    }
    expect(new Set(kept.filter((_, i) => i % 3 === 0)).size).toBeGreaterThan(1);
  });

  it("has MACs and FLOPs within 0.5% of every run's (core counter, torchprofile/fvcore conventions)", () => {
    for (const name of ["DynamicViT-S"]) {
      for (const row of computeTable(name)) {
        expect(Math.abs(row.macsDiff), `${name} MACs @${row.resolution}`).toBeLessThan(0.005);
        expect(Math.abs(row.flopsDiff), `${name} FLOPs @${row.resolution}`).toBeLessThan(0.005);
      }
    }
  });
});
