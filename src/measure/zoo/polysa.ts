import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, layerNorm, linear, toHeads, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * PolySA-S (architectures/poly_sa.py): a linear-time "poly" attention; per head, a modulator
 * einsum(p2, k·v) is layer-normalised over the head dimension, spread over the tokens with p1 and
 * multiplied into q. p1 and p2 are [heads, N], so parameters grow with the resolution.
 */

function polyAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
): Tensor {
  return b.scope(name, () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", true);
    const [q, k, v] = b.split(qkv, [dim, dim, dim], -1).map((t) => toHeads(b, t, heads));
    const p1 = b.param("p1", [heads, tokens]);
    const p2 = b.param("p2", [heads, tokens]);
    let mod = b.einsum("hn,bhnd->bhd", p2, b.mul(k, v));
    mod = layerNorm(b, mod, dim / heads, "norm", 1e-6);
    mod = b.einsum("hn,bhd->bhnd", p1, mod);
    return linear(b, fromHeads(b, b.mul(q, mod)), dim, dim, "proj");
  });
}

defineModel({
  name: "PolySA-S",
  sourceId: "polysa_vit_small_patch16",
  family: "polysa",
  build: (b, o) =>
    buildVitWithAttention(
      b,
      { ...VIT_SIZES.S, resolution: o.resolution, numClasses: o.numClasses },
      polyAttention,
    ),
});
