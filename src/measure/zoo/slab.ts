import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  addPosEmbed,
  batchNorm2d,
  fromHeads,
  INIT,
  imageInput,
  layerScale,
  linear,
  mlp,
  patchEmbed,
  toHeads,
  VIT_SIZES,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * SLAB-S and SLAB-Ti (architectures/slab.py, slab_small_patch16: "SLAB" simplified linear attention with
 * progressive re-parameterised BatchNorm): ViT-S/16 without class token (average pooling, no fc_norm), layer
 * scale on, whose every norm is a LinearNorm and whose attention is ReLU linear attention with a learned key
 * position encoding and a depthwise 5×5 conv over the values (shared by the heads) added to the output.
 *
 * LinearNorm holds a LayerNorm (norm1) and a RepBN (norm2: BatchNorm1d(x) + α·x); in training it blends them, in
 * eval mode it applies only RepBN. The graph is the eval form, but keeps the 25 unused LayerNorms' weights as
 * (unconsumed) parameters so that its count is the reference's sum(p.numel()); onnxruntime drops them when it
 * loads the model, so the eval graph that runs has 19,200 parameters fewer (see the test). The reference asserts
 * img_size == 224 (its position encodings are [1, 196, C]); so does the builder.
 *
 * Sizes: slab.py registers Ti and S only. S is the nearest ViT-S/16 in MACs (4.25 vs 4.61 GMACs at 224) and Ti
 * (slab_tiny_patch16: width 192, 3 heads, 1.08 GMACs) the smallest, built with the same code.
 */

const RES = 224;

/** Returns RepBN of tokens [B, N, C]: BatchNorm1d over channels + α·x; declares the unused LayerNorm too. */
function linearNorm(b: GraphBuilder, x: Tensor, dim: number, name: string): Tensor {
  return b.scope(name, () => {
    b.param("norm1.weight", [dim], INIT.ones);
    b.param("norm1.bias", [dim], INIT.zeros);
    return b.scope("norm2", () => {
      const alpha = b.param("alpha", [1], INIT.ones);
      const bn = b.transpose(batchNorm2d(b, b.transpose(x, [0, 2, 1]), dim, "bn"), [0, 2, 1]);
      return b.add(bn, b.mul(alpha, x));
    });
  });
}

function slabAttention(b: GraphBuilder, x: Tensor, dim: number, heads: number, side: number): Tensor {
  return b.scope("attn", () => {
    const n = side * side;
    const dh = dim / heads;
    const [q0, k0, v0] = b.split(linear(b, x, dim, 3 * dim, "qkv"), [dim, dim, dim], -1);
    const k1 = b.add(k0, b.param("positional_encoding", [1, n, dim], INIT.zeros));
    const [q, k, v] = [b.relu(q0), b.relu(k1), v0].map((t) => toHeads(b, t, heads));
    // `1 / t` traces as reciprocal(t) · 1 in torch (torchprofile counts that product), so the graph keeps it.
    const z = b.mul(
      b.op("Reciprocal", [b.add(b.einsum("bhic,bhc->bhi", q, b.reduceSum(k, [2], false)), 1e-6)]),
      1,
    );
    const kv = b.einsum("bhjc,bhjd->bhcd", k, v);
    const attended = b.einsum("bhic,bhcd,bhi->bhid", q, kv, z);
    // The depthwise 5×5 conv runs per head with shared weights: one grouped conv over heads × channels.
    const dwc = b.scope("dwc", () => {
      const w = b.param("weight", [dh, 1, 5, 5]);
      const bias = b.param("bias", [dh], INIT.zeros);
      const map = b.reshape(b.transpose(v, [0, 1, 3, 2]), [0, heads * dh, side, side]);
      const y = b.conv(map, b.concat(Array(heads).fill(w), 0), b.concat(Array(heads).fill(bias), 0), {
        pads: [2, 2, 2, 2],
        group: heads * dh,
      });
      return b.transpose(b.reshape(y, [0, heads, dh, n]), [0, 1, 3, 2]);
    });
    return linear(b, fromHeads(b, b.add(attended, dwc)), dim, dim, "proj");
  });
}

for (const [name, sourceId, size] of [
  ["SLAB-S", "slab_small_patch16", VIT_SIZES.S],
  ["SLAB-Ti", "slab_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "slab",
    checkResolution: (r) =>
      r === RES ? null : `SLAB is defined at ${RES} only (the reference asserts img_size == ${RES})`,
    testResolution: RES,
    note: "eval form; the unused LayerNorms of LinearNorm stay as unconsumed initializers (reference count)",
    build: (b, o) => {
      const { embedDim: dim, depth, numHeads, patchSize } = size;
      const side = o.resolution / patchSize;
      let x = addPosEmbed(b, patchEmbed(b, imageInput(b, o.resolution), patchSize, dim), side * side, dim);
      for (let i = 0; i < depth; i++) {
        x = b.scope(`blocks.${i}`, () => {
          const a = slabAttention(b, linearNorm(b, x, dim, "norm1"), dim, numHeads, side);
          const y = b.add(x, layerScale(b, a, dim, "ls1"));
          return b.add(y, layerScale(b, mlp(b, linearNorm(b, y, dim, "norm2"), dim, 4 * dim), dim, "ls2"));
        });
      }
      const pooled = b.reduceMean(linearNorm(b, x, dim, "norm"), [1], false);
      return linear(b, pooled, dim, o.numClasses, "head");
    },
  });
}
