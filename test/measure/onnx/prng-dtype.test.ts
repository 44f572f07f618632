import { describe, expect, it } from "vitest";

import { fromFloat16Bits, streamFor, toFloat16Bits, Xoshiro128 } from "../../../src/measure/onnx/index.js";

describe("Xoshiro128", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it("draws uniforms in [0, 1) with mean ≈ 1/2 and normals with variance ≈ 1", () => {
    const r = new Xoshiro128(7);
    let sum = 0;
    let sq = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      const z = r.normal();
      sq += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it("gives each tensor name its own stream", () => {
    expect(streamFor(1, "a.weight").nextUint32()).not.toBe(streamFor(1, "b.weight").nextUint32());
    expect(streamFor(1, "a.weight").nextUint32()).toBe(streamFor(1, "a.weight").nextUint32());
  });
});

describe("float16", () => {
  it("round-trips exactly representable values and rounds to nearest", () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24])
      expect(fromFloat16Bits(toFloat16Bits(v))).toBe(v);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(fromFloat16Bits(toFloat16Bits(0.1))).toBeCloseTo(0.1, 3);
    expect(fromFloat16Bits(toFloat16Bits(1e6))).toBe(Infinity);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });
});
