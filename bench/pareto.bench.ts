/**
 * Times the Pareto front: 2-D over 1e5 random points and 3-D over 1e4, each next to the brute-force O(k·n²)
 * oracle on a size it can do, plus non-dominated sorting. Prints the median of several runs in ms.
 * Targets (issue 4): 2-D 1e5 ≤ 50 ms, 3-D 1e4 ≤ 200 ms on a 2-core machine. Run: npm run bench:pareto
 */
import { performance } from "node:perf_hooks";

import { nonDominatedSort } from "../src/analysis/non-dominated-sort.js";
import type { Objective } from "../src/analysis/objective.js";
import { paretoFront } from "../src/analysis/pareto-front.js";
import { bruteForceFront } from "../src/analysis/pareto-oracle.js";

const RUNS = 9;

/** Mulberry32: a seeded generator so every run times the same points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function points(n: number, k: number, seed: number): number[][] {
  const next = random(seed);
  return Array.from({ length: n }, () => Array.from({ length: k }, () => next()));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(
  label: string,
  runs: number,
  fn: () => number[],
  what = "front",
): { ms: number; result: number[] } {
  fn(); // warm-up: JIT and allocation
  const times: number[] = [];
  let result: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    result = fn();
    times.push(performance.now() - start);
  }
  const ms = median(times);
  const size = what === "front" ? result.length : Math.max(0, ...result);
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms  (median of ${runs}; ${what} ${size})`);
  return { ms, result };
}

/** Points where every one is optimal (each objective trades off against the others): the oracle's worst case. */
function tradeOff(n: number, k: number, seed: number): number[][] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: k }, () => next());
    const sum = v.reduce((a, b) => a + b, 0);
    return v.map((x) => x / sum); // on the simplex: no point is ≤ another everywhere
  });
}

function compare(
  label: string,
  oracle: { ms: number; result: number[] },
  fast: { ms: number; result: number[] },
): boolean {
  const agree = JSON.stringify(oracle.result) === JSON.stringify(fast.result);
  console.log(`  oracle / fast, ${label}: ${(oracle.ms / fast.ms).toFixed(1)}x (fronts agree: ${agree})`);
  return agree;
}

const minMin: Objective[] = [{ direction: "min" }, { direction: "min" }];
const minMinMin: Objective[] = [{ direction: "min" }, { direction: "min" }, { direction: "min" }];
const maxMin: Objective[] = [{ direction: "max" }, { direction: "min" }];
const three: Objective[] = [{ direction: "max" }, { direction: "min" }, { direction: "min" }];

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log("uniform random points (the issue's targets):");
const p2 = points(100_000, 2, 1);
const fast2 = time("paretoFront 2-D, n = 100000", RUNS, () => paretoFront(p2, maxMin));
const p3 = points(10_000, 3, 2);
const fast3 = time("paretoFront 3-D, n = 10000", RUNS, () => paretoFront(p3, three));
// On uniform points the oracle stops comparing a point at its first dominator, which comes early: it is
// far from its O(n²) worst case here, so it can run at the full sizes.
const oracle2 = time("bruteForceFront 2-D, n = 100000", 3, () => bruteForceFront(p2, maxMin));
const oracle3 = time("bruteForceFront 3-D, n = 10000", 3, () => bruteForceFront(p3, three));
let agree = compare("2-D n = 1e5", oracle2, fast2);
agree = compare("3-D n = 1e4", oracle3, fast3) && agree;

console.log("every point optimal (the oracle's worst case, O(n²) comparisons):");
const w2 = tradeOff(10_000, 2, 3);
const w3 = tradeOff(10_000, 3, 4);
const wf2 = time("paretoFront 2-D trade-off, n = 10000", RUNS, () => paretoFront(w2, minMin));
const wo2 = time("bruteForceFront 2-D trade-off, n = 10000", 3, () => bruteForceFront(w2, minMin));
const wf3 = time("paretoFront 3-D trade-off, n = 10000", RUNS, () => paretoFront(w3, minMinMin));
const wo3 = time("bruteForceFront 3-D trade-off, n = 10000", 3, () => bruteForceFront(w3, minMinMin));
agree = compare("2-D trade-off n = 1e4", wo2, wf2) && agree;
agree = compare("3-D trade-off n = 1e4", wo3, wf3) && agree;
const w2big = tradeOff(100_000, 2, 5);
time("paretoFront 2-D trade-off, n = 100000", RUNS, () => paretoFront(w2big, minMin));
const w3big = tradeOff(100_000, 3, 6);
time("paretoFront 3-D trade-off, n = 100000", 5, () => paretoFront(w3big, minMinMin));

console.log("more objectives (sort-filter skyline, k ≥ 4):");
const p5 = points(10_000, 5, 7);
const five: Objective[] = Array.from({ length: 5 }, () => ({ direction: "min" }));
const fast5 = time("paretoFront 5-D, n = 10000", RUNS, () => paretoFront(p5, five));
const oracle5 = time("bruteForceFront 5-D, n = 10000", 3, () => bruteForceFront(p5, five));
agree = compare("5-D n = 1e4", oracle5, fast5) && agree;

console.log("non-dominated sorting (all ranks):");
time("nonDominatedSort 2-D, n = 100000", 5, () => nonDominatedSort(p2, maxMin), "ranks");
time("nonDominatedSort 3-D, n = 10000", 5, () => nonDominatedSort(p3, three), "ranks");

const ok2 = fast2.ms <= 50;
const ok3 = fast3.ms <= 200;
console.log(
  `targets: 2-D 1e5 ≤ 50 ms: ${ok2 ? "met" : "MISSED"}; 3-D 1e4 ≤ 200 ms: ${ok3 ? "met" : "MISSED"}`,
);
if (!agree) {
  console.error("the fast front disagrees with the oracle");
  process.exitCode = 1;
}
