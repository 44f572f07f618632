import { describe, expect, it } from "vitest";

import { bestPerGroup } from "../../src/analysis/best-per-group.js";

describe("bestPerGroup", () => {
  it("handles no points", () => {
    expect(bestPerGroup([])).toEqual([]);
  });

  it("keeps every member at the group's best rank, groups in order of appearance", () => {
    expect(
      bestPerGroup([
        { group: "B", rank: 3 },
        { group: "A", rank: 2 },
        { group: "A", rank: 1 },
        { group: "B", rank: 3 },
        { group: "A", rank: 1 },
      ]),
    ).toEqual([
      { group: "B", rank: 3, members: [0, 3] },
      { group: "A", rank: 1, members: [2, 4] },
    ]);
  });
});
