import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  batchNorm2d,
  conv2d,
  expandToBatch,
  INIT,
  imageInput,
  layerNorm,
  layerScale,
  linear,
  mlp,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * XCiT-S12/16 (architectures/xcit.py, xcit_small_12_p16: dim 384, 12 XCA blocks, 8 heads, eta 1.0,
 * tokens_norm): a 4-stage conv patch embedding (3×3 stride-2 conv + BatchNorm, GELU between), Fourier
 * position encoding projected by a 1×1 conv, cross-covariance attention (softmax over d×d channel maps
 * with a learned temperature), local patch interaction (depthwise 3×3 convs), then 2 class-attention
 * blocks. Parameters do not depend on the resolution.
 *
 * The Fourier features depend only on the token grid, so they are computed here as a constant
 * [1, 64, H, W] and only their learned projection runs in the graph.
 */

const DIM = 384;
const HEADS = 8;
const POS_HIDDEN = 32;

function fourierFeatures(h: number, w: number): Float32Array {
  const scale = 2 * Math.PI;
  const eps = 1e-6;
  const out = new Float32Array(2 * POS_HIDDEN * h * w);
  const dimT = Array.from({ length: POS_HIDDEN }, (_, i) => 10000 ** ((2 * Math.floor(i / 2)) / POS_HIDDEN));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ye = ((y + 1) / (h + eps)) * scale;
      const xe = ((x + 1) / (w + eps)) * scale;
      for (let i = 0; i < POS_HIDDEN; i++) {
        // Channels 0..31 are y, 32..63 are x; within each, sin/cos interleave by pairs.
        const pair = Math.floor(i / 2);
        const py = i % 2 === 0 ? Math.sin(ye / dimT[2 * pair]) : Math.cos(ye / dimT[2 * pair + 1]);
        const px = i % 2 === 0 ? Math.sin(xe / dimT[2 * pair]) : Math.cos(xe / dimT[2 * pair + 1]);
        out[(i * h + y) * w + x] = py;
        out[((POS_HIDDEN + i) * h + y) * w + x] = px;
      }
    }
  }
  return out;
}

function toGrid(b: GraphBuilder, x: Tensor, h: number, w: number): Tensor {
  return b.reshape(b.transpose(x, [0, 2, 1]), [0, DIM, h, w]);
}

function fromGrid(b: GraphBuilder, x: Tensor): Tensor {
  const [, c, h, w] = x.shape as [unknown, number, number, number];
  return b.transpose(b.reshape(x, [0, c, h * w]), [0, 2, 1]);
}

function xca(b: GraphBuilder, x: Tensor): Tensor {
  const n = x.shape[1] as number;
  const d = DIM / HEADS;
  return b.scope("attn", () => {
    const temperature = b.param("temperature", [HEADS, 1, 1], INIT.ones);
    const qkv = b.reshape(linear(b, x, DIM, 3 * DIM, "qkv"), [0, n, 3, HEADS, d]);
    // [3, B, H, d, N]: q, k, v transposed so that tokens are the last axis.
    const [q, k, v] = b.split(b.transpose(qkv, [2, 0, 3, 4, 1]), [1, 1, 1], 0).map((t) => b.squeeze(t, [0]));
    const qn = b.op("LpNormalization", [q], { axis: -1, p: 2 });
    const kn = b.op("LpNormalization", [k], { axis: -1, p: 2 });
    const attn = b.softmax(b.mul(b.matmul(qn, b.transpose(kn, [0, 1, 3, 2])), temperature), -1);
    const out = b.reshape(b.transpose(b.matmul(attn, v), [0, 3, 1, 2]), [0, n, DIM]);
    return linear(b, out, DIM, DIM, "proj");
  });
}

function lpi(b: GraphBuilder, x: Tensor, h: number, w: number): Tensor {
  return b.scope("local_mp", () => {
    let g = conv2d(b, toGrid(b, x, h, w), DIM, DIM, 3, "conv1", { padding: 1, groups: DIM });
    g = batchNorm2d(b, b.gelu(g), DIM, "bn");
    g = conv2d(b, g, DIM, DIM, 3, "conv2", { padding: 1, groups: DIM });
    return fromGrid(b, g);
  });
}

function classAttention(b: GraphBuilder, x: Tensor): Tensor {
  const n = x.shape[1] as number;
  const d = DIM / HEADS;
  return b.scope("attn", () => {
    const qkv = b.reshape(linear(b, x, DIM, 3 * DIM, "qkv"), [0, n, 3, HEADS, d]);
    const [q, k, v] = b.split(b.transpose(qkv, [2, 0, 3, 1, 4]), [1, 1, 1], 0).map((t) => b.squeeze(t, [0]));
    const qc = b.slice(q, [0], [1], [2]);
    const scores = b.mul(b.reduceSum(b.mul(qc, k), [-1], false), d ** -0.5);
    const attn = b.unsqueeze(b.softmax(scores, -1), [2]);
    const cls = linear(
      b,
      b.reshape(b.transpose(b.matmul(attn, v), [0, 2, 1, 3]), [0, 1, DIM]),
      DIM,
      DIM,
      "proj",
    );
    return b.concat([cls, b.slice(x, [1], [n], [1])], 1);
  });
}

defineModel({
  name: "XCiT-S12",
  sourceId: "xcit_small_12_p16",
  family: "xcit",
  build: (b, o) => {
    const img = imageInput(b, o.resolution);
    let g = img;
    const widths = [3, DIM / 8, DIM / 4, DIM / 2, DIM];
    b.scope("patch_embed.proj", () => {
      for (let i = 0; i < 4; i++) {
        if (i > 0) g = b.gelu(g);
        g = conv2d(b, g, widths[i], widths[i + 1], 3, `${2 * i}.0`, { stride: 2, padding: 1, bias: false });
        g = batchNorm2d(b, g, widths[i + 1], `${2 * i}.1`);
      }
    });
    const [, , h, w] = g.shape as [unknown, number, number, number];
    let x = fromGrid(b, g);
    const pos = b.scope("pos_embeder", () => {
      const feats = b.constant(fourierFeatures(h, w), [1, 2 * POS_HIDDEN, h, w], b.dtype, "fourier");
      return conv2d(b, feats, 2 * POS_HIDDEN, DIM, 1, "token_projection");
    });
    x = b.add(x, fromGrid(b, pos));
    for (let i = 0; i < 12; i++) {
      x = b.scope(`blocks.${i}`, () => {
        let y = b.add(x, layerScale(b, xca(b, layerNorm(b, x, DIM, "norm1")), DIM, "gamma1"));
        y = b.add(y, layerScale(b, lpi(b, layerNorm(b, y, DIM, "norm3"), h, w), DIM, "gamma3"));
        return b.add(y, layerScale(b, mlp(b, layerNorm(b, y, DIM, "norm2"), DIM, 4 * DIM), DIM, "gamma2"));
      });
    }
    x = b.concat([expandToBatch(b, b.param("cls_token", [1, 1, DIM]), x), x], 1);
    const n = x.shape[1] as number;
    for (let i = 0; i < 2; i++) {
      x = b.scope(`cls_attn_blocks.${i}`, () => {
        const y = layerNorm(
          b,
          b.add(x, layerScale(b, classAttention(b, layerNorm(b, x, DIM, "norm1")), DIM, "gamma1")),
          DIM,
          "norm2",
        );
        const cls = layerScale(b, mlp(b, b.slice(y, [0], [1], [1]), DIM, 4 * DIM), DIM, "gamma2");
        return b.add(y, b.concat([cls, b.slice(y, [1], [n], [1])], 1));
      });
    }
    const out = layerNorm(b, x, DIM, "norm");
    return linear(b, b.gather(out, 0, 1), DIM, o.numClasses, "head");
  },
});
