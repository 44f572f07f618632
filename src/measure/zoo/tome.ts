import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import {
  addPosEmbed,
  batchShape,
  classifierHead,
  imageInput,
  patchEmbed,
  prependClassToken,
  VIT_SIZES,
} from "../onnx/index.js";
import type { DynamicBuildOptions } from "./blocks-dynamic.js";
import { expandIndices, hookedBlock, probe, scatterAdd, topKIndices } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * ToMe (architectures/tome.py, after facebookresearch/ToMe's timm patch) on the benchmark's ViT-S: in every
 * block, between attention and MLP, bipartite soft matching merges r = min(8, (t − 1) // 2) tokens by a
 * size-weighted average; the matching metric is the mean key over heads; later blocks use proportional
 * attention (+ log size on the logits); the class token is never merged. All decisions (which tokens merge
 * into which) are computed from the data with ArgMax, TopK, GatherElements and ScatterElements(add).
 * Token counts per block are static: 197 → 101 at 224 px, 577 → 481 at 384 px.
 */

/** Options of `buildToMe`. */
export interface ToMeOptions extends DynamicBuildOptions {
  /** Tokens merged per block (8 in the benchmark's `tome_vit_small_r8_patch16`). */
  r?: number;
  dims?: VitDims;
}

/** Builds a ToMe ViT into `b` and returns the logits [batch, numClasses]. */
export function buildToMe(b: GraphBuilder, o: ToMeOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  const r = o.r ?? 8;
  const g = o.resolution / d.patchSize;
  let x = patchEmbed(b, imageInput(b, o.resolution), d.patchSize, d.embedDim);
  x = prependClassToken(b, addPosEmbed(b, x, g * g, d.embedDim), d.embedDim);
  let size: Tensor | null = null;
  for (let i = 0; i < d.depth; i++) {
    const t = x.shape[1] as number;
    const ri = Math.min(r, Math.floor((t - 1) / 2));
    // Proportional attention once sizes exist (the reference's size is None in the first block).
    const keyBias = size ? b.reshape(b.op("Log", [size]), [0, 1, 1, t]) : undefined;
    const name = `blocks.${i}`;
    x = hookedBlock(b, x, name, {
      dim: d.embedDim,
      heads: d.numHeads,
      mlpHidden: d.embedDim * d.mlpRatio,
      layerScale: true,
      keyBias,
      afterAttention:
        ri <= 0
          ? undefined
          : (tokens, parts) => {
              const metric = probe(
                b,
                b.reduceMean(parts.k, [1], false),
                `${name}.tome.metric`,
                o.probes && i === 0,
              );
              const merged = mergeTokens(
                b,
                tokens,
                size,
                metric,
                ri,
                o.probes && i === 0 ? `${name}.tome` : undefined,
              );
              size = merged.size;
              return merged.x;
            },
    }).x;
  }
  return classifierHead(b, x, d.embedDim, o.numClasses);
}

/**
 * Returns tokens [B, T − r, C] and sizes [B, T − r, 1] after ToMe's bipartite soft matching with a class
 * token: even tokens (A) are matched to their most similar odd token (B) by cosine similarity of `metric`
 * [B, T, d]; the r A-tokens with the highest similarity are averaged (weighted by size) into their match;
 * unmerged A-tokens keep their order, followed by the B-tokens. `size` null means all ones (first merge).
 * With `probeName`, the chosen src/dst/unmerged indices become extra outputs (tests).
 */
export function mergeTokens(
  b: GraphBuilder,
  x: Tensor,
  size: Tensor | null,
  metric: Tensor,
  r: number,
  probeName?: string,
): { x: Tensor; size: Tensor } {
  const [, t, c] = x.shape as [unknown, number, number];
  const ta = Math.ceil(t / 2);
  const tb = Math.floor(t / 2);
  if (r > ta - 1 || r > tb) throw new Error(`ToMe: cannot merge ${r} of ${t} tokens`);
  const norm = b.op("ReduceL2", [metric, b.ints([-1], "axes")], { keepdims: 1 });
  const m = b.div(metric, norm);
  const scores = b.matmul(
    b.slice(m, [0], [t], [1], [2]),
    b.transpose(b.slice(m, [1], [t], [1], [2]), [0, 2, 1]),
  );
  // The class token (A-token 0) may not be merged: its row is −inf.
  const clsRow = b.constant(
    Array.from({ length: ta }, (_, i) => (i === 0 ? 1 : 0)),
    [ta, 1],
    "bool",
    "cls_row",
  );
  const masked = b.where(clsRow, b.scalar(-Infinity), scores);
  const nodeMax = b.reduceMax(masked, [-1], false);
  const nodeIdx = b.op("ArgMax", [masked], { axis: -1, keepdims: 0 });
  const edgeIdx = topKIndices(b, nodeMax, ta);
  const srcIdx = b.slice(edgeIdx, [0], [r], [1]);
  const dstIdx = b.gatherElements(nodeIdx, srcIdx, 1);
  // Unmerged A-tokens back in index order (the class token first).
  const unmIdx = b.topK(b.slice(edgeIdx, [r], [ta], [1]), ta - r, -1, false)[0];
  if (probeName) {
    probe(b, srcIdx, `${probeName}.src_idx`, true);
    probe(b, dstIdx, `${probeName}.dst_idx`, true);
    probe(b, unmIdx, `${probeName}.unm_idx`, true);
  }

  // merge_wavg: merge (x·size, size) with sums, then divide; one gather/scatter on C + 1 channels.
  const s =
    size ??
    b.op("ConstantOfShape", [batchShape(b, x, [t, 1])], {
      value: { tensor: { dtype: x.dtype, dims: [1], data: [1] } },
    });
  const xs = b.concat([b.mul(x, s), s], -1);
  const src = b.slice(xs, [0], [t], [1], [2]);
  const dst = b.slice(xs, [1], [t], [1], [2]);
  const unm = b.gatherElements(src, expandIndices(b, unmIdx, c + 1), 1);
  const moved = b.gatherElements(src, expandIndices(b, srcIdx, c + 1), 1);
  const summed = scatterAdd(b, dst, expandIndices(b, dstIdx, c + 1), moved, 1);
  const [xm, sizeOut] = b.split(b.concat([unm, summed], 1), [c, 1], -1);
  return { x: b.div(xm, sizeOut), size: sizeOut };
}

defineModel({
  name: "ToMe-S (r8)",
  sourceId: "tome_vit_small_r8_patch16",
  family: "tome",
  testResolution: 96,
  build: (b, o) => buildToMe(b, { resolution: o.resolution, numClasses: o.numClasses }),
});
