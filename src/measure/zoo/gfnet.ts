import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { addPosEmbed, imageInput, layerNorm, linear, mlp, patchEmbed } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * GFNet-S/16 (architectures/gfnet.py, gfnet_small_patch16: depth 19, dim 384, no layer scale): each block
 * is x + mlp(norm2(filter(norm1(x)))), where the global filter is rfft2 → complex product with a learned
 * [h, h/2+1, C, 2] weight → irfft2 (norm "ortho"). In ONNX: a one-sided DFT along the width, a full DFT
 * along the height, the complex product, the inverse along the height, the Hermitian extension of the
 * width spectrum (onnxruntime has no one-sided inverse) and a full inverse DFT whose real part is kept.
 * Forward unnormalised × inverse 1/n equals ortho × ortho, so no extra scaling is needed.
 */

/** Returns the GFNet global filter of tokens x [B, side², dim] (exported for tests). */
export function globalFilter(b: GraphBuilder, x: Tensor, dim: number, side: number): Tensor {
  const w = Math.floor(side / 2) + 1;
  return b.scope("filter", () => {
    const weight = b.param("complex_weight", [side, w, dim, 2]);
    const grid = b.unsqueeze(b.reshape(x, [0, side, side, dim]), [4]);
    const spec = b.dft(b.dft(grid, 2, { onesided: true }), 1);
    const [xr, xi] = b.split(spec, [1, 1], 4);
    const [wr, wi] = b.split(weight, [1, 1], 3);
    const re = b.sub(b.mul(xr, wr), b.mul(xi, wi));
    const im = b.add(b.mul(xr, wi), b.mul(xi, wr));
    const rows = b.dft(b.concat([re, im], 4), 1, { inverse: true });
    const mirror = Array.from({ length: side - w }, (_, i) => side - (w + i));
    if (mirror.length > 0) {
      const conj = b.constant([1, -1], [2], b.dtype, "conj");
      const tail = b.mul(b.gather(rows, mirror, 2), conj);
      const full = b.concat([rows, tail], 2);
      return finish(full);
    }
    return finish(rows);

    function finish(full: Tensor): Tensor {
      const y = b.dft(full, 2, { inverse: true });
      return b.reshape(b.slice(y, [0], [1], [4]), [0, side * side, dim]);
    }
  });
}

defineModel({
  name: "GFNet-S",
  sourceId: "gfnet_small_patch16",
  family: "gfnet",
  build: (b, o) => {
    const dim = 384;
    const depth = 19;
    const patch = 16;
    const side = o.resolution / patch;
    let x = patchEmbed(b, imageInput(b, o.resolution), patch, dim);
    x = addPosEmbed(b, x, side * side, dim);
    for (let i = 0; i < depth; i++) {
      x = b.scope(`blocks.${i}`, () => {
        const f = globalFilter(b, layerNorm(b, x, dim, "norm1"), dim, side);
        return b.add(x, mlp(b, layerNorm(b, f, dim, "norm2"), dim, 4 * dim));
      });
    }
    const pooled = b.reduceMean(layerNorm(b, x, dim, "norm"), [1], false);
    return linear(b, pooled, dim, o.numClasses, "head");
  },
});
