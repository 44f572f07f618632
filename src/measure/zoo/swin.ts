import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { INIT, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import {
  dim,
  gatherBias,
  mapToTokens,
  meanTokens,
  mergeHeads,
  relativePositionIndex,
  roll,
  shiftedWindowMask,
  splitHeads,
  transposeLast,
  windowPartition,
  windowReverse,
} from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * Swin Transformer v1 and v2 as the benchmark defines them (architectures/swin.py and swin_v2.py, after
 * microsoft/Swin-Transformer): patch 4, window 7, stages [2,2,6,2] (T) or [2,2,18,2] (S), dims 96·2^i,
 * heads [3,6,12,24], MLP ratio 4, qkv bias, LayerNorm eps 1e-5. A stage whose map is not larger than the
 * window uses one window of the map's size and no shift (as the reference does at 224, stage 4).
 * v1: pre-norm blocks, relative position bias table, PatchMerging norm(4C) → reduction.
 * v2: res-post-norm, scaled cosine attention with log-spaced continuous position bias (cpb_mlp),
 * q/v biases, PatchMerging reduction → norm(2C).
 */

/** Per-stage configuration of a Swin-style hierarchy. */
export interface SwinConfig {
  embedDim: number;
  depths: number[];
  heads: number[];
  window: number;
  patch: number;
}

export const SWIN_T: SwinConfig = {
  embedDim: 96,
  depths: [2, 2, 6, 2],
  heads: [3, 6, 12, 24],
  window: 7,
  patch: 4,
};
export const SWIN_S: SwinConfig = {
  embedDim: 96,
  depths: [2, 2, 18, 2],
  heads: [3, 6, 12, 24],
  window: 7,
  patch: 4,
};

/** Returns why a Swin hierarchy cannot be built at `resolution` (window divisibility, even maps), or null. */
export function swinResolutionProblem(cfg: SwinConfig, resolution: number): string | null {
  if (resolution % cfg.patch !== 0) return `resolution must be a multiple of the patch size ${cfg.patch}`;
  let r = resolution / cfg.patch;
  for (let s = 0; s < cfg.depths.length; s++) {
    if (r > cfg.window && r % cfg.window !== 0) {
      return `stage ${s + 1} map is ${r}x${r}, not divisible into ${cfg.window}x${cfg.window} windows (use a multiple of ${cfg.patch * cfg.window * 2 ** (cfg.depths.length - 1)}, e.g. 224)`;
    }
    if (s < cfg.depths.length - 1) {
      if (r % 2 !== 0)
        return `stage ${s + 1} map is ${r}x${r}, odd, so patch merging cannot halve it (e.g. use 224)`;
      r /= 2;
    }
  }
  return null;
}

/** Effective window and shift of a block: one window without shift when the map fits in a window. */
export function effectiveWindow(res: number, window: number, shift: number): { ws: number; shift: number } {
  return res <= window ? { ws: res, shift: 0 } : { ws: window, shift };
}

/** Options of one Swin block. */
export interface SwinBlockOptions {
  dim: number;
  heads: number;
  /** Side of the (square) token map. */
  res: number;
  window: number;
  shift: number;
  eps: number;
  version: 1 | 2;
  /** Per-channel layer scale on both branches (STViT's `use_layer_scale`), v1 only. */
  layerScale?: boolean;
}

/** Returns one Swin block on tokens [B, H·W, C]. */
export function swinBlock(b: GraphBuilder, x: Tensor, name: string, o: SwinBlockOptions): Tensor {
  const { ws, shift } = effectiveWindow(o.res, o.window, o.shift);
  const { dim: c, res } = o;
  return b.scope(name, () => {
    const mask = shift > 0 ? maskConstant(b, res, ws, shift) : null;
    const attend = (t: Tensor): Tensor => {
      let m = b.reshape(t, [0, res, res, c]);
      m = roll(b, roll(b, m, -shift, 1), -shift, 2);
      let w = windowPartition(b, m, ws);
      w =
        o.version === 1
          ? windowAttentionV1(b, w, c, o.heads, ws, mask)
          : windowAttentionV2(b, w, c, o.heads, ws, mask);
      m = windowReverse(b, w, ws, res, res);
      m = roll(b, roll(b, m, shift, 1), shift, 2);
      return b.reshape(m, [0, res * res, c]);
    };
    if (o.version === 2) {
      // res-post-norm: x + norm1(attn(x)), then x + norm2(mlp(x))
      x = b.add(x, layerNorm(b, attend(x), c, "norm1", o.eps));
      return b.add(x, layerNorm(b, mlp(b, x, c, 4 * c), c, "norm2", o.eps));
    }
    let y = attend(layerNorm(b, x, c, "norm1", o.eps));
    if (o.layerScale) y = b.mul(b.param("layer_scale_1", [c], INIT.layerScale), y);
    x = b.add(x, y);
    let z = mlp(b, layerNorm(b, x, c, "norm2", o.eps), c, 4 * c);
    if (o.layerScale) z = b.mul(b.param("layer_scale_2", [c], INIT.layerScale), z);
    return b.add(x, z);
  });
}

function maskConstant(b: GraphBuilder, res: number, ws: number, shift: number): Tensor {
  const nW = (res / ws) ** 2;
  const n = ws * ws;
  // [nW, 1, N, N] broadcasts over batch and heads of the attention [B, nW, heads, N, N]
  return b.constant(shiftedWindowMask(res, res, ws, shift), [nW, 1, n, n], b.dtype, "attn_mask");
}

/** Returns v1 window attention (qkv, relative position bias table, optional shift mask) of windows [B, nW, N, C]. */
function windowAttentionV1(
  b: GraphBuilder,
  x: Tensor,
  c: number,
  heads: number,
  ws: number,
  mask: Tensor | null,
): Tensor {
  return b.scope("attn", () => {
    const n = ws * ws;
    const qkv = linear(b, x, c, 3 * c, "qkv");
    const [q, k, v] = b.split(qkv, [c, c, c], -1).map((t) => splitHeads(b, t, heads));
    let attn = b.matmul(b.mul(q, (c / heads) ** -0.5), transposeLast(b, k));
    const table = b.param("relative_position_bias_table", [(2 * ws - 1) ** 2, heads], INIT.weight);
    attn = b.add(attn, gatherBias(b, table, relativePositionIndex(ws), n));
    if (mask) attn = b.add(attn, mask);
    const o = mergeHeads(b, b.matmul(b.softmax(attn, -1), v));
    return linear(b, o, c, c, "proj");
  });
}

/** Returns the v2 log-spaced relative coordinates [1, 2ws-1, 2ws-1, 2] (the `relative_coords_table` buffer). */
export function logSpacedCoords(ws: number): number[] {
  const out: number[] = [];
  const f = (d: number) => {
    const t = (d / (ws - 1)) * 8;
    return (Math.sign(t) * Math.log2(Math.abs(t) + 1)) / Math.log2(8);
  };
  for (let i = -(ws - 1); i < ws; i++) for (let j = -(ws - 1); j < ws; j++) out.push(f(i), f(j));
  return out;
}

/** Returns v2 window attention (scaled cosine attention, continuous position bias) of windows [B, nW, N, C]. */
function windowAttentionV2(
  b: GraphBuilder,
  x: Tensor,
  c: number,
  heads: number,
  ws: number,
  mask: Tensor | null,
): Tensor {
  return b.scope("attn", () => {
    const n = ws * ws;
    const qBias = b.param("q_bias", [c], INIT.zeros);
    const vBias = b.param("v_bias", [c], INIT.zeros);
    const bias = b.concat([qBias, b.constant(new Float32Array(c), [c], b.dtype, "k_bias"), vBias], 0);
    const qkv = b.add(linear(b, x, c, 3 * c, "qkv", false), bias);
    const [q, k, v] = b.split(qkv, [c, c, c], -1).map((t) => splitHeads(b, t, heads));
    const normalize = (t: Tensor) =>
      b.div(t, b.op("Max", [b.op("ReduceL2", [t, b.ints([-1], "axes")], { keepdims: 1 }), b.scalar(1e-12)]));
    let attn = b.matmul(normalize(q), transposeLast(b, normalize(k)));
    const logitScale = b.param("logit_scale", [heads, 1, 1], { kind: "constant", value: Math.log(10) });
    attn = b.mul(attn, b.exp(b.op("Min", [logitScale, b.scalar(Math.log(100))])));
    const coords = b.constant(
      logSpacedCoords(ws),
      [1, 2 * ws - 1, 2 * ws - 1, 2],
      b.dtype,
      "relative_coords_table",
    );
    const hidden = b.scope("cpb_mlp", () => b.relu(linear(b, coords, 2, 512, "0")));
    const table = b.reshape(
      b.scope("cpb_mlp", () => linear(b, hidden, 512, heads, "2", false)),
      [-1, heads],
    );
    attn = b.add(attn, b.mul(b.sigmoid(gatherBias(b, table, relativePositionIndex(ws), n)), 16));
    if (mask) attn = b.add(attn, mask);
    const o = mergeHeads(b, b.matmul(b.softmax(attn, -1), v));
    return linear(b, o, c, c, "proj");
  });
}

/** Returns Swin patch merging of tokens [B, H·W, C] → [B, H/2·W/2, 2C] (v1: norm then reduction; v2: reverse). */
export function patchMerging(
  b: GraphBuilder,
  x: Tensor,
  res: number,
  c: number,
  version: 1 | 2,
  eps: number,
  name = "downsample",
): Tensor {
  return b.scope(name, () => {
    const m = b.reshape(x, [0, res, res, c]);
    const part = (h0: number, w0: number) => b.slice(m, [h0, w0], [res, res], [1, 2], [2, 2]);
    const cat = b.reshape(b.concat([part(0, 0), part(1, 0), part(0, 1), part(1, 1)], -1), [
      0,
      (res / 2) ** 2,
      4 * c,
    ]);
    if (version === 1)
      return linear(b, layerNorm(b, cat, 4 * c, "norm", eps), 4 * c, 2 * c, "reduction", false);
    return layerNorm(b, linear(b, cat, 4 * c, 2 * c, "reduction", false), 2 * c, "norm", eps);
  });
}

/** Returns Swin's patch embedding: Conv2d(k = s = patch) → tokens → LayerNorm (`patch_embed.proj`, `patch_embed.norm`). */
export function swinPatchEmbed(b: GraphBuilder, img: Tensor, cfg: SwinConfig, eps: number): Tensor {
  return b.scope("patch_embed", () => {
    const w = b.param("proj.weight", [cfg.embedDim, 3, cfg.patch, cfg.patch]);
    const bias = b.param("proj.bias", [cfg.embedDim], INIT.zeros);
    const y = b.conv(img, w, bias, { strides: [cfg.patch, cfg.patch] });
    return layerNorm(b, mapToTokens(b, y), cfg.embedDim, "norm", eps);
  });
}

/** Returns the final LayerNorm, token mean and linear head of a Swin-style model. */
export function swinHead(b: GraphBuilder, x: Tensor, c: number, numClasses: number, eps: number): Tensor {
  return linear(b, meanTokens(b, layerNorm(b, x, c, "norm", eps)), c, numClasses, "head");
}

/** Builds Swin v1 or v2 and returns the logits. */
export function buildSwin(
  b: GraphBuilder,
  cfg: SwinConfig,
  resolution: number,
  numClasses: number,
  version: 1 | 2,
): Tensor {
  const eps = 1e-5;
  const img = imageInput(b, resolution);
  let x = swinPatchEmbed(b, img, cfg, eps);
  let res = resolution / cfg.patch;
  for (let s = 0; s < cfg.depths.length; s++) {
    const c = cfg.embedDim * 2 ** s;
    x = b.scope(`layers.${s}`, () => {
      let y = x;
      for (let i = 0; i < cfg.depths[s]; i++) {
        y = swinBlock(b, y, `blocks.${i}`, {
          dim: c,
          heads: cfg.heads[s],
          res,
          window: cfg.window,
          shift: i % 2 === 0 ? 0 : Math.floor(cfg.window / 2),
          eps,
          version,
        });
      }
      return s < cfg.depths.length - 1 ? patchMerging(b, y, res, c, version, eps) : y;
    });
    if (s < cfg.depths.length - 1) res /= 2;
  }
  return swinHead(b, x, dim(x, 2), numClasses, eps);
}

function swin(name: string, sourceId: string, cfg: SwinConfig, version: 1 | 2): void {
  defineModel({
    name,
    sourceId,
    family: "swin",
    checkResolution: (r) => swinResolutionProblem(cfg, r),
    testResolution: 224,
    build: (b, o) => buildSwin(b, cfg, o.resolution, o.numClasses, version),
  });
}

swin("Swin-T", "swin_tiny_patch4_window7", SWIN_T, 1);
swin("Swin-S", "swin_small_patch4_window7", SWIN_S, 1);
swin("SwinV2-T", "swinv2_tiny_patch4_window7", SWIN_T, 2);
