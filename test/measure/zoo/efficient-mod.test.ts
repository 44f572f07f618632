import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py efficient_mod_s 224 384`: 8,991,528 parameters, 1,061,754,632 MACs. Only
// models.prepare_model builds it (efficient_mod_s reads layer_scale, layer_scale_init_values and qkv_bias from
// the training arguments; timm.create_model alone fails with KeyError('layer_scale')). The graph counts 8 MACs
// fewer (8e-9).
describe("EfficientMod-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("efficient_mod_s", { resolution: 224, params: 8_991_528, macs: 1_061_754_632 }, 1e-8);
    expectReference("efficient_mod_s", { resolution: 384, params: 8_991_528, macs: 3_371_911_432 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("EfficientMod-S", 64);
    await expectRunsInFloat16("EfficientMod-S", 64);
  });
});

// Reference: `python3 ref.py efficient_mod_xxs 224 384` (the smallest size registered; only models.prepare_model
// builds it, as for S): 4,670,728 parameters, 559,405,059 MACs; the graph counts 3 MACs fewer (5e-9).
// (efficient_mod_xs: 5,156,392 / 604,425,478.)
describe("EfficientMod-XXS", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("efficient_mod_xxs", { resolution: 224, params: 4_670_728, macs: 559_405_059 }, 1e-8);
    expectReference("efficient_mod_xxs", { resolution: 384, params: 4_670_728, macs: 1_713_510_659 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("EfficientMod-XXS", 64);
    await expectRunsInFloat16("EfficientMod-XXS", 64);
  });
});
