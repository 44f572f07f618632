import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py swiftformer_l3 224 384` (models.prepare_model; timm.create_model gives the same):
// 27,983,784 parameters, 4,015,223,893 MACs. The graph counts 16 MACs fewer (4e-9): a per-encoder trace
// detail of torchprofile that the ONNX ops do not reproduce.
describe("SwiftFormer-L3", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("swiftformer_l3", { resolution: 224, params: 27_983_784, macs: 4_015_223_893 }, 1e-8);
    expectReference("swiftformer_l3", { resolution: 384, params: 27_983_784, macs: 11_798_847_968 }, 1e-8);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("SwiftFormer-L3", 64);
    await expectRunsInFloat16("SwiftFormer-L3", 64);
  });
});
