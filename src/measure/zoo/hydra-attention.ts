import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, linear, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Hydra-S and Hydra-Ti (architectures/hydra_attention.py, hydra_vit_small_patch16): ViT-S/16 (layer scale, qkv
 * bias as the benchmark's `qkv_bias=True` default sets it) whose attention is Hydra attention, i.e. as many
 * heads as channels with a cosine-similarity kernel: q and k are L2-normalised over the channels, k·v is summed
 * over the tokens into one global [B, 1, C] vector, and each token's output is that vector gated by its q, then
 * the `out` linear. Linear in the number of tokens; the same parameters as ViT-S/16.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.25 vs 4.61 GMACs at 224; B has about four times as many) and Ti (hydra_vit_tiny_patch16:
 * width 192, 3 heads, 1.08 GMACs) the smallest, built with the same code.
 */

function hydraAttention(b: GraphBuilder, x: Tensor, name: string, dim: number): Tensor {
  return b.scope(name, () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", true);
    const [q, k, v] = b.split(qkv, [dim, dim, dim], -1);
    const unit = (t: Tensor) => b.div(t, b.op("ReduceL2", [t, b.ints([-1], "axes")], { keepdims: 1 }));
    const kv = b.reduceSum(b.mul(unit(k), v), [1], true);
    return linear(b, b.mul(kv, unit(q)), dim, dim, "out");
  });
}

for (const [name, sourceId, size] of [
  ["Hydra-S", "hydra_vit_small_patch16", VIT_SIZES.S],
  ["Hydra-Ti", "hydra_vit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "hydra-attention",
    build: (b, o) =>
      buildVitWithAttention(
        b,
        { ...size, resolution: o.resolution, numClasses: o.numClasses },
        (bb, x, n, d) => hydraAttention(bb, x, n, d),
      ),
  });
}
