import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, imageInput, linear } from "../onnx/index.js";
import {
  dim,
  mapToTokens,
  mergeHeads,
  splitHeads,
  tokensToMap,
  transposeLast,
} from "./blocks-hierarchical.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * Next-ViT-S (architectures/next_vit.py, nextvit_small: stem [64, 32, 64], depths [3, 4, 10, 3], head dim 32,
 * spatial reduction [8, 4, 2, 1]). Of the three sizes registered (S, B, L), S is the smallest and also the
 * nearest ViT-S/16 in MACs (5.80 vs 4.61 GMACs at 224; B has 8.28), so it is the only one built. A 4-conv stem
 * to stride 4, then Next Convolution Blocks (NCB: multi-head convolutional attention = grouped 3×3 conv + BN +
 * ReLU + 1×1, then BN and a 1×1-conv MLP of ratio 3) and, at the end of stages 2-4 and of every 5 blocks of
 * stage 3, Next Transformer Blocks (NTB: efficient MHSA on 75% of the channels, keys/values from an
 * average-pooled, BatchNorm1d-normalised sequence, then an MHCA on the rest, concatenated, and an MLP of ratio
 * 2). Strided blocks downsample with 2×2 average pooling + 1×1 conv + BN. BatchNorm eps 1e-5 throughout; the
 * graph keeps the BatchNorms unmerged, as the benchmark trained and measured it (merge_bn is never called).
 */

const STEM = [64, 32, 64];
const DEPTHS = [3, 4, 10, 3];
const STRIDES = [1, 2, 2, 2];
const SR = [8, 4, 2, 1];
const HEAD_DIM = 32;
const MIX = 0.75;

const OUT_CHANNELS = [
  Array(DEPTHS[0]).fill(96),
  [...Array(DEPTHS[1] - 1).fill(192), 256],
  Array.from({ length: DEPTHS[2] }, (_, i) => (i % 5 === 4 ? 512 : 384)),
  [...Array(DEPTHS[3] - 1).fill(768), 1024],
];
const IS_NTB = [
  Array(DEPTHS[0]).fill(false),
  [...Array(DEPTHS[1] - 1).fill(false), true],
  Array.from({ length: DEPTHS[2] }, (_, i) => i % 5 === 4),
  [...Array(DEPTHS[3] - 1).fill(false), true],
];

/** Returns timm's make_divisible(v, divisor) (round to the nearest multiple, never 10% below v). */
export function makeDivisible(v: number, divisor: number): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/** Returns PatchEmbed: 2×2/2 average pooling (stride 2), then 1×1 conv + BN where the shape changes. */
function patchEmbed(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  stride: number,
  name: string,
): Tensor {
  if (stride === 1 && inC === outC) return x;
  return b.scope(name, () => {
    const y = stride === 2 ? b.avgPool(x, [2, 2], { strides: [2, 2], ceil: true }) : x;
    return batchNorm2d(b, conv2d(b, y, inC, outC, 1, "conv", { bias: false }), outC, "norm");
  });
}

/** Returns MHCA: grouped 3×3 conv (head dim 32) → BN → ReLU → 1×1 conv. */
function mhca(b: GraphBuilder, x: Tensor, c: number): Tensor {
  return b.scope("mhca", () => {
    const y = conv2d(b, x, c, c, 3, "group_conv3x3", { padding: 1, groups: c / HEAD_DIM, bias: false });
    return conv2d(b, b.relu(batchNorm2d(b, y, c, "norm")), c, c, 1, "projection", { bias: false });
  });
}

/** Returns Mlp of 1×1 convs with hidden width make_divisible(c · ratio, 32) and ReLU. */
function convMlp(b: GraphBuilder, x: Tensor, c: number, ratio: number): Tensor {
  return b.scope("mlp", () => {
    const hidden = makeDivisible(c * ratio, 32);
    return conv2d(b, b.relu(conv2d(b, x, c, hidden, 1, "conv1")), hidden, c, 1, "conv2");
  });
}

function ncb(b: GraphBuilder, x: Tensor, inC: number, c: number, stride: number): Tensor {
  x = patchEmbed(b, x, inC, c, stride, "patch_embed");
  x = b.add(x, mhca(b, x, c));
  return b.add(x, convMlp(b, batchNorm2d(b, x, c, "norm"), c, 3));
}

/** Returns E_MHSA of tokens [B, N, C]; keys and values from sr²-average-pooled, BatchNorm1d-normalised tokens. */
function eMhsa(b: GraphBuilder, x: Tensor, c: number, sr: number): Tensor {
  return b.scope("e_mhsa", () => {
    const heads = c / HEAD_DIM;
    const q = splitHeads(b, linear(b, x, c, c, "q"), heads);
    let src = x;
    if (sr > 1) {
      const pooled = b.avgPool(b.transpose(x, [0, 2, 1]), [sr * sr], { strides: [sr * sr] });
      src = b.transpose(batchNorm2d(b, pooled, c, "norm"), [0, 2, 1]);
    }
    const k = splitHeads(b, linear(b, src, c, c, "k"), heads);
    const v = splitHeads(b, linear(b, src, c, c, "v"), heads);
    const attn = b.softmax(b.mul(b.matmul(q, transposeLast(b, k)), HEAD_DIM ** -0.5), -1);
    return linear(b, mergeHeads(b, b.matmul(attn, v)), c, c, "proj");
  });
}

function ntb(b: GraphBuilder, x: Tensor, inC: number, c: number, stride: number, sr: number): Tensor {
  const mhsaC = makeDivisible(Math.floor(c * MIX), 32);
  const mhcaC = c - mhsaC;
  x = patchEmbed(b, x, inC, mhsaC, stride, "patch_embed");
  const [h, w] = [dim(x, 2), dim(x, 3)];
  const att = eMhsa(b, mapToTokens(b, batchNorm2d(b, x, mhsaC, "norm1")), mhsaC, sr);
  x = b.add(x, tokensToMap(b, att, h, w));
  let out = patchEmbed(b, x, mhsaC, mhcaC, 1, "projection");
  out = b.add(out, mhca(b, out, mhcaC));
  x = b.concat([x, out], 1);
  return b.add(x, convMlp(b, batchNorm2d(b, x, c, "norm2"), c, 2));
}

defineModel({
  name: "Next-ViT-S",
  sourceId: "nextvit_small",
  family: "next-vit",
  checkResolution: multipleOf(32),
  build: (b, o) => {
    let x = imageInput(b, o.resolution);
    x = b.scope("stem", () => {
      const chans = [3, ...STEM, STEM[2]];
      const strides = [2, 1, 1, 2];
      let y = x;
      for (let i = 0; i < 4; i++) {
        y = b.scope(`${i}`, () => {
          const z = conv2d(b, y, chans[i], chans[i + 1], 3, "conv", {
            stride: strides[i],
            padding: 1,
            bias: false,
          });
          return b.relu(batchNorm2d(b, z, chans[i + 1], "norm"));
        });
      }
      return y;
    });
    let inC = STEM[2];
    let idx = 0;
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < DEPTHS[s]; i++) {
        const stride = STRIDES[s] === 2 && i === 0 ? 2 : 1;
        const c = OUT_CHANNELS[s][i];
        x = b.scope(`features.${idx++}`, () =>
          IS_NTB[s][i] ? ntb(b, x, inC, c, stride, SR[s]) : ncb(b, x, inC, c, stride),
        );
        inC = c;
      }
    }
    const pooled = b.reshape(b.globalAvgPool(batchNorm2d(b, x, inC, "norm")), [0, inC]);
    return linear(b, pooled, inC, o.numClasses, "head");
  },
});
