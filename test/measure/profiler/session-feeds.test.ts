import { describe, expect, it } from "vitest";

import {
  InputShapeError,
  randomFeeds,
  resolveInputShapes,
} from "../../../src/measure/profiler/session-feeds.js";

const image = { name: "pixel_values", type: "float32", shape: ["batch", 3, 8, 8] };

describe("resolveInputShapes", () => {
  it("puts the batch size in dim 0", () => {
    expect(resolveInputShapes([image], 4, null).get("pixel_values")).toEqual([4, 3, 8, 8]);
  });

  it("takes symbolic non-batch dims from inputShapes and names a missing one", () => {
    const input = { name: "x", type: "float32", shape: ["batch", "features"] };
    expect(() => resolveInputShapes([input], 1, null)).toThrow(
      "input x has a symbolic dimension 1 (features); give its size in inputShapes.x",
    );
    expect(resolveInputShapes([input], 2, { x: [1, 5] }).get("x")).toEqual([2, 5]);
  });

  it("refuses a fixed batch that differs, a wrong rank, a conflicting size and an unknown input name", () => {
    const fixed = { name: "x", type: "float32", shape: [1, 4] };
    expect(resolveInputShapes([fixed], 1, null).get("x")).toEqual([1, 4]);
    expect(() => resolveInputShapes([fixed], 8, null)).toThrow(
      "input x has a fixed batch dimension 1; cannot run batch size 8",
    );
    expect(() => resolveInputShapes([image], 1, { pixel_values: [1, 3, 8] })).toThrow(/rank 3/);
    expect(() => resolveInputShapes([image], 1, { pixel_values: [1, 3, 9, 8] })).toThrow(
      /graph fixes it to 8/,
    );
    expect(() => resolveInputShapes([image], 1, { pixels: [1, 3, 8, 8] })).toThrow(InputShapeError);
  });
});

describe("randomFeeds", () => {
  it("is seeded and fills each type", () => {
    const inputs = [image, { name: "ids", type: "int64", shape: ["batch", 3] }];
    const shapes = resolveInputShapes(inputs, 2, null);
    const a = randomFeeds(inputs, shapes, 7);
    const b = randomFeeds(inputs, shapes, 7);
    expect(a.pixel_values.dims).toEqual([2, 3, 8, 8]);
    expect(Array.from(a.pixel_values.data as Float32Array)).toEqual(
      Array.from(b.pixel_values.data as Float32Array),
    );
    expect(a.ids.type).toBe("int64");
    expect((a.ids.data as BigInt64Array).length).toBe(6);
  });

  it("names an element type it cannot fill", () => {
    const input = { name: "s", type: "string", shape: ["batch"] };
    expect(() => randomFeeds([input], new Map([["s", [1]]]), 0)).toThrow(
      "input s has element type string, which the profiler cannot fill",
    );
  });
});
