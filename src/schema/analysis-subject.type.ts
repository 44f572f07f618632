import { Field, ID, Int, ObjectType } from "type-graphql";

import { Model } from "./model.type.js";
import { Run } from "./run.type.js";

@ObjectType({ description: "What an analysis point stands for: one paper run, or one model@resolution row." })
export class AnalysisSubject {
  @Field(() => String, {
    description:
      "Stable key within the answer: `run:<runId>` or `model:<modelId>@<resolution>`; dominators and blockers refer to points by it.",
  })
  key!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The run (for model@resolution rows: the representative run); null when only measured.",
  })
  runId!: number | null;

  @Field(() => Model, { description: "The model." })
  model!: Model;

  @Field(() => Int, { description: "Fine-tune resolution (pixels)." })
  resolution!: number;

  @Field(() => Int, {
    nullable: true,
    description: "Pre-train resolution of the run (pixels); null without a run.",
  })
  pretrainResolution!: number | null;

  @Field(() => Run, {
    nullable: true,
    description: "The run with all its fields and figures (for the query's device); null when only measured.",
  })
  run!: Run | null;
}
