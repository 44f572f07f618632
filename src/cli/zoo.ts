import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import type { FloatDType, GraphStats } from "../measure/onnx/index.js";
import { analyzeModel, GraphAnalysisError, ModelReadError } from "../measure/onnx/index.js";
import {
  buildModel,
  compareWithDataset,
  describeModel,
  formatComparison,
  listModels,
  relativeDifference,
  ZooError,
} from "../measure/zoo/index.js";

/**
 * The model zoo's command line:
 *   npm run zoo -- list
 *   npm run zoo -- export --model "ViT-S/16" --resolution 384 --out vit.onnx [--dtype float16] [--seed 0] [--classes 1000]
 *   npm run zoo -- stats model.onnx [--batch 1] [--dim name=value ...] [--nodes] [--json]
 *   npm run zoo -- compare [--json]        parameters/MACs/FLOPs of the zoo vs every run of the benchmark data
 *                                          and the paper code's own counts of the models it lacks (data/zoo-references.json)
 */

const USAGE = `usage:
  zoo list
  zoo export --model NAME --resolution R --out FILE [--dtype float32|float16] [--seed N] [--classes N]
  zoo stats FILE.onnx [--batch N] [--dim NAME=VALUE ...] [--nodes] [--json]
  zoo compare [--json]`;

/** Thrown for bad command-line usage. */
class UsageError extends Error {}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  switch (command) {
    case "list":
      list();
      return;
    case "export":
      exportModel(rest);
      return;
    case "stats":
      stats(rest);
      return;
    case "compare":
      compare(rest);
      return;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function list(): void {
  const rows = listModels().map((m) => {
    let params = "—";
    try {
      params = describeModel(m.name, { resolution: 224 }).metadata.parameters.toLocaleString("en-US");
    } catch (e) {
      params = `(${(e as Error).message})`;
    }
    return [m.name, m.sourceId, m.family, params, m.note ?? ""];
  });
  printTable(["model", "source id", "family", "params @224", "note"], rows);
}

function exportModel(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: "string" },
      resolution: { type: "string" },
      out: { type: "string" },
      dtype: { type: "string", default: "float32" },
      seed: { type: "string", default: "0" },
      classes: { type: "string", default: "1000" },
    },
    strict: true,
  });
  if (!values.model) throw new UsageError("--model is required");
  if (!values.resolution) throw new UsageError("--resolution is required");
  if (!values.out) throw new UsageError("--out is required");
  const built = buildModel(values.model, {
    resolution: int(values.resolution, "--resolution"),
    dtype: values.dtype as FloatDType,
    seed: int(values.seed, "--seed"),
    numClasses: int(values.classes, "--classes"),
  });
  writeFileSync(values.out, built.bytes);
  const m = built.metadata;
  console.log(
    `wrote ${values.out}: ${m.name} @${m.resolution}, ${m.parameters.toLocaleString("en-US")} parameters, ` +
      `${m.dtype}, seed ${m.seed}, ${(built.bytes.length / 2 ** 20).toFixed(1)} MiB; input ${m.inputName} ` +
      `[${m.inputShape.join(", ")}], output ${m.outputName} [batch, ${m.numClasses}]`,
  );
}

function stats(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    options: {
      batch: { type: "string", default: "1" },
      dim: { type: "string", multiple: true, default: [] },
      nodes: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError("stats takes exactly one .onnx file");
  const dims: Record<string, number> = {};
  for (const d of values.dim ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(d);
    if (!m) throw new UsageError(`--dim must look like NAME=VALUE, got "${d}"`);
    dims[m[1]] = Number(m[2]);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(positionals[0]);
  } catch (e) {
    throw new UsageError(
      `cannot read ${positionals[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const s = analyzeModel(bytes, { batch: int(values.batch, "--batch"), dims });
  if (values.json) {
    console.log(JSON.stringify(values.nodes ? s : { ...s, nodes: undefined }, null, 2));
    return;
  }
  printStats(positionals[0], s, values.nodes ?? false);
}

function printStats(file: string, s: GraphStats, perNode: boolean): void {
  const n = (v: number) => v.toLocaleString("en-US");
  console.log(`${file}: graph "${s.name}", opset ${s.opset}, batch ${s.batch}`);
  for (const i of s.inputs) console.log(`  input  ${i.name} [${i.shape.join(", ")}]`);
  for (const o of s.outputs) console.log(`  output ${o.name} [${o.shape.join(", ")}]`);
  console.log(`  parameters        ${n(s.parameters)}`);
  console.log(`  MACs              ${n(s.macs)}  (MatMul/Gemm/Conv/Einsum ${n(s.linearMacs)})`);
  console.log(
    `  MACs, torchprofile ${n(s.torchprofileMacs)}  (the benchmark's convention: Einsum not counted)`,
  );
  console.log(`  FLOPs (benchmark)  ${n(s.flops)}`);
  console.log(`  elementwise        ${n(s.elementwise)} output elements`);
  const ops = Object.entries(s.elementwiseByOp).sort((a, b) => b[1] - a[1]);
  if (ops.length) console.log(`    ${ops.map(([op, v]) => `${op} ${n(v)}`).join(", ")}`);
  console.log(
    `  nodes ${s.nodes.length}: ${Object.entries(s.opCounts)
      .sort((a, b) => b[1] - a[1])
      .map(([op, c]) => `${op}×${c}`)
      .join(" ")}`,
  );
  if (perNode) {
    printTable(
      ["node", "op", "output", "params", "MACs", "FLOPs"],
      s.nodes.map((x) => [
        x.name,
        x.opType,
        `[${x.outputShapes[0]?.join(",") ?? ""}]`,
        n(x.parameters),
        n(x.macs),
        n(x.flops),
      ]),
    );
  }
}

function compare(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: { json: { type: "boolean", default: false } },
    strict: true,
  });
  const rows = compareWithDataset();
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(formatComparison(rows));
  const byModel = new Map<string, number>();
  for (const r of rows) {
    const d = relativeDifference(r.builtMacs, r.datasetMacs);
    const prev = byModel.get(r.model) ?? 0;
    byModel.set(r.model, d === null ? Infinity : Math.max(prev, Math.abs(d)));
  }
  const within = [...byModel.values()].filter((d) => d <= 0.05).length;
  const exact = rows.filter((r) => r.builtParams === r.datasetParams).length;
  console.log(
    `\nparameters exact for ${exact} of ${rows.length} distinct figures; MACs within 5% for ${within} of ${byModel.size} models`,
  );
}

function int(v: string | undefined, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got "${v}"`);
  return n;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));
}

try {
  main(process.argv.slice(2));
} catch (e) {
  // Known failures are reported in one line; anything else is a bug and keeps its stack.
  if (e instanceof UsageError) {
    console.error(`zoo: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (
    e instanceof ZooError ||
    e instanceof GraphAnalysisError ||
    e instanceof ModelReadError ||
    (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`zoo: ${(e as Error).message}`);
    process.exit(1);
  }
  throw e;
}
