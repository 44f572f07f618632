import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  buildVitWithAttention,
  expandToBatch,
  fromHeads,
  linear,
  streamFor,
  toHeads,
  VIT_SIZES,
} from "../onnx/index.js";
import { floatConstant, l2Normalize } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * Reformer-S and Reformer-Ti (architectures/reformer.py, reformer_vit_small_patch16, on reformer_pytorch 1.4.4's
 * LSHSelfAttention: bucket size 64, 8 hashes, shared query/key projection, qkv bias as the benchmark's
 * `qkv_bias=True` sets it): ViT-S/16 (layer scale) whose attention is LSH attention. The tokens are zero-padded
 * to a multiple of 2·64 (197 → 256 at 224), hashed by random rotations (argmax over [xR, −xR], per hash round),
 * sorted by (bucket, position), split into chunks of 64 that attend to themselves and the previous chunk (keys
 * L2-normalised, a token's own key masked with −5·10⁴), un-sorted, and the 8 rounds combined with softmax
 * weights of their log-sum-exps; then `to_out`, and the padding is cut off.
 *
 * The reference draws the rotations (torch.randn [64, 8, 2]) at every forward pass; a static graph must choose,
 * so the graph draws them once per block from its seed and keeps them as a constant (counts are the same for
 * every draw; outputs differ as between two reference runs). Bucketing, sorting and un-sorting are data
 * dependent and stay in the graph (ArgMax, TopK as an ascending sort, GatherElements), in float32 for the sort
 * keys. As the reference, the products are einsums (torchprofile counts them as 0), and torch's `seqlen ·
 * buckets` product on the sort keys is kept.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.24 vs 4.61 GMACs at 224; B has about four times as many) and Ti
 * (reformer_vit_tiny_patch16: width 192, 3 heads, 1.08 GMACs) the smallest, built with the same code.
 */

const BUCKET = 64;
const HASHES = 8;

/** Returns x concatenated with x rolled by one chunk along axis 2 (the reference's look_one_back). */
function lookOneBack(b: GraphBuilder, x: Tensor, chunkAxisLen: number): Tensor {
  const prev = b.concat(
    [b.slice(x, [chunkAxisLen - 1], [chunkAxisLen], [2]), b.slice(x, [0], [chunkAxisLen - 1], [2])],
    2,
  );
  return b.concat([x, prev], 3);
}

/** Returns the sort permutation of float keys [..., n] along the last axis (ascending; keys are distinct). */
function argsort(b: GraphBuilder, keys: Tensor): Tensor {
  const n = keys.shape[keys.shape.length - 1] as number;
  return b.topK(keys, n, -1, false)[1];
}

function lshAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
): Tensor {
  return b.scope(name, () => {
    const dh = dim / heads;
    const t = Math.ceil(tokens / (2 * BUCKET)) * 2 * BUCKET;
    const nBuckets = t / BUCKET;
    const chunks = HASHES * nBuckets;
    const ht = HASHES * t;
    const pad = t - tokens;
    const padded =
      pad > 0
        ? b.concat(
            [x, expandToBatch(b, floatConstant(b, new Float32Array(pad * dim), [1, pad, dim], "pad"), x)],
            1,
          )
        : x;
    const qk = toHeads(b, linear(b, padded, dim, dim, "toqk"), heads);
    const v = toHeads(b, linear(b, padded, dim, dim, "tov"), heads);

    // Hashing: [B, h, hashes, t] buckets, offset per round.
    const rng = streamFor(b.seed, b.uniqueName("random_rotations"));
    const rotations = floatConstant(
      b,
      Array.from({ length: dh * HASHES * (nBuckets / 2) }, () => rng.normal()),
      [dh, HASHES, nBuckets / 2],
      "random_rotations",
    );
    const rotated = b.einsum("bhtf,fni->bhnti", qk, rotations);
    const buckets = b.cast(
      b.op("ArgMax", [b.concat([rotated, b.op("Neg", [rotated])], -1)], { axis: -1, keepdims: 0 }),
      "float32",
    );
    const offsets = b.constant(
      Array.from({ length: HASHES }, (_, i) => i * nBuckets),
      [HASHES, 1],
      "float32",
      "offsets",
    );
    const ticker = b.constant(
      Array.from({ length: ht }, (_, i) => i % t),
      [ht],
      "float32",
      "ticker",
    );
    const keys = b.add(b.mul(b.reshape(b.add(buckets, offsets), [0, heads, ht]), t), ticker);
    const sticker = argsort(b, keys);
    const undo = argsort(b, b.cast(sticker, "float32"));
    const st = b.op("Mod", [sticker, b.constant([t], [1], "int64", "seqlen")]);
    const rows = (idx: Tensor) => b.expand(b.unsqueeze(idx, [-1]), [1, 1, 1, dh]);

    // Chunked attention over the sorted sequence.
    const bq = b.reshape(b.gatherElements(qk, rows(st), 2), [0, heads, chunks, BUCKET, dh]);
    const bv = b.reshape(b.gatherElements(v, rows(st), 2), [0, heads, chunks, BUCKET, dh]);
    const bk = lookOneBack(b, l2Normalize(b, bq), chunks);
    let dots = b.mul(b.einsum("bhcie,bhcje->bhcij", bq, bk), dh ** -0.5);
    const bqT = b.reshape(st, [0, heads, chunks, BUCKET]);
    const self = b.op("Equal", [b.unsqueeze(bqT, [-1]), b.unsqueeze(lookOneBack(b, bqT, chunks), [-2])]);
    dots = b.where(self, b.scalar(-5e4), dots);
    const lse = b.op("ReduceLogSumExp", [dots, b.ints([-1], "axes")], { keepdims: 1 });
    const bo = b.einsum("bhcij,bhcje->bhcie", b.exp(b.sub(dots, lse)), lookOneBack(b, bv, chunks));

    // Un-sort and combine the hash rounds.
    const o = b.reshape(b.gatherElements(b.reshape(bo, [0, heads, ht, dh]), rows(undo), 2), [
      0,
      heads,
      HASHES,
      t,
      dh,
    ]);
    const logits = b.reshape(b.gatherElements(b.reshape(lse, [0, heads, ht]), undo, 2), [
      0,
      heads,
      HASHES,
      t,
      1,
    ]);
    const probs = b.exp(
      b.sub(logits, b.op("ReduceLogSumExp", [logits, b.ints([2], "axes")], { keepdims: 1 })),
    );
    const out = b.reduceSum(b.mul(o, probs), [2], false);
    const y = linear(b, fromHeads(b, out), dim, dim, "to_out");
    return pad > 0 ? b.slice(y, [0], [tokens], [1]) : y;
  });
}

for (const [name, sourceId, size] of [
  ["Reformer-S", "reformer_vit_small_patch16", VIT_SIZES.S],
  ["Reformer-Ti", "reformer_vit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "reformer",
    note: "LSH rotations drawn once from the graph's seed (the reference redraws them every forward pass)",
    build: (b, o) =>
      buildVitWithAttention(b, { ...size, resolution: o.resolution, numClasses: o.numClasses }, lshAttention),
  });
}
