import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import { buildVit, fromHeads, linear, streamFor, toHeads, VIT_SIZES } from "../onnx/index.js";
import type { DynamicBuildOptions } from "./blocks-dynamic.js";
import { floatConstant, l2Normalize, probe, scatterAdd, zerosLike } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * Routing ViT (architectures/routing_vit.py: timm ViT whose attention is lucidrains' routing_transformer
 * SelfAttention with 0 local heads, i.e. all heads are k-means routed, with the benchmark's
 * KmeansAttentionDDP: no memory key/values). For a sequence of t tokens (class token included):
 * window w = round(√t), clusters c = ceil(t / w) (t = 197: w 14, c 15; t = 577: w 24, c 25).
 *
 * Per head, queries and keys are L2-normalised and compared with the c centroids; each centroid takes its
 * w nearest queries and, separately, its w nearest keys (TopK over tokens, so a token may join several
 * clusters or none); attention runs inside each cluster (scale d^-0.5); outputs are scatter-averaged back
 * to their tokens (ScatterElements add, then ÷ (count + 1e-5)); tokens no cluster chose get zeros.
 * Projections `to_q`, `to_k`, `to_v`, `to_out` have no bias. The centroids are the k-means *buffer*
 * `means` [heads, c, d]: constants here, not parameters, as in PyTorch (the dataset's counts exclude them).
 */

/** Window size and number of clusters the reference derives from a sequence length. */
export function routingGeometry(seqLen: number): { window: number; clusters: number } {
  const window = Math.round(Math.sqrt(seqLen));
  return { window, clusters: Math.ceil(seqLen / window) };
}

/** Options of `buildRoutingVit`. */
export interface RoutingVitOptions extends DynamicBuildOptions {
  dims?: VitDims;
}

/** Builds a Routing ViT into `b` and returns the logits [batch, numClasses]. */
export function buildRoutingVit(b: GraphBuilder, o: RoutingVitOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  return buildVit(b, {
    ...d,
    resolution: o.resolution,
    numClasses: o.numClasses,
    mixer: (layer, tokens) => (bb, x, name) =>
      routingAttention(bb, x, name, {
        dim: d.embedDim,
        heads: d.numHeads,
        ...routingGeometry(tokens),
        probeName: o.probes && layer === 0 ? `blocks.0.routing` : undefined,
      }),
  });
}

/** Options of `routingAttention`. */
export interface RoutingAttentionOptions {
  dim: number;
  heads: number;
  window: number;
  clusters: number;
  probeName?: string;
}

/** Returns k-means routed attention of tokens x [B, t, C] (lucidrains SelfAttention with global heads only). */
export function routingAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  o: RoutingAttentionOptions,
): Tensor {
  const dh = o.dim / o.heads;
  return b.scope(name, () => {
    const q = toHeads(b, linear(b, x, o.dim, o.dim, "to_q", false), o.heads);
    const v = toHeads(b, linear(b, x, o.dim, o.dim, "to_v", false), o.heads);
    const k = toHeads(b, linear(b, x, o.dim, o.dim, "to_k", false), o.heads);
    const meansT = centroidsTransposed(b, "global_attn.kmeans.means", o.heads, o.clusters, dh);
    return linear(
      b,
      fromHeads(b, clusteredAttention(b, q, k, v, meansT, o.window, o.probeName)),
      o.dim,
      o.dim,
      "to_out",
      false,
    );
  });
}

/**
 * Returns the routed attention output [B, H, t, d] of per-head q, k, v [B, H, t, d] given centroids
 * transposed [H, d, c] (KmeansAttentionDDP.forward at inference, no masks, not causal, not shared-qk).
 */
export function clusteredAttention(
  b: GraphBuilder,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  meansT: Tensor,
  window: number,
  probeName?: string,
): Tensor {
  const [, h, t, dh] = q.shape as [unknown, number, number, number];
  const c = meansT.shape[2] as number;
  const w = Math.min(window, t);
  const members = (x: Tensor, tag: string): Tensor => {
    const dists = b.matmul(l2Normalize(b, x), meansT); // [B, H, t, c]
    const [, top] = b.topK(dists, w, 2, true); // w nearest tokens per centroid: [B, H, w, c]
    const idx = b.reshape(b.transpose(top, [0, 1, 3, 2]), [0, h, c * w]);
    if (probeName) {
      probe(b, dists, `${probeName}.${tag}_dists`, true);
      probe(b, idx, `${probeName}.${tag}_indices`, true);
    }
    return idx;
  };
  const qIdx = members(q, "q");
  const kvIdx = members(k, "k");
  const expandIdx = (idx: Tensor) => b.expand(b.unsqueeze(idx, [-1]), [1, 1, c * w, dh]);
  const gatherInWindows = (x: Tensor, idx: Tensor) =>
    b.reshape(b.gatherElements(x, expandIdx(idx), 2), [0, h, c, w, dh]);
  const qw = gatherInWindows(q, qIdx);
  const kw = gatherInWindows(k, kvIdx);
  const vw = gatherInWindows(v, kvIdx);
  const dots = b.softmax(b.mul(b.matmul(qw, b.transpose(kw, [0, 1, 2, 4, 3])), dh ** -0.5), -1);
  const so = b.reshape(b.matmul(dots, vw), [0, h, c * w, dh]);
  // scatter_mean over the tokens each window slot came from.
  const numer = scatterAdd(b, zerosLike(b, q), expandIdx(qIdx), so, 2);
  const slots = b.unsqueeze(qIdx, [-1]);
  const ones = b.op("ConstantOfShape", [b.op("Shape", [slots])], {
    value: { tensor: { dtype: q.dtype, dims: [1], data: [1] } },
  });
  const counts = scatterAdd(b, zerosLike(b, b.slice(q, [0], [1], [3])), slots, ones, 2);
  return b.div(numer, b.add(counts, 1e-5));
}

/** Returns seeded unit-norm k-means centroids [heads, clusters, d] as a constant, transposed to [heads, d, clusters]. */
function centroidsTransposed(
  b: GraphBuilder,
  name: string,
  heads: number,
  clusters: number,
  dh: number,
): Tensor {
  const rng = streamFor(b.seed, b.uniqueName(name));
  const out = new Float32Array(heads * dh * clusters);
  for (let hh = 0; hh < heads; hh++) {
    for (let ci = 0; ci < clusters; ci++) {
      const v = Array.from({ length: dh }, () => rng.normal());
      const inv = 1 / Math.max(Math.hypot(...v), 1e-12);
      for (let j = 0; j < dh; j++) out[(hh * dh + j) * clusters + ci] = v[j] * inv;
    }
  }
  return floatConstant(b, out, [heads, dh, clusters], name);
}

defineModel({
  name: "Routing ViT-S",
  sourceId: "routing_vit_small_patch16",
  family: "routing-vit",
  testResolution: 64,
  note: "k-means centroids are seeded unit vectors (buffers, not parameters), as after k-means training",
  build: (b, o) => buildRoutingVit(b, { resolution: o.resolution, numClasses: o.numClasses }),
});
