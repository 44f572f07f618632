import { describe, expect, it } from "vitest";

import { VersionedCache } from "../../src/services/data-version.js";

describe("VersionedCache", () => {
  it("computes once per key and version, and again when the version moves", async () => {
    const cache = new VersionedCache<string>();
    let computed = 0;
    const compute = async () => `value ${++computed}`;
    expect(await cache.get("a", 1, compute)).toBe("value 1");
    expect(await cache.get("a", 1, compute)).toBe("value 1");
    expect(await cache.get("a", 2, compute)).toBe("value 2");
    expect(cache.usage).toEqual({ entries: 1, weight: 1 });
  });

  it("keeps its total weight under the budget, dropping the least recently used first", async () => {
    const cache = new VersionedCache<number[]>(100, 10, (v) => v.length);
    await cache.get("a", 1, async () => [1, 2, 3, 4]);
    await cache.get("b", 1, async () => [1, 2, 3, 4]);
    await cache.get("a", 1, async () => []); // a hit: "a" becomes the most recently used
    await cache.get("c", 1, async () => [1, 2, 3, 4]);
    expect(cache.usage).toEqual({ entries: 2, weight: 8 });
    let recomputed = 0;
    const recompute = async () => {
      recomputed++;
      return [1];
    };
    await cache.get("a", 1, recompute);
    expect(recomputed).toBe(0); // "b" went, "a" stayed
    await cache.get("b", 1, recompute);
    expect(recomputed).toBe(1);
  });

  it("keeps one value over the budget rather than none, and forgets failures", async () => {
    const cache = new VersionedCache<number[]>(100, 2, (v) => v.length);
    expect(await cache.get("big", 1, async () => [1, 2, 3])).toEqual([1, 2, 3]);
    expect(cache.usage).toEqual({ entries: 1, weight: 3 });
    await expect(cache.get("bad", 1, async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    await new Promise((r) => setTimeout(r, 0));
    // "big" made way for "bad", and the failed "bad" is not kept.
    expect(cache.usage).toEqual({ entries: 0, weight: 0 });
  });
});
