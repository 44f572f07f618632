import { ArgsType, Field, ID, Int } from "type-graphql";

import { SubjectFilterInput } from "./subject-filter.input.js";

@ArgsType()
export class ScalingArgs {
  @Field(() => Int, { defaultValue: 224, description: "Lower fine-tune resolution (default 224)." })
  fromResolution!: number;

  @Field(() => Int, { defaultValue: 384, description: "Higher fine-tune resolution (default 384)." })
  toResolution!: number;

  @Field(() => Int, {
    defaultValue: 224,
    description:
      "Pre-train resolution of the runs compared (default 224: the 384 runs were fine-tuned from 224 pre-training).",
  })
  pretrainResolution!: number;

  @Field(() => [String], {
    nullable: true,
    description:
      "Cost metric keys, each once; default throughput, flops, inferenceMemoryB1, trainingMemoryTotal, fineTuneTime.",
  })
  costs?: string[] | null;

  @Field(() => SubjectFilterInput, {
    nullable: true,
    description: 'Restrict the models (e.g. families: ["ViT"]).',
  })
  filter?: SubjectFilterInput | null;

  @Field(() => ID, {
    nullable: true,
    description: "Device (id or name) for per-device figures; omitted = the paper's.",
  })
  device?: string | null;
}
