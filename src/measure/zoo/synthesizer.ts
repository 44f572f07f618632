import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, linear, toHeads, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Synthesizer-S (architectures/synthesizer.py), attention weights without query–key products:
 * - FD (factorized dense): per token, f_a(x) ∈ R^{H×f} and f_b(x) ∈ R^{H×ms/f} are repeat-interleaved to
 *   length ms = f·⌈N/f⌉ and multiplied, cut to N, softmaxed; f = round(√N).
 * - FR (factorized random): a learned [H, ms, f]·[H, f, ms] product (f = 8), cut to [H, N, N].
 * The benchmark's runs set qkv_bias (so f_a, f_b and v have biases) and layer scale.
 */

function repeatInterleave(b: GraphBuilder, t: Tensor, repeats: number): Tensor {
  const [, h, n, c] = t.shape as [unknown, number, number, number];
  const e = b.expand(b.unsqueeze(t, [4]), [1, 1, 1, 1, repeats]);
  return b.reshape(e, [0, h, n, c * repeats]);
}

function denseAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
): Tensor {
  const f = Math.round(Math.sqrt(tokens));
  const ms = f * Math.ceil(tokens / f);
  return b.scope(name, () => {
    const a = toHeads(b, linear(b, x, dim, heads * f, "f_a"), heads);
    const c = toHeads(b, linear(b, x, dim, heads * (ms / f), "f_b"), heads);
    let attn = b.mul(repeatInterleave(b, a, ms / f), repeatInterleave(b, c, f));
    attn = b.softmax(b.slice(attn, [0], [tokens], [3]), -1);
    const v = toHeads(b, linear(b, x, dim, dim, "v"), heads);
    return linear(b, fromHeads(b, b.matmul(attn, v)), dim, dim, "proj");
  });
}

const FR_F = 8;

function randomAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
): Tensor {
  const ms = FR_F * Math.ceil(tokens / FR_F);
  return b.scope(name, () => {
    const r1 = b.param("random_attn_1", [heads, ms, FR_F], { kind: "normal", std: 1 });
    const r2 = b.param("random_attn_2", [heads, FR_F, ms], { kind: "normal", std: 1 });
    const attn = b.softmax(b.slice(b.matmul(r1, r2), [0, 0], [tokens, tokens], [1, 2]), -1);
    const v = toHeads(b, linear(b, x, dim, dim, "v"), heads);
    return linear(b, fromHeads(b, b.einsum("hnm,bhmd->bhnd", attn, v)), dim, dim, "proj");
  });
}

for (const [kind, mixer] of [
  ["FD", denseAttention],
  ["FR", randomAttention],
] as const) {
  defineModel({
    name: `Synthesizer-${kind}-S`,
    sourceId: `synthesizer_${kind.toLowerCase()}_vit_small_patch16`,
    family: "synthesizer",
    build: (b, o) =>
      buildVitWithAttention(b, { ...VIT_SIZES.S, resolution: o.resolution, numClasses: o.numClasses }, mixer),
  });
}
