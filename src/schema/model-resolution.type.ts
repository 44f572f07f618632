import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Subject } from "../db/queries/subjects.js";
import type { ModelRow } from "../db/schema/index.js";

@ObjectType({
  simpleResolvers: true,
  description:
    "A model at a fine-tune resolution (the paper's table rows). When several paper runs share the configuration, ALL figures come from the one run with the highest top-1 accuracy (ties: lowest run id), named in `runId`; nothing is averaged, so each figure is one the paper published. Rows with only Favor's measurements have no run.",
})
export class ModelResolution {
  @Field(() => Int, { description: "Fine-tune resolution (pixels)." })
  resolution!: number;

  @Field(() => Int, {
    nullable: true,
    description: "Pre-train resolution of the representative run; null without a run.",
  })
  pretrainResolution!: number | null;

  @Field(() => ID, {
    nullable: true,
    description: "Id of the representative run whose figures this row shows; null without a run.",
  })
  runId!: number | null;

  @Field(() => Int, { description: "How many paper runs this configuration has (0 when only measured)." })
  runCount!: number;

  /** Not in the schema: the row as the services return it. */
  subject!: Subject;
  /** Not in the schema. */
  modelRow!: ModelRow;
}
