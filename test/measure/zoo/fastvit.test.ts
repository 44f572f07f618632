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

// Reference: `python3 ref.py fastvit_t8 224 384` (models.prepare_model; timm.create_model gives the same): 4,026,232
// parameters, 535,518,720 MACs; the graph's are the same (training-time form; reparameterize() of every block
// gives 3,996,040 and 526,091,904). T8 is the smallest of the seven sizes fastvit.py registers (T12: 7,553,704 /
// 1,080,342,528); the SA/MA sizes build (SA12 11,583,016, SA24 21,558,312, SA36 31,533,608, MA36 44,075,300
// parameters) but fail in forward, so S12 stays the size nearest ViT-S that runs.
describe("FastViT-T8", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("fastvit_t8", { resolution: 224, params: 4_026_232, macs: 535_518_720 }, 0);
    expectReference("fastvit_t8", { resolution: 384, params: 4_026_232, macs: 1_572_134_400 }, 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("FastViT-T8", 64);
    await expectRunsInFloat16("FastViT-T8", 64);
  });
});
