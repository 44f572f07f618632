import { Field, InputType, Int } from "type-graphql";

import { MetricConstraintInput } from "./metric-constraint.input.js";

@InputType({
  description:
    "Filter for runs and model@resolution rows; every given part must hold. Unknown names or values are BAD_USER_INPUT errors naming them.",
})
export class SubjectFilterInput {
  @Field(() => String, { nullable: true, description: "Exact model display name or benchmark id." })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Case-insensitive substring of the display name or benchmark id.",
  })
  nameContains?: string | null;

  @Field(() => [String], { nullable: true, description: 'Model families, e.g. ["ViT", "Swin"].' })
  families?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Taxonomy classes, e.g. ["Sequence Reduction"].' })
  taxonomyClasses?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "Paper taxonomy categories (Token Mixing, Token Sequence, MLP Block, Baseline).",
  })
  changesWhat?: string[] | null;

  @Field(() => [Int], { nullable: true, description: "Fine-tune resolutions, e.g. [224]." })
  resolutions?: number[] | null;

  @Field(() => [Int], { nullable: true, description: "Pre-train resolutions, e.g. [192]." })
  pretrainResolutions?: number[] | null;

  @Field(() => [MetricConstraintInput], {
    nullable: true,
    description: "Constraints on figures (for the query's device).",
  })
  metrics?: MetricConstraintInput[] | null;
}
