import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { CellValue } from "../db/queries/subjects.js";
import type { ModelRow } from "../db/schema/index.js";

@ObjectType({
  simpleResolvers: true,
  description:
    "One of the paper's fine-tuning runs (ImageNet-21k pre-training, 50 epochs ImageNet-1k fine-tuning). Duplicate runs of a configuration are separate runs.",
})
export class Run {
  @Field(() => ID, { description: "Run id (Favor's; stable for a database seeded from the same file)." })
  id!: number;

  @Field(() => String, { description: "The dashboard's experiment id (a 64-bit integer, as text)." })
  experimentId!: string;

  @Field(() => String, {
    description: "The run's name as recorded (free text; trust the resolution fields, not the name).",
  })
  runName!: string;

  @Field(() => String, { description: 'When the run was recorded, "dd.mm.yyyy hh:mm:ss" as in the source.' })
  runDate!: string;

  @Field(() => ID, { description: "Id of the GPU type the run recorded (see `device`)." })
  deviceId!: number;

  @Field(() => Int, { description: "Number of GPUs the run used." })
  gpuCount!: number;

  @Field(() => Int, { description: "Pre-training image resolution (pixels)." })
  pretrainResolution!: number;

  @Field(() => Int, { description: "Fine-tuning (and evaluation) image resolution (pixels)." })
  resolution!: number;

  @Field(() => String, { description: "Pre-training dataset." })
  pretrainDataset!: string;

  @Field(() => String, { description: "Fine-tuning dataset." })
  dataset!: string;

  @Field(() => GraphQLJSONObject, {
    description: "Fine-tuning hyperparameters as recorded (optimizer, lr, augmentation, ...).",
  })
  hyperparameters!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: "Pre-training hyperparameters as recorded." })
  pretrainHyperparameters!: Record<string, unknown>;

  /** Not in the schema: the run's model row (resolved by RunResolver.model). */
  modelRow!: ModelRow;
  /** Not in the schema: figures picked for the query's device. */
  values!: Map<string, CellValue>;
}
