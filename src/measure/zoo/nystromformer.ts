import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, linear, toHeads, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Nyströmformer-S with 32 or 64 landmarks (architectures/nystrom.py): segment-mean landmarks of q and k
 * (uneven segments when N is not a multiple of the landmark count), three softmax kernels, the
 * Newton–Schulz pseudo-inverse (6 iterations) and the value residual inside the attention.
 * The benchmark's registration passes no layer scale (init_values stays None); qkv has a bias.
 */

const INV_ITERATIONS = 6;

/** Segment means over the token axis (2) of [B, H, N, d] → [B, H, m, d], as nystrom.py splits them. */
function landmarks(b: GraphBuilder, t: Tensor, m: number): Tensor {
  const [, h, n, d] = t.shape as [unknown, number, number, number];
  if (n % m === 0) return b.reduceMean(b.reshape(t, [0, h, m, n / m, d]), [3], false);
  const segs = Math.floor(n / m);
  const numK = (segs + 1) * m - n;
  if (segs <= 0 || numK <= 0) throw new Error(`Nyströmformer: ${n} tokens cannot form ${m} landmarks`);
  const first = b.slice(t, [0], [numK * segs], [2]);
  const last = b.slice(t, [numK * segs], [n], [2]);
  const f = b.reduceMean(b.reshape(first, [0, h, numK, segs, d]), [3], false);
  const l = b.reduceMean(b.reshape(last, [0, h, m - numK, segs + 1, d]), [3], false);
  return b.concat([f, l], 2);
}

function identityTimes(b: GraphBuilder, m: number, s: number): Tensor {
  const eye = new Float32Array(m * m);
  for (let i = 0; i < m; i++) eye[i * m + i] = s;
  return b.constant(eye, [m, m], b.dtype, `eye_x${s}`);
}

/** Iterative Moore–Penrose inverse of [B, H, m, m] (nystrom.py iterative_inv, init "exact"). */
function iterativeInverse(b: GraphBuilder, k: Tensor, m: number): Tensor {
  const colSum = b.reduceSum(k, [-2], false);
  const maxSum = b.unsqueeze(b.reduceMax(colSum, [-1], false), [2, 3]);
  let v = b.mul(b.op("Reciprocal", [maxSum]), b.transpose(k, [0, 1, 3, 2]));
  const i7 = identityTimes(b, m, 7);
  const i13 = identityTimes(b, m, 13);
  const i15 = identityTimes(b, m, 15);
  for (let it = 0; it < INV_ITERATIONS; it++) {
    const kv = b.matmul(k, v);
    const inner = b.matmul(kv, b.sub(i7, kv));
    const mid = b.matmul(kv, b.sub(i15, inner));
    v = b.matmul(b.mul(v, 0.25), b.sub(i13, mid));
  }
  return v;
}

/** Returns Nyström self-attention of x [B, N, dim] with m landmarks (exported for tests). */
export function nystromAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  m: number,
): Tensor {
  return b.scope(name, () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", true);
    const [q0, k, v] = b.split(qkv, [dim, dim, dim], -1).map((t) => toHeads(b, t, heads));
    const q = b.div(q0, Math.sqrt(dim / heads));
    const kl = landmarks(b, k, m);
    const ql = landmarks(b, q, m);
    const tr = (t: Tensor) => b.transpose(t, [0, 1, 3, 2]);
    const kernel1 = b.softmax(b.matmul(q, tr(kl)), -1);
    const kernel2 = b.softmax(b.matmul(ql, tr(kl)), -1);
    const kernel3 = b.softmax(b.matmul(ql, tr(k)), -1);
    const out = b.matmul(b.matmul(kernel1, iterativeInverse(b, kernel2, m)), b.matmul(kernel3, v));
    const y = linear(b, fromHeads(b, out), dim, dim, "proj");
    return b.add(fromHeads(b, v), y);
  });
}

for (const m of [32, 64]) {
  defineModel({
    name: `Nyströmformer-S (${m})`,
    sourceId: `nystrom${m}_vit_small_patch16`,
    family: "nystromformer",
    // Landmarks are segment means: N = (r/16)² + 1 tokens must be at least m.
    checkResolution: (r) =>
      r % 16 !== 0 || (r / 16) ** 2 + 1 < m
        ? `resolution must be a multiple of 16 giving at least ${m} tokens ((r/16)² + 1)`
        : null,
    testResolution: m === 32 ? 96 : 128,
    build: (b, o) =>
      buildVitWithAttention(
        b,
        { ...VIT_SIZES.S, resolution: o.resolution, numClasses: o.numClasses, layerScale: false },
        (bb, x, name, dim, heads) => nystromAttention(bb, x, name, dim, heads, m),
      ),
  });
}
