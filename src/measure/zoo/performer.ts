import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, linear, streamFor, toHeads, VIT_SIZES } from "../onnx/index.js";
import { floatConstant } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * Performer-S and Performer-Ti (architectures/performer.py, performer_vit_small_patch16: FAVOR+ with 128 random
 * features per head, softmax kernel, feature redraw off): ViT-S/16 (layer scale, qkv bias) whose attention maps
 * queries and keys through positive random features φ(x) = ratio·(exp(x̂·Wᵀ − ‖x̂‖²/2 − max) + 1e-4) with x̂ =
 * x·d^(−1/4) (the max is per query row for queries, over all of a head's keys for keys), then linear attention
 * out = D⁻¹·φ(Q)(φ(K)ᵀV) with D = φ(Q)·Σφ(K).
 *
 * The projection W [128, 64] is a buffer the reference draws at construction (stacked random orthogonal blocks
 * with rows scaled by the norms of Gaussian vectors): counts do not depend on it, outputs do. Here it is drawn
 * the same way from the graph's seed (Gram-Schmidt instead of QR), one per block, as a constant. As in the
 * reference, the products are einsums (torchprofile counts them as 0), and `1 / t` keeps torch's reciprocal·1.
 *
 * Sizes: the reference registers Ti, S, B and L (vit_sizes: widths 192, 384, 768, 1024). S is the nearest
 * ViT-S/16 in MACs (4.25 vs 4.61 GMACs at 224; B has about four times as many) and Ti
 * (performer_vit_tiny_patch16: width 192, 3 heads, 1.08 GMACs) the smallest, built with the same code.
 */

const FEATURES = 128;

/** Returns a Gaussian orthogonal random matrix [rows, cols] (the reference's gaussian_orthogonal_random_matrix, scaling 0). */
export function gaussianOrthogonal(rows: number, cols: number, next: () => number): Float32Array {
  const out = new Float32Array(rows * cols);
  let row = 0;
  while (row < rows) {
    const block: number[][] = [];
    for (let i = 0; i < cols && row < rows; i++) {
      let v = Array.from({ length: cols }, next);
      for (const u of block) {
        const dot = v.reduce((s, x, j) => s + x * u[j], 0);
        v = v.map((x, j) => x - dot * u[j]);
      }
      const norm = Math.hypot(...v);
      block.push(v.map((x) => x / norm));
      row++;
    }
    block.forEach((u, i) => {
      out.set(u, (row - block.length + i) * cols);
    });
  }
  for (let r = 0; r < rows; r++) {
    const m = Math.hypot(...Array.from({ length: cols }, next));
    for (let j = 0; j < cols; j++) out[r * cols + j] *= m;
  }
  return out;
}

function softmaxKernel(b: GraphBuilder, x: Tensor, w: Tensor, dh: number, isQuery: boolean): Tensor {
  const normalizer = dh ** -0.25;
  const dash = b.einsum("bhid,jd->bhij", b.mul(x, normalizer), w);
  const diag = b.mul(b.div(b.reduceSum(b.pow(x, 2), [-1], true), 2), normalizer ** 2);
  const max = isQuery ? b.reduceMax(dash, [-1], true) : b.reduceMax(dash, [-1, -2], true);
  return b.mul(b.add(b.exp(b.sub(b.sub(dash, diag), max)), 1e-4), FEATURES ** -0.5);
}

function performerAttention(b: GraphBuilder, x: Tensor, name: string, dim: number, heads: number): Tensor {
  return b.scope(name, () => {
    const dh = dim / heads;
    const q = toHeads(b, linear(b, x, dim, dim, "to_q"), heads);
    const k = toHeads(b, linear(b, x, dim, dim, "to_k"), heads);
    const v = toHeads(b, linear(b, x, dim, dim, "to_v"), heads);
    const rng = streamFor(b.seed, b.uniqueName("projection_matrix"));
    const w = floatConstant(
      b,
      gaussianOrthogonal(FEATURES, dh, () => rng.normal()),
      [FEATURES, dh],
      "projection_matrix",
    );
    const fq = softmaxKernel(b, q, w, dh, true);
    const fk = softmaxKernel(b, k, w, dh, false);
    const dInv = b.mul(b.op("Reciprocal", [b.einsum("bhnd,bhd->bhn", fq, b.reduceSum(fk, [2], false))]), 1);
    const context = b.einsum("bhnd,bhne->bhde", fk, v);
    const out = b.einsum("bhde,bhnd,bhn->bhne", context, fq, dInv);
    return linear(b, fromHeads(b, out), dim, dim, "to_out");
  });
}

for (const [name, sourceId, size] of [
  ["Performer-S", "performer_vit_small_patch16", VIT_SIZES.S],
  ["Performer-Ti", "performer_vit_tiny_patch16", VIT_SIZES.Ti],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "performer",
    note: "random features drawn from the graph's seed (the reference draws them at construction)",
    build: (b, o) =>
      buildVitWithAttention(
        b,
        { ...size, resolution: o.resolution, numClasses: o.numClasses },
        (bb, x, n, d, h) => performerAttention(bb, x, n, d, h),
      ),
  });
}
