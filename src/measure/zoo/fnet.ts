import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  addPosEmbed,
  imageInput,
  layerNorm,
  linear,
  patchEmbed,
  prependClassToken,
  transformerBlock,
  VIT_SIZES,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * FNet-S (architectures/fnet.py): a timm ViT-S whose attention is Re(FFT2(x)) over (tokens, channels)
 * with norm="forward" (1/(N·C)), written as two ONNX DFTs. Average pooling over the patch tokens with
 * `fc_norm` (timm's global_pool="avg"), class token kept, layer scale on.
 */

/** Returns Re(FFT2(x))/(N·C) over tokens and channels of x [B, N, C] (exported for tests). */
export function fourierMixer(b: GraphBuilder, x: Tensor, name: string): Tensor {
  const [, n, c] = x.shape as [unknown, number, number];
  return b.scope(name, () => {
    const over = b.dft(b.unsqueeze(x, [3]), 2);
    const both = b.dft(over, 1);
    const real = b.squeeze(b.slice(both, [0], [1], [3]), [3]);
    return b.mul(real, 1 / (n * c));
  });
}

defineModel({
  name: "FNet-S",
  sourceId: "fnet_vit_small_patch16",
  family: "fnet",
  build: (b, o) => {
    const { embedDim: dim, depth, patchSize } = VIT_SIZES.S;
    const g = o.resolution / patchSize;
    let x = patchEmbed(b, imageInput(b, o.resolution), patchSize, dim);
    x = prependClassToken(b, addPosEmbed(b, x, g * g, dim), dim);
    for (let i = 0; i < depth; i++) {
      x = transformerBlock(b, x, `blocks.${i}`, { dim, mlpHidden: 4 * dim, mixer: fourierMixer });
    }
    const pooled = b.reduceMean(b.slice(x, [1], [g * g + 1], [1]), [1], false);
    return linear(b, layerNorm(b, pooled, dim, "fc_norm"), dim, o.numClasses, "head");
  },
});
