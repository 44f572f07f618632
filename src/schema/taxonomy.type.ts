import { Field, ObjectType } from "type-graphql";

import { Model } from "./model.type.js";

@ObjectType({ description: "A taxonomy class of the dashboard with its models." })
export class TaxonomyClass {
  @Field(() => String, { description: 'Class name, e.g. "Low-Rank Attention".' })
  name!: string;

  @Field(() => [Model], { description: "Models of the class, by name." })
  models!: Model[];
}

@ObjectType({
  description: "An approach of the paper's taxonomy (level 2: how a model changes the ViT) with its models.",
})
export class TaxonomyApproach {
  @Field(() => String, { description: 'How the model changes the ViT, e.g. "Token merging".' })
  changesHow!: string;

  @Field(() => [Model], { description: "Models taking this approach." })
  models!: Model[];
}

@ObjectType({
  description: "A category of the paper's taxonomy (level 1: what part of the ViT a model changes).",
})
export class TaxonomyCategory {
  @Field(() => String, { description: "Token Mixing, Token Sequence, MLP Block or Baseline." })
  changesWhat!: string;

  @Field(() => [TaxonomyApproach], { description: "Approaches in this category." })
  approaches!: TaxonomyApproach[];
}

@ObjectType({
  description: "Both taxonomies: the dashboard's 10 classes and the paper's two-level taxonomy (Fig. 2).",
})
export class Taxonomy {
  @Field(() => [TaxonomyClass], { description: "The dashboard's classes." })
  classes!: TaxonomyClass[];

  @Field(() => [TaxonomyCategory], { description: "The paper's categories and approaches." })
  categories!: TaxonomyCategory[];
}
