import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import { classifierHead, expandToBatch, INIT, imageInput, patchEmbed, VIT_SIZES } from "../onnx/index.js";
import type { AttentionParts, DynamicBuildOptions } from "./blocks-dynamic.js";
import { addPosEmbedWithClass, gatherTokens, hookedBlock, probe } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * EViT (architectures/evit.py, after youweiliang/evit): DeiT layout (position embedding over class token and
 * patches, no layer scale) whose blocks can keep only the ceil(rate · (N − 1)) patch tokens the class token
 * attends to most (TopK over the head-averaged class attention, GatherElements), and with `fuse` add one
 * token: the class-attention-weighted sum of the dropped ones.
 *
 * As benchmarked, nothing is pruned: the models are built with the default keep_rate=(1,) and the
 * benchmark never passes a keep rate, so every block keeps all tokens (the dataset's MACs, 4.605 G at 224,
 * equal a plain ViT-S's). The zoo therefore builds EViT-S and EViT-S (fuse) with keep rate 1 in every
 * block, which makes the two graphs identical, as the two benchmarked models were at inference. The
 * pruning path is available through `keepRates` (EViT's own setting: 0.7 at blocks 3, 6 and 9).
 */

/** EViT's own DeiT-S schedule (keep rate 0.7 at blocks 3, 6, 9); the benchmark ran with 1 everywhere. */
export const EVIT_PAPER_KEEP_RATES: ReadonlyArray<number> = [1, 1, 1, 0.7, 1, 1, 0.7, 1, 1, 0.7, 1, 1];

/** Options of `buildEvit`. */
export interface EvitOptions extends DynamicBuildOptions {
  /** Fuse the dropped tokens into one extra token (evit_small_patch16_fuse). */
  fuse: boolean;
  /** Keep rate per block (default: 1 everywhere, as benchmarked). */
  keepRates?: ReadonlyArray<number>;
  /**
   * Resolution the position embedding was learned at, when it differs from `resolution`: the embedding
   * keeps that size and is resized bicubically at every forward (EViT's forward_features does this when
   * the token count differs). One benchmark run, EViT-S (fuse) fine-tuned 192 → 224, reports that model
   * (22,030,696 parameters: 145 position tokens instead of 197). Default: `resolution`.
   */
  posEmbedFrom?: number;
  dims?: VitDims;
}

/** Builds an EViT into `b` and returns the logits [batch, numClasses]. */
export function buildEvit(b: GraphBuilder, o: EvitOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  const rates = o.keepRates ?? new Array<number>(d.depth).fill(1);
  if (rates.length !== d.depth) throw new Error(`EViT: ${rates.length} keep rates for ${d.depth} blocks`);
  for (const r of rates)
    if (!(r > 0 && r <= 1)) throw new Error(`EViT: keep rate must be in (0, 1], got ${r}`);
  const patches = patchEmbed(b, imageInput(b, o.resolution), d.patchSize, d.embedDim);
  const cls = expandToBatch(b, b.param("cls_token", [1, 1, d.embedDim], INIT.weight), patches);
  const from = o.posEmbedFrom ?? o.resolution;
  let x =
    from === o.resolution
      ? addPosEmbedWithClass(b, patches, d.embedDim, cls)
      : addResizedPosEmbed(b, patches, cls, d.embedDim, from / d.patchSize);
  for (let i = 0; i < d.depth; i++) {
    const n = x.shape[1] as number;
    const left = rates[i] < 1 ? Math.ceil(rates[i] * (n - 1)) : n - 1;
    const probeName = o.probes ? `blocks.${i}.evit` : undefined;
    x = hookedBlock(b, x, `blocks.${i}`, {
      dim: d.embedDim,
      heads: d.numHeads,
      mlpHidden: d.embedDim * d.mlpRatio,
      layerScale: false,
      afterAttention:
        left < n - 1 ? (tokens, parts) => pruneTokens(b, tokens, parts, left, o.fuse, probeName) : undefined,
    }).x;
  }
  return classifierHead(b, x, d.embedDim, o.numClasses);
}

/**
 * Returns cat(cls, patches) + pos_embed where pos_embed [1, g0² + 1, C] was learned on a g0 × g0 grid and is
 * resized (bicubic, align_corners=False, as F.interpolate) to the patch grid of this resolution.
 */
function addResizedPosEmbed(b: GraphBuilder, patches: Tensor, cls: Tensor, dim: number, g0: number): Tensor {
  const n = patches.shape[1] as number;
  const g = Math.round(Math.sqrt(n));
  if (!Number.isInteger(g0) || g0 < 1)
    throw new Error(`EViT: the pre-training resolution must be a multiple of the patch size (grid ${g0})`);
  const pos = b.param("pos_embed", [1, g0 * g0 + 1, dim], INIT.weight);
  const grid = b.transpose(b.reshape(b.slice(pos, [1], [g0 * g0 + 1], [1]), [1, g0, g0, dim]), [0, 3, 1, 2]);
  const resized = b.op("Resize", [grid, null, null, b.ints([1, dim, g, g], "sizes")], {
    mode: "cubic",
    cubic_coeff_a: -0.75,
    coordinate_transformation_mode: "half_pixel",
  });
  const posNew = b.concat(
    [b.slice(pos, [0], [1], [1]), b.transpose(b.reshape(resized, [1, dim, g * g]), [0, 2, 1])],
    1,
  );
  return b.add(b.concat([cls, patches], 1), posNew);
}

/**
 * Returns [cls; the `left` most attended patch tokens (descending attention); fused token if `fuse`] from
 * tokens [B, N, C] after attention, ranking patches by the class token's attention averaged over heads.
 */
export function pruneTokens(
  b: GraphBuilder,
  x: Tensor,
  parts: AttentionParts,
  left: number,
  fuse: boolean,
  probeName?: string,
): Tensor {
  const n = x.shape[1] as number;
  // attn[:, :, 0, 1:] averaged over heads → [B, N − 1].
  const clsAttn = b.squeeze(b.reduceMean(b.slice(parts.attn, [0, 1], [1, n], [2, 3]), [1], true), [1, 2]);
  const [, order] = b.topK(clsAttn, fuse ? n - 1 : left, -1, true);
  const keep = fuse ? b.slice(order, [0], [left], [1]) : order;
  if (probeName) {
    probe(b, clsAttn, `${probeName}.cls_attn`, true);
    probe(b, keep, `${probeName}.keep_idx`, true);
  }
  const patches = b.slice(x, [1], [n], [1]);
  const parts2 = [b.slice(x, [0], [1], [1]), gatherTokens(b, patches, keep)];
  if (fuse) {
    const dropped = b.slice(order, [left], [n - 1], [1]);
    const weights = b.unsqueeze(b.gatherElements(clsAttn, dropped, 1), [-1]);
    parts2.push(b.reduceSum(b.mul(gatherTokens(b, patches, dropped), weights), [1], true));
  }
  return b.concat(parts2, 1);
}

/** Why one run of EViT-S (fuse) reports 19,968 parameters fewer than the zoo's model at 224 (0.09%). */
const FUSE_192_RUN =
  "the 192→224 run kept its 192-px position embedding (145 tokens, resized by forward_features at every call) " +
  "instead of resizing it to 197 tokens: −52·384 = −19,968 parameters; buildEvit(…, posEmbedFrom: 192) reproduces it " +
  "exactly, but the other runs fine-tuned at a new resolution (224→384) did resize, so the zoo builds the resized model";

for (const fuse of [false, true]) {
  defineModel({
    name: fuse ? "EViT-S (fuse)" : "EViT-S",
    sourceId: fuse ? "evit_small_patch16_fuse" : "evit_small_patch16",
    family: "evit",
    testResolution: 64,
    note: "keep rate 1 in every block, as benchmarked (no token is pruned at inference)",
    parameterDeviations: fuse ? { 22030696: FUSE_192_RUN } : undefined,
    build: (b, o) => buildEvit(b, { resolution: o.resolution, numClasses: o.numClasses, fuse }),
  });
}
