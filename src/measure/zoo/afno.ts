import type { GraphBuilder, Tensor } from "../onnx/index.js";
import {
  addPosEmbed,
  imageInput,
  layerNorm,
  linear,
  patchEmbed,
  transformerBlock,
  VIT_SIZES,
} from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * AFNO-S (architectures/afno.py after NVlabs/AFNO-transformer, afno_s_p16): ViT-S/16 without class token
 * (average pooling, then `fc_norm`), layer scale on, whose attention is the adaptive Fourier neural operator:
 * rfft2 of the token grid (norm "ortho"), a block-diagonal complex 2-layer MLP over channels (8 blocks of 48:
 * weights w1, w2 [2, 8, 48, 48], biases b1, b2 [2, 8, 48], ReLU between), softshrink(0.01), irfft2. The
 * hard-thresholding fraction is 1, so every frequency is kept. As the reference, the channel products are
 * einsums (torchprofile counts them as 0); the transforms are ONNX DFTs as in GFNet (one-sided forward along the
 * width, Hermitian extension before the inverse), with the ortho scaling as divisions.
 *
 * Sizes: afno.py registers one model per entry of the reference's vit_sizes (na, mu, Ti, S, B, L: afno_na_p16 …
 * afno_l_p16). S is the nearest ViT-S/16 in MACs (2.84 vs 4.61 GMACs at 224; B, at twice the width, has about
 * four times S's). The smallest is AFNO-na (afno_na_p16: width 96, 2 blocks; 8 frequency blocks of 12 channels),
 * which the graph builds with the same code.
 */

const BLOCKS = 8;
/** vit_sizes["na"] of the reference (resizing_interface.py): width 96, 2 blocks (2 heads, unused by AFNO). */
const NANO = { embedDim: 96, depth: 2, numHeads: 2, mlpRatio: 4, patchSize: 16 } as const;

/** Returns [real, imag] of ...bi × bio (complex) for a spectrum split into real and imaginary parts. */
function complexLinear(b: GraphBuilder, re: Tensor, im: Tensor, w: Tensor, bias: Tensor): [Tensor, Tensor] {
  const part = (t: Tensor, i: number) => b.gather(t, i, 0);
  const mm = (x: Tensor, i: number) => b.einsum("xhwbi,bio->xhwbo", x, part(w, i));
  const outRe = b.add(b.sub(mm(re, 0), mm(im, 1)), part(bias, 0));
  const outIm = b.add(b.add(mm(im, 0), mm(re, 1)), part(bias, 1));
  return [outRe, outIm];
}

/** Returns AFNO2D of tokens [B, side², dim]. */
function afno(b: GraphBuilder, x: Tensor, name: string, dim: number): Tensor {
  const n = x.shape[1] as number;
  const side = Math.round(Math.sqrt(n));
  const wf = Math.floor(side / 2) + 1;
  const bs = dim / BLOCKS;
  return b.scope(name, () => {
    const w1 = b.param("w1", [2, BLOCKS, bs, bs]);
    const b1 = b.param("b1", [2, BLOCKS, bs]);
    const w2 = b.param("w2", [2, BLOCKS, bs, bs]);
    const b2 = b.param("b2", [2, BLOCKS, bs]);
    const grid = b.unsqueeze(b.reshape(x, [0, side, side, dim]), [4]);
    const spec = b.div(b.dft(b.dft(grid, 2, { onesided: true }), 1), Math.sqrt(n));
    const [sr, si] = b.split(spec, [1, 1], 4).map((t) => b.reshape(t, [0, side, wf, BLOCKS, bs]));
    const [h1r, h1i] = complexLinear(b, sr, si, w1, b1).map((t) => b.relu(t));
    const [h2r, h2i] = complexLinear(b, h1r, h1i, w2, b2);
    const shrink = (t: Tensor) =>
      b.unsqueeze(b.reshape(b.op("Shrink", [t], { lambd: 0.01, bias: 0.01 }), [0, side, wf, dim]), [4]);
    const rows = b.dft(b.concat([shrink(h2r), shrink(h2i)], 4), 1, { inverse: true });
    const mirror = Array.from({ length: side - wf }, (_, i) => side - (wf + i));
    let full = rows;
    if (mirror.length > 0) {
      const [tr, ti] = b.split(b.gather(rows, mirror, 2), [1, 1], 4);
      full = b.concat([rows, b.concat([tr, b.op("Neg", [ti])], 4)], 2);
    }
    const y = b.div(b.dft(full, 2, { inverse: true }), 1 / Math.sqrt(n));
    return b.reshape(b.slice(y, [0], [1], [4]), [0, n, dim]);
  });
}

for (const [name, sourceId, size] of [
  ["AFNO-S", "afno_s_p16", VIT_SIZES.S],
  ["AFNO-na", "afno_na_p16", NANO],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "afno",
    build: (b, o) => {
      const { embedDim: dim, depth, patchSize } = size;
      const side = o.resolution / patchSize;
      let x = patchEmbed(b, imageInput(b, o.resolution), patchSize, dim);
      x = addPosEmbed(b, x, side * side, dim);
      for (let i = 0; i < depth; i++) {
        x = transformerBlock(b, x, `blocks.${i}`, {
          dim,
          mlpHidden: 4 * dim,
          mixer: (bb, t, n) => afno(bb, t, n, dim),
        });
      }
      const pooled = layerNorm(b, b.reduceMean(x, [1], false), dim, "fc_norm");
      return linear(b, pooled, dim, o.numClasses, "head");
    },
  });
}
