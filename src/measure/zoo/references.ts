import { readFileSync } from "node:fs";

/** Path of the reference counts of zoo models the benchmark data has no figures for (data/zoo-references.json). */
export const REFERENCES_FILE = new URL("../../../data/zoo-references.json", import.meta.url);

/** One reference figure: the paper code's own parameter count and torchprofile MACs at a resolution. */
export interface ReferenceCount {
  sourceId: string;
  resolution: number;
  params: number;
  macs: number | null;
  /** timm.create_model's count, where it differs from models.prepare_model's. */
  timmParams?: number;
  /** What is special about this figure (a form, a random draw, a failure in the reference). */
  note?: string;
}

/** Returns the reference counts of data/zoo-references.json, in file order. */
export function referenceCounts(file: URL | string = REFERENCES_FILE): ReferenceCount[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { references: ReferenceCount[] }).references;
}
