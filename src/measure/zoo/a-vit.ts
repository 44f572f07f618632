import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  classifierHead,
  fromHeads,
  INIT,
  imageInput,
  layerNorm,
  linear,
  mlp,
  patchEmbed,
  prependClassToken,
  toHeads,
  VIT_SIZES,
} from "../onnx/index.js";
import { floatConstant } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * A-ViT-S and A-ViT-Ti (architectures/a_vit.py, avit_small_patch16: adaptive token halting, act_mode 4, gate
 * scale 100, gate centre 3, eps 0.01): ViT-S/16 (DeiT layout: the position embedding covers the class token; qkv
 * bias; no layer scale, which Block_ACT does not take) whose every block also yields a halting score per token,
 * sigmoid(100·x[..., 0] − 3). Scores accumulate per token; a token whose sum reaches 1 − eps is halted: its
 * output so far (weighted by its remainder) joins the result, and in later blocks it is zeroed, excluded from
 * the norms' inputs and outputs, and masked out of attention with a −1000 softmax bias. The last block halts
 * every token. The result is the halting-weighted sum of the block outputs, then the final norm and the class
 * token's head.
 *
 * This is the reference's inference path as it runs: tokens are masked, never removed, so every block computes
 * on all 197 tokens and the graph is static; the halting state (cumulative score, remainder, mask) is data
 * dependent and computed in the graph exactly as in forward_features_act_token. The ponder-cost bookkeeping
 * (rho_token, counter_token), which does not reach the logits, is left out.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.61 GMACs at 224, as ViT-S/16; B has about four times as many) and Ti (avit_tiny_patch16:
 * width 192, 3 heads, 1.26 GMACs) the smallest, built with the same code.
 */

const GATE_SCALE = 100;
const GATE_CENTER = 3;
const EPS = 0.01;

function maskedAttention(b: GraphBuilder, x: Tensor, halted: Tensor, dim: number, heads: number): Tensor {
  return b.scope("attn", () => {
    const n = x.shape[1] as number;
    const [q, k, v] = b
      .split(linear(b, x, dim, 3 * dim, "qkv"), [dim, dim, dim], -1)
      .map((t) => toHeads(b, t, heads));
    let attn = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), (dim / heads) ** -0.5);
    attn = b.add(attn, b.mul(b.reshape(halted, [-1, 1, 1, n]), -1000));
    return linear(b, fromHeads(b, b.matmul(b.softmax(attn, -1), v)), dim, dim, "proj");
  });
}

/** Returns Block_ACT.forward_act: the block on the kept tokens and each token's halting score [B, N]. */
function actBlock(
  b: GraphBuilder,
  x: Tensor,
  keep: Tensor,
  name: string,
  dim: number,
  heads: number,
): [Tensor, Tensor] {
  return b.scope(name, () => {
    const n = x.shape[1] as number;
    const halted = b.sub(b.scalar(1), keep);
    const k3 = b.reshape(keep, [-1, n, 1]);
    const masked = (t: Tensor, norm: string) => b.mul(layerNorm(b, b.mul(t, k3), dim, norm), k3);
    let y = b.add(x, maskedAttention(b, masked(x, "norm1"), halted, dim, heads));
    y = b.add(y, mlp(b, masked(y, "norm2"), dim, 4 * dim));
    const score = b.sigmoid(b.sub(b.mul(b.squeeze(b.slice(y, [0], [1], [2]), [2]), GATE_SCALE), GATE_CENTER));
    return [y, score];
  });
}

for (const [name, sourceId, size] of [
  ["A-ViT-S", "avit_small_patch16", VIT_SIZES.S],
  ["A-ViT-Ti", "avit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "a-vit",
    build: (b, o) => {
      const { embedDim: dim, depth, numHeads, patchSize } = size;
      const g = o.resolution / patchSize;
      const n = g * g + 1;
      let out = prependClassToken(b, patchEmbed(b, imageInput(b, o.resolution), patchSize, dim), dim);
      out = b.add(out, b.param("pos_embed", [1, n, dim], INIT.weight));
      let cumulative = floatConstant(b, new Float32Array(n), [1, n], "c_token");
      let remainder = floatConstant(b, new Float32Array(n).fill(1), [1, n], "R_token");
      let mask = floatConstant(b, new Float32Array(n).fill(1), [1, n], "mask_token");
      let output: Tensor | null = null;
      const col = (t: Tensor) => b.reshape(t, [-1, n, 1]);
      for (let i = 0; i < depth; i++) {
        out = b.mul(out, col(mask));
        const [y, score] = actBlock(b, out, mask, `blocks.${i}`, dim, numHeads);
        out = y;
        const blockOutput = b.mul(y, col(mask));
        const h =
          i === depth - 1 ? floatConstant(b, new Float32Array(n).fill(1), [1, n], "last_halt") : score;
        cumulative = b.add(cumulative, h);
        const reached = b.mul(b.cast(b.op("Greater", [cumulative, b.scalar(1 - EPS)]), b.dtype), mask);
        const notReached = b.cast(b.op("Less", [cumulative, b.scalar(1 - EPS)]), b.dtype);
        const delta1 = b.mul(b.mul(blockOutput, col(remainder)), col(reached));
        remainder = b.sub(remainder, b.mul(notReached, h));
        const delta2 = b.mul(b.mul(blockOutput, col(h)), col(notReached));
        mask = notReached;
        output = output === null ? b.add(delta1, delta2) : b.add(output, b.add(delta1, delta2));
      }
      return classifierHead(b, output as Tensor, dim, o.numClasses);
    },
  });
}
