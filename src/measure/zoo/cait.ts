import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  addPosEmbed,
  classAttentionBlock,
  expandToBatch,
  fromHeads,
  imageInput,
  layerNorm,
  layerScale,
  linear,
  mlp,
  patchEmbed,
  toHeads,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * CaiT-S24 (architectures/cait.py wraps timm's Cait: dim 384, 24 blocks, 8 heads): talking-heads
 * self-attention blocks with layer scale over the patch tokens, then 2 class-attention blocks that update
 * only the class token, final norm and head on the class token.
 */

const DIM = 384;
const HEADS = 8;

function talkingHeads(b: GraphBuilder, x: Tensor): Tensor {
  return b.scope("attn", () => {
    const qkv = linear(b, x, DIM, 3 * DIM, "qkv");
    const [q, k, v] = b.split(qkv, [DIM, DIM, DIM], -1).map((t) => toHeads(b, t, HEADS));
    let attn = b.matmul(b.mul(q, (DIM / HEADS) ** -0.5), b.transpose(k, [0, 1, 3, 2]));
    // Mix heads before and after the softmax: linear maps over the head axis.
    attn = b.transpose(linear(b, b.transpose(attn, [0, 2, 3, 1]), HEADS, HEADS, "proj_l"), [0, 3, 1, 2]);
    attn = b.softmax(attn, -1);
    attn = b.transpose(linear(b, b.transpose(attn, [0, 2, 3, 1]), HEADS, HEADS, "proj_w"), [0, 3, 1, 2]);
    return linear(b, fromHeads(b, b.matmul(attn, v)), DIM, DIM, "proj");
  });
}

defineModel({
  name: "CaiT-S24",
  sourceId: "cait_s24",
  family: "cait",
  build: (b, o) => {
    const g = o.resolution / 16;
    let x = addPosEmbed(b, patchEmbed(b, imageInput(b, o.resolution), 16, DIM), g * g, DIM);
    for (let i = 0; i < 24; i++) {
      x = b.scope(`blocks.${i}`, () => {
        const y = b.add(x, layerScale(b, talkingHeads(b, layerNorm(b, x, DIM, "norm1")), DIM, "gamma_1"));
        return b.add(y, layerScale(b, mlp(b, layerNorm(b, y, DIM, "norm2"), DIM, 4 * DIM), DIM, "gamma_2"));
      });
    }
    let cls = expandToBatch(b, b.param("cls_token", [1, 1, DIM]), x);
    for (let i = 0; i < 2; i++)
      cls = classAttentionBlock(b, x, cls, `blocks_token_only.${i}`, DIM, HEADS, 4 * DIM);
    const out = layerNorm(b, b.concat([cls, x], 1), DIM, "norm");
    return linear(b, b.gather(out, 0, 1), DIM, o.numClasses, "head");
  },
});
