import { describe, expect, it } from "vitest";

import type { BatchTrialOutcome } from "../../../src/measure/profiler/batch-search.js";
import {
  powersOfTwo,
  predictPeakBytes,
  searchBatchSize,
} from "../../../src/measure/profiler/batch-search.js";

/** A fake device: throughput and memory as functions of the batch; OOM at or above `oomAt`. */
function device(
  ips: (b: number) => number,
  bytes: (b: number) => number | null = () => null,
  oomAt = Infinity,
) {
  const tried: number[] = [];
  const trial = async (b: number): Promise<BatchTrialOutcome> => {
    tried.push(b);
    if (b >= oomAt) return { ok: false, reason: "out-of-memory", message: `OOM at ${b}` };
    return { ok: true, trial: { batchSize: b, imagesPerSecond: ips(b), peakBytes: bytes(b) } };
  };
  return { trial, tried };
}

const base = { maxBatchSize: 128, minGain: 0.02, patience: 2, memoryBudgetBytes: null, searchBudgetMs: 1e9 };

describe("powersOfTwo", () => {
  it("lists 1, 2, 4 ... up to max", () => {
    expect(powersOfTwo(1)).toEqual([1]);
    expect(powersOfTwo(100)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });
});

describe("searchBatchSize", () => {
  it("grows to the cap while throughput keeps rising, keeping the fastest", async () => {
    const d = device((b) => 100 * Math.log2(2 * b));
    const r = await searchBatchSize(d.trial, base);
    expect(d.tried).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(r.best?.batchSize).toBe(128);
    expect(r.stoppedBy).toBe("max-batch-size");
  });

  it("stops when throughput saturates for `patience` candidates", async () => {
    const d = device((b) => Math.min(b, 8) * 100);
    const r = await searchBatchSize(d.trial, base);
    expect(d.tried).toEqual([1, 2, 4, 8, 16, 32]);
    expect(r.best?.batchSize).toBe(8);
    expect(r.stoppedBy).toBe("saturated");
  });

  it("keeps a faster-but-not-by-minGain candidate as best while counting patience", async () => {
    const d = device((b) => (b <= 8 ? b * 100 : 800 + b / 100));
    const r = await searchBatchSize(d.trial, base);
    expect(r.stoppedBy).toBe("saturated");
    expect(r.best?.batchSize).toBe(32);
  });

  it("stops at the first out-of-memory candidate and keeps the best so far (the paper's rule)", async () => {
    const d = device(
      (b) => b,
      () => null,
      32,
    );
    const r = await searchBatchSize(d.trial, base);
    expect(d.tried).toEqual([1, 2, 4, 8, 16, 32]);
    expect(r.best?.batchSize).toBe(16);
    expect(r).toMatchObject({ stoppedBy: "out-of-memory", outOfMemory: "OOM at 32" });
  });

  it("returns no best when batch 1 is out of memory", async () => {
    const d = device(
      (b) => b,
      () => null,
      1,
    );
    const r = await searchBatchSize(d.trial, base);
    expect(r.best).toBeNull();
    expect(r.trials).toEqual([]);
  });

  it("does not try a candidate whose predicted memory exceeds the budget", async () => {
    const d = device(
      (b) => b,
      (b) => 1000 + 100 * b,
    );
    const r = await searchBatchSize(d.trial, { ...base, memoryBudgetBytes: 4000 });
    // Predicted peak at 32 is 4200 > 4000; 16 (2600) was allowed.
    expect(d.tried).toEqual([1, 2, 4, 8, 16]);
    expect(r.stoppedBy).toBe("memory-budget");
    expect(r.best?.batchSize).toBe(16);
  });

  it("stops once the search budget is spent", async () => {
    let now = 0;
    const d = device((b) => b);
    const trial = async (b: number) => {
      now += 100;
      return d.trial(b);
    };
    const r = await searchBatchSize(trial, { ...base, searchBudgetMs: 250, clock: () => now });
    expect(d.tried).toEqual([1, 2, 4]);
    expect(r.stoppedBy).toBe("search-budget");
  });

  it("tries explicit candidates in order", async () => {
    const d = device((b) => b);
    const r = await searchBatchSize(d.trial, { ...base, batchSizes: [3, 6, 12] });
    expect(d.tried).toEqual([3, 6, 12]);
    expect(r).toMatchObject({ stoppedBy: "candidates-exhausted", best: { batchSize: 12 } });
  });
});

describe("predictPeakBytes", () => {
  it("returns null without peaks, a line through the origin from one point, least squares from more", () => {
    expect(predictPeakBytes([{ batchSize: 1, imagesPerSecond: 1, peakBytes: null }], 2)).toBeNull();
    expect(predictPeakBytes([{ batchSize: 2, imagesPerSecond: 1, peakBytes: 100 }], 8)).toBe(400);
    const pts = [1, 2, 4].map((b) => ({ batchSize: b, imagesPerSecond: 1, peakBytes: 50 + 10 * b }));
    expect(predictPeakBytes(pts, 8)).toBeCloseTo(130, 9);
  });
});
