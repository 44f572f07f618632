import { createConnectionType } from "./connection.type.js";
import { ModelResolution } from "./model-resolution.type.js";
import { Run } from "./run.type.js";

/** A page of runs. */
export const RunConnection = createConnectionType(Run, "Run");
export type RunConnection = InstanceType<typeof RunConnection>;

/** A page of model@resolution rows. */
export const ModelResolutionConnection = createConnectionType(ModelResolution, "ModelResolution");
export type ModelResolutionConnection = InstanceType<typeof ModelResolutionConnection>;
