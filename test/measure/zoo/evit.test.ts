import { describe, expect, it } from "vitest";

import { analyzeModel, GraphBuilder } from "../../../src/measure/onnx/index.js";
import { buildEvit, EVIT_PAPER_KEEP_RATES } from "../../../src/measure/zoo/evit.js";
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
  values,
} from "./dynamic-helpers.js";

const TINY = { embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2, patchSize: 16 };

describe("EViT-S and EViT-S (fuse)", () => {
  it("EViT-S has the dataset's parameter count for every run", () => {
    for (const row of parameterTable("EViT-S")) expect(row.built, `@${row.resolution}`).toBe(row.expected);
  });

  it("EViT-S (fuse) matches every run; the 192 → 224 run kept its 192-px position embedding (within 0.1%, exact when built so)", () => {
    const rowsOfFuse = parameterTable("EViT-S (fuse)");
    const odd = rowsOfFuse.filter((r) => r.built !== r.expected);
    for (const row of rowsOfFuse.filter((r) => r.built === r.expected)) expect(row.built).toBe(row.expected);
    // Exactly one run differs: fine-tuned 192 → 224, it reports 22,030,696 = 22,050,664 − (197 − 145) · 384.
    expect(odd.map((r) => [r.pretrainResolution, r.resolution])).toEqual([[192, 224]]);
    for (const row of odd) {
      expect(Math.abs(row.built - row.expected) / row.expected).toBeLessThan(1e-3);
      const g = new GraphBuilder({ name: "evit-fuse-192", seed: 0, weights: false });
      buildEvit(g, {
        resolution: row.resolution,
        numClasses: 1000,
        fuse: true,
        posEmbedFrom: row.pretrainResolution,
      });
      expect(g.parameterCount).toBe(row.expected);
    }
  });

  it("runs with a position embedding learned at another resolution (bicubic resize in the graph)", async () => {
    const g = buildGraph((b) =>
      buildEvit(b, { resolution: 64, numClasses: 10, fuse: true, posEmbedFrom: 48, dims: TINY }),
    );
    const out = (await run(await g.session(), images(2, 64, 1))).logits;
    expect(out.dims).toEqual([2, 10]);
    expect(values(out).every(Number.isFinite)).toBe(true);
  });

  it("runs in onnxruntime at batch 1 and 2; as benchmarked (keep rate 1) both variants compute the same function", async () => {
    const plain = await smokeRun("EViT-S");
    const fuse = await smokeRun("EViT-S (fuse)");
    for (const r of [plain, fuse]) {
      expect(r.dims).toEqual([
        [1, 1000],
        [2, 1000],
      ]);
      expect(r.finite).toBe(true);
      expect(maxAbsDiff(r.first[0], r.first[1])).toBeLessThan(1e-4);
    }
    expect(maxAbsDiff(plain.first[0], fuse.first[0])).toBeLessThan(1e-5);
  });

  it("with a keep rate below 1 keeps the patches the class token attends to most, per image", async () => {
    const g = buildGraph((b) =>
      buildEvit(b, {
        resolution: 64,
        numClasses: 10,
        fuse: false,
        keepRates: [0.5, 1],
        dims: TINY,
        probes: true,
      }),
    );
    const session = await g.session();
    const kept: number[][] = [];
    for (const variant of [1, 2]) {
      const out = await run(session, images(2, 64, variant));
      const attn = rows(out["blocks.0.evit.cls_attn"]);
      const keep = rows(out["blocks.0.evit.keep_idx"]);
      for (let img = 0; img < 2; img++) {
        expect(keep[img]).toEqual(topk(attn[img], 8)); // ceil(0.5 · 16)
        kept.push(keep[img]);
      }
    }
    expect(new Set(kept.map((k) => JSON.stringify([...k].sort((a, b) => a - b)))).size).toBeGreaterThan(1);
  });

  it("fuses the pruned tokens into one extra token when asked (changes the result only when pruning)", async () => {
    const logits = async (fuse: boolean, keepRates: number[]) => {
      const g = buildGraph((b) =>
        buildEvit(b, { resolution: 64, numClasses: 10, fuse, keepRates, dims: TINY }),
      );
      return values((await run(await g.session(), images(1, 64, 3))).logits);
    };
    expect(maxAbsDiff(await logits(false, [0.5, 1]), await logits(true, [0.5, 1]))).toBeGreaterThan(1e-6);
    expect(maxAbsDiff(await logits(false, [1, 1]), await logits(true, [1, 1]))).toBe(0);
  });

  it("rejects keep rates outside (0, 1] and schedules of the wrong length", () => {
    expect(() =>
      buildGraph((b) =>
        buildEvit(b, { resolution: 64, numClasses: 10, fuse: false, keepRates: [0, 1], dims: TINY }),
      ),
    ).toThrow(/keep rate/);
    expect(() =>
      buildGraph((b) =>
        buildEvit(b, { resolution: 64, numClasses: 10, fuse: false, keepRates: [1], dims: TINY }),
      ),
    ).toThrow(/1 keep rates for 2 blocks/);
  });

  it("has MACs and FLOPs within 0.5% of every run's (core counter, torchprofile/fvcore conventions)", () => {
    for (const name of ["EViT-S", "EViT-S (fuse)"]) {
      for (const row of computeTable(name)) {
        expect(Math.abs(row.macsDiff), `${name} MACs @${row.resolution}`).toBeLessThan(0.005);
        expect(Math.abs(row.flopsDiff), `${name} FLOPs @${row.resolution}`).toBeLessThan(0.005);
      }
    }
  });

  it("with EViT's own schedule (keep 0.7 at blocks 3, 6, 9) costs the 3.0 GMACs the EViT paper reports for DeiT-S", () => {
    const b = new GraphBuilder({ name: "evit-0.7", weights: false });
    b.output(
      buildEvit(b, { resolution: 224, numClasses: 1000, fuse: false, keepRates: EVIT_PAPER_KEEP_RATES }),
      "logits",
    );
    const macs = analyzeModel(b.toGraph()).macs;
    expect(macs).toBeGreaterThan(2.95e9);
    expect(macs).toBeLessThan(3.05e9);
  });
});
