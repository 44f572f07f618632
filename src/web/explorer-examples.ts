/**
 * The GraphQL explorer's preloaded tabs: the README's example queries, one tab each (a test checks that every
 * query in the README is here and that each of these runs). Served to the browser with its types stripped.
 */

/** One preloaded explorer tab. */
export interface ExplorerExample {
  title: string;
  query: string;
  /** Variables as JSON text, when the query takes any. */
  variables?: string;
  /** Whether it needs a bearer token (mutations). */
  needsToken?: boolean;
}

export const EXPLORER_EXAMPLES: readonly ExplorerExample[] = [
  {
    title: "Models at 224 px over 80 % top-1, fastest first",
    query: `{
  models(
    first: 10
    filter: { resolutions: [224], metrics: [{ metric: "accuracyTop1", op: GT, value: 0.8 }] }
    orderBy: [{ metric: "throughput", direction: DESC }]
  ) {
    totalCount
    edges {
      node {
        model { name taxonomyClass }
        resolution
        runId
        metrics(keys: ["accuracyTop1", "throughput", "params"]) { key value unit batchSize }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  {
    title: "All runs of one model, with hyperparameters and curves",
    query: `query ($name: String!) {
  model(name: $name) {
    name family taxonomyClass changesWhat changesHow
    runs { id runName pretrainResolution resolution gpuCount device { name }
           hyperparameters
           metrics { key value unit source provenance }
           epochs { epoch loss valAcc1 learningRate } }
  }
}`,
    variables: `{ "name": "DeiT-S (LS)" }`,
  },
  {
    title: "Pareto front of top-1 accuracy and throughput at 224 px",
    query: `{
  paretoFront(objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }], resolution: 224) {
    front { subject { model { name } runId pretrainResolution resolution } values }
    excluded { count reason }
  }
}`,
  },
  {
    title: "Measure a model on this machine (needs a bearer token)",
    query: `mutation {
  measure(input: { models: ["ViT-Ti/16"], resolutions: [224] }) {
    id status device { id name } progress { total skipped }
  }
}`,
    needsToken: true,
  },
  {
    title: "A measurement job's progress",
    query: `{
  measurementJob(id: "1") {
    status
    progress { done failed total fraction }
    errors { metric reasonKind reason }
  }
}`,
  },
];
