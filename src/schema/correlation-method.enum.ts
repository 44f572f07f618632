import { registerEnumType } from "type-graphql";

/** Which correlation coefficient to compute. */
export enum CorrelationMethod {
  PEARSON = "pearson",
  SPEARMAN = "spearman",
}

registerEnumType(CorrelationMethod, {
  name: "CorrelationMethod",
  description: "The correlation coefficient.",
  valuesConfig: {
    PEARSON: { description: "Pearson's product-moment correlation (linear)." },
    SPEARMAN: { description: "Spearman's rank correlation (monotonic; ties get average ranks)." },
  },
});
