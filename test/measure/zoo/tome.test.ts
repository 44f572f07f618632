import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { BATCH } from "../../../src/measure/onnx/index.js";
import { buildModel } from "../../../src/measure/zoo/registry.js";
import { buildToMe, mergeTokens } from "../../../src/measure/zoo/tome.js";
import {
  argmax,
  buildGraph,
  computeTable,
  images,
  maxAbsDiff,
  parameterTable,
  rows,
  run,
  smokeRun,
  topk,
  values,
} from "./dynamic-helpers.js";

const TINY = { embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2, patchSize: 16 };

/** ToMe's bipartite soft matching in plain JS: returns src, dst and sorted unmerged indices of one image. */
function matchReference(metric: number[][], r: number): { src: number[]; dst: number[]; unm: number[] } {
  const unit = metric.map((row) => {
    const n = Math.hypot(...row);
    return row.map((v) => v / n);
  });
  const a = unit.filter((_, i) => i % 2 === 0);
  const b = unit.filter((_, i) => i % 2 === 1);
  const scores = a.map((ra, i) =>
    i === 0 ? b.map(() => -Infinity) : b.map((rb) => ra.reduce((s, v, j) => s + v * rb[j], 0)),
  );
  const nodeMax = scores.map((row) => Math.max(...row));
  const nodeIdx = scores.map((row) => argmax(row));
  const edge = topk(nodeMax, a.length);
  const src = edge.slice(0, r);
  return { src, dst: src.map((i) => nodeIdx[i]), unm: edge.slice(r).sort((x, y) => x - y) };
}

describe("ToMe-S (r8)", () => {
  it("has the dataset's parameter count for every run", () => {
    for (const row of parameterTable("ToMe-S (r8)"))
      expect(row.built, `@${row.resolution}`).toBe(row.expected);
  });

  it("runs in onnxruntime at full size (224) at batch 1 and 2 with the same logits for the same image", async () => {
    const { dims, first, finite } = await smokeRun("ToMe-S (r8)", 224);
    expect(dims).toEqual([
      [1, 1000],
      [2, 1000],
    ]);
    expect(finite).toBe(true);
    expect(maxAbsDiff(first[0], first[1])).toBeLessThan(1e-4);
  });

  it("merges the pairs bipartite matching picks from each image's keys", async () => {
    const g = buildGraph((b) =>
      buildToMe(b, { resolution: 64, numClasses: 10, r: 8, dims: TINY, probes: true }),
    );
    const session = await g.session();
    const chosen: string[] = [];
    for (const variant of [1, 2]) {
      const out = await run(session, images(2, 64, variant));
      const metric = rows(out["blocks.0.tome.metric"]);
      const src = rows(out["blocks.0.tome.src_idx"]);
      const dst = rows(out["blocks.0.tome.dst_idx"]);
      const unm = rows(out["blocks.0.tome.unm_idx"]);
      for (let img = 0; img < 2; img++) {
        const ref = matchReference(metric.slice(img * 17, (img + 1) * 17), 8);
        expect(src[img]).toEqual(ref.src);
        expect(dst[img]).toEqual(ref.dst);
        expect(unm[img]).toEqual(ref.unm);
        expect(unm[img][0]).toBe(0); // the class token stays first
        chosen.push(JSON.stringify(src[img]));
      }
    }
    // Four different images do not all merge the same tokens: the decisions depend on the data.
    expect(new Set(chosen).size).toBeGreaterThan(1);
  });

  it("builds and runs in float16 (the scatter-add runs in float32: the CPU provider has no float16 kernel)", async () => {
    const { bytes } = buildModel("ToMe-S (r8)", { resolution: 96, dtype: "float16" });
    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor("float16", new Uint16Array(2 * 3 * 96 * 96).fill(0x3c00), [2, 3, 96, 96]);
    const out = (await session.run({ pixel_values: input })).logits;
    expect(out.dims).toEqual([2, 1000]);
    expect(out.type).toBe("float16");
  });

  it("averages merged tokens weighted by size and keeps unmerged ones in order", async () => {
    const t = 9,
      c = 3,
      r = 3;
    const g = buildGraph((b) => {
      const x = b.input("x", [BATCH, t, c]);
      const metric = b.input("metric", [BATCH, t, 2]);
      const size = b.input("size", [BATCH, t, 1]);
      const merged = mergeTokens(b, x, size, metric, r, "m");
      b.output(merged.size, "size_out");
      return merged.x;
    });
    const session = await g.session();
    const x = Array.from({ length: t * c }, (_, i) => Math.sin(i + 1));
    const metric = [1, 0, 0.2, 1, 0.9, 0.1, 0.1, 1, 1, 0.3, 0.8, -1, 0.3, 0.9, -1, 0.2, 0.95, 0.05];
    const size = [1, 2, 1, 3, 1, 1, 2, 1, 1];
    const out = await session.run({
      x: new ort.Tensor("float32", Float32Array.from(x), [1, t, c]),
      metric: new ort.Tensor("float32", Float32Array.from(metric), [1, t, 2]),
      size: new ort.Tensor("float32", Float32Array.from(size), [1, t, 1]),
    });
    const ref = matchReference(
      Array.from({ length: t }, (_, i) => metric.slice(2 * i, 2 * i + 2)),
      r,
    );
    expect(values(out["m.src_idx"])).toEqual(ref.src);
    // Reference merge in JS: A = even tokens, B = odd tokens; sums of size·x and size, then divide.
    const tok = (i: number) => x.slice(i * c, (i + 1) * c);
    const dstSum = Array.from({ length: 4 }, (_, j) => ({
      w: size[2 * j + 1],
      v: tok(2 * j + 1).map((v) => v * size[2 * j + 1]),
    }));
    ref.src.forEach((s, k) => {
      const d = dstSum[ref.dst[k]];
      d.w += size[2 * s];
      d.v = d.v.map((v, ch) => v + tok(2 * s)[ch] * size[2 * s]);
    });
    const expected = [
      ...ref.unm.map((u) => tok(2 * u)),
      ...dstSum.map((d) => d.v.map((v) => v / d.w)),
    ].flat();
    const expectedSize = [...ref.unm.map((u) => size[2 * u]), ...dstSum.map((d) => d.w)];
    expect(maxAbsDiff(values(out.logits), expected)).toBeLessThan(1e-5);
    expect(values(out.size_out)).toEqual(expectedSize);
  });

  it("has MACs and FLOPs within 0.5% of every run's (core counter, torchprofile/fvcore conventions)", () => {
    for (const name of ["ToMe-S (r8)"]) {
      for (const row of computeTable(name)) {
        expect(Math.abs(row.macsDiff), `${name} MACs @${row.resolution}`).toBeLessThan(0.005);
        expect(Math.abs(row.flopsDiff), `${name} FLOPs @${row.resolution}`).toBeLessThan(0.005);
      }
    }
  });
});
