import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, INIT, imageInput, linear } from "../onnx/index.js";
import { convBn, dim, resizeBilinear, transposeLast } from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * EfficientFormerV2-S0 (architectures/efficient_former.py, after snap-research/EfficientFormer): widths
 * [32, 48, 96, 176], depths [2, 2, 6, 4], expansion ratios per block, GELU, BatchNorm everywhere,
 * layer scale on every residual, no distillation head. The last 2 blocks of stages 3 and 4 are attention
 * blocks (Attention4D: 8 heads, key dim 32, attn ratio 4, talking heads, local v conv; stage 3 attends on a
 * stride-2 map and upsamples bilinearly); the stage 3→4 downsampling adds Attention4DDownsample (key dim 16)
 * to a strided conv. The attention biases are parameters [heads, offsets] whose count depends on the
 * resolution (offsets of a res×res grid), indexed by a constant table; stage sizes are ceil(r / 2^(i+2)).
 * A model built at r has the same parameters as the reference fine-tuned to r with set_image_res.
 */

const WIDTHS = [32, 48, 96, 176];
const DEPTHS = [2, 2, 6, 4];
const RATIOS = [
  [4, 4],
  [4, 4],
  [4, 3, 3, 3, 4, 4],
  [4, 3, 3, 4],
];
const VIT_NUM = 2;
const HEADS = 8;

/** Returns the attention-bias offset table of the reference: [number of offsets, index per (query, key)]. */
export function attentionBiasIndex(
  queries: Array<[number, number]>,
  keys: Array<[number, number]>,
): { offsets: number; idx: number[] } {
  const seen = new Map<string, number>();
  const idx: number[] = [];
  for (const [qy, qx] of queries) {
    for (const [ky, kx] of keys) {
      const key = `${Math.abs(qy - ky)},${Math.abs(qx - kx)}`;
      if (!seen.has(key)) seen.set(key, seen.size);
      idx.push(seen.get(key) as number);
    }
  }
  return { offsets: seen.size, idx };
}

function grid(n: number, step = 1): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([i * step, j * step]);
  return pts;
}

/** Returns Mlp with mid conv: fc1 1x1 → BN → GELU → dw3x3 → BN → GELU → fc2 1x1 → BN. */
function convMlp(b: GraphBuilder, x: Tensor, c: number, hidden: number): Tensor {
  return b.scope("mlp", () => {
    let y = b.gelu(batchNorm2d(b, conv2d(b, x, c, hidden, 1, "fc1"), hidden, "norm1"));
    y = b.gelu(
      batchNorm2d(
        b,
        conv2d(b, y, hidden, hidden, 3, "mid", { padding: 1, groups: hidden }),
        hidden,
        "mid_norm",
      ),
    );
    return batchNorm2d(b, conv2d(b, y, hidden, c, 1, "fc2"), c, "norm2");
  });
}

/** Returns Attention4D of a map [B, C, r, r]; with stride 2 it attends on the strided map and upsamples. */
function attention4d(b: GraphBuilder, x: Tensor, c: number, r: number, stride: number | null): Tensor {
  return b.scope("token_mixer", () => {
    const kd = 32;
    const d = 4 * kd;
    const dh = d * HEADS;
    if (stride)
      x = convBn(b, x, c, c, 3, "stride_conv.0", "stride_conv.1", { stride, padding: 1, groups: c });
    const res = stride ? Math.ceil(r / stride) : r;
    if (dim(x, 2) !== res)
      throw new Error(`EfficientFormerV2: attention map is ${dim(x, 2)}, expected ${res}`);
    const n = res * res;
    const heads = (t: Tensor, per: number) => b.reshape(t, [0, HEADS, per, n]); // [B, h, per, N]
    const q = transposeLast(b, heads(convBn(b, x, c, HEADS * kd, 1, "q.0", "q.1"), kd));
    const k = heads(convBn(b, x, c, HEADS * kd, 1, "k.0", "k.1"), kd);
    const vMap = convBn(b, x, c, dh, 1, "v.0", "v.1");
    const vLocal = convBn(b, vMap, dh, dh, 3, "v_local.0", "v_local.1", { padding: 1, groups: dh });
    const v = transposeLast(b, heads(vMap, d));
    const { offsets, idx } = attentionBiasIndex(grid(res), grid(res));
    const biases = b.param("attention_biases", [HEADS, offsets], INIT.zeros);
    const ab = b.gather(biases, b.constant(idx, [n, n], "int64", "attention_bias_idxs"), 1); // [h, N, N]
    let attn = b.add(b.mul(b.matmul(q, k), kd ** -0.5), ab);
    attn = conv2d(b, attn, HEADS, HEADS, 1, "talking_head1");
    attn = conv2d(b, b.softmax(attn, -1), HEADS, HEADS, 1, "talking_head2");
    let out = b.add(b.reshape(transposeLast(b, b.matmul(attn, v)), [0, dh, res, res]), vLocal);
    if (stride) out = resizeBilinear(b, out, res * stride, res * stride);
    return convBn(b, b.gelu(out), dh, c, 1, "proj.1", "proj.2");
  });
}

/** Returns Attention4DDownsample of a map [B, C, r, r] → [B, outC, ceil(r/2), ceil(r/2)]. */
function attention4dDownsample(b: GraphBuilder, x: Tensor, c: number, outC: number, r: number): Tensor {
  return b.scope("attn", () => {
    const kd = 16;
    const d = 4 * kd;
    const dh = d * HEADS;
    const r2 = Math.ceil(r / 2);
    const n = r * r;
    const n2 = r2 * r2;
    const local = conv2d(b, x, c, c, 3, "q.local.0", { stride: 2, padding: 1, groups: c });
    const pool = b.avgPool(x, [1, 1], { strides: [2, 2] });
    const qMap = convBn(b, b.add(local, pool), c, HEADS * kd, 1, "q.proj.0", "q.proj.1");
    const q = transposeLast(b, b.reshape(qMap, [0, HEADS, kd, n2]));
    const k = b.reshape(convBn(b, x, c, HEADS * kd, 1, "k.0", "k.1"), [0, HEADS, kd, n]);
    const vMap = convBn(b, x, c, dh, 1, "v.0", "v.1");
    const vLocal = convBn(b, vMap, dh, dh, 3, "v_local.0", "v_local.1", {
      stride: 2,
      padding: 1,
      groups: dh,
    });
    const v = transposeLast(b, b.reshape(vMap, [0, HEADS, d, n]));
    const { offsets, idx } = attentionBiasIndex(grid(r2, Math.ceil(r / r2)), grid(r));
    const biases = b.param("attention_biases", [HEADS, offsets], INIT.zeros);
    const ab = b.gather(biases, b.constant(idx, [n2, n], "int64", "attention_bias_idxs"), 1); // [h, N2, N]
    const attn = b.softmax(b.add(b.mul(b.matmul(q, k), kd ** -0.5), ab), -1);
    const out = b.add(b.reshape(transposeLast(b, b.matmul(attn, v)), [0, dh, r2, r2]), vLocal);
    return convBn(b, b.gelu(out), dh, outC, 1, "proj.1", "proj.2");
  });
}

/** Builds EfficientFormerV2-S0 and returns the logits. */
export function buildEfficientFormerV2S0(b: GraphBuilder, resolution: number, numClasses: number): Tensor {
  const img = imageInput(b, resolution);
  let x = b.scope("patch_embed", () => {
    const y = b.gelu(convBn(b, img, 3, WIDTHS[0] / 2, 3, "0", "1", { stride: 2, padding: 1 }));
    return b.gelu(convBn(b, y, WIDTHS[0] / 2, WIDTHS[0], 3, "3", "4", { stride: 2, padding: 1 }));
  });
  let net = 0;
  for (let i = 0; i < 4; i++) {
    const c = WIDTHS[i];
    const r = Math.ceil(resolution / 2 ** (i + 2));
    if (dim(x, 2) !== r)
      throw new Error(`EfficientFormerV2: stage ${i + 1} map is ${dim(x, 2)}, expected ${r}`);
    x = b.scope(`network.${net++}`, () => {
      let y = x;
      for (let j = 0; j < DEPTHS[i]; j++) {
        const hidden = Math.floor(c * RATIOS[i][j]);
        y = b.scope(`${j}`, () => {
          let z = y;
          if (i >= 2 && j > DEPTHS[i] - 1 - VIT_NUM) {
            const ls1 = b.param("layer_scale_1", [c, 1, 1], INIT.layerScale);
            z = b.add(z, b.mul(ls1, attention4d(b, z, c, r, i === 2 ? 2 : null)));
          }
          const ls2 = b.param("layer_scale_2", [c, 1, 1], INIT.layerScale);
          return b.add(z, b.mul(ls2, convMlp(b, z, c, hidden)));
        });
      }
      return y;
    });
    if (i < 3) {
      x = b.scope(`network.${net++}`, () => {
        if (i < 2) return convBn(b, x, c, WIDTHS[i + 1], 3, "proj", "norm", { stride: 2, padding: 1 });
        const conv = convBn(b, x, c, WIDTHS[i + 1], 3, "conv", "bn", { stride: 2, padding: 1 });
        return b.add(attention4dDownsample(b, x, c, WIDTHS[i + 1], r), conv);
      });
    }
  }
  const c = WIDTHS[3];
  const pooled = b.reduceMean(b.reshape(batchNorm2d(b, x, c, "norm"), [0, c, -1]), [2], false);
  return linear(b, pooled, c, numClasses, "head");
}

defineModel({
  name: "EfficientFormerV2-S0",
  sourceId: "efficientformerv2_s0",
  family: "efficientformer-v2",
  checkResolution: (r) => {
    if (r < 64) return "resolution must be at least 64";
    const s3 = Math.ceil(r / 16);
    return s3 % 2 === 0
      ? null
      : `stage-3 map ceil(${r}/16) = ${s3} is odd, so the stride-2 attention cannot upsample back to it (e.g. use 224 or 382)`;
  },
  testResolution: 64,
  build: (b, o) => buildEfficientFormerV2S0(b, o.resolution, o.numClasses),
});
