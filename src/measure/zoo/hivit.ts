import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, INIT, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import {
  gatherBias,
  mergeHeads,
  relativePositionIndex,
  splitHeads,
  transposeLast,
} from "./blocks-hierarchical.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * HiViT-Ti (architectures/hivit.py, hi_vit_tiny_patch16: width 192, 3 heads, depths [1, 1, 10]). Of the four
 * sizes registered (Ti, S, B, L), Ti is the smallest and also the nearest ViT-S/16 in MACs (1.23 vs 4.61 GMACs
 * at 224, 3.38 G fewer; HiViT-S has 9.05, 4.44 G more), so it is the only one built. Each 16×16 patch is
 * embedded as a 4×4 grid of 4×4-pixel tokens (conv 4/4 + LayerNorm, tokens kept per patch as [B, N, 4, 4, C]);
 * two stages of MLP-only blocks (2 blocks each, MLP ratio 3) at widths 48 and 96, each followed by a Swin-style
 * 2×2 patch merge (LayerNorm + linear without bias) inside the patch, leave one 192-wide token per patch. Then
 * the main stage: absolute position embedding and 10 pre-norm attention blocks with a relative position bias
 * table ((2·14−1)² rows at 224), no layer scale; mean pooling, `fc_norm` and the head. LayerNorm eps 1e-6.
 */

const WIDTH = 192;
const HEADS = 3;
const DEPTHS = [1, 1, 10];
const PATCH = 16;
const INNER = 4;

function attentionBlock(b: GraphBuilder, x: Tensor, grid: number, name: string): Tensor {
  const n = grid * grid;
  return b.scope(name, () => {
    const att = b.scope("attn", () => {
      const table = b.param("relative_position_bias_table", [(2 * grid - 1) ** 2, HEADS], INIT.zeros);
      const u = layerNorm(b, x, WIDTH, "norm1");
      const [q, k, v] = b
        .split(linear(b, u, WIDTH, 3 * WIDTH, "qkv"), [WIDTH, WIDTH, WIDTH], -1)
        .map((t) => splitHeads(b, t, HEADS));
      const scores = b.matmul(b.mul(q, (WIDTH / HEADS) ** -0.5), transposeLast(b, k));
      const attn = b.softmax(b.add(scores, gatherBias(b, table, relativePositionIndex(grid), n)), -1);
      return linear(b, mergeHeads(b, b.matmul(attn, v)), WIDTH, WIDTH, "proj");
    });
    const y = b.add(x, att);
    return b.add(y, mlp(b, layerNorm(b, y, WIDTH, "norm2"), WIDTH, 4 * WIDTH));
  });
}

defineModel({
  name: "HiViT-Ti",
  sourceId: "hi_vit_tiny_patch16",
  family: "hivit",
  checkResolution: multipleOf(PATCH),
  build: (b, o) => {
    const img = imageInput(b, o.resolution);
    const grid = o.resolution / PATCH;
    const n = grid * grid;
    let c = WIDTH / 4;
    let x = b.scope("patch_embed", () => {
      const y = conv2d(b, img, 3, c, INNER, "proj", { stride: INNER });
      // [B, C, Hp, 4, Wp, 4] → [B, Hp, Wp, 4, 4, C] → [B, N, 4, 4, C]
      const t = b.transpose(b.reshape(y, [0, c, grid, INNER, grid, INNER]), [0, 2, 4, 3, 5, 1]);
      return layerNorm(b, b.reshape(t, [0, n, INNER, INNER, c]), c, "norm");
    });
    let block = 0;
    for (let s = 0; s < 2; s++) {
      for (let i = 0; i < 2 * DEPTHS[s]; i++) {
        x = b.scope(`blocks.${block++}`, () => b.add(x, mlp(b, layerNorm(b, x, c, "norm2"), c, 3 * c)));
      }
      x = b.scope(`blocks.${block++}`, () => {
        const inner = x.shape[2] as number;
        const pick = (r: number, col: number) => b.slice(x, [r, col], [inner, inner], [2, 3], [2, 2]);
        const cat = b.concat([pick(0, 0), pick(1, 0), pick(0, 1), pick(1, 1)], -1);
        return linear(b, layerNorm(b, cat, 4 * c, "norm"), 4 * c, 2 * c, "reduction", false);
      });
      c *= 2;
    }
    x = b.reshape(x, [0, n, WIDTH]);
    x = b.add(x, b.param("pos_embed", [1, n, WIDTH]));
    for (let i = 0; i < DEPTHS[2]; i++) x = attentionBlock(b, x, grid, `blocks.${block++}`);
    const pooled = layerNorm(b, b.reduceMean(x, [1], false), WIDTH, "fc_norm");
    return linear(b, pooled, WIDTH, o.numClasses, "head");
  },
});
