import { describe, expect, it } from "vitest";

import type { Objective } from "../../src/analysis/objective.js";
import { type ScalingSubject, scalingSteps } from "../../src/analysis/scaling-steps.js";

const throughputAndMemory: Objective[] = [{ direction: "max" }, { direction: "min" }];

function subject(
  id: number,
  model: string,
  size: string,
  resolution: number,
  sizeOrder: number | null,
  accuracy: number | null,
  costs: Array<number | null>,
  family = "ViT",
): ScalingSubject {
  return { id, model, family, size, resolution, sizeOrder, accuracy, costs };
}

describe("scalingSteps", () => {
  it("handles no subjects", () => {
    expect(scalingSteps([], throughputAndMemory, 224, 384)).toEqual([]);
  });

  it("compares the larger model with the higher resolution per cost", () => {
    const subjects = [
      subject(1, "Ti", "Ti", 224, 5, 0.74, [8000, 1]),
      subject(2, "S", "S", 224, 22, 0.82, [3500, 2]),
      subject(3, "Ti", "Ti", 384, 5, 0.77, [1900, 3]),
      subject(4, "B", "B", 224, 86, 0.85, [1600, 4]),
      subject(5, "S", "S", 384, 22, 0.84, [800, 3]),
    ];
    const result = scalingSteps(subjects, throughputAndMemory, 224, 384);
    expect(result.map((r) => r.from)).toEqual([1, 2]);
    const [ti, s] = result;
    expect(ti.sizeStep).toMatchObject({ kind: "SIZE", from: 1, to: 2 });
    expect(ti.sizeStep?.accuracyGain).toBeCloseTo(0.08, 12);
    expect(ti.sizeStep?.costRatios).toEqual([3500 / 8000, 2]);
    expect(ti.resolutionStep).toMatchObject({
      kind: "RESOLUTION",
      from: 1,
      to: 3,
      costRatios: [1900 / 8000, 3],
    });
    // S@224 (0.82, 3500, 2) vs Ti@384 (0.77, 1900, 3): the larger model wins on both costs.
    expect(ti.verdicts).toEqual(["SIZE", "SIZE"]);
    // B@224 (0.85, 1600, 4) vs S@384 (0.84, 800, 3): B is more accurate and faster, but needs more memory.
    expect(s.verdicts).toEqual(["SIZE", "TRADE_OFF"]);
  });

  it("reports a single available step with no verdict", () => {
    const result = scalingSteps(
      [subject(1, "X", "S", 224, 10, 0.8, [100, 1]), subject(2, "X", "S", 384, 10, 0.82, [50, null])],
      throughputAndMemory,
      224,
      384,
    );
    expect(result).toEqual([
      {
        from: 1,
        sizeStep: null,
        resolutionStep: {
          kind: "RESOLUTION",
          from: 1,
          to: 2,
          accuracyGain: expect.closeTo(0.02, 12),
          costRatios: [0.5, null],
        },
        verdicts: [null, null],
      },
    ]);
  });

  it("finds a resolution-better case and equal destinations", () => {
    const subjects = [
      subject(1, "A", "S", 224, 1, 0.7, [100, 5]),
      subject(2, "B", "B", 224, 2, 0.75, [50, 9]),
      subject(3, "A", "S", 384, 1, 0.8, [60, 9]),
    ];
    expect(scalingSteps(subjects, throughputAndMemory, 224, 384)[0].verdicts).toEqual([
      "RESOLUTION",
      "RESOLUTION",
    ]);
    const tie = [
      subject(1, "A", "S", 224, 1, 0.7, [100, 5]),
      subject(2, "B", "B", 224, 2, 0.8, [60, 9]),
      subject(3, "A", "S", 384, 1, 0.8, [60, 9]),
    ];
    expect(scalingSteps(tie, throughputAndMemory, 224, 384)[0].verdicts).toEqual(["EQUAL", "EQUAL"]);
  });

  it("skips variants of the same size, other families and unordered sizes", () => {
    const subjects = [
      subject(1, "EViT-S", "S", 224, 22, 0.82, [4000, 1], "EViT"),
      subject(2, "EViT-S (fuse)", "S", 224, 22, 0.82, [4100, 1], "EViT"),
      subject(3, "Swin-T", "T", 224, null, 0.8, [2000, 1], "Swin"),
      subject(4, "Swin-S", "S", 224, 50, 0.84, [1200, 2], "Swin"),
    ];
    expect(scalingSteps(subjects, throughputAndMemory, 224, 384)).toEqual([]);
  });

  it("picks the next size up, not the largest", () => {
    const subjects = [
      subject(1, "Ti", "Ti", 224, 5, 0.74, [8000, 1]),
      subject(4, "B", "B", 224, 86, 0.85, [1600, 4]),
      subject(2, "S", "S", 224, 22, 0.82, [3500, 2]),
    ];
    const result = scalingSteps(subjects, throughputAndMemory, 224, 384);
    expect(result.map((r) => [r.from, r.sizeStep?.to])).toEqual([
      [1, 2],
      [2, 4],
    ]);
  });

  it("rejects two subjects for one model and resolution, and a wrong number of costs", () => {
    expect(() =>
      scalingSteps(
        [subject(1, "A", "S", 224, 1, 0.7, [1, 1]), subject(2, "A", "S", 224, 1, 0.7, [1, 1])],
        throughputAndMemory,
        224,
        384,
      ),
    ).toThrow(/subjects 1 and 2 are both model "A" at resolution 224/);
    expect(() =>
      scalingSteps([subject(1, "A", "S", 224, 1, 0.7, [1])], throughputAndMemory, 224, 384),
    ).toThrow(/subject 1 has 1 costs but there are 2 cost objectives/);
  });
});
