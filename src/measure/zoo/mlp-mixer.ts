import { imageInput, layerNorm, linear, mlp, patchEmbed } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * MLP-Mixer-S/16 (architectures/mlp_mixer.py over timm's MlpMixer: 8 blocks, dim 512, mlp ratios
 * (0.5, 4)): token-mixing MLP over the N patches (hidden 256), channel-mixing MLP (hidden 2048), final
 * norm, mean over tokens, head. The token MLP is [N, 256], so parameters depend on the resolution
 * (the benchmark itself only ran 224 and refuses to resize).
 */

defineModel({
  name: "MLP-Mixer-S/16",
  sourceId: "mixer_s16",
  family: "mlp-mixer",
  build: (b, o) => {
    const dim = 512;
    const blocks = 8;
    const n = (o.resolution / 16) ** 2;
    const img = imageInput(b, o.resolution);
    let x = b.scope("stem", () => patchEmbed(b, img, 16, dim));
    for (let i = 0; i < blocks; i++) {
      x = b.scope(`blocks.${i}`, () => {
        const t = b.transpose(layerNorm(b, x, dim, "norm1"), [0, 2, 1]);
        const tokens = b.transpose(mlp(b, t, n, dim / 2, "mlp_tokens"), [0, 2, 1]);
        const y = b.add(x, tokens);
        return b.add(y, mlp(b, layerNorm(b, y, dim, "norm2"), dim, 4 * dim, "mlp_channels"));
      });
    }
    const pooled = b.reduceMean(layerNorm(b, x, dim, "norm"), [1], false);
    return linear(b, pooled, dim, o.numClasses, "head");
  },
});
