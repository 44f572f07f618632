import { registerEnumType } from "type-graphql";

/** Which step up ends on the Pareto-better point. */
export enum ScalingVerdict {
  SIZE = "SIZE",
  RESOLUTION = "RESOLUTION",
  TRADE_OFF = "TRADE_OFF",
  EQUAL = "EQUAL",
}

registerEnumType(ScalingVerdict, {
  name: "ScalingVerdict",
  description: "Comparing the larger model with the higher resolution on (accuracy, one cost).",
  valuesConfig: {
    SIZE: { description: "The larger model dominates: at least as accurate and as cheap, better on one." },
    RESOLUTION: { description: "The higher resolution dominates." },
    TRADE_OFF: { description: "Neither dominates: one is more accurate, the other cheaper." },
    EQUAL: { description: "Both end on the same accuracy and cost." },
  },
});
