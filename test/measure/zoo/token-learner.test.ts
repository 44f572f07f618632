import pkg from "onnx-proto";
import { describe, expect, it } from "vitest";

import { buildTokenLearnerVit } from "../../../src/measure/zoo/token-learner.js";
import {
  buildGraph,
  computeTable,
  images,
  maxAbsDiff,
  parameterTable,
  rows,
  run,
} from "./dynamic-helpers.js";

const { onnx } = pkg;
const TINY = { embedDim: 32, depth: 4, numHeads: 2, mlpRatio: 2, patchSize: 16 };

describe("TokenLearner-S (8/50) and (8/75)", () => {
  for (const name of ["TokenLearner-S (8/50)", "TokenLearner-S (8/75)"]) {
    it(`${name} has the dataset's parameter count for every run`, () => {
      for (const row of parameterTable(name)) expect(row.built, `@${row.resolution}`).toBe(row.expected);
    });
  }

  it("runs the first L blocks twice with the same initializers, as the reference's block list does", () => {
    const g = buildGraph((b) =>
      buildTokenLearnerVit(b, { resolution: 64, numClasses: 10, layerFraction: 0.5, dims: TINY }),
    );
    const graph = onnx.ModelProto.decode(g.bytes).graph!;
    const names = graph.initializer!.map((t) => t.name!);
    expect(names.some((n) => n.startsWith("blocks.0."))).toBe(true);
    expect(names.some((n) => n.startsWith("blocks.1."))).toBe(true);
    expect(names.some((n) => n.startsWith("blocks.2.norm.") || n.startsWith("blocks.2.mlp."))).toBe(true); // the learner
    expect(names.some((n) => n.startsWith("blocks.3."))).toBe(false);
    const uses = graph.node!.filter((n) => n.input!.includes("blocks.0.attn.qkv.weight")).length;
    expect(uses).toBe(2);
  });

  it("summarises tokens with data-dependent spatial weights (softmax over positions per learned token)", async () => {
    const g = buildGraph((b) =>
      buildTokenLearnerVit(b, {
        resolution: 64,
        numClasses: 10,
        layerFraction: 0.5,
        dims: TINY,
        probes: true,
      }),
    );
    const session = await g.session();
    const weights: number[][][] = [];
    for (const variant of [1, 2]) {
      const w = rows((await run(session, images(1, 64, variant)))["blocks.2.weights"]);
      expect(w).toHaveLength(8);
      for (const row of w) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      weights.push(w);
    }
    expect(maxAbsDiff(weights[0].flat(), weights[1].flat())).toBeGreaterThan(1e-4);
  });

  it("has MACs and FLOPs within 0.5% of every run's (core counter, torchprofile/fvcore conventions)", () => {
    for (const name of ["TokenLearner-S (8/50)", "TokenLearner-S (8/75)"]) {
      for (const row of computeTable(name)) {
        expect(Math.abs(row.macsDiff), `${name} MACs @${row.resolution}`).toBeLessThan(0.005);
        expect(Math.abs(row.flopsDiff), `${name} FLOPs @${row.resolution}`).toBeLessThan(0.005);
      }
    }
  });
});
