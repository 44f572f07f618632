import pkg from "onnx-proto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { BATCH } from "../../../src/measure/onnx/index.js";
import { buildSwitchVit, switchCapacity, switchMlp } from "../../../src/measure/zoo/switch.js";
import {
  argmax,
  buildGraph,
  computeTable,
  images,
  maxAbsDiff,
  parameterTable,
  rows,
  run,
  values,
} from "./dynamic-helpers.js";

const { onnx } = pkg;

/** Returns the float32 initializers of a serialised model by name. */
function initializers(bytes: Uint8Array): Map<string, Float32Array> {
  const m = onnx.ModelProto.decode(bytes);
  const out = new Map<string, Float32Array>();
  for (const t of m.graph!.initializer!) {
    const raw = t.rawData!;
    out.set(t.name!, new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  }
  return out;
}

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), for the exact GELU of the reference. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

/** SwitchMlp in plain JS for one image: top-1 expert per token; tokens over capacity pass through. */
function switchReference(
  x: number[][],
  w: Map<string, Float32Array>,
  e: number,
  c: number,
  h: number,
  cap: number,
): number[][] {
  const sw = w.get("mlp.switch.weight")!;
  const sb = w.get("mlp.switch.bias")!;
  const [w1, b1, w2, b2] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"].map(
    (k) => w.get(`mlp.experts.${k}`)!,
  );
  const used = new Array<number>(e).fill(0);
  return x.map((tok) => {
    const logits = Array.from(
      { length: e },
      (_, j) => sb[j] + tok.reduce((s, v, i) => s + v * sw[i * e + j], 0),
    );
    const ex = argmax(logits);
    if (used[ex]++ >= cap) return tok;
    const hid = Array.from({ length: h }, (_, j) => {
      const z = b1[ex * h + j] + tok.reduce((s, v, i) => s + v * w1[(ex * c + i) * h + j], 0);
      return 0.5 * z * (1 + erf(z / Math.SQRT2));
    });
    return Array.from(
      { length: c },
      (_, j) => b2[ex * c + j] + hid.reduce((s, v, i) => s + v * w2[(ex * h + i) * c + j], 0),
    );
  });
}

describe("Switch-S (8 experts)", () => {
  it("has the dataset's parameter count for every run", () => {
    for (const row of parameterTable("Switch-S (8 experts)"))
      expect(row.built, `@${row.resolution}`).toBe(row.expected);
  });

  it("uses the reference's capacity formula int(1.1 · tokens / experts), at least 1", () => {
    expect(switchCapacity(197, 8)).toBe(27);
    expect(switchCapacity(577, 8)).toBe(79);
    expect(switchCapacity(5, 8)).toBe(1);
    expect(switchCapacity(10, 3, 3)).toBe(10);
  });

  for (const [label, cap] of [
    ["without drops (capacity = tokens)", 10],
    ["with overflow tokens passing through (capacity 2)", 2],
  ] as const) {
    it(`dispatches each token to its top-1 expert ${label}`, async () => {
      const [n, c, h, e] = [10, 4, 6, 3];
      const g = buildGraph(
        (b) =>
          switchMlp(b, b.input("x", [BATCH, n, c]), "mlp", {
            dim: c,
            hidden: h,
            experts: e,
            capacity: cap,
            probeName: "p",
          }),
        3,
      );
      const w = initializers(g.bytes);
      const session = await g.session();
      const x = Array.from({ length: 2 * n * c }, (_, i) => Math.sin(1.7 * i) * 40);
      const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x), [2, n, c]) });
      const tokens = Array.from({ length: 2 * n }, (_, i) => x.slice(i * c, (i + 1) * c));
      const expected = [
        ...switchReference(tokens.slice(0, n), w, e, c, h, cap),
        ...switchReference(tokens.slice(n), w, e, c, h, cap),
      ];
      expect(maxAbsDiff(values(out.logits), expected.flat())).toBeLessThan(1e-4);
      const routes = values(out["p.route"]);
      expect(new Set(routes).size).toBeGreaterThan(1); // several experts are used
      if (cap < n) expect(values(out["p.kept"]).some((k) => !k)).toBe(true);
    });
  }

  it("routes tokens by the data: the chosen expert is the router's argmax and differs between images", async () => {
    const dims = { embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2, patchSize: 16 };
    const g = buildGraph((b) =>
      buildSwitchVit(b, { resolution: 64, numClasses: 10, dims, capacityFactor: 8, probes: true }),
    );
    const session = await g.session();
    const routes: number[][] = [];
    for (const variant of [1, 2]) {
      const out = await run(session, images(1, 64, variant));
      const r = values(out["blocks.0.switch.route"]);
      expect(r).toEqual(rows(out["blocks.0.switch.router_logits"]).map(argmax));
      routes.push(r);
    }
    expect(routes[0]).not.toEqual(routes[1]);
  });

  it("has the dataset's MACs plus the expert-capacity padding (within 0.5%, the ViT-S baseline's own offset)", () => {
    for (const row of computeTable("Switch-S (8 experts)")) {
      const tokens = (row.resolution / 16) ** 2 + 1;
      const padding = 12 * (8 * switchCapacity(tokens, 8) - tokens) * 2 * 384 * 1536;
      const dataset = row.macs / (1 + row.macsDiff);
      expect(Math.abs(row.macs - padding - dataset) / dataset, `@${row.resolution}`).toBeLessThan(0.005);
    }
  });
});
