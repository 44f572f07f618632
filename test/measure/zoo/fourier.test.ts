import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { BATCH, GraphBuilder, readModel } from "../../../src/measure/onnx/index.js";
import { fourierMixer } from "../../../src/measure/zoo/fnet.js";
import { globalFilter } from "../../../src/measure/zoo/gfnet.js";

/** Runs a one-input graph on x [batch, n, c]. */
async function runGraph(b: GraphBuilder, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(b.toBytes());
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x, dims) });
  return out[session.outputNames[0]].data as Float32Array;
}

function sample(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(1.3 * i) + 0.25 * Math.cos(0.7 * i * i));
}

describe("GFNet global filter (DFT emulation of rfft2 → complex product → irfft2, norm ortho)", () => {
  for (const side of [4, 5]) {
    it(`matches torch.fft semantics on a ${side}×${side} grid`, async () => {
      const dim = 3;
      const w = Math.floor(side / 2) + 1;
      const b = new GraphBuilder({ name: "gf", seed: 9 });
      const x = b.input("x", [BATCH, side * side, dim]);
      b.output(globalFilter(b, x, dim, side), "y");
      const weight = readModel(b.toBytes()).initializers.find((t) => t.name === "filter.complex_weight")!
        .values!;
      const input = sample(2 * side * side * dim);
      const got = await runGraph(b, input, [2, side * side, dim]);
      for (let batch = 0; batch < 2; batch++) {
        for (let c = 0; c < dim; c++) {
          const at = (n1: number, n2: number) => input[((batch * side + n1) * side + n2) * dim + c];
          // rfft2 (ortho) then the complex product.
          const spec: Array<Array<[number, number]>> = [];
          for (let k1 = 0; k1 < side; k1++) {
            spec.push([]);
            for (let k2 = 0; k2 < w; k2++) {
              let re = 0;
              let im = 0;
              for (let n1 = 0; n1 < side; n1++) {
                for (let n2 = 0; n2 < side; n2++) {
                  const ang = -2 * Math.PI * ((k1 * n1) / side + (k2 * n2) / side);
                  re += at(n1, n2) * Math.cos(ang);
                  im += at(n1, n2) * Math.sin(ang);
                }
              }
              re /= side;
              im /= side;
              const wr = weight[((k1 * w + k2) * dim + c) * 2];
              const wi = weight[((k1 * w + k2) * dim + c) * 2 + 1];
              spec[k1].push([re * wr - im * wi, re * wi + im * wr]);
            }
          }
          // irfft2 (ortho): inverse along rows, then the C2R formula along columns (DC/Nyquist imaginary parts dropped).
          for (let n1 = 0; n1 < side; n1++) {
            const row: Array<[number, number]> = [];
            for (let k2 = 0; k2 < w; k2++) {
              let re = 0;
              let im = 0;
              for (let k1 = 0; k1 < side; k1++) {
                const ang = (2 * Math.PI * k1 * n1) / side;
                const [sr, si] = spec[k1][k2];
                re += sr * Math.cos(ang) - si * Math.sin(ang);
                im += sr * Math.sin(ang) + si * Math.cos(ang);
              }
              row.push([re, im]);
            }
            for (let n2 = 0; n2 < side; n2++) {
              let y = row[0][0];
              for (let k2 = 1; k2 < w; k2++) {
                const nyquist = side % 2 === 0 && k2 === side / 2;
                const ang = (2 * Math.PI * k2 * n2) / side;
                const term = row[k2][0] * Math.cos(ang) - row[k2][1] * Math.sin(ang);
                y += nyquist ? row[k2][0] * Math.cos(ang) : 2 * term;
              }
              const expected = y / side; // ortho inverse: 1/√(a·b) = 1/side
              const index = ((batch * side + n1) * side + n2) * dim + c;
              expect(got[index]).toBeCloseTo(expected, 4);
            }
          }
        }
      }
    });
  }
});

describe("FNet Fourier mixing", () => {
  it("equals Re(FFT2(x)) / (N·C) over tokens and channels", async () => {
    const n = 5;
    const c = 4;
    const b = new GraphBuilder({ name: "fnet" });
    const x = b.input("x", [BATCH, n, c]);
    b.output(fourierMixer(b, x, "attn"), "y");
    const input = sample(2 * n * c);
    const got = await runGraph(b, input, [2, n, c]);
    for (let batch = 0; batch < 2; batch++) {
      for (let k1 = 0; k1 < n; k1++) {
        for (let k2 = 0; k2 < c; k2++) {
          let re = 0;
          for (let m = 0; m < n; m++) {
            for (let d = 0; d < c; d++)
              re += input[(batch * n + m) * c + d] * Math.cos(-2 * Math.PI * ((k1 * m) / n + (k2 * d) / c));
          }
          expect(got[(batch * n + k1) * c + k2]).toBeCloseTo(re / (n * c), 5);
        }
      }
    }
  });
});
