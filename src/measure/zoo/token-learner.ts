import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import {
  addPosEmbed,
  classifierHead,
  imageInput,
  layerNorm,
  mlp,
  patchEmbed,
  prependClassToken,
  transformerBlock,
  VIT_SIZES,
} from "../onnx/index.js";
import type { DynamicBuildOptions } from "./blocks-dynamic.js";
import { probe, recordingBuilder, sharedBuilder } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * TokenLearner ViT (architectures/token_learner.py, TokenLearner v1.1 after scenic): a timm ViT whose
 * token sequence is summarised into `learnedTokens` tokens (plus the class token) after
 * L = int(fraction · depth) blocks.
 *
 * The reference assembles its blocks as `blocks[:L] + [token_learner] + blocks[:L]`: the first L blocks
 * run twice with the same weights (once on all tokens, once on the learned ones) and blocks L..depth-1 are
 * never used. PyTorch counts a shared module once, which is why the dataset's parameter counts are those
 * of L blocks (12,012,528 for 8/50 at 224). This builder reproduces that: the second pass replays the
 * first pass's initializers.
 */

/** Options of `buildTokenLearnerVit`. */
export interface TokenLearnerOptions extends DynamicBuildOptions {
  /** Position of the TokenLearner as a fraction of the depth (0.5 or 0.75 in the benchmark). */
  layerFraction: number;
  /** Number of learned tokens (8 in the benchmark). */
  learnedTokens?: number;
  /** ViT dimensions (default ViT-S/16). */
  dims?: VitDims;
}

/** Builds a TokenLearner ViT into `b` and returns the logits [batch, numClasses]. */
export function buildTokenLearnerVit(b: GraphBuilder, o: TokenLearnerOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  const learned = o.learnedTokens ?? 8;
  const layer = Math.floor(o.layerFraction * d.depth);
  if (layer < 1)
    throw new Error(
      `TokenLearner: layer fraction ${o.layerFraction} of depth ${d.depth} leaves no block before the learner`,
    );
  const g = o.resolution / d.patchSize;
  let x = patchEmbed(b, imageInput(b, o.resolution), d.patchSize, d.embedDim);
  x = prependClassToken(b, addPosEmbed(b, x, g * g, d.embedDim), d.embedDim);
  const blockOptions = {
    dim: d.embedDim,
    mlpHidden: d.embedDim * d.mlpRatio,
    heads: d.numHeads,
    layerScale: true,
  };

  const { builder: recording, recorded } = recordingBuilder(b);
  for (let i = 0; i < layer; i++) x = transformerBlock(recording, x, `blocks.${i}`, blockOptions);
  x = tokenLearner(b, x, `blocks.${layer}`, d.embedDim, d.embedDim * d.mlpRatio, learned, o.probes);
  const shared = sharedBuilder(b, recorded);
  for (let i = 0; i < layer; i++) x = transformerBlock(shared, x, `blocks.${i}`, blockOptions);
  return classifierHead(b, x, d.embedDim, o.numClasses);
}

/**
 * Returns [prefix; learned tokens] from tokens [B, 1 + N, C]: a LayerNorm + Mlp(C → hidden → tokens) gives
 * per-token logits, softmax over the N positions gives one spatial weighting per learned token, and each
 * learned token is the weighted sum of the input tokens (TokenLearnerModuleV11).
 */
export function tokenLearner(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  hidden: number,
  tokens: number,
  probes?: boolean,
): Tensor {
  const n = x.shape[1] as number;
  return b.scope(name, () => {
    const prefix = b.slice(x, [0], [1], [1]);
    const rest = b.slice(x, [1], [n], [1]);
    const logits = mlp(b, layerNorm(b, rest, dim, "norm"), dim, hidden, "mlp", tokens);
    const weights = probe(b, b.softmax(b.transpose(logits, [0, 2, 1]), -1), `${name}.weights`, probes);
    return b.concat([prefix, b.matmul(weights, rest)], 1);
  });
}

for (const [fraction, percent] of [
  [0.5, 50],
  [0.75, 75],
] as const) {
  defineModel({
    name: `TokenLearner-S (8/${percent})`,
    sourceId: `token_learner_vit_8_${percent}_small_patch16`,
    family: "token-learner",
    testResolution: 64,
    note: `blocks 0..${Math.floor(fraction * 12) - 1} run twice with shared weights (as the reference's block list does)`,
    build: (b, o) =>
      buildTokenLearnerVit(b, {
        resolution: o.resolution,
        numClasses: o.numClasses,
        layerFraction: fraction,
      }),
  });
}
