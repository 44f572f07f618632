import { describe, expect, it } from "vitest";

import { didYouMean, looseMatches, looseName, suggestNames } from "../../src/services/name-match.js";

const NAMES = [
  "ViT-Ti/16",
  "ViT-S/16",
  "ViT-B/16",
  "EViT-S",
  "EViT-S (fuse)",
  "Nyströmformer-S (32)",
  "ToMe-S (r8)",
];

describe("looseName", () => {
  it("Handles empty strings, case, punctuation and letters beyond ASCII", () => {
    expect(looseName("")).toBe("");
    expect(looseName("ViT-Ti/16")).toBe("vitti16");
    expect(looseName("  vit ti 16 ")).toBe("vitti16");
    expect(looseName("Nyströmformer-S (32)")).toBe("nyströmformers32");
  });
});

describe("looseMatches", () => {
  it("Handles one match, none and several", () => {
    const keys = (n: string) => [n];
    expect(looseMatches("vit-ti/16", NAMES, keys)).toEqual(["ViT-Ti/16"]);
    expect(looseMatches("evit-s", NAMES, keys)).toEqual(["EViT-S"]);
    expect(looseMatches("---", NAMES, keys)).toEqual([]);
    expect(looseMatches("a-b", ["A B", "AB"], keys)).toEqual(["A B", "AB"]);
  });
});

describe("suggestNames", () => {
  it("Handles typos, prefixes and names too far to suggest", () => {
    expect(suggestNames("ViT-Ti/61", NAMES)[0]).toBe("ViT-Ti/16");
    expect(suggestNames("Nystromformer", NAMES)).toEqual(["Nyströmformer-S (32)"]);
    expect(suggestNames("ToMe", NAMES)).toEqual(["ToMe-S (r8)"]);
    expect(suggestNames("ResNet-152", NAMES)).toEqual([]);
    expect(suggestNames("", NAMES)).toEqual([]);
  });
});

describe("didYouMean", () => {
  it("Handles none, one and several suggestions", () => {
    expect(didYouMean([])).toBe("");
    expect(didYouMean(["A"])).toBe(' Did you mean "A"?');
    expect(didYouMean(["A", "B", "C"])).toBe(' Did you mean "A", "B" or "C"?');
  });
});
