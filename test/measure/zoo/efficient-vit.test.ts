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
