import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({
  simpleResolvers: true,
  description: "One epoch of a run's fine-tuning: the benchmark's 16 per-epoch fields, exactly as published.",
})
export class Epoch {
  @Field(() => Int, { description: "Epoch number, 1-50." })
  epoch!: number;

  @Field(() => Float, { nullable: true, description: "Training loss (source field `loss`)." })
  loss!: number | null;

  @Field(() => Float, { nullable: true, description: "Training time of the epoch in seconds (`time`)." })
  time!: number | null;

  @Field(() => Float, { nullable: true, description: "Learning rate (`learning rate`)." })
  learningRate!: number | null;

  @Field(() => Float, { nullable: true, description: "Training top-1 accuracy, fraction (`acc1`)." })
  acc1!: number | null;

  @Field(() => Float, { nullable: true, description: "Training top-5 accuracy, fraction (`acc5`)." })
  acc5!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean gradient norm (`grad norm avrg`)." })
  gradNormAvg!: number | null;

  @Field(() => Float, { nullable: true, description: "Maximum gradient norm (`grad norm max`)." })
  gradNormMax!: number | null;

  @Field(() => Float, { nullable: true, description: "Count of infinite gradient norms (`inf grad norm`)." })
  infGradNorm!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "20th percentile of the gradient norm (`grad norm 20%`).",
  })
  gradNormP20!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "80th percentile of the gradient norm (`grad norm 80%`).",
  })
  gradNormP80!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation loss (`validation_loss`)." })
  validationLoss!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation time in seconds (`validation_time`)." })
  validationTime!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation top-1 accuracy, fraction (`val_acc1`)." })
  valAcc1!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation top-5 accuracy, fraction (`val_acc5`)." })
  valAcc5!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Training time summed up to this epoch, seconds (`time_sum`).",
  })
  timeSum!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Validation time summed up to this epoch, seconds (`validation_time_sum`).",
  })
  validationTimeSum!: number | null;
}
