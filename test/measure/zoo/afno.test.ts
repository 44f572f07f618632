import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py afno_s_p16 224 384` (models.prepare_model with the benchmark's layer scale 1e-4):
// 15,865,960 parameters, 2,836,332,288 MACs (einsums and FFTs count 0 in torchprofile); timm.create_model
// without layer scale gives 15,856,744.
describe("AFNO-S", () => {
  it("has the reference's parameters and MACs exactly at 224 and 384", () => {
    expectReference("afno_s_p16", { resolution: 224, params: 15_865_960, macs: 2_836_332_288 }, 0);
    expectReference("afno_s_p16", { resolution: 384, params: 16_011_880, macs: 8_334_597_888 }, 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("AFNO-S", 64);
    await expectRunsInFloat16("AFNO-S", 64);
  });
});

// Reference: `python3 ref.py afno_na_p16 224 384`: afno.py registers one model per vit_sizes entry (na, mu, Ti, S,
// B, L), and na (width 96, 2 blocks) is the smallest: 349,384 parameters, 43,598,784 MACs; timm.create_model
// without layer scale gives 349,000. (afno_ti_p16: 4,173,352 / 724,533,120; afno_mu_p16: 1,354,744 parameters.)
describe("AFNO-na", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("afno_na_p16", { resolution: 224, params: 349_384, macs: 43_598_784 }, 0);
    expectReference("afno_na_p16", { resolution: 384, params: 385_864, macs: 127_940_544 }, 0);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("AFNO-na", 64);
    await expectRunsInFloat16("AFNO-na", 64);
  });
});
