import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, INIT, imageInput, layerNorm, layerScale, linear, mlp } from "../onnx/index.js";
import { convBn, dim, mapToTokens, tokensToMap } from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * SwiftFormer-L3 and SwiftFormer-XS (architectures/swiftformer.py, swiftformer_l3: widths [64, 128, 320, 512],
 * depths [4, 4, 12, 6]; swiftformer_xs: [48, 56, 112, 220], [3, 3, 6, 4]; MLP ratio 4). Of the four sizes
 * registered (XS, S, L1, L3), L3 is the largest and the nearest ViT-S/16 in MACs (4.02 vs 4.61 GMACs at 224; L1
 * has 1.60) and XS the smallest (0.61 GMACs). A two-conv stem to stride 4, then per stage ConvEncoders
 * (depthwise 3×3 → BN → 1×1 → GELU → 1×1, layer scale) and one SwiftFormerEncoder last (a local-representation
 * ConvEncoder, then efficient additive attention and an MLP with timm's LayerScale 1e-5), 3×3/2 conv + BN
 * embeddings between stages, BatchNorm, mean pooling and the head.
 *
 * Efficient additive attention: q and k are L2-normalised per token, a learned vector w_g scores the queries,
 * the scores are L2-normalised over the tokens, the score-weighted sum of queries G gates every key, then
 * `Proj(G ⊙ k) + q` and `final`. The encoder is a timm Block whose attention was replaced, so its norm1, norm2,
 * mlp and ls1/ls2 are timm's.
 */

/** A registered SwiftFormer size. */
interface SwiftFormerSize {
  widths: readonly number[];
  depths: readonly number[];
}

/** swiftformer_l3 (the size nearest ViT-S in MACs) and swiftformer_xs (the smallest). */
const SIZES = {
  L3: { widths: [64, 128, 320, 512], depths: [4, 4, 12, 6] },
  XS: { widths: [48, 56, 112, 220], depths: [3, 3, 6, 4] },
} satisfies Record<string, SwiftFormerSize>;
const MLP_RATIO = 4;

/** Returns x / max(‖x‖₂, 1e-12) along `axis` (torch.nn.functional.normalize). */
function normalize(b: GraphBuilder, x: Tensor, axis: number): Tensor {
  const norm = b.op("ReduceL2", [x, b.ints([axis], "axes")], { keepdims: 1 });
  return b.div(x, b.op("Max", [norm, b.scalar(1e-12, x.dtype)]));
}

/** Returns ConvEncoder: x + ls·pw2(GELU(pw1(BN(dw3×3(x))))). */
function convEncoder(b: GraphBuilder, x: Tensor, c: number, hidden: number, name: string): Tensor {
  return b.scope(name, () => {
    let y = batchNorm2d(b, conv2d(b, x, c, c, 3, "dwconv", { padding: 1, groups: c }), c, "norm");
    y = conv2d(b, b.gelu(conv2d(b, y, c, hidden, 1, "pwconv1")), hidden, c, 1, "pwconv2");
    return b.add(x, b.mul(b.param("layer_scale", [c, 1, 1], INIT.ones), y));
  });
}

function additiveAttention(b: GraphBuilder, x: Tensor, c: number): Tensor {
  return b.scope("attn", () => {
    const q = normalize(b, linear(b, x, c, c, "to_query"), -1);
    const k = normalize(b, linear(b, x, c, c, "to_key"), -1);
    const wg = b.param("w_g", [c, 1]);
    const a = normalize(b, b.mul(b.matmul(q, wg), c ** -0.5), 1);
    const g = b.reduceSum(b.mul(a, q), [1], true);
    const out = b.add(linear(b, b.mul(g, k), c, c, "Proj"), q);
    return linear(b, out, c, c, "final");
  });
}

function swiftEncoder(b: GraphBuilder, x: Tensor, c: number, name: string): Tensor {
  return b.scope(name, () => {
    const [h, w] = [dim(x, 2), dim(x, 3)];
    let t = mapToTokens(b, convEncoder(b, x, c, c, "local_representation"));
    t = b.add(t, layerScale(b, additiveAttention(b, layerNorm(b, t, c, "norm1", 1e-5), c), c, "ls1"));
    t = b.add(t, layerScale(b, mlp(b, layerNorm(b, t, c, "norm2", 1e-5), c, MLP_RATIO * c), c, "ls2"));
    return tokensToMap(b, t, h, w);
  });
}

/** Returns SwiftFormer's logits [batch, numClasses] at one registered size. */
function buildSwiftFormer(b: GraphBuilder, o: BuildOptions, size: SwiftFormerSize): Tensor {
  let x = imageInput(b, o.resolution);
  const c0 = size.widths[0];
  x = b.scope("patch_embed", () => {
    const y = b.relu(convBn(b, x, 3, c0 / 2, 3, "0", "1", { stride: 2, padding: 1 }));
    return b.relu(convBn(b, y, c0 / 2, c0, 3, "3", "4", { stride: 2, padding: 1 }));
  });
  let net = 0;
  for (let s = 0; s < 4; s++) {
    const c = size.widths[s];
    for (let i = 0; i < size.depths[s]; i++) {
      const name = `network.${net}.${i}`;
      x = i === size.depths[s] - 1 ? swiftEncoder(b, x, c, name) : convEncoder(b, x, c, MLP_RATIO * c, name);
    }
    net++;
    if (s < 3) {
      const next = size.widths[s + 1];
      x = convBn(b, x, c, next, 3, `network.${net}.proj`, `network.${net}.norm`, { stride: 2, padding: 1 });
      net++;
    }
  }
  const last = size.widths[3];
  x = batchNorm2d(b, x, last, "norm");
  const pooled = b.reduceMean(b.reshape(x, [0, last, -1]), [2], false);
  return linear(b, pooled, last, o.numClasses, "head");
}

for (const [name, sourceId, size] of [
  ["SwiftFormer-L3", "swiftformer_l3", SIZES.L3],
  ["SwiftFormer-XS", "swiftformer_xs", SIZES.XS],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "swiftformer",
    checkResolution: multipleOf(32),
    build: (b, o) => buildSwiftFormer(b, o, size),
  });
}
