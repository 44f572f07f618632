import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, linear, toHeads, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Linear-S and Linear-Ti (architectures/linear_transformer.py, linear_vit_small_patch16; Katharopoulos et al.'s
 * linear transformer): ViT-S/16 (layer scale, qkv bias) whose attention uses the feature map φ(x) = elu(x) + 1
 * on queries and keys: per head, KV = φ(K)ᵀV ([d, d]), Z = 1 / (φ(Q)·Σₙφ(K) + 1e-6) and out = Z ⊙ φ(Q)·KV. As
 * the reference, the three products are einsums (which torchprofile, the benchmark's MAC counter, counts as 0).
 * The same parameters as ViT-S/16.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.24 vs 4.61 GMACs at 224; B has about four times as many) and Ti (linear_vit_tiny_patch16:
 * width 192, 3 heads, 1.08 GMACs) the smallest, built with the same code.
 */

function linearAttention(b: GraphBuilder, x: Tensor, name: string, dim: number, heads: number): Tensor {
  return b.scope(name, () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", true);
    const [q, k, v] = b.split(qkv, [dim, dim, dim], -1).map((t) => toHeads(b, t, heads));
    const phi = (t: Tensor) => b.add(b.op("Elu", [t], { alpha: 1.0 }), 1);
    const fq = phi(q);
    const fk = phi(k);
    const kv = b.einsum("bhnd,bhnm->bhmd", fk, v);
    // `1 / t` traces as reciprocal(t) · 1 in torch (torchprofile counts that product), so the graph keeps it.
    const denom = b.add(b.einsum("bhnd,bhd->bhn", fq, b.reduceSum(fk, [2], false)), 1e-6);
    const z = b.mul(b.op("Reciprocal", [denom]), 1);
    const y = b.einsum("bhnd,bhmd,bhn->bhnm", fq, kv, z);
    return linear(b, fromHeads(b, y), dim, dim, "proj");
  });
}

for (const [name, sourceId, size] of [
  ["Linear-S", "linear_vit_small_patch16", VIT_SIZES.S],
  ["Linear-Ti", "linear_vit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "linear-transformer",
    build: (b, o) =>
      buildVitWithAttention(
        b,
        { ...size, resolution: o.resolution, numClasses: o.numClasses },
        (bb, x, n, d, h) => linearAttention(bb, x, n, d, h),
      ),
  });
}
