import { describe, expect, it } from "vitest";

import { probSparseCount } from "../../../src/measure/zoo/informer.js";
import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py informer_vit_small_patch16 224 384` (models.prepare_model; timm.create_model gives the
// same, as the Informer block ignores the layer-scale arguments): 22,050,280 parameters, 4,325,239,728 MACs.
// The key samples are torch.randint draws at every forward pass: outputs vary, counts do not.
describe("Informer-S", () => {
  it("has the reference's parameters and MACs exactly at 224 and 384", () => {
    expectReference(
      "informer_vit_small_patch16",
      { resolution: 224, params: 22_050_280, macs: 4_325_239_728 },
      0,
    );
    expectReference(
      "informer_vit_small_patch16",
      { resolution: 384, params: 22_196_200, macs: 12_708_250_968 },
      0,
    );
  });

  it("samples 5·⌈ln N⌉ keys and queries (30 of 197 tokens at 224)", () => {
    expect(probSparseCount(197)).toBe(30);
    expect(probSparseCount(17)).toBe(15);
    expect(probSparseCount(5)).toBe(5);
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Informer-S", 64);
    await expectRunsInFloat16("Informer-S", 64);
  });
});

// Reference: `python3 ref.py informer_vit_tiny_patch16 224 384` (the smallest size registered; timm.create_model
// gives the same): 5,717,224 parameters, 1,116,861,912 MACs, the graph's too.
describe("Informer-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "informer_vit_tiny_patch16",
      { resolution: 224, params: 5_717_224, macs: 1_116_861_912 },
      0,
    );
    expectReference(
      "informer_vit_tiny_patch16",
      { resolution: 384, params: 5_790_184, macs: 3_291_169_452 },
      0,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Informer-Ti", 64);
    await expectRunsInFloat16("Informer-Ti", 64);
  });
});
