import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, expandToBatch, imageInput, linear } from "../onnx/index.js";
import { dim } from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * HaloNet-H2 and HaloNet-H0 (architectures/halonet.py on halonet_pytorch 0.0.4, heads [4, 8, 8, 8], block 8,
 * halo 3, rv 1.0; halonet_h2: rb 1.25, 11 blocks in stage 3; halonet_h0: rb 0.5, 7 blocks). Of the three sizes
 * registered, H2 is the largest and the nearest ViT-S/16 (4.61 GMACs at 224) in MACs: 3.69 GMACs at 256, the
 * smallest side the reference runs (H1 3.36, H0 2.60). H0 is the smallest. The network: a 7×7/2 conv, 3×3/2 max
 * pooling and GELU, then 4 stages (widths 64·2^i) of [1×1 conv → GELU → halo attention → GELU → 1×1 conv (×rb) →
 * GELU] blocks, stride-2 subsampling between stages, global average pooling and the head. qkv biases are on, as
 * the benchmark's `qkv_bias=True` reaches the constructor.
 *
 * Halo attention: the map is cut into 8×8 query blocks; each attends to its 14×14 neighbourhood (the block with
 * a 3-pixel halo, zero padded at the border: F.unfold), with relative position logits from per-axis tables
 * (rel_height, rel_width [27, d]: q·r[13 + Δrow] + q·r[13 + Δcol]). As in halonet_pytorch 0.0.4, the mask is
 * inverted: positions *inside* the image are filled with −max and only the zero padding keeps its scores (an
 * interior block therefore averages its neighbourhood uniformly); the graph reproduces it. A consequence: in a
 * stage where every block touches the border (from stage 3 at 256, a 16×16 map of 2×2 blocks; stage 4 at 512) a
 * block attends only to zero padding, whose values are the to_kv bias, so the network's output no longer depends
 * on the image (checked in the reference at 256, trained or not). The products are einsums (torchprofile counts
 * them as 0). The reference asserts sides divisible by 64 and its stage-4 map must hold whole 8×8 blocks, so the
 * graph builds at multiples of 256 (224 fails in the reference too).
 */

const HEADS = [4, 8, 8, 8];
/** A registered HaloNet size (rv 1.0 in all of them). */
interface HaloNetSize {
  /** Blocks per stage (stage 3's is the reference's `l3`). */
  depths: readonly number[];
  /** Output width of a block relative to its base width (the reference's `rb`). */
  rb: number;
}

/** halonet_h2 (the largest, nearest ViT-S in MACs) and halonet_h0 (the smallest). */
const SIZES = {
  H2: { depths: [3, 3, 11, 3], rb: 1.25 },
  H0: { depths: [3, 3, 7, 3], rb: 0.5 },
} satisfies Record<string, HaloNetSize>;
const BLOCK = 8;
const HALO = 3;
const WINDOW = BLOCK + 2 * HALO;

/** Returns the rows of a relative table [2·14 − 1, d] that query position p (0..7) uses for window position w (0..13). */
export function relativeRows(): number[] {
  const rows: number[] = [];
  for (let p = 0; p < BLOCK; p++) for (let w = 0; w < WINDOW; w++) rows.push(WINDOW - 1 + w - p);
  return rows;
}

/** Returns 1 where a window position lies inside the map (F.unfold of ones), per block: [L, 196]. */
function insideMask(nh: number, nw: number, h: number, w: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < nh; i++) {
    for (let j = 0; j < nw; j++) {
      for (let r = 0; r < WINDOW; r++) {
        for (let c = 0; c < WINDOW; c++) {
          const y = i * BLOCK - HALO + r;
          const x = j * BLOCK - HALO + c;
          out.push(y >= 0 && y < h && x >= 0 && x < w ? 1 : 0);
        }
      }
    }
  }
  return out;
}

/** Returns the zero-padded map's 14×14 neighbourhoods [B, L, 196, C] (F.unfold, kernel 14, stride 8, padding 3). */
function neighbourhoods(b: GraphBuilder, x: Tensor): Tensor {
  const [c, h, w] = [dim(x, 1), dim(x, 2), dim(x, 3)];
  const zeros = (rows: number, cols: number) =>
    expandToBatch(
      b,
      b.constant(new Float32Array(c * rows * cols), [1, c, rows, cols], b.dtype, "halo_pad"),
      x,
    );
  let p = b.concat([zeros(HALO, w), x, zeros(HALO, w)], 2);
  p = b.concat([zeros(h + 2 * HALO, HALO), p, zeros(h + 2 * HALO, HALO)], 3);
  const [nh, nw] = [h / BLOCK, w / BLOCK];
  const idx = (n: number) =>
    b.constant(
      Array.from({ length: n * WINDOW }, (_, k) => Math.floor(k / WINDOW) * BLOCK + (k % WINDOW)),
      [n, WINDOW],
      "int64",
      "window",
    );
  const g = b.gather(b.gather(p, idx(nh), 2), idx(nw), 4); // [B, C, nh, 14, nw, 14]
  return b.reshape(b.transpose(g, [0, 2, 4, 3, 5, 1]), [0, nh * nw, WINDOW * WINDOW, c]);
}

function haloAttention(b: GraphBuilder, x: Tensor, c: number, heads: number): Tensor {
  return b.scope("attn", () => {
    const [h, w] = [dim(x, 2), dim(x, 3)];
    const [nh, nw] = [h / BLOCK, w / BLOCK];
    const l = nh * nw;
    const d = c / heads;
    const n = BLOCK * BLOCK;
    const m = WINDOW * WINDOW;
    const blocks = b.reshape(b.transpose(b.reshape(x, [0, c, nh, BLOCK, nw, BLOCK]), [0, 2, 4, 3, 5, 1]), [
      0,
      l,
      n,
      c,
    ]);
    const split = (t: Tensor, len: number) =>
      b.transpose(b.reshape(t, [0, l, len, heads, d]), [0, 1, 3, 2, 4]);
    const q = b.mul(split(linear(b, blocks, c, c, "to_q"), n), d ** -0.5); // [B, L, h, 64, d]
    const [k, v] = b
      .split(linear(b, neighbourhoods(b, x), c, 2 * c, "to_kv"), [c, c], -1)
      .map((t) => split(t, m));
    let sim = b.einsum("blhid,blhjd->blhij", q, k);
    const bias = b.scope("rel_pos_emb", () => {
      const rows = b.constant(relativeRows(), [BLOCK, WINDOW], "int64", "rel_rows");
      const rh = b.gather(b.param("rel_height", [2 * WINDOW - 1, d]), rows, 0); // [8, 14, d]
      const rw = b.gather(b.param("rel_width", [2 * WINDOW - 1, d]), rows, 0);
      const grid = b.reshape(q, [0, l, heads, BLOCK, BLOCK, d]);
      const lh = b.einsum("blhxyd,xkd->blhxyk", grid, rh);
      const lw = b.einsum("blhxyd,ykd->blhxyk", grid, rw);
      return b.reshape(b.add(b.unsqueeze(lh, [-1]), b.unsqueeze(lw, [-2])), [0, l, heads, n, m]);
    });
    sim = b.add(sim, bias);
    const inside = b.cast(b.constant(insideMask(nh, nw, h, w), [l, 1, 1, m], "int64", "inside"), "bool");
    const maxNeg = b.dtype === "float16" ? -65504 : -3.4028234663852886e38;
    const attn = b.softmax(b.where(inside, b.scalar(maxNeg), sim), -1);
    const out = b.reshape(b.transpose(b.einsum("blhij,blhjd->blhid", attn, v), [0, 1, 3, 2, 4]), [
      0,
      l,
      n,
      c,
    ]);
    const y = linear(b, out, c, c, "to_out");
    return b.reshape(b.transpose(b.reshape(y, [0, nh, nw, BLOCK, BLOCK, c]), [0, 5, 1, 3, 2, 4]), [
      0,
      c,
      h,
      w,
    ]);
  });
}

/** Returns HaloNet's logits [batch, numClasses] at one registered size. */
function buildHaloNet(b: GraphBuilder, o: BuildOptions, size: HaloNetSize): Tensor {
  const img = imageInput(b, o.resolution);
  let x = b.scope("start_block", () =>
    b.gelu(
      b.maxPool(conv2d(b, img, 3, 64, 7, "0", { stride: 2, padding: 3 }), [3, 3], {
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
    ),
  );
  let inC = 64;
  for (let s = 0; s < 4; s++) {
    const base = 64 * 2 ** s;
    const out = Math.floor(base * size.rb);
    x = b.scope(`blocks.${s}`, () => {
      let y = x;
      for (let i = 0; i < size.depths[s]; i++) {
        y = b.gelu(conv2d(b, y, i === 0 ? inC : out, base, 1, `${6 * i}`));
        y = b.gelu(b.scope(`${6 * i + 2}`, () => haloAttention(b, y, base, HEADS[s])));
        y = b.gelu(conv2d(b, y, base, out, 1, `${6 * i + 4}`));
      }
      return s < 3 ? b.slice(y, [0, 0], [dim(y, 2), dim(y, 3)], [2, 3], [2, 2]) : y;
    });
    inC = out;
  }
  const pooled = b.reduceMean(x, [2, 3], false);
  return linear(b, pooled, inC, o.numClasses, "head");
}

for (const [name, sourceId, size] of [
  ["HaloNet-H2", "halonet_h2", SIZES.H2],
  ["HaloNet-H0", "halonet_h0", SIZES.H0],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "halonet",
    checkResolution: multipleOf(256, 256),
    testResolution: 256,
    note: "halonet_pytorch 0.0.4's inverted padding mask kept (positions inside the image are masked)",
    build: (b, o) => buildHaloNet(b, o, size),
  });
}
