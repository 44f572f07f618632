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

// Reference: `python3 ref.py rest_lite 224 384` (the smallest size registered, qkv bias on): 10,508,300 parameters,
// 1,536,631,152 MACs; timm.create_model gives 10,502,540. The graph counts 56 MACs more (instance-norm means, as
// ResT-Base). (rest_small: 13,679,708 / 2,097,463,984; rest_large: 51,676,156 / 8,368,130,288, so Base stays the
// size nearest ViT-S.)
describe("ResT-Lite", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("rest_lite", { resolution: 224, params: 10_508_300, macs: 1_536_631_152 }, 1e-7);
    expectReference("rest_lite", { resolution: 384, params: 10_508_300, macs: 4_943_606_272 }, 1e-7);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("ResT-Lite", 64);
    await expectRunsInFloat16("ResT-Lite", 64);
  });
});
