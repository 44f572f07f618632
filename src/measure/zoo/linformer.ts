import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { buildVitWithAttention, fromHeads, linear, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * Linformer-S (architectures/linformer.py): keys and values are projected along the sequence to k = 256
 * by learned [N, k] matrices (`proj_k`, `proj_v`), so the parameter count grows with the resolution.
 * q/k/v projections have no bias; layer scale on, as in the benchmark's runs.
 */

const K = 256;

function linformerAttention(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
): Tensor {
  return b.scope(name, () => {
    const dh = dim / heads;
    const q = linear(b, x, dim, dim, "to_q", false);
    const k = linear(b, x, dim, dim, "to_k", false);
    const v = linear(b, x, dim, dim, "to_v", false);
    const pk = b.param("proj_k", [tokens, K], { kind: "uniform", low: -(K ** -0.5), high: K ** -0.5 });
    const pv = b.param("proj_v", [tokens, K], { kind: "uniform", low: -(K ** -0.5), high: K ** -0.5 });
    const keys = b.einsum("bnd,nk->bkd", k, pk);
    const values = b.einsum("bnd,nk->bkd", v, pv);
    const qh = b.transpose(b.reshape(q, [0, tokens, heads, dh]), [0, 2, 1, 3]);
    const split = (t: Tensor) => b.transpose(b.reshape(t, [0, K, heads, dh]), [0, 2, 1, 3]);
    const dots = b.mul(b.einsum("bhnd,bhkd->bhnk", qh, split(keys)), dh ** -0.5);
    const out = b.einsum("bhnk,bhkd->bhnd", b.softmax(dots, -1), split(values));
    return linear(b, fromHeads(b, out), dim, dim, "to_out");
  });
}

defineModel({
  name: "Linformer-S",
  sourceId: "linformer_vit_small_patch16",
  family: "linformer",
  build: (b, o) =>
    buildVitWithAttention(
      b,
      { ...VIT_SIZES.S, resolution: o.resolution, numClasses: o.numClasses },
      linformerAttention,
    ),
});
