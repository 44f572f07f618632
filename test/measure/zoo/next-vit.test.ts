import { describe, expect, it } from "vitest";

import { makeDivisible } from "../../../src/measure/zoo/next-vit.js";
import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py nextvit_small 224 384` (models.prepare_model; timm.create_model gives the same):
// 31,763,368 parameters, 5,803,162,492 MACs, BatchNorms unmerged. The graph counts 36 MACs fewer (6e-9).
describe("Next-ViT-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("nextvit_small", { resolution: 224, params: 31_763_368, macs: 5_803_162_492 }, 1e-8);
    expectReference("nextvit_small", { resolution: 384, params: 31_763_368, macs: 17_244_271_652 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Next-ViT-S", 64);
    await expectRunsInFloat16("Next-ViT-S", 64);
  });

  it("rounds widths as timm's make_divisible", () => {
    expect([
      makeDivisible(192, 32),
      makeDivisible(288, 32),
      makeDivisible(1152, 32),
      makeDivisible(10, 32),
    ]).toEqual([192, 288, 1152, 32]);
  });
});
