import { ArgsType, Field } from "type-graphql";

import { SubjectLevel } from "./catalog.enums.js";
import { CorrelationMethod } from "./correlation-method.enum.js";
import { AnalysisScopeArgs } from "./pareto-front.args.js";

@ArgsType()
export class CorrelationsArgs extends AnalysisScopeArgs {
  @Field(() => [String], {
    nullable: true,
    description:
      "Metric keys, each once; omitted = one per quantity: accuracyTop1, params, flops, throughput, inferenceMemoryB1, trainingMemoryTotal, fineTuneTime (variants such as top-5, MACs or other batch sizes correlate trivially with these; name them to include them).",
  })
  metrics?: string[] | null;

  @Field(() => CorrelationMethod, {
    defaultValue: CorrelationMethod.PEARSON,
    description: "PEARSON (default) or SPEARMAN.",
  })
  method!: CorrelationMethod;

  @Field(() => SubjectLevel, {
    defaultValue: SubjectLevel.RUN,
    description: "Over the paper's runs (default) or model@resolution rows.",
  })
  level!: SubjectLevel;
}
