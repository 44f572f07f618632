import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, imageInput, layerNorm, linear } from "../onnx/index.js";
import {
  convBn,
  dim,
  mapToTokens,
  mergeHeads,
  splitHeads,
  tokensToMap,
  transposeLast,
} from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * Wave-ViT-S (architectures/wave_vit.py, after YehLi/ImageNetModel): conv stem (7x7/2, 3x3, 3x3 with BN +
 * ReLU, then 3x3/2 projection and LayerNorm), four stages of dims [64, 128, 320, 448], heads [2, 4, 10, 14],
 * MLP ratios [8, 8, 4, 4], depths [3, 4, 6, 3]. Stages 1–2 use wavelet attention: a 1x1 reduction, Haar DWT
 * (fixed depth-wise 2x2/2 filters: buffers, so constants), a 3x3 filter conv, an inverse DWT (transposed
 * conv) whose tokens join the attention output before `proj`, and keys/values from the DWT map downsampled by
 * sr [4, 2]. Stages 3–4 use plain attention. PVTv2 FFN (fc1, depth-wise 3x3, GELU, fc2). After the last
 * stage a class-attention block on [mean token; tokens] gives the class embedding, then norm4 and the head.
 * Block norms use eps 1e-6; stem, downsampling and kv norms eps 1e-5.
 */

const DIMS = [64, 128, 320, 448];
const HEADS = [2, 4, 10, 14];
const RATIOS = [8, 8, 4, 4];
const DEPTHS = [3, 4, 6, 3];
const SR = [4, 2, 1, 1];
const EPS = 1e-6;

const R = Math.SQRT1_2;
// pywt haar: dec_lo = [r, r], dec_hi = [-r, r]; rec_lo = [r, r], rec_hi = [r, -r]. DWT uses the reversed dec filters.
const LO = [R, R];
const HI_DEC = [R, -R]; // dec_hi[::-1]
const HI_REC = [R, -R];

/** Returns the 2x2 outer-product filter a(col) ⊗ b(row) as the reference builds it: w[i][j] = b[i]·a[j]. */
function outer(a: number[], b2: number[]): number[] {
  return [b2[0] * a[0], b2[0] * a[1], b2[1] * a[0], b2[1] * a[1]];
}

/** Returns the Haar DWT of [B, C, H, W] → [B, 4C, H/2, W/2] (ll, lh, hl, hh concatenated along channels). */
export function dwt(b: GraphBuilder, x: Tensor): Tensor {
  const c = dim(x, 1);
  const bands = [outer(LO, LO), outer(LO, HI_DEC), outer(HI_DEC, LO), outer(HI_DEC, HI_DEC)];
  return b.concat(
    bands.map((f, i) => {
      const w = b.constant(Array.from({ length: c }, () => f).flat(), [c, 1, 2, 2], b.dtype, `dwt_w${i}`);
      return b.op("Conv", [x, w], { kernel_shape: [2, 2], strides: [2, 2], group: c }, "dwt");
    }),
    1,
  );
}

/** Returns the inverse Haar DWT of [B, 4C, H, W] → [B, C, 2H, 2W] (transposed depth-wise conv, as the reference). */
export function idwt(b: GraphBuilder, x: Tensor): Tensor {
  const [c4, h, w] = [dim(x, 1), dim(x, 2), dim(x, 3)];
  const c = c4 / 4;
  // view(B, 4, C, H, W).transpose(1, 2) → channel order (c, band)
  const y = b.reshape(b.transpose(b.reshape(x, [0, 4, c, h, w]), [0, 2, 1, 3, 4]), [0, c4, h, w]);
  const f = [outer(LO, LO), outer(LO, HI_REC), outer(HI_REC, LO), outer(HI_REC, HI_REC)].flat();
  const wts = b.constant(Array.from({ length: c }, () => f).flat(), [c4, 1, 2, 2], b.dtype, "idwt_filters");
  return b.op("ConvTranspose", [y, wts], { kernel_shape: [2, 2], strides: [2, 2], group: c }, "idwt");
}

function waveAttention(
  b: GraphBuilder,
  x: Tensor,
  c: number,
  heads: number,
  sr: number,
  h: number,
  w: number,
): Tensor {
  return b.scope("attn", () => {
    const q = splitHeads(b, linear(b, x, c, c, "q"), heads);
    const map = tokensToMap(b, x, h, w);
    const reduced = b.relu(convBn(b, map, c, c / 4, 1, "reduce.0", "reduce.1"));
    const xDwt = b.relu(convBn(b, dwt(b, reduced), c, c, 3, "filter.0", "filter.1", { padding: 1 }));
    const xIdwt = mapToTokens(b, idwt(b, xDwt)); // [B, H·W, C/4]
    let kvIn = sr > 1 ? conv2d(b, xDwt, c, c, sr, "kv_embed", { stride: sr }) : xDwt;
    kvIn = mapToTokens(b, kvIn);
    const kv = b.scope("kv", () => linear(b, layerNorm(b, kvIn, c, "0", 1e-5), c, 2 * c, "1"));
    const [k, v] = b.split(kv, [c, c], -1).map((t) => splitHeads(b, t, heads));
    const attn = b.softmax(b.mul(b.matmul(q, transposeLast(b, k)), (c / heads) ** -0.5), -1);
    const o = mergeHeads(b, b.matmul(attn, v));
    return linear(b, b.concat([o, xIdwt], -1), c + c / 4, c, "proj");
  });
}

function plainAttention(b: GraphBuilder, x: Tensor, c: number, heads: number): Tensor {
  return b.scope("attn", () => {
    const q = splitHeads(b, linear(b, x, c, c, "q"), heads);
    const [k, v] = b.split(linear(b, x, c, 2 * c, "kv"), [c, c], -1).map((t) => splitHeads(b, t, heads));
    const attn = b.softmax(b.mul(b.matmul(q, transposeLast(b, k)), (c / heads) ** -0.5), -1);
    return linear(b, mergeHeads(b, b.matmul(attn, v)), c, c, "proj");
  });
}

/** Returns the PVTv2 FFN: fc1 → depth-wise 3x3 conv on the map → GELU → fc2. */
function pvt2Ffn(b: GraphBuilder, x: Tensor, c: number, hidden: number, h: number, w: number): Tensor {
  return b.scope("mlp", () => {
    const y = linear(b, x, c, hidden, "fc1");
    const d = mapToTokens(
      b,
      conv2d(b, tokensToMap(b, y, h, w), hidden, hidden, 3, "dwconv.dwconv", { padding: 1, groups: hidden }),
    );
    return linear(b, b.gelu(d), hidden, c, "fc2");
  });
}

/** Builds Wave-ViT-S and returns the logits. */
export function buildWaveVitS(b: GraphBuilder, resolution: number, numClasses: number): Tensor {
  const img = imageInput(b, resolution);
  let map = b.scope("patch_embed1", () => {
    let y = b.relu(convBn(b, img, 3, 32, 7, "conv.0", "conv.1", { stride: 2, padding: 3, bias: false }));
    y = b.relu(convBn(b, y, 32, 32, 3, "conv.3", "conv.4", { padding: 1, bias: false }));
    y = b.relu(convBn(b, y, 32, 32, 3, "conv.6", "conv.7", { padding: 1, bias: false }));
    return conv2d(b, y, 32, DIMS[0], 3, "proj", { stride: 2, padding: 1 });
  });
  let x: Tensor = map;
  for (let i = 0; i < 4; i++) {
    const c = DIMS[i];
    const name = `patch_embed${i + 1}`;
    if (i > 0) map = b.scope(name, () => conv2d(b, x, DIMS[i - 1], c, 3, "proj", { stride: 2, padding: 1 }));
    const [h, w] = [dim(map, 2), dim(map, 3)];
    x = b.scope(name, () => layerNorm(b, mapToTokens(b, map), c, "norm", 1e-5));
    for (let j = 0; j < DEPTHS[i]; j++) {
      x = b.scope(`block${i + 1}.${j}`, () => {
        const n1 = layerNorm(b, x, c, "norm1", EPS);
        const a = i < 2 ? waveAttention(b, n1, c, HEADS[i], SR[i], h, w) : plainAttention(b, n1, c, HEADS[i]);
        const y = b.add(x, a);
        return b.add(y, pvt2Ffn(b, layerNorm(b, y, c, "norm2", EPS), c, c * RATIOS[i], h, w));
      });
    }
    if (i < 3) x = tokensToMap(b, layerNorm(b, x, c, `norm${i + 1}`, EPS), h, w);
  }
  const c = DIMS[3];
  // forward_cls: [mean; tokens] → class block; only the class embedding is used afterwards.
  const cls = b.reduceMean(x, [1], true);
  const seq = b.concat([cls, x], 1);
  const embed = b.scope("post_network.0", () => {
    const n = layerNorm(b, seq, c, "norm1", EPS);
    const heads = HEADS[3];
    const hd = c / heads;
    const att = b.scope("attn", () => {
      const [k, v] = b.split(linear(b, n, c, 2 * c, "kv"), [c, c], -1).map((t) => splitHeads(b, t, heads));
      const q = b.reshape(linear(b, b.slice(n, [0], [1], [1]), c, c, "q"), [0, heads, 1, hd]);
      const p = b.softmax(b.matmul(b.mul(q, hd ** -0.5), transposeLast(b, k)), -1);
      return linear(b, b.reshape(b.matmul(p, v), [0, 1, c]), c, c, "proj");
    });
    const e = b.add(cls, att);
    const n2 = layerNorm(b, e, c, "norm2", EPS);
    const f = b.scope("mlp", () => linear(b, b.gelu(linear(b, n2, c, 4 * c, "fc1")), 4 * c, c, "fc2"));
    return b.add(e, f);
  });
  const pooled = b.squeeze(layerNorm(b, embed, c, "norm4", EPS), [1]);
  return linear(b, pooled, c, numClasses, "head");
}

defineModel({
  name: "WaveViT-S",
  sourceId: "wavevit_s",
  family: "wave-vit",
  checkResolution: (r) => {
    const s1 = Math.ceil(r / 4);
    const s2 = Math.ceil(s1 / 2);
    if (r < 64 || s1 % 2 !== 0 || s2 % 2 !== 0)
      return `resolution must be at least 64 with even stage-1 and stage-2 maps for the wavelet transform (e.g. a multiple of 16)`;
    return null;
  },
  testResolution: 64,
  build: (b, o) => buildWaveVitS(b, o.resolution, o.numClasses),
});
