import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import {
  classifierHead,
  expandToBatch,
  INIT,
  imageInput,
  layerNorm,
  linear,
  patchEmbed,
  transformerBlock,
  VIT_SIZES,
} from "../onnx/index.js";
import type { DynamicBuildOptions } from "./blocks-dynamic.js";
import { addPosEmbedWithClass, gatherTokens, probe, topKIndices, zerosLike } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * DynamicViT (architectures/dynamic_vit.py, after raoyongming/DynamicViT) at inference: DeiT layout without
 * layer scale; before blocks 3, 6 and 9 a PredictorLG scores the patch tokens (LayerNorm(eps 1e-5) → Linear →
 * GELU, local half + token-mean global half, MLP 384→192→96→2, LogSoftmax) and the int(N · 0.9^k) best
 * tokens are kept (argsort descending = TopK; batch_index_select = GatherElements), N being the number of
 * patches of the image (196 at 224 px: 176, 158, 142 kept). The predictor's policy at inference is all
 * ones, so its masked mean is the plain token mean.
 */

/** Blocks before which tokens are pruned, and the kept fraction of the patches at each (DynamicViT-90). */
export const DYNAMIC_VIT_PRUNING: ReadonlyArray<{ block: number; ratio: number }> = [
  { block: 3, ratio: 0.9 },
  { block: 6, ratio: 0.9 ** 2 },
  { block: 9, ratio: 0.9 ** 3 },
];

/** Options of `buildDynamicVit`. */
export interface DynamicVitOptions extends DynamicBuildOptions {
  dims?: VitDims;
}

/** Builds DynamicViT into `b` and returns the logits [batch, numClasses]. */
export function buildDynamicVit(b: GraphBuilder, o: DynamicVitOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  const patches = patchEmbed(b, imageInput(b, o.resolution), d.patchSize, d.embedDim);
  const numPatches = patches.shape[1] as number;
  const cls = expandToBatch(b, b.param("cls_token", [1, 1, d.embedDim], INIT.weight), patches);
  let x = addPosEmbedWithClass(b, patches, d.embedDim, cls);
  let p = 0;
  for (let i = 0; i < d.depth; i++) {
    const stage = DYNAMIC_VIT_PRUNING.find((s) => s.block === i);
    if (stage) {
      const n = x.shape[1] as number;
      const spatial = b.slice(x, [1], [n], [1]);
      const score = probe(
        b,
        predictScores(b, spatial, d.embedDim, `score_predictor.${p}`),
        `score_predictor.${p}.score`,
        o.probes,
      );
      const keep = probe(
        b,
        topKIndices(b, score, Math.floor(numPatches * stage.ratio)),
        `score_predictor.${p}.keep_idx`,
        o.probes,
      );
      const clsIndex = zerosLike(b, b.slice(keep, [0], [1], [1]), "int64");
      x = gatherTokens(b, x, b.concat([clsIndex, b.add(keep, 1)], 1));
      p++;
    }
    x = transformerBlock(b, x, `blocks.${i}`, {
      dim: d.embedDim,
      mlpHidden: d.embedDim * d.mlpRatio,
      heads: d.numHeads,
      layerScale: false,
    });
  }
  return classifierHead(b, x, d.embedDim, o.numClasses);
}

/** Returns PredictorLG's keep score [B, K] (log-probability of "keep") for patch tokens [B, K, C]. */
export function predictScores(b: GraphBuilder, x: Tensor, dim: number, name: string): Tensor {
  const k = x.shape[1] as number;
  const half = dim / 2;
  return b.scope(name, () => {
    const h = b.gelu(linear(b, layerNorm(b, x, dim, "in_conv.0", 1e-5), dim, dim, "in_conv.1"));
    const local = b.slice(h, [0], [half], [2]);
    const global = b.expand(b.reduceMean(b.slice(h, [half], [dim], [2]), [1], true), [1, k, half]);
    let y = b.concat([local, global], -1);
    y = b.gelu(linear(b, y, dim, half, "out_conv.0"));
    y = b.gelu(linear(b, y, half, dim / 4, "out_conv.2"));
    const logp = b.op("LogSoftmax", [linear(b, y, dim / 4, 2, "out_conv.4")], { axis: -1 });
    return b.squeeze(b.slice(logp, [0], [1], [2]), [2]);
  });
}

defineModel({
  name: "DynamicViT-S",
  sourceId: "dynamic_vit_small_patch16",
  family: "dynamic-vit",
  testResolution: 64,
  build: (b, o) => buildDynamicVit(b, { resolution: o.resolution, numClasses: o.numClasses }),
});
