import { readFileSync } from "node:fs";

import type { SeedFile, SeedRun } from "../../src/db/seed-file.js";

/** The committed seed file: the expected figures every exactness test compares with. */
export const SEED: SeedFile = JSON.parse(
  readFileSync(new URL("../../data/wtf-benchmark.json", import.meta.url), "utf8"),
);

/** The committed model catalogue. */
export const MODELS: {
  models: Array<{
    sourceId: string;
    name: string;
    family: string;
    taxonomyClass: string;
    changesWhat: string;
    changesHow: string;
  }>;
} = JSON.parse(readFileSync(new URL("../../data/models.json", import.meta.url), "utf8"));

/** Returns a run's identity, unique in the seed file: name and date. */
export function runKey(run: { runName: string; runDate: string }): string {
  return `${run.runName}|${run.runDate}`;
}

/** Returns the seed runs of each (model source id, resolution), in file order. */
export function runsByConfiguration(): Map<string, SeedRun[]> {
  const groups = new Map<string, SeedRun[]>();
  for (const run of SEED.runs) {
    const key = `${run.sourceModelId}@${run.resolution}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return groups;
}
