import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py reformer_vit_small_patch16 224 384` with reformer_pytorch 1.4.4 (its imports need
// local-attention 1.8.6, axial-positional-embedding fa6bee6 and product-key-memory 0.1.11: 0.2.x imports
// colt5_attention) and a stub for the missing architectures/transformer.py (only the sequence models use it):
// 20,285,416 parameters, 4,237,995,024 MACs (models.prepare_model, layer scale 1e-4, qkv bias);
// timm.create_model without those defaults gives 20,276,200. The rotations are torch.randn draws at every
// forward pass: outputs vary, counts do not. The graph counts 144 MACs fewer (3e-8).
describe("Reformer-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "reformer_vit_small_patch16",
      { resolution: 224, params: 20_285_416, macs: 4_237_995_024 },
      1e-7,
    );
    expectReference(
      "reformer_vit_small_patch16",
      { resolution: 384, params: 20_431_336, macs: 11_817_526_800 },
      1e-7,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Reformer-S", 64);
    await expectRunsInFloat16("Reformer-S", 64);
  });
});

// Reference: `python3 ref.py reformer_vit_tiny_patch16 224 384` (the smallest size registered; same packages and
// stub as S): 5,277,160 parameters, 1,082,086,992 MACs; timm.create_model without the benchmark's defaults gives
// 5,272,552. The graph counts 144 MACs fewer (1.3e-7).
describe("Reformer-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "reformer_vit_tiny_patch16",
      { resolution: 224, params: 5_277_160, macs: 1_082_086_992 },
      1e-6,
    );
    expectReference(
      "reformer_vit_tiny_patch16",
      { resolution: 384, params: 5_350_120, macs: 3_017_446_224 },
      1e-6,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Reformer-Ti", 64);
    await expectRunsInFloat16("Reformer-Ti", 64);
  });
});
