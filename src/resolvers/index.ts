import type { NonEmptyArray } from "type-graphql";

import { AggregateResolver } from "./aggregate.resolver.js";
import { AnalysisResolver } from "./analysis.resolver.js";
import { CatalogResolver, MetricValueResolver } from "./catalog.resolver.js";
import { MeasurementResolver } from "./measurement.resolver.js";
import { ModelResolver } from "./model.resolver.js";
import { ModelResolutionResolver } from "./model-resolution.resolver.js";
import { RunResolver } from "./run.resolver.js";

export * from "./container.js";
export * from "./context.type.js";
export * from "./nodes.js";

/**
 * Every resolver class of the schema, one line each; src/resolvers/build-schema.ts builds the schema from this
 * list (each class is built once per Services by the container and takes the services in its constructor).
 */
export const resolvers: NonEmptyArray<new (...args: never[]) => object> = [
  RunResolver,
  ModelResolver,
  ModelResolutionResolver,
  CatalogResolver,
  MetricValueResolver,
  AggregateResolver,
  AnalysisResolver,
  MeasurementResolver,
];
