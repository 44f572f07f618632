import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, expandToBatch, imageInput, layerNorm, linear } from "../onnx/index.js";
import { dim } from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * EfficientViT-B3 and EfficientViT-B0 (architectures/efficient_vit.py after mit-han-lab/efficientvit,
 * efficient_vit_b3: widths [32, 64, 128, 256, 512], depths [1, 4, 6, 6, 9], head dim 32, head 2304/2560;
 * efficient_vit_b0: [8, 16, 32, 64, 128], [1, 2, 2, 2, 2], head dim 16, head 1024/1280). A 3×3/2 conv stem and a
 * depthwise-separable block, MBConv stages (expansion 4, BN, Hardswish) to stride 16, then in stages 4 and 5
 * EfficientViT blocks: lightweight multi-scale linear attention (LiteMLA) and an MBConv, both residual. The head
 * is 1×1 conv + BN + Hardswish, average pooling, linear + LayerNorm + Hardswish, and the classifier.
 *
 * Sizes: the reference registers B0–B3 and L1, L2. B0 is the smallest (0.10 GMACs at 224). B3 is the nearest
 * ViT-S/16 (4.61 GMACs) in MACs, narrowly: 3.97 GMACs (0.64 G fewer) against L1's 5.26 (0.66 G more; L1 is
 * nearer as a ratio, ×1.14 against ×1.16). L1 and L2 are a different backbone (EfficientViTLargeBackbone: fused
 * MBConvs, GELU), which this file does not build.
 *
 * LiteMLA: a 1×1 conv gives q, k, v for every head (32 or 16 channels); a depthwise 5×5 + grouped 1×1 conv makes
 * a second scale of them, so there are 2·heads heads. With ReLU kernels, out = ReLU(q)·(ReLU(k)ᵀ[v, 1]), and the
 * last column (the normaliser) divides the others; as the reference, v is padded with ones so the products are
 * [d, d + 1] wide.
 */

/** A registered EfficientViT B size. */
interface EfficientVitSize {
  widths: readonly number[];
  depths: readonly number[];
  /** Channels per LiteMLA head (the reference's `dim`). */
  headDim: number;
  /** The classifier head's widths: 1×1 conv, then linear. */
  head: readonly [number, number];
}

/** efficient_vit_b3 (the size nearest ViT-S in MACs) and efficient_vit_b0 (the smallest). */
const SIZES = {
  B3: { widths: [32, 64, 128, 256, 512], depths: [1, 4, 6, 6, 9], headDim: 32, head: [2304, 2560] },
  B0: { widths: [8, 16, 32, 64, 128], depths: [1, 2, 2, 2, 2], headDim: 16, head: [1024, 1280] },
} satisfies Record<string, EfficientVitSize>;
const EXPAND = 4;

interface ConvLayerOptions {
  kernel?: number;
  stride?: number;
  groups?: number;
  bias?: boolean;
  norm?: boolean;
  act?: boolean;
}

/** Returns ConvLayer: conv ("same" padding), optional BatchNorm, optional Hardswish. */
function convLayer(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  name: string,
  o: ConvLayerOptions = {},
): Tensor {
  return b.scope(name, () => {
    const k = o.kernel ?? 3;
    let y = conv2d(b, x, inC, outC, k, "conv", {
      stride: o.stride,
      padding: k >> 1,
      groups: o.groups,
      bias: o.bias ?? false,
    });
    if (o.norm ?? true) y = batchNorm2d(b, y, outC, "norm");
    return (o.act ?? true) ? b.op("HardSwish", [y]) : y;
  });
}

/** Returns MBConv: 1×1 expand → depthwise 3×3 (stride) → 1×1 project; `fewerNorm`: biases instead of the first two BNs. */
function mbConv(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  stride: number,
  fewerNorm: boolean,
): Tensor {
  const mid = Math.round(inC * EXPAND);
  const first = { bias: fewerNorm, norm: !fewerNorm };
  let y = convLayer(b, x, inC, mid, "inverted_conv", { kernel: 1, ...first });
  y = convLayer(b, y, mid, mid, "depth_conv", { stride, groups: mid, ...first });
  return convLayer(b, y, mid, outC, "point_conv", { kernel: 1, act: false });
}

/** Returns LiteMLA of a map [B, C, H, W] (C/32 heads at two scales). */
function liteMla(b: GraphBuilder, x: Tensor, c: number, headDim: number): Tensor {
  const heads = c / headDim;
  const [h, w] = [dim(x, 2), dim(x, 3)];
  const qkv = conv2d(b, x, c, 3 * c, 1, "qkv.conv", { bias: false });
  const agg = b.scope("aggreg.0", () => {
    const y = conv2d(b, qkv, 3 * c, 3 * c, 5, "0", { padding: 2, groups: 3 * c, bias: false });
    return conv2d(b, y, 3 * c, 3 * c, 1, "1", { groups: 3 * heads, bias: false });
  });
  const groups = 2 * heads;
  const n = h * w;
  // [B, 2·heads, HW, 3·32]
  const t = b.transpose(b.reshape(b.concat([qkv, agg], 1), [0, groups, 3 * headDim, n]), [0, 1, 3, 2]);
  const [q, k, v] = b.split(t, [headDim, headDim, headDim], -1);
  const ones = b.constant(new Float32Array(groups * n).fill(1), [1, groups, n, 1], b.dtype, "ones");
  const vPadded = b.concat([v, expandToBatch(b, ones, v)], -1);
  const kv = b.matmul(b.transpose(b.relu(k), [0, 1, 3, 2]), vPadded);
  const out = b.matmul(b.relu(q), kv);
  const [num, den] = b.split(out, [headDim, 1], -1);
  const att = b.div(num, b.add(den, 1e-15));
  const map = b.reshape(b.transpose(att, [0, 1, 3, 2]), [0, groups * headDim, h, w]);
  return convLayer(b, map, 2 * c, c, "proj", { kernel: 1, act: false });
}

/** Returns EfficientViT's logits [batch, numClasses] at one registered size. */
function buildEfficientVit(b: GraphBuilder, o: BuildOptions, size: EfficientVitSize): Tensor {
  const img = imageInput(b, o.resolution);
  const c0 = size.widths[0];
  let x = b.scope("backbone.input_stem", () => {
    let y = convLayer(b, img, 3, c0, "0", { stride: 2 });
    for (let i = 0; i < size.depths[0]; i++) {
      y = b.add(
        y,
        b.scope(`${i + 1}.main`, () => {
          const d = convLayer(b, y, c0, c0, "depth_conv", { groups: c0 });
          return convLayer(b, d, c0, c0, "point_conv", { kernel: 1, act: false });
        }),
      );
    }
    return y;
  });
  let inC = c0;
  for (let s = 1; s < 5; s++) {
    const c = size.widths[s];
    x = b.scope(`backbone.stages.${s - 1}`, () => {
      let y = x;
      if (s < 3) {
        for (let i = 0; i < size.depths[s]; i++) {
          const stride = i === 0 ? 2 : 1;
          const main = b.scope(`${i}.main`, () => mbConv(b, y, inC, c, stride, false));
          y = stride === 1 ? b.add(y, main) : main;
          inC = c;
        }
        return y;
      }
      y = b.scope("0.main", () => mbConv(b, y, inC, c, 2, true));
      inC = c;
      for (let i = 1; i <= size.depths[s]; i++) {
        y = b.scope(`${i}`, () => {
          const z = b.add(
            y,
            b.scope("context_module.main", () => liteMla(b, y, c, size.headDim)),
          );
          return b.add(
            z,
            b.scope("local_module.main", () => mbConv(b, z, c, c, 1, true)),
          );
        });
      }
      return y;
    });
  }
  return b.scope("head", () => {
    const [h1, h2] = size.head;
    let y = convLayer(b, x, size.widths[4], h1, "0", { kernel: 1 });
    y = b.reshape(b.globalAvgPool(y), [0, h1]);
    y = b.op("HardSwish", [layerNorm(b, linear(b, y, h1, h2, "2.linear", false), h2, "2.norm", 1e-5)]);
    return linear(b, y, h2, o.numClasses, "3.linear");
  });
}

for (const [name, sourceId, size] of [
  ["EfficientViT-B3", "efficient_vit_b3", SIZES.B3],
  ["EfficientViT-B0", "efficient_vit_b0", SIZES.B0],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "efficient-vit",
    checkResolution: multipleOf(32),
    build: (b, o) => buildEfficientVit(b, o, size),
  });
}
