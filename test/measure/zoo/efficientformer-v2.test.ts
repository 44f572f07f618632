import { describe, expect, it } from "vitest";

import { attentionBiasIndex } from "../../../src/measure/zoo/efficientformer-v2.js";
import { buildModel } from "../../../src/measure/zoo/registry.js";
import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

const grid = (n: number, step = 1): Array<[number, number]> =>
  Array.from({ length: n * n }, (_, i) => [Math.floor(i / n) * step, (i % n) * step] as [number, number]);

describe("EfficientFormerV2-S0", () => {
  it("has the dataset's parameter count at 224 and 382 (attention biases grow with the resolution)", () => {
    expectDatasetParameters("EfficientFormerV2-S0");
  });

  it("has the dataset's MACs exactly in the benchmark's convention (BatchNorm and bilinear upsampling counted)", () => {
    expectDatasetMacs("EfficientFormerV2-S0", (r) => benchmarkMacs(statsOf("EfficientFormerV2-S0", r)), 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2", async () => {
    await expectRunsAtBatch1And2("EfficientFormerV2-S0", 64);
  });

  it("indexes attention biases by |Δy|, |Δx| offsets as the reference does", () => {
    const a = attentionBiasIndex(grid(7), grid(7));
    expect(a.offsets).toBe(49);
    expect(a.idx.length).toBe(49 * 49);
    expect(a.idx.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Downsampling attention: 7x7 queries at stride 2 over 14x14 keys → offsets 0..13 per axis
    expect(attentionBiasIndex(grid(7, 2), grid(14)).offsets).toBe(196);
  });

  it("rejects a resolution whose stage-3 map is odd", () => {
    expect(() => buildModel("EfficientFormerV2-S0", { resolution: 240 })).toThrow(
      /stage-3 map ceil\(240\/16\) = 15 is odd/,
    );
  });
});
