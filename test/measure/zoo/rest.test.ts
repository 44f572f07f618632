import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py rest_base 224 384` (models.prepare_model with the benchmark's `qkv_bias=True`):
// 30,327,052 parameters, 4,631,677,232 MACs; timm.create_model (qkv_bias False) gives 30,313,804. The graph
// counts 88 MACs more (2e-8): the two means per head of each instance norm, which torchprofile's
// non-affine instance_norm counts as 0.
describe("ResT-Base", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("rest_base", { resolution: 224, params: 30_327_052, macs: 4_631_677_232 }, 1e-7);
    expectReference("rest_base", { resolution: 384, params: 30_327_052, macs: 14_421_357_312 }, 1e-7);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("ResT-Base", 64);
    await expectRunsInFloat16("ResT-Base", 64);
  });
});
