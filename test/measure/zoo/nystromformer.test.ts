import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { BATCH, GraphBuilder, readModel } from "../../../src/measure/onnx/index.js";
import { nystromAttention } from "../../../src/measure/zoo/nystromformer.js";

type M = number[][];
const matmul = (a: M, b: M): M =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
const softmaxRows = (a: M): M =>
  a.map((row) => {
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  });
const scale = (a: M, s: number): M => a.map((r) => r.map((v) => v * s));
const sub = (a: M, b: M): M => a.map((r, i) => r.map((v, j) => v - b[i][j]));
const eye = (n: number, s: number): M =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? s : 0)));

/** nystrom.py's landmark means: uneven segments when n % m != 0. */
function landmarks(t: M, m: number): M {
  const n = t.length;
  const mean = (rows: M) => rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  if (n % m === 0) return Array.from({ length: m }, (_, i) => mean(t.slice(i * (n / m), (i + 1) * (n / m))));
  const segs = Math.floor(n / m);
  const numK = (segs + 1) * m - n;
  const out: M = [];
  for (let i = 0; i < numK; i++) out.push(mean(t.slice(i * segs, (i + 1) * segs)));
  for (let i = 0; i < m - numK; i++)
    out.push(mean(t.slice(numK * segs + i * (segs + 1), numK * segs + (i + 1) * (segs + 1))));
  return out;
}

function iterativeInverse(k: M): M {
  const m = k.length;
  const colMax = Math.max(...k[0].map((_, j) => k.reduce((s, r) => s + r[j], 0)));
  let v = scale(transpose(k), 1 / colMax);
  for (let i = 0; i < 6; i++) {
    const kv = matmul(k, v);
    v = matmul(scale(v, 0.25), sub(eye(m, 13), matmul(kv, sub(eye(m, 15), matmul(kv, sub(eye(m, 7), kv))))));
  }
  return v;
}

describe("Nyströmformer attention", () => {
  for (const [n, m] of [
    [7, 3],
    [8, 4],
  ]) {
    it(`matches nystrom.py for ${n} tokens and ${m} landmarks`, async () => {
      const dim = 8;
      const heads = 2;
      const d = dim / heads;
      const b = new GraphBuilder({ name: "nys", seed: 4 });
      const x = b.input("x", [BATCH, n, dim]);
      b.output(nystromAttention(b, x, "attn", dim, heads, m), "y");
      const bytes = b.toBytes();
      const init = Object.fromEntries(readModel(bytes).initializers.map((t) => [t.name, t.values!]));
      // Large inputs make the softmax kernels far from uniform, so a wrong segment or inverse shows.
      const input = Float32Array.from(
        { length: n * dim },
        (_, i) => 40 * (Math.sin(0.9 * i) + (0.1 * i) / n),
      );
      const session = await ort.InferenceSession.create(bytes);
      const got = (await session.run({ x: new ort.Tensor("float32", input, [1, n, dim]) })).y
        .data as Float32Array;

      const X: M = Array.from({ length: n }, (_, i) => Array.from(input.slice(i * dim, (i + 1) * dim)));
      const W = (name: string, rows: number, cols: number): M =>
        Array.from({ length: rows }, (_, i) => Array.from(init[name].slice(i * cols, (i + 1) * cols)));
      const qkv = matmul(X, W("attn.qkv.weight", dim, 3 * dim)).map((r) =>
        r.map((v, j) => v + init["attn.qkv.bias"][j]),
      );
      const merged: M = Array.from({ length: n }, () => new Array(dim).fill(0));
      const vMerged: M = Array.from({ length: n }, () => new Array(dim).fill(0));
      for (let h = 0; h < heads; h++) {
        const cols = (off: number) => qkv.map((r) => r.slice(off + h * d, off + (h + 1) * d));
        const q = scale(cols(0), 1 / Math.sqrt(d));
        const k = cols(dim);
        const v = cols(2 * dim);
        const kl = landmarks(k, m);
        const ql = landmarks(q, m);
        const k1 = softmaxRows(matmul(q, transpose(kl)));
        const k2 = softmaxRows(matmul(ql, transpose(kl)));
        const k3 = softmaxRows(matmul(ql, transpose(k)));
        const out = matmul(matmul(k1, iterativeInverse(k2)), matmul(k3, v));
        for (let i = 0; i < n; i++)
          for (let j = 0; j < d; j++) {
            merged[i][h * d + j] = out[i][j];
            vMerged[i][h * d + j] = v[i][j];
          }
      }
      const proj = matmul(merged, W("attn.proj.weight", dim, dim)).map((r, i) =>
        r.map((v, j) => v + init["attn.proj.bias"][j] + vMerged[i][j]),
      );
      for (let i = 0; i < n; i++)
        for (let j = 0; j < dim; j++) expect(got[i * dim + j]).toBeCloseTo(proj[i][j], 4);
    });
  }
});
