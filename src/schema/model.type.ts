import { Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({
  simpleResolvers: true,
  description:
    "A benchmarked architecture with the paper's taxonomy. Its figures live on its runs and model@resolution rows.",
})
export class Model {
  @Field(() => ID, { description: "Model id." })
  id!: number;

  @Field(() => String, { description: 'Canonical display name, e.g. "ViT-S/16", "Swin-T", "EViT-S (fuse)".' })
  name!: string;

  @Field(() => String, { description: 'The benchmark\'s model id, e.g. "deit_small_patch16_LS".' })
  sourceId!: string;

  @Field(() => String, { description: 'Family / architecture, e.g. "ViT", "Swin".' })
  family!: string;

  @Field(() => String, { description: 'Size label within the family, e.g. "S", "T", "50".' })
  size!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Patch size in pixels; null for models without a patch embedding.",
  })
  patchSize!: number | null;

  @Field(() => String, {
    description: 'One of the dashboard\'s 10 taxonomy classes, e.g. "Sparse Attention".',
  })
  taxonomyClass!: string;

  @Field(() => String, {
    description:
      "The paper's taxonomy, level 1: what part of the ViT the model changes (Token Mixing, Token Sequence, MLP Block, Baseline).",
  })
  changesWhat!: string;

  @Field(() => String, { description: "The paper's taxonomy, level 2: how it changes it." })
  changesHow!: string;
}
