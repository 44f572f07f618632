import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";

/** The validity verdict of a timed figure (src/measure/profiler/stability.ts). */
export enum FigureVerdict {
  STABLE = "STABLE",
  UNSTABLE = "UNSTABLE",
  INVALID = "INVALID",
}

registerEnumType(FigureVerdict, {
  name: "FigureVerdict",
  description: "Whether a measured latency or throughput figure can be trusted as the machine's.",
  valuesConfig: {
    STABLE: {
      description: "The last three measurement windows agreed within the tolerance on a quiet machine.",
    },
    UNSTABLE: {
      description: "The windows disagreed or other processes took too much CPU, even after re-measuring.",
    },
    INVALID: { description: "The minimum count or duration of timed runs was not met." },
  },
});

@ObjectType({
  description:
    "The validity verdict of a measured latency or throughput figure, after Triton's perf_analyzer and MLPerf, with its evidence.",
})
export class FigureValidity {
  @Field(() => FigureVerdict, { description: "The verdict." })
  verdict!: FigureVerdict;

  @Field(() => [String], { description: "Why the figure is not stable; empty when it is." })
  reasons!: string[];

  @Field(() => Int, { description: "Measurements taken of this figure, the stored one included." })
  attempts!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Share (0–1) of the machine's CPU time other processes took during the timed runs.",
  })
  foreignCpuShare!: number | null;

  @Field(() => Float, { nullable: true, description: "The machine's 1-minute load average after the runs." })
  loadAverage!: number | null;
}

/** Reads the verdict stored in a figure's provenance; null where it has none (paper, memory, theory figures). */
export function validityOf(provenance: Record<string, unknown> | null | undefined): FigureValidity | null {
  const v = provenance?.validity as
    | {
        verdict?: string;
        reasons?: string[];
        attempts?: number;
        load?: { foreignCpuShare?: number; loadAverage1?: { end?: number } } | null;
      }
    | null
    | undefined;
  if (!v || typeof v.verdict !== "string") return null;
  return {
    verdict: v.verdict.toUpperCase() as FigureVerdict,
    reasons: Array.isArray(v.reasons) ? v.reasons : [],
    attempts: typeof v.attempts === "number" ? v.attempts : 1,
    foreignCpuShare: v.load?.foreignCpuShare ?? null,
    loadAverage: v.load?.loadAverage1?.end ?? null,
  };
}
