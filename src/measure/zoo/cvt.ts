import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, expandToBatch, INIT, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import { convBn, dim, mapToTokens, mergeHeads, splitHeads, tokensToMap } from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * CvT-13 (architectures/cvt.py, after microsoft/CvT): three stages with overlapping conv embeddings
 * (7/4, 3/2, 3/2; dims 64, 192, 384; depths 1, 2, 10; heads 1, 3, 6), convolutional projections
 * `dw_bn` (depth-wise 3x3 conv without bias + BatchNorm; stride 1 for q, 2 for k and v) followed by
 * linear q/k/v (bias, as the benchmark sets qkv_bias), a class token in the last stage only,
 * LayerNorm eps 1e-5, final norm on the class token and a linear head.
 */

const EPS = 1e-5;
const STAGES = [
  { patch: 7, stride: 4, padding: 2, dim: 64, depth: 1, heads: 1, cls: false },
  { patch: 3, stride: 2, padding: 1, dim: 192, depth: 2, heads: 3, cls: false },
  { patch: 3, stride: 2, padding: 1, dim: 384, depth: 10, heads: 6, cls: true },
];

/** Returns one dw_bn projection of a map: depth-wise conv (no bias) + BatchNorm, as tokens. */
function convProjection(b: GraphBuilder, x: Tensor, c: number, stride: number, name: string): Tensor {
  return b.scope(name, () =>
    mapToTokens(b, convBn(b, x, c, c, 3, "conv", "bn", { stride, padding: 1, groups: c, bias: false })),
  );
}

function cvtAttention(
  b: GraphBuilder,
  x: Tensor,
  c: number,
  heads: number,
  h: number,
  w: number,
  cls: boolean,
): Tensor {
  return b.scope("attn", () => {
    let clsTok: Tensor | null = null;
    let img = x;
    if (cls) [clsTok, img] = b.split(x, [1, h * w], 1);
    const map = tokensToMap(b, img, h, w);
    const withCls = (t: Tensor) => (clsTok ? b.concat([clsTok, t], 1) : t);
    const q = withCls(convProjection(b, map, c, 1, "conv_proj_q"));
    const k = withCls(convProjection(b, map, c, 2, "conv_proj_k"));
    const v = withCls(convProjection(b, map, c, 2, "conv_proj_v"));
    const qh = splitHeads(b, linear(b, q, c, c, "proj_q"), heads);
    const kh = splitHeads(b, linear(b, k, c, c, "proj_k"), heads);
    const vh = splitHeads(b, linear(b, v, c, c, "proj_v"), heads);
    // As the reference: torch.einsum products (which torchprofile, the benchmark's MAC counter, skips),
    // scaled by dim_out^-0.5 (not the head dim) after the product.
    const attn = b.softmax(b.mul(b.einsum("bhlk,bhtk->bhlt", qh, kh), c ** -0.5), -1);
    return linear(b, mergeHeads(b, b.einsum("bhlt,bhtv->bhlv", attn, vh)), c, c, "proj");
  });
}

/** Builds CvT-13 and returns the logits. */
export function buildCvt13(b: GraphBuilder, resolution: number, numClasses: number): Tensor {
  let x: Tensor = imageInput(b, resolution);
  let inC = 3;
  let clsOut: Tensor | null = null;
  for (const [i, st] of STAGES.entries()) {
    b.scope(`stage${i}`, () => {
      const emb = b.scope("patch_embed", () =>
        conv2d(b, x, inC, st.dim, st.patch, "proj", { stride: st.stride, padding: st.padding }),
      );
      const [h, w] = [dim(emb, 2), dim(emb, 3)];
      let t = b.scope("patch_embed", () => layerNorm(b, mapToTokens(b, emb), st.dim, "norm", EPS));
      if (st.cls)
        t = b.concat([expandToBatch(b, b.param("cls_token", [1, 1, st.dim], INIT.weight), t), t], 1);
      for (let j = 0; j < st.depth; j++) {
        t = b.scope(`blocks.${j}`, () => {
          const y = b.add(
            t,
            cvtAttention(b, layerNorm(b, t, st.dim, "norm1", EPS), st.dim, st.heads, h, w, st.cls),
          );
          return b.add(y, mlp(b, layerNorm(b, y, st.dim, "norm2", EPS), st.dim, 4 * st.dim));
        });
      }
      if (st.cls) {
        const [c0, rest] = b.split(t, [1, h * w], 1);
        clsOut = c0;
        t = rest;
      }
      x = tokensToMap(b, t, h, w);
      inC = st.dim;
    });
  }
  if (!clsOut) throw new Error("CvT: the last stage has no class token");
  const c = STAGES[STAGES.length - 1].dim;
  const pooled = b.squeeze(layerNorm(b, clsOut, c, "norm", EPS), [1]);
  return linear(b, pooled, c, numClasses, "head");
}

defineModel({
  name: "CvT-13",
  sourceId: "cvt_13",
  family: "cvt",
  checkResolution: (r) => (r < 32 ? "resolution must be at least 32 (overall stride 16)" : null),
  testResolution: 64,
  build: (b, o) => buildCvt13(b, o.resolution, o.numClasses),
});
