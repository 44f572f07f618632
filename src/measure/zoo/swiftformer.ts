import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, INIT, imageInput, layerNorm, layerScale, linear, mlp } from "../onnx/index.js";
import { convBn, dim, mapToTokens, tokensToMap } from "./blocks-hierarchical.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * SwiftFormer-L3 (architectures/swiftformer.py, swiftformer_l3: widths [64, 128, 320, 512], depths
 * [4, 4, 12, 6], MLP ratio 4; the size nearest ViT-S in MACs): a two-conv stem to stride 4, then per stage
 * ConvEncoders (depthwise 3×3 → BN → 1×1 → GELU → 1×1, layer scale) and one SwiftFormerEncoder last (a
 * local-representation ConvEncoder, then efficient additive attention and an MLP with timm's LayerScale
 * 1e-5), 3×3/2 conv + BN embeddings between stages, BatchNorm, mean pooling and the head.
 *
 * Efficient additive attention: q and k are L2-normalised per token, a learned vector w_g scores the queries,
 * the scores are L2-normalised over the tokens, the score-weighted sum of queries G gates every key, then
 * `Proj(G ⊙ k) + q` and `final`. The encoder is a timm Block whose attention was replaced, so its norm1, norm2,
 * mlp and ls1/ls2 are timm's.
 */

const WIDTHS = [64, 128, 320, 512];
const DEPTHS = [4, 4, 12, 6];
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

defineModel({
  name: "SwiftFormer-L3",
  sourceId: "swiftformer_l3",
  family: "swiftformer",
  checkResolution: multipleOf(32),
  build: (b, o) => {
    let x = imageInput(b, o.resolution);
    const c0 = WIDTHS[0];
    x = b.scope("patch_embed", () => {
      const y = b.relu(convBn(b, x, 3, c0 / 2, 3, "0", "1", { stride: 2, padding: 1 }));
      return b.relu(convBn(b, y, c0 / 2, c0, 3, "3", "4", { stride: 2, padding: 1 }));
    });
    let net = 0;
    for (let s = 0; s < 4; s++) {
      const c = WIDTHS[s];
      for (let i = 0; i < DEPTHS[s]; i++) {
        const name = `network.${net}.${i}`;
        x = i === DEPTHS[s] - 1 ? swiftEncoder(b, x, c, name) : convEncoder(b, x, c, MLP_RATIO * c, name);
      }
      net++;
      if (s < 3) {
        const next = WIDTHS[s + 1];
        x = convBn(b, x, c, next, 3, `network.${net}.proj`, `network.${net}.norm`, { stride: 2, padding: 1 });
        net++;
      }
    }
    const last = WIDTHS[3];
    x = batchNorm2d(b, x, last, "norm");
    const pooled = b.reduceMean(b.reshape(x, [0, last, -1]), [2], false);
    return linear(b, pooled, last, o.numClasses, "head");
  },
});
