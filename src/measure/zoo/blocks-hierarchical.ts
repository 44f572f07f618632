import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, batchShape, conv2d } from "../onnx/index.js";

/**
 * Building blocks shared by the hierarchical / convolutional zoo families (ResNet, Swin, FocalNet, CoaT,
 * CvT, EfficientFormerV2, WaveViT). The batch stays the leading dimension of every tensor (windows and
 * heads get their own axes instead of being folded into the batch), so shapes stay static apart from it.
 */

/** Returns the static dimension `i` of `t`, failing loudly when it is symbolic. */
export function dim(t: Tensor, i: number): number {
  const d = t.shape[i < 0 ? t.shape.length + i : i];
  if (typeof d !== "number")
    throw new Error(`tensor ${t.name}: dimension ${i} is ${String(d)}, expected a static size`);
  return d;
}

/** Returns a feature map [B, C, H, W] from tokens [B, H·W, C]. */
export function tokensToMap(b: GraphBuilder, x: Tensor, h: number, w: number): Tensor {
  const c = dim(x, 2);
  if (dim(x, 1) !== h * w) throw new Error(`tokensToMap: ${dim(x, 1)} tokens do not form a ${h}x${w} map`);
  return b.reshape(b.transpose(x, [0, 2, 1]), [0, c, h, w]);
}

/** Returns tokens [B, H·W, C] from a feature map [B, C, H, W]. */
export function mapToTokens(b: GraphBuilder, x: Tensor): Tensor {
  const [c, h, w] = [dim(x, 1), dim(x, 2), dim(x, 3)];
  return b.transpose(b.reshape(x, [0, c, h * w]), [0, 2, 1]);
}

/** Returns BatchNorm2d(Conv2d(x)) with PyTorch names `<convName>` and `<bnName>` (nn.Sequential-style). */
export function convBn(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  kernel: number,
  convName: string,
  bnName: string,
  opts: { stride?: number; padding?: number; groups?: number; bias?: boolean } = {},
): Tensor {
  const y = conv2d(b, x, inC, outC, kernel, convName, {
    stride: opts.stride,
    padding: opts.padding,
    groups: opts.groups,
    bias: opts.bias ?? true,
  });
  return batchNorm2d(b, y, outC, bnName);
}

/** Returns torch.roll(x, shift, axis) for a static axis: out[i] = x[(i - shift) mod n]. */
export function roll(b: GraphBuilder, x: Tensor, shift: number, axis: number): Tensor {
  const n = dim(x, axis);
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  const head = b.slice(x, [n - s], [n], [axis]);
  const tail = b.slice(x, [0], [n - s], [axis]);
  return b.concat([head, tail], axis);
}

/** Returns windows [B, nW, ws·ws, C] of a map [B, H, W, C] (Swin window_partition, batch kept apart). */
export function windowPartition(b: GraphBuilder, x: Tensor, ws: number): Tensor {
  const [h, w, c] = [dim(x, 1), dim(x, 2), dim(x, 3)];
  if (h % ws !== 0 || w % ws !== 0)
    throw new Error(`windowPartition: ${h}x${w} map is not divisible into ${ws}x${ws} windows`);
  const y = b.transpose(b.reshape(x, [0, h / ws, ws, w / ws, ws, c]), [0, 1, 3, 2, 4, 5]);
  return b.reshape(y, [0, (h / ws) * (w / ws), ws * ws, c]);
}

/** Returns the map [B, H, W, C] from windows [B, nW, ws·ws, C] (Swin window_reverse). */
export function windowReverse(b: GraphBuilder, x: Tensor, ws: number, h: number, w: number): Tensor {
  const c = dim(x, 3);
  const y = b.transpose(b.reshape(x, [0, h / ws, w / ws, ws, ws, c]), [0, 1, 3, 2, 4, 5]);
  return b.reshape(y, [0, h, w, c]);
}

/** Splits [B, ..., N, C] into heads [B, ..., heads, N, C/heads] (works for 3-D and 4-D inputs). */
export function splitHeads(b: GraphBuilder, x: Tensor, heads: number): Tensor {
  const r = x.shape.length;
  const c = dim(x, r - 1);
  const n = dim(x, r - 2);
  const lead = x.shape.slice(1, r - 2).map((_, i) => dim(x, i + 1));
  const y = b.reshape(x, [0, ...lead, n, heads, c / heads]);
  const perm = [...Array(r - 2).keys(), r - 1, r - 2, r];
  return b.transpose(y, perm);
}

/** Merges heads [B, ..., heads, N, d] back into [B, ..., N, heads·d]. */
export function mergeHeads(b: GraphBuilder, x: Tensor): Tensor {
  const r = x.shape.length;
  const [h, n, d] = [dim(x, r - 3), dim(x, r - 2), dim(x, r - 1)];
  const lead = x.shape.slice(1, r - 3).map((_, i) => dim(x, i + 1));
  const perm = [...Array(r - 3).keys(), r - 2, r - 3, r - 1];
  return b.reshape(b.transpose(x, perm), [0, ...lead, n, h * d]);
}

/** Returns the last two axes swapped. */
export function transposeLast(b: GraphBuilder, x: Tensor): Tensor {
  const r = x.shape.length;
  return b.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/**
 * Returns F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False) of a map [B, C, H, W]
 * (ONNX Resize, linear, half_pixel; no antialiasing, as PyTorch's default).
 */
export function resizeBilinear(b: GraphBuilder, x: Tensor, h: number, w: number): Tensor {
  const sizes = batchShape(b, x, [dim(x, 1), h, w]);
  return b.op("Resize", [x, null, null, sizes], {
    mode: "linear",
    coordinate_transformation_mode: "half_pixel",
  });
}

/**
 * Returns the Swin relative position index of a ws×ws window: for each (query, key) pair the row of the
 * (2ws-1)² bias table, as PyTorch computes `relative_position_index` (a buffer).
 */
export function relativePositionIndex(ws: number): number[] {
  const n = ws * ws;
  const idx: number[] = new Array(n * n);
  for (let i = 0; i < n; i++) {
    const [hi, wi] = [Math.floor(i / ws), i % ws];
    for (let j = 0; j < n; j++) {
      const [hj, wj] = [Math.floor(j / ws), j % ws];
      idx[i * n + j] = (hi - hj + ws - 1) * (2 * ws - 1) + (wi - wj + ws - 1);
    }
  }
  return idx;
}

/** Returns bias[heads, N, N] gathered from a table [T, heads] with a row index per (query, key) pair. */
export function gatherBias(b: GraphBuilder, table: Tensor, index: number[], n: number): Tensor {
  const idx = b.constant(index, [n, n], "int64", "relative_position_index");
  return b.transpose(b.gather(table, idx, 0), [2, 0, 1]);
}

/**
 * Returns the shifted-window attention mask of a Swin block as values [nW, N, N] (0 within a region,
 * -100 across regions), exactly as the reference computes the `attn_mask` buffer.
 */
export function shiftedWindowMask(h: number, w: number, ws: number, shift: number): number[] {
  const img = new Array<number>(h * w).fill(0);
  const bounds = (n: number) => [
    [0, n - ws],
    [n - ws, n - shift],
    [n - shift, n],
  ];
  let cnt = 0;
  for (const [h0, h1] of bounds(h)) {
    for (const [w0, w1] of bounds(w)) {
      for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) img[y * w + x] = cnt;
      cnt++;
    }
  }
  const nWh = h / ws;
  const nWw = w / ws;
  const n = ws * ws;
  const out: number[] = new Array(nWh * nWw * n * n);
  for (let wy = 0; wy < nWh; wy++) {
    for (let wx = 0; wx < nWw; wx++) {
      const win = wy * nWw + wx;
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(img[(wy * ws + Math.floor(i / ws)) * w + wx * ws + (i % ws)]);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) out[(win * n + i) * n + j] = ids[i] === ids[j] ? 0 : -100;
    }
  }
  return out;
}

/** Returns the mean over the token axis of [B, N, C] as [B, C] (nn.AdaptiveAvgPool1d over tokens + flatten). */
export function meanTokens(b: GraphBuilder, x: Tensor): Tensor {
  return b.reduceMean(x, [1], false);
}
