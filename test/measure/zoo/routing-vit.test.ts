import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { BATCH } from "../../../src/measure/onnx/index.js";
import {
  buildRoutingVit,
  clusteredAttention,
  routingGeometry,
} from "../../../src/measure/zoo/routing-vit.js";
import {
  buildGraph,
  computeTable,
  images,
  maxAbsDiff,
  parameterTable,
  rows,
  run,
  topk,
  values,
} from "./dynamic-helpers.js";

/** KmeansAttentionDDP at inference in plain JS for one head: q, k, v [t][d], means [c][d]. */
function routedReference(
  q: number[][],
  k: number[][],
  v: number[][],
  means: number[][],
  w: number,
): number[][] {
  const unit = (x: number[]) => x.map((e) => e / Math.max(Math.hypot(...x), 1e-12));
  const dot = (a: number[], b: number[]) => a.reduce((s, e, i) => s + e * b[i], 0);
  const members = (x: number[][]) =>
    means.map((m) =>
      topk(
        x.map((row) => dot(unit(row), m)),
        w,
      ),
    );
  const qm = members(q);
  const km = members(k);
  const d = q[0].length;
  const numer = q.map(() => new Array<number>(d).fill(0));
  const count = q.map(() => 0);
  qm.forEach((qi, ci) => {
    const ki = km[ci];
    for (const i of qi) {
      const logits = ki.map((j) => dot(q[i], k[j]) * d ** -0.5);
      const mx = Math.max(...logits);
      const ex = logits.map((l) => Math.exp(l - mx));
      const z = ex.reduce((s, e) => s + e, 0);
      for (let dd = 0; dd < d; dd++) numer[i][dd] += ki.reduce((s, j, jj) => s + (ex[jj] / z) * v[j][dd], 0);
      count[i]++;
    }
  });
  return numer.map((row, i) => row.map((e) => e / (count[i] + 1e-5)));
}

describe("Routing ViT-S", () => {
  it("has the dataset's parameter count for every run (k-means centroids are buffers, not parameters)", () => {
    for (const row of parameterTable("Routing ViT-S"))
      expect(row.built, `@${row.resolution}`).toBe(row.expected);
  });

  it("derives window and cluster count from the sequence length like the reference", () => {
    expect(routingGeometry(197)).toEqual({ window: 14, clusters: 15 });
    expect(routingGeometry(577)).toEqual({ window: 24, clusters: 25 });
    expect(routingGeometry(17)).toEqual({ window: 4, clusters: 5 });
  });

  it("computes routed attention like KmeansAttention (TopK membership, window attention, scatter mean)", async () => {
    const [h, t, d, c, w] = [2, 10, 4, 3, 3];
    const g = buildGraph((b) => {
      const [q, k, v] = ["q", "k", "v"].map((n) => b.input(n, [BATCH, h, t, d]));
      return clusteredAttention(b, q, k, v, b.input("meansT", [h, d, c]), w);
    });
    const session = await g.session();
    const gen = (n: number, f: number) =>
      Array.from({ length: n }, (_, i) => Math.sin(f * (i + 1)) + 0.3 * Math.cos(3.1 * f * i));
    const [q, k, v] = [1.3, 2.1, 0.7].map((f) => gen(2 * h * t * d, f));
    // Centroids are unit vectors, as the models' constants are (k-means keeps them normalised).
    const means = Array.from({ length: h * c }, (_, r) => {
      const row = gen(d, 0.37 + r);
      return row.map((e) => e / Math.hypot(...row));
    });
    const meansT = Array.from(
      { length: h * d * c },
      (_, idx) => means[Math.floor(idx / (d * c)) * c + (idx % c)][Math.floor(idx / c) % d],
    );
    const tensor = (x: number[], dims: number[]) => new ort.Tensor("float32", Float32Array.from(x), dims);
    const feeds = {
      q: tensor(q, [2, h, t, d]),
      k: tensor(k, [2, h, t, d]),
      v: tensor(v, [2, h, t, d]),
      meansT: tensor(meansT, [h, d, c]),
    };
    const out = values((await session.run(feeds)).logits);
    const rowsOf = (x: number[], bh: number) =>
      Array.from({ length: t }, (_, i) => x.slice((bh * t + i) * d, (bh * t + i + 1) * d));
    const expected: number[] = [];
    for (let bh = 0; bh < 2 * h; bh++) {
      const m = means.slice((bh % h) * c, ((bh % h) + 1) * c);
      expected.push(...routedReference(rowsOf(q, bh), rowsOf(k, bh), rowsOf(v, bh), m, w).flat());
    }
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
    // Some token is chosen by no centroid and gets zeros, as in the reference.
    expect(expected.some((e) => e === 0)).toBe(true);
  });

  it("routes tokens by the data: cluster members are each centroid's nearest queries and differ between images", async () => {
    const dims = { embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2, patchSize: 16 };
    const g = buildGraph((b) => buildRoutingVit(b, { resolution: 64, numClasses: 10, dims, probes: true }));
    const session = await g.session();
    const members: number[][] = [];
    for (const variant of [1, 2]) {
      const out = await run(session, images(1, 64, variant));
      const dists = out["blocks.0.routing.q_dists"]; // [1, H, t, c]
      const [, h, t, c] = dists.dims;
      const dv = values(dists);
      const idx = rows(out["blocks.0.routing.q_indices"]); // [H][c·w]
      for (let hh = 0; hh < h; hh++) {
        const expected = Array.from({ length: c }, (_, ci) =>
          topk(
            Array.from({ length: t }, (_, i) => dv[(hh * t + i) * c + ci]),
            4,
          ),
        ).flat();
        expect(idx[hh]).toEqual(expected);
      }
      members.push(idx.flat());
    }
    expect(members[0]).not.toEqual(members[1]);
  });

  it("has FLOPs within 1% of every run's and MACs within 3% (torchprofile leaves the routed einsums uncounted)", () => {
    for (const row of computeTable("Routing ViT-S")) {
      expect(Math.abs(row.flopsDiff), `FLOPs @${row.resolution}`).toBeLessThan(0.01);
      // The graph counts the centroid similarities and windowed attention products (4.5 M MACs per block at 224) that torchprofile skips.
      expect(row.macsDiff, `MACs @${row.resolution}`).toBeGreaterThan(0);
      expect(row.macsDiff, `MACs @${row.resolution}`).toBeLessThan(0.03);
    }
  });
});
