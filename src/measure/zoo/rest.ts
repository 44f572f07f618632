import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import {
  dim,
  mapToTokens,
  mergeHeads,
  splitHeads,
  tokensToMap,
  transposeLast,
} from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * ResT-Base and ResT-Lite (architectures/rest.py, rest_base: widths [96, 192, 384, 768], depths [2, 2, 6, 2];
 * rest_lite: widths [64, 128, 256, 512], depths [2, 2, 2, 2]; both heads [1, 2, 4, 8], spatial-reduction ratios
 * [8, 4, 2, 1]). Of the four sizes registered, Base is the nearest ViT-S/16 in MACs (4.63 vs 4.61 GMACs at 224;
 * Small 2.10, Large 8.37) and Lite the smallest (1.54). A 3-conv stem to stride 4, then stride-2 conv + BN patch
 * embeddings; every embedding ends in pixel attention (x · sigmoid(depthwise 3×3 conv(x))) as the position
 * encoding. Efficient multi-head self-attention: keys and values come from a map reduced by a depthwise
 * (sr+1)×(sr+1)/sr conv + LayerNorm, and where a stage has more than one head the attention map is mixed across
 * heads by a 1×1 conv, softmaxed and instance-normalised (no affine, so no parameters and, in torchprofile, no
 * MACs: the graph computes it from means). q/kv biases are on, as the benchmark's `qkv_bias=True` default
 * reaches ResT's constructor (timm's create_model without it has no biases). LayerNorm eps 1e-5 (nn.LayerNorm),
 * no layer scale.
 */

/** A registered ResT size (heads [1, 2, 4, 8] and reduction ratios [8, 4, 2, 1] in all of them). */
interface RestSize {
  widths: readonly number[];
  depths: readonly number[];
}

/** rest_base (the size nearest ViT-S in MACs) and rest_lite (the smallest). */
const SIZES = {
  Base: { widths: [96, 192, 384, 768], depths: [2, 2, 6, 2] },
  Lite: { widths: [64, 128, 256, 512], depths: [2, 2, 2, 2] },
} satisfies Record<string, RestSize>;
const HEADS = [1, 2, 4, 8];
const SR = [8, 4, 2, 1];

/** Returns InstanceNorm2d without affine over the last two axes, from means (no per-element products). */
function instanceNorm(b: GraphBuilder, x: Tensor): Tensor {
  const centred = b.sub(x, b.reduceMean(x, [2, 3], true));
  const variance = b.reduceMean(b.pow(centred, 2), [2, 3], true);
  return b.div(centred, b.sqrt(b.add(variance, 1e-5)));
}

function efficientAttention(
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
    let src = x;
    if (sr > 1) {
      const g = conv2d(b, tokensToMap(b, x, h, w), c, c, sr + 1, "sr", {
        stride: sr,
        padding: Math.floor(sr / 2),
        groups: c,
      });
      src = layerNorm(b, mapToTokens(b, g), c, "sr_norm", 1e-5);
    }
    const [k, v] = b.split(linear(b, src, c, 2 * c, "kv"), [c, c], -1).map((t) => splitHeads(b, t, heads));
    let attn = b.mul(b.matmul(q, transposeLast(b, k)), (c / heads) ** -0.5);
    if (heads > 1) {
      attn = conv2d(b, attn, heads, heads, 1, "transform_conv");
      attn = instanceNorm(b, b.softmax(attn, -1));
    } else {
      attn = b.softmax(attn, -1);
    }
    return linear(b, mergeHeads(b, b.matmul(attn, v)), c, c, "proj");
  });
}

/** Returns PA: x · sigmoid(depthwise 3×3 conv(x)). */
function pixelAttention(b: GraphBuilder, x: Tensor, c: number): Tensor {
  return b.scope("pos", () =>
    b.mul(x, b.sigmoid(conv2d(b, x, c, c, 3, "pa_conv", { padding: 1, groups: c }))),
  );
}

/** Returns ResT's logits [batch, numClasses] at one registered size. */
function buildRest(b: GraphBuilder, o: BuildOptions, size: RestSize): Tensor {
  const img = imageInput(b, o.resolution);
  const c0 = size.widths[0];
  let g = b.scope("stem", () => {
    let y = b.relu(
      batchNorm2d(
        b,
        conv2d(b, img, 3, c0 / 2, 3, "conv1", { stride: 2, padding: 1, bias: false }),
        c0 / 2,
        "norm1",
      ),
    );
    y = b.relu(
      batchNorm2d(b, conv2d(b, y, c0 / 2, c0 / 2, 3, "conv2", { padding: 1, bias: false }), c0 / 2, "norm2"),
    );
    return pixelAttention(
      b,
      conv2d(b, y, c0 / 2, c0, 3, "conv3", { stride: 2, padding: 1, bias: false }),
      c0,
    );
  });
  let x = mapToTokens(b, g);
  for (let s = 0; s < 4; s++) {
    const c = size.widths[s];
    if (s > 0) {
      g = b.scope(`patch_embed_${s + 1}`, () => {
        const y = batchNorm2d(
          b,
          conv2d(b, g, size.widths[s - 1], c, 3, "conv", { stride: 2, padding: 1 }),
          c,
          "norm",
        );
        return pixelAttention(b, y, c);
      });
      x = mapToTokens(b, g);
    }
    const [h, w] = [dim(g, 2), dim(g, 3)];
    for (let i = 0; i < size.depths[s]; i++) {
      x = b.scope(`stage${s + 1}.${i}`, () => {
        const y = b.add(
          x,
          efficientAttention(b, layerNorm(b, x, c, "norm1", 1e-5), c, HEADS[s], SR[s], h, w),
        );
        return b.add(y, mlp(b, layerNorm(b, y, c, "norm2", 1e-5), c, 4 * c));
      });
    }
    g = tokensToMap(b, x, h, w);
  }
  const last = size.widths[3];
  const pooled = b.reduceMean(layerNorm(b, x, last, "norm", 1e-5), [1], false);
  return linear(b, pooled, last, o.numClasses, "head");
}

for (const [name, sourceId, size] of [
  ["ResT-Base", "rest_base", SIZES.Base],
  ["ResT-Lite", "rest_lite", SIZES.Lite],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "rest",
    checkResolution: multipleOf(32),
    build: (b, o) => buildRest(b, o, size),
  });
}
