import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py hydra_vit_small_patch16 224 384` (models.prepare_model with the benchmark's defaults:
// layer scale 1e-4, qkv bias). timm.create_model without those defaults gives 22,050,280 at 224 (no layer
// scale; qkv bias off in HydraBlock).
describe("Hydra-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "hydra_vit_small_patch16",
      { resolution: 224, params: 22_059_496, macs: 4_246_740_864 },
      0,
    );
    expectReference(
      "hydra_vit_small_patch16",
      { resolution: 384, params: 22_205_416, macs: 12_438_251_904 },
      0,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Hydra-S", 64);
    await expectRunsInFloat16("Hydra-S", 64);
  });
});

// Reference: `python3 ref.py hydra_vit_tiny_patch16 224 384` (the smallest size registered; models.prepare_model
// with layer scale 1e-4 and qkv bias): 5,721,832 parameters, 1,077,612,480 MACs; timm.create_model without those
// defaults gives 5,717,224.
describe("Hydra-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("hydra_vit_tiny_patch16", { resolution: 224, params: 5_721_832, macs: 1_077_612_480 }, 0);
    expectReference("hydra_vit_tiny_patch16", { resolution: 384, params: 5_794_792, macs: 3_156_169_920 }, 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Hydra-Ti", 64);
    await expectRunsInFloat16("Hydra-Ti", 64);
  });
});
