import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import { dim, mapToTokens, meanTokens, tokensToMap } from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * FocalNet with small receptive field (architectures/focalnet.py, after microsoft/FocalNet): patch-4 stem,
 * stages of dims 96·2^i, focal level 2 and focal window 3 in every stage (depth-wise kernels 3 and 5),
 * gated aggregation plus a global context level, 1x1 `h` modulator, no layer scale, no post-norm,
 * LayerNorm eps 1e-5, stride-2 patch-embedding downsampling between stages (Conv 2x2 + LayerNorm).
 * Every conv floors, so any resolution builds (382 → 95, 47, 23, 11).
 */

const EPS = 1e-5;
const LEVELS = 2;
const WINDOW = 3;

/** Returns FocalModulation of a map [B, H, W, C] (channels last) as tokens [B, H·W, C]. */
function focalModulation(b: GraphBuilder, x: Tensor, c: number, h: number, w: number): Tensor {
  return b.scope("modulation", () => {
    const f = linear(b, x, c, 2 * c + LEVELS + 1, "f"); // [B, H·W, 2C+L+1]
    const fm = tokensToMap(b, f, h, w);
    const [q, ctx0, gates] = b.split(fm, [c, c, LEVELS + 1], 1);
    let ctx = ctx0;
    let ctxAll: Tensor | null = null;
    for (let l = 0; l < LEVELS; l++) {
      const k = 2 * l + WINDOW;
      ctx = b.gelu(
        conv2d(b, ctx, c, c, k, `focal_layers.${l}.0`, {
          padding: Math.floor(k / 2),
          groups: c,
          bias: false,
        }),
      );
      const gated = b.mul(ctx, b.slice(gates, [l], [l + 1], [1]));
      ctxAll = ctxAll ? b.add(ctxAll, gated) : gated;
    }
    const global = b.gelu(b.reduceMean(b.reduceMean(ctx, [2]), [3]));
    ctxAll = b.add(ctxAll as Tensor, b.mul(global, b.slice(gates, [LEVELS], [LEVELS + 1], [1])));
    const modulator = conv2d(b, ctxAll, c, c, 1, "h");
    const out = mapToTokens(b, b.mul(q, modulator));
    return linear(b, out, c, c, "proj");
  });
}

function focalBlock(b: GraphBuilder, x: Tensor, name: string, c: number, h: number, w: number): Tensor {
  return b.scope(name, () => {
    x = b.add(x, focalModulation(b, layerNorm(b, x, c, "norm1", EPS), c, h, w));
    return b.add(x, mlp(b, layerNorm(b, x, c, "norm2", EPS), c, 4 * c));
  });
}

/** Returns FocalNet's PatchEmbed (Conv k = s = patch, then LayerNorm) of a map, as tokens plus the new map size. */
function focalPatchEmbed(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  patch: number,
  name: string,
): [Tensor, number, number] {
  return b.scope(name, () => {
    const y = conv2d(b, x, inC, outC, patch, "proj", { stride: patch });
    return [layerNorm(b, mapToTokens(b, y), outC, "norm", EPS), dim(y, 2), dim(y, 3)];
  });
}

/** Builds FocalNet (SRF) with the given depths and returns the logits. */
export function buildFocalNet(
  b: GraphBuilder,
  depths: number[],
  embedDim: number,
  resolution: number,
  numClasses: number,
): Tensor {
  const img = imageInput(b, resolution);
  let [x, h, w] = focalPatchEmbed(b, img, 3, embedDim, 4, "patch_embed");
  depths.forEach((depth, s) => {
    const c = embedDim * 2 ** s;
    b.scope(`layers.${s}`, () => {
      for (let i = 0; i < depth; i++) x = focalBlock(b, x, `blocks.${i}`, c, h, w);
      if (s < depths.length - 1)
        [x, h, w] = focalPatchEmbed(b, tokensToMap(b, x, h, w), c, 2 * c, 2, "downsample");
    });
  });
  const c = embedDim * 2 ** (depths.length - 1);
  return linear(b, meanTokens(b, layerNorm(b, x, c, "norm", EPS)), c, numClasses, "head");
}

function focalnet(name: string, sourceId: string, depths: number[]): void {
  defineModel({
    name,
    sourceId,
    family: "focalnet",
    checkResolution: (r) =>
      r < 32 ? "resolution must be at least 32 (patch 4 and three stride-2 stages)" : null,
    testResolution: 64,
    build: (b, o) => buildFocalNet(b, depths, 96, o.resolution, o.numClasses),
  });
}

focalnet("FocalNet-T (SRF)", "focalnet_tiny_srf", [2, 2, 6, 2]);
focalnet("FocalNet-S (SRF)", "focalnet_small_srf", [2, 2, 18, 2]);
