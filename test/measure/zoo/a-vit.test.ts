import { describe, it } from "vitest";

import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 avit_ref.py 224` and `python3 avit_ref.py 384` = ref.py's models.prepare_model("avit_small_patch16", default_kwargs) with
// torch.Tensor.cuda and nn.Module.cuda patched to return self (a_vit.py hard-codes .cuda() in __init__ and
// forward; needs scipy for its distribution prior): 22,050,664 parameters (timm.create_model gives the same:
// Block_ACT takes no layer scale), 4,611,746,798 MACs. The graph counts 908,170 MACs more (0.02%): the
// per-block `out.data = out.data * mask` product runs in the reference but on `.data`, which torchprofile's
// trace does not see (12 × 197 × 384 = 907,776; at 384: +2,659,970, 0.017%).
describe("A-ViT-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "avit_small_patch16",
      { resolution: 224, params: 22_050_664, macs: 4_611_746_798 },
      0.001,
    );
    expectReference(
      "avit_small_patch16",
      { resolution: 384, params: 22_196_584, macs: 15_543_817_078 },
      0.001,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("A-ViT-S", 64);
    await expectRunsInFloat16("A-ViT-S", 64);
  });
});

// Reference: `python3 ref.py avit_tiny_patch16 224 384` with .cuda() patched as for S (the smallest size
// registered; timm.create_model gives the same): 5,717,416 parameters, 1,260,119,978 MACs. The graph counts
// 454,282 MACs more (0.04%), the untraced `out.data * mask` product as for S (12 × 197 × 192 = 453,888).
describe("A-ViT-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference("avit_tiny_patch16", { resolution: 224, params: 5_717_416, macs: 1_260_119_978 }, 0.001);
    expectReference("avit_tiny_patch16", { resolution: 384, params: 5_790_376, macs: 4_708_965_778 }, 0.001);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("A-ViT-Ti", 64);
    await expectRunsInFloat16("A-ViT-Ti", 64);
  });
});
