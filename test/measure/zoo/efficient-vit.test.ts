import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py efficient_vit_b3 224 384` (models.prepare_model; timm.create_model gives the same):
// 48,646,056 parameters, 3,969,519,631 MACs. The graph counts 15 MACs fewer (4e-9).
describe("EfficientViT-B3", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("efficient_vit_b3", { resolution: 224, params: 48_646_056, macs: 3_969_519_631 }, 1e-8);
    expectReference("efficient_vit_b3", { resolution: 384, params: 48_646_056, macs: 11_649_118_991 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("EfficientViT-B3", 64);
    await expectRunsInFloat16("EfficientViT-B3", 64);
  });
});

// Reference: `python3 ref.py efficient_vit_b0 224 384` (the smallest size registered; timm.create_model gives the
// same): 3,410,008 parameters, 102,186,116 MACs; the graph counts 4 MACs fewer (4e-8). (efficient_vit_b2:
// 24,330,712 / 1,593,767,562; efficient_vit_l1: 52,654,088 / 5,264,732,806, 658 M MACs above ViT-S/16's
// 4,607,047,560 against B3's 638 M below, so B3 stays the size nearest ViT-S; l2: 63,707,016 / 6,957,821,576.)
describe("EfficientViT-B0", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("efficient_vit_b0", { resolution: 224, params: 3_410_008, macs: 102_186_116 }, 1e-7);
    expectReference("efficient_vit_b0", { resolution: 384, params: 3_410_008, macs: 295_274_756 }, 1e-7);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("EfficientViT-B0", 64);
    await expectRunsInFloat16("EfficientViT-B0", 64);
  });
});
