import { describe, expect, it } from "vitest";
import type { PlotPoint } from "../../src/web/plot-spec.js";
import {
  axisTitle,
  buildCurvesSpec,
  buildScatterSpec,
  formatValue,
  resolveScale,
  TAXONOMY_CLASSES,
  unitDisplay,
} from "../../src/web/plot-spec.js";
import { renderSvg } from "../../src/web/render-svg.js";

const accuracy = { key: "accuracyTop1", label: "Top-1 accuracy", unit: "fraction", direction: "HIGHER" };
const throughput = { key: "throughput", label: "Throughput", unit: "images/s", direction: "HIGHER" };
const memory = { key: "inferenceMemoryB1", label: "Inference memory @1", unit: "bytes", direction: "LOWER" };

const points: PlotPoint[] = [
  {
    id: "1",
    model: "ViT-Ti/16",
    taxonomyClass: "Baseline",
    resolution: 224,
    x: 8300,
    y: 0.7428,
    front: true,
  },
  { id: "2", model: "ViT-S/16", taxonomyClass: "Baseline", resolution: 224, x: 3600, y: 0.8254, front: true },
  {
    id: "3",
    model: "Swin-T",
    taxonomyClass: "Sparse Attention",
    resolution: 224,
    x: 1921.7,
    y: 0.8291,
    front: true,
  },
  { id: "4", model: "FNet-S", taxonomyClass: "Non-Attention Shuffling", resolution: 384, x: 1200, y: 0.75 },
];

function layers(spec: unknown): Array<Record<string, any>> {
  return (spec as { layer: Array<Record<string, any>> }).layer;
}

describe("unitDisplay and axisTitle", () => {
  it("shows fractions as percent and keeps other units", () => {
    expect(unitDisplay("fraction")).toEqual({ axisFormat: ".0%", titleUnit: "%", percent: true });
    expect(unitDisplay("bytes").titleUnit).toBe("bytes");
    expect(unitDisplay(null).titleUnit).toBe("");
    expect(unitDisplay("count").titleUnit).toBe("");
  });
  it("puts the unit in the title unless the label names it", () => {
    expect(axisTitle(accuracy)).toBe("Top-1 accuracy (%)");
    expect(axisTitle(memory)).toBe("Inference memory @1 (bytes)");
    expect(axisTitle({ key: "flops", label: "FLOPs", unit: "FLOP" })).toBe("FLOPs");
    expect(axisTitle({ key: "params", label: "Parameters", unit: "count" })).toBe("Parameters");
  });
});

describe("formatValue", () => {
  it("handles missing values", () => {
    expect(formatValue(null, "bytes")).toBe("–");
    expect(formatValue(Number.NaN, "bytes")).toBe("–");
  });
  it("formats each unit readably", () => {
    expect(formatValue(0.829089343547821, "fraction")).toBe("82.91 %");
    expect(formatValue(1368016384, "bytes")).toBe("1.37 GB");
    expect(formatValue(1921.7282365999597, "images/s")).toBe("1,921.7 images/s");
    expect(formatValue(99358.37412261963, "s")).toBe("27.6 h (99,358 s)");
    expect(formatValue(4575678505, "FLOP")).toBe("4.58 G FLOP");
    expect(formatValue(28288354, "count")).toBe("28.29 M");
    expect(formatValue(12, "count")).toBe("12");
  });
});

describe("resolveScale", () => {
  it("never gives a log scale to non-positive values", () => {
    expect(resolveScale("log", memory, [0, 10])).toBe("linear");
    expect(resolveScale("auto", memory, [])).toBe("linear");
  });
  it("follows an explicit choice", () => {
    expect(resolveScale("linear", memory, [1, 1e9])).toBe("linear");
    expect(resolveScale("log", accuracy, [0.7, 0.8])).toBe("log");
  });
  it("picks log for wide ranges and bytes, linear for accuracies", () => {
    expect(resolveScale("auto", memory, [1e8, 1e9])).toBe("log");
    expect(resolveScale("auto", throughput, [100, 20000])).toBe("log");
    expect(resolveScale("auto", throughput, [1000, 8000])).toBe("linear");
    expect(resolveScale("auto", accuracy, [0.5, 0.85])).toBe("linear");
  });
});

describe("buildScatterSpec", () => {
  it("handles an empty list of points", () => {
    const spec = buildScatterSpec({ x: throughput, y: accuracy, points: [], front: "2d" });
    expect((spec as any).data.values).toEqual([]);
    expect(layers(spec)).toHaveLength(1);
  });
  it("carries the points, labels and formatted tooltip values under the data name `points`", () => {
    const spec = buildScatterSpec({ x: throughput, y: accuracy, points }) as any;
    expect(spec.data.name).toBe("points");
    expect(spec.data.values).toHaveLength(4);
    expect(spec.data.values[0]).toMatchObject({
      label: "ViT-Ti/16@224",
      x: 8300,
      y: 0.7428,
      yText: "74.28 %",
      front: true,
    });
    const enc = layers(spec)[0].encoding;
    expect(enc.x.title).toBe("Throughput (images/s)");
    expect(enc.y.title).toBe("Top-1 accuracy (%)");
    expect(enc.color.scale.domain.slice(0, 10)).toEqual(TAXONOMY_CLASSES);
    expect(enc.size.scale.domain).toEqual([224, 384]);
    expect(enc.tooltip.map((t: { title: string }) => t.title)).toEqual([
      "Model@resolution",
      "Throughput",
      "Top-1 accuracy",
      "Class",
    ]);
  });
  it("gives percent ticks the digits a narrow range needs", () => {
    const narrow = buildScatterSpec({
      x: throughput,
      y: accuracy,
      points: [points[0], { ...points[0], id: "9", y: 0.7438 }],
    });
    expect(layers(narrow)[0].encoding.y.axis.format).toBe(".2%");
    expect(layers(buildScatterSpec({ x: throughput, y: accuracy, points }))[0].encoding.y.axis.format).toBe(
      ".0%",
    );
  });
  it("draws no front layers when the front is off", () => {
    expect(layers(buildScatterSpec({ x: throughput, y: accuracy, points, front: "none" }))).toHaveLength(1);
  });
  it("joins the 2-D front with a line ordered by x, rings and labels its points", () => {
    const l = layers(buildScatterSpec({ x: throughput, y: accuracy, points, front: "2d" }));
    expect(l.map((layer) => layer.mark.type)).toEqual(["point", "line", "point", "text"]);
    expect(l[1].encoding.order.field).toBe("x");
    expect(l[1].transform).toEqual([{ filter: "datum.front" }]);
  });
  it("marks k-D rank-1 points without a line and shows ranks in tooltips", () => {
    const l = layers(
      buildScatterSpec({ x: throughput, y: accuracy, points, front: "kd", labelFront: false }),
    );
    expect(l.map((layer) => layer.mark.type)).toEqual(["point", "point"]);
    expect(l[0].encoding.tooltip.at(-1).title).toBe("Rank");
  });
  it("appends classes outside the paper's ten after them", () => {
    const spec = buildScatterSpec({
      x: throughput,
      y: accuracy,
      points: [{ ...points[0], taxonomyClass: "Zeta" }],
    }) as any;
    expect(layers(spec)[0].encoding.color.scale.domain.at(-1)).toBe("Zeta");
  });
});

describe("buildCurvesSpec", () => {
  it("draws one line per run over epochs", () => {
    const spec = buildCurvesSpec({
      metric: { key: "valAcc1", label: "Validation top-1 accuracy", unit: "fraction" },
      points: [
        { run: "a", epoch: 1, value: 0.5 },
        { run: "a", epoch: 2, value: 0.6 },
      ],
    }) as any;
    expect(spec.data.name).toBe("curves");
    expect(spec.encoding.color.field).toBe("run");
    expect(spec.data.values[1].valueText).toBe("60.00 %");
  });
});

describe("renderSvg", () => {
  it("renders axes with units, the legend and the front's labels", async () => {
    const svg = await renderSvg(buildScatterSpec({ x: throughput, y: accuracy, points, front: "2d" }));
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain("Throughput (images/s)");
    expect(svg).toContain("Top-1 accuracy (%)");
    expect(svg).toContain("Taxonomy class");
    expect(svg.includes(">Swin-T@224</text>")).toBe(true);
    expect(svg.includes(">FNet-S@384</text>")).toBe(false); // not on the front: no label
    expect(svg).toContain("Pareto front (3 of 4 points optimal)");
    expect(svg).not.toContain("NaN");
  });

  it("draws points of a single resolution (a one-value size scale) on a log axis", async () => {
    const one = points.filter((p) => p.resolution === 224);
    const svg = await renderSvg(
      buildScatterSpec({
        x: { key: "flops", label: "FLOPs", unit: "FLOP" },
        y: accuracy,
        points: one,
        xScale: "log",
      }),
    );
    expect(svg).not.toContain("NaN");
    expect(
      svg
        .split('role-mark pointsLayer_marks"')[1]
        .split("</g>")[0]
        .match(/<path /g),
    ).toHaveLength(one.length);
  });
});
