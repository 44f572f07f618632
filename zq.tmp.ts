import { analyzeModel } from "./src/measure/onnx/index.js";
import { describeModel } from "./src/measure/zoo/index.js";

const [name, ...res] = process.argv.slice(2);
for (const r of res.length ? res.map(Number) : [224]) {
  const { graph, metadata } = describeModel(name, { resolution: r });
  const s = analyzeModel(graph);
  console.log(
    JSON.stringify({ name, r, params: metadata.parameters, macs: s.torchprofileMacs, all: s.macs }),
  );
}
