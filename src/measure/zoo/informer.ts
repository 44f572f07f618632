import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  addPosEmbed,
  batchShape,
  classifierHead,
  fromHeads,
  INIT,
  imageInput,
  layerNorm,
  linear,
  patchEmbed,
  prependClassToken,
  streamFor,
  toHeads,
  VIT_SIZES,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Informer-S and Informer-Ti (architectures/informer.py, informer_vit_small_patch16): ViT-S/16's patch
 * embedding, class token, position embedding and head, with Informer's post-norm encoder blocks (x = LN(x +
 * attn(x)), then LN(x + conv1×1(GELU(conv1×1(x)))), LayerNorm eps 1e-5, no layer scale: the block ignores the
 * benchmark's layer-scale arguments) and ProbSparse self-attention (factor 5): each query is scored against U =
 * 5·⌈ln N⌉ sampled keys (sparsity M = max − mean), only the top u = 5·⌈ln N⌉ queries attend to all keys, and
 * every other query's output is the mean of the values.
 *
 * The reference draws the sampled key indices (torch.randint, [N, U]) at every forward pass; a static graph must
 * choose, so the graph draws them once from its seed per block and keeps them as a constant (counts are the same
 * for every draw; outputs differ as between two reference runs). The top-u query selection is data dependent and
 * stays in the graph (TopK, gather, scatter), as the reference's inference path.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.33 vs 4.61 GMACs at 224; B has about four times as many) and Ti
 * (informer_vit_tiny_patch16: width 192, 3 heads, 1.12 GMACs) the smallest, built with the same code.
 */

const FACTOR = 5;

/** Returns 5·⌈ln n⌉ capped at n: the reference's number of sampled keys and of active queries. */
export function probSparseCount(n: number): number {
  return Math.min(FACTOR * Math.ceil(Math.log(n)), n);
}

function probAttention(b: GraphBuilder, x: Tensor, dim: number, heads: number): Tensor {
  return b.scope("attention", () => {
    const n = x.shape[1] as number;
    const dh = dim / heads;
    const q = toHeads(b, linear(b, x, dim, dim, "query_projection"), heads);
    const k = toHeads(b, linear(b, x, dim, dim, "key_projection"), heads);
    const v = toHeads(b, linear(b, x, dim, dim, "value_projection"), heads);
    const u = probSparseCount(n);
    const rng = streamFor(b.seed, b.uniqueName("index_sample"));
    const sample = Array.from({ length: n * u }, () => Math.min(n - 1, Math.floor(rng.next() * n)));
    const kSample = b.gather(k, b.constant(sample, [n, u], "int64", "index_sample"), 2); // [B, H, N, U, d]
    const qkSample = b.squeeze(b.matmul(b.unsqueeze(q, [3]), b.transpose(kSample, [0, 1, 2, 4, 3])), [3]);
    const m = b.sub(b.reduceMax(qkSample, [-1], false), b.div(b.reduceSum(qkSample, [-1], false), n));
    const top = b.topK(m, u, -1)[1]; // [B, H, u]
    const topRows = b.expand(b.unsqueeze(top, [-1]), [1, 1, u, dh]);
    const qReduce = b.gatherElements(q, topRows, 2);
    const scores = b.mul(b.matmul(qReduce, b.transpose(k, [0, 1, 3, 2])), dh ** -0.5);
    const updates = b.matmul(b.softmax(scores, -1), v); // [B, H, u, d]
    const initial = b.op("Expand", [b.reduceMean(v, [2], true), batchShape(b, v, [heads, n, dh])]);
    const context = b.op("ScatterElements", [initial, topRows, updates], { axis: 2 });
    return linear(b, fromHeads(b, context), dim, dim, "out_projection");
  });
}

function informerBlock(b: GraphBuilder, x: Tensor, name: string, dim: number, heads: number): Tensor {
  return b.scope(name, () => {
    const y = layerNorm(b, b.add(x, probAttention(b, x, dim, heads)), dim, "norm1", 1e-5);
    const hidden = 4 * dim;
    const ff = b.transpose(
      b.scope("conv2", () => {
        const h = b.gelu(
          b.scope("conv1", () => {
            const w = b.param("weight", [hidden, dim, 1]);
            return b.op("Conv", [b.transpose(y, [0, 2, 1]), w, b.param("bias", [hidden], INIT.zeros)], {
              kernel_shape: [1],
            });
          }),
        );
        const w = b.param("weight", [dim, hidden, 1]);
        return b.op("Conv", [h, w, b.param("bias", [dim], INIT.zeros)], { kernel_shape: [1] });
      }),
      [0, 2, 1],
    );
    return layerNorm(b, b.add(y, ff), dim, "norm2", 1e-5);
  });
}

for (const [name, sourceId, size] of [
  ["Informer-S", "informer_vit_small_patch16", VIT_SIZES.S],
  ["Informer-Ti", "informer_vit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "informer",
    note: "ProbSparse key samples drawn once from the graph's seed (the reference redraws them every forward pass)",
    build: (b, o) => {
      const { embedDim: dim, depth, numHeads, patchSize } = size;
      const g = o.resolution / patchSize;
      let x = addPosEmbed(b, patchEmbed(b, imageInput(b, o.resolution), patchSize, dim), g * g, dim);
      x = prependClassToken(b, x, dim);
      for (let i = 0; i < depth; i++) x = informerBlock(b, x, `blocks.${i}`, dim, numHeads);
      return classifierHead(b, x, dim, o.numClasses);
    },
  });
}
