import { describe, expect, it } from "vitest";

import { buildModel } from "../../../src/measure/zoo/index.js";
import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py fastvit_s12 224 384` (models.prepare_model("fastvit_s12", default_kwargs), eval):
// 9,473,576 parameters (timm.create_model gives the same), 1,388,623,872 MACs (torchprofile).
// After reparameterize() of every MobileOne/RepMixer/large-kernel block the inference form has 9,428,712 (1,375,452,672 MACs).
describe("FastViT-S12", () => {
  it("has the reference's parameters exactly and its MACs (training-time form)", () => {
    expectReference("fastvit_s12", { resolution: 224, params: 9_473_576, macs: 1_388_623_872 }, 0);
    expectReference("fastvit_s12", { resolution: 384, params: 9_473_576, macs: 4_078_610_432 }, 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("FastViT-S12", 64);
    await expectRunsInFloat16("FastViT-S12", 64);
  });

  it("rejects a resolution that is not a multiple of 32", () => {
    expect(() => buildModel("FastViT-S12", { resolution: 240 })).toThrow(/multiple of 32/);
  });
});
