import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py hi_vit_tiny_patch16 224 384` (models.prepare_model; timm.create_model gives the same):
// 4,937,254 parameters, 1,226,242,945 MACs. (hi_vit_small_patch16: 37,526,464 and 9,051,181,825, twice ViT-S's
// MACs, so Ti is the size nearest ViT-S.) The graph counts 1 MAC fewer.
describe("HiViT-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("hi_vit_tiny_patch16", { resolution: 224, params: 4_937_254, macs: 1_226_242_945 }, 1e-8);
    expectReference("hi_vit_tiny_patch16", { resolution: 384, params: 5_054_614, macs: 4_443_778_945 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("HiViT-Ti", 64);
    await expectRunsInFloat16("HiViT-Ti", 64);
  });
});
