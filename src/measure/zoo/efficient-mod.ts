import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, INIT, imageInput, layerNorm, linear, transformerBlock } from "../onnx/index.js";
import { dim } from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * EfficientMod-S and EfficientMod-XXS (architectures/efficient_mod.py, widths [32, 64, 128, 256], 8 heads;
 * efficient_mod_s: depths [4, 4, 8, 4] of modulation blocks plus [0, 0, 4, 4] timm attention blocks at the end
 * of stages 3 and 4; efficient_mod_xxs: [2, 2, 6, 2] plus [0, 0, 1, 2]). Of the three sizes registered, S is the
 * largest, so the nearest ViT-S/16 in MACs (1.06 vs 4.61 GMACs at 224), and XXS the smallest (0.56; XS, whose
 * MLP ratios alternate 1, 4, has 0.60). Feature maps stay channels-last; patch embeddings are convs (7×7/4, then
 * 3×3/2) + LayerNorm.
 *
 * Efficient modulation block: x + γ·ExpandMlp(LN(x)), where ExpandMlp multiplies fc1(x) (GELU when it expands)
 * by a context branch g(GELU(dw7×7(f(x)))) repeated over the expansion groups, then fc2. The MLP ratio (and
 * group count) alternates 1, 6, 1, 6 within a stage. The reference reads `layer_scale`,
 * `layer_scale_init_values` and `qkv_bias` from the training arguments (it builds only through
 * models.prepare_model): γ is on (1e-4) and the MLP linears have biases; the attention blocks are plain timm
 * Blocks (no qkv bias, no layer scale). LayerNorm eps 1e-5 (nn.LayerNorm).
 */

const WIDTHS = [32, 64, 128, 256];

/** A registered EfficientMod size whose modulation MLP ratios alternate 1, 6 (S and XXS; XS alternates 1, 4). */
interface EfficientModSize {
  /** Modulation blocks per stage. */
  depths: readonly number[];
  /** timm attention blocks at the end of each stage. */
  attentionDepths: readonly number[];
  /** MLP ratio of each stage's attention blocks. */
  attRatios: readonly number[];
}

/** efficient_mod_s (the largest, nearest ViT-S in MACs) and efficient_mod_xxs (the smallest). */
const SIZES = {
  S: { depths: [4, 4, 8, 4], attentionDepths: [0, 0, 4, 4], attRatios: [4, 4, 4, 5] },
  XXS: { depths: [2, 2, 6, 2], attentionDepths: [0, 0, 1, 2], attRatios: [0, 0, 4, 4] },
} satisfies Record<string, EfficientModSize>;
const HEADS = 8;
const CONTEXT = 7;

const nhwcToNchw = (b: GraphBuilder, x: Tensor) => b.transpose(x, [0, 3, 1, 2]);
const nchwToNhwc = (b: GraphBuilder, x: Tensor) => b.transpose(x, [0, 2, 3, 1]);

/** Returns PatchEmbed on a channels-last map: conv, back to channels-last, LayerNorm. */
function patchEmbed(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  k: number,
  stride: number,
  pad: number,
  name: string,
): Tensor {
  return b.scope(name, () => {
    const y = conv2d(b, nhwcToNchw(b, x), inC, outC, k, "proj", { stride, padding: pad });
    return layerNorm(b, nchwToNhwc(b, y), outC, "norm", 1e-5);
  });
}

/** Returns BasicBlock: x + γ·ExpandMlp(LN(x)) with MLP ratio and group count `ratio`. */
function modulationBlock(b: GraphBuilder, x: Tensor, c: number, ratio: number, name: string): Tensor {
  return b.scope(name, () => {
    const u = layerNorm(b, x, c, "norm", 1e-5);
    const y = b.scope("mlp", () => {
      const hidden = c * ratio;
      const context = b.scope("context_layer", () => {
        const f = nhwcToNchw(b, linear(b, u, c, c, "f"));
        const ctx = b.gelu(
          conv2d(b, f, c, c, CONTEXT, "context_list.0", { padding: CONTEXT >> 1, groups: c }),
        );
        return linear(b, nchwToNhwc(b, ctx), c, c, "g");
      });
      let h = linear(b, u, c, hidden, "fc1");
      const expand = !(hidden === c && ratio === 1);
      if (expand) h = b.gelu(h);
      const gate =
        ratio > 1
          ? b.concat(
              Array.from({ length: ratio }, () => context),
              -1,
            )
          : context;
      return linear(b, b.mul(h, gate), hidden, c, "fc2");
    });
    return b.add(x, b.mul(b.param("gamma_1", [c], INIT.layerScale), y));
  });
}

/** Returns EfficientMod's logits [batch, numClasses] at one registered size. */
function buildEfficientMod(b: GraphBuilder, o: BuildOptions, size: EfficientModSize): Tensor {
  const img = imageInput(b, o.resolution);
  let x = patchEmbed(b, nchwToNhwc(b, img), 3, WIDTHS[0], 7, 4, 3, "patch_embed");
  for (let s = 0; s < 4; s++) {
    const c = WIDTHS[s];
    for (let i = 0; i < size.depths[s]; i++)
      x = modulationBlock(b, x, c, i % 2 === 0 ? 1 : 6, `layers.${s}.blocks.${i}`);
    if (size.attentionDepths[s] > 0) {
      const [h, w] = [dim(x, 1), dim(x, 2)];
      let t = b.reshape(x, [0, h * w, c]);
      for (let j = 0; j < size.attentionDepths[s]; j++) {
        t = transformerBlock(b, t, `layers.${s}.blocks.${size.depths[s] + j}`, {
          dim: c,
          mlpHidden: size.attRatios[s] * c,
          heads: HEADS,
          layerScale: false,
          qkvBias: false,
          eps: 1e-5,
        });
      }
      x = b.reshape(t, [0, h, w, c]);
    }
    if (s < 3) x = patchEmbed(b, x, c, WIDTHS[s + 1], 3, 2, 1, `layers.${s}.downsample`);
  }
  const last = WIDTHS[3];
  const pooled = b.reduceMean(layerNorm(b, x, last, "norm", 1e-5), [1, 2], false);
  return linear(b, pooled, last, o.numClasses, "head");
}

for (const [name, sourceId, size] of [
  ["EfficientMod-S", "efficient_mod_s", SIZES.S],
  ["EfficientMod-XXS", "efficient_mod_xxs", SIZES.XXS],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "efficient-mod",
    checkResolution: multipleOf(32),
    build: (b, o) => buildEfficientMod(b, o, size),
  });
}
