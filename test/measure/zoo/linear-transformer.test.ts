import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py linear_vit_small_patch16 224 384` (models.prepare_model with the benchmark's
// defaults: layer scale 1e-4, qkv bias); timm.create_model without them gives 22,050,280 at 224. The einsums
// count 0 MACs in torchprofile, as in the graph's `torchprofileMacs`.
describe("Linear-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "linear_vit_small_patch16",
      { resolution: 224, params: 22_059_496, macs: 4_244_939_496 },
      0,
    );
    expectReference(
      "linear_vit_small_patch16",
      { resolution: 384, params: 22_205_416, macs: 12_432_975_816 },
      0,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Linear-S", 64);
    await expectRunsInFloat16("Linear-S", 64);
  });
});

// Reference: `python3 ref.py linear_vit_tiny_patch16 224 384` (the smallest size registered; layer scale 1e-4, qkv
// bias): 5,721,832 parameters, 1,076,711,796 MACs; timm.create_model without those defaults gives 5,717,224.
describe("Linear-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "linear_vit_tiny_patch16",
      { resolution: 224, params: 5_721_832, macs: 1_076_711_796 },
      0,
    );
    expectReference(
      "linear_vit_tiny_patch16",
      { resolution: 384, params: 5_794_792, macs: 3_153_531_876 },
      0,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Linear-Ti", 64);
    await expectRunsInFloat16("Linear-Ti", 64);
  });
});
