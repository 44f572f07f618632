import { describe, expect, it } from "vitest";

import { csvField, toCsv } from "../../src/web/csv.js";
import { HttpError } from "../../src/web/http-error.js";
import { parseConstraint, parseExportParams, parsePlotParams } from "../../src/web/query-params.js";

describe("toCsv", () => {
  it("handles no rows", () => {
    expect(toCsv(["a", "b"], [])).toBe("a,b\r\n");
  });
  it("quotes what needs quoting and keeps numbers exact", () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField(0.829089343547821)).toBe("0.829089343547821");
    expect(csvField(147139600896)).toBe("147139600896");
    expect(csvField(null)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(toCsv(["x [px]"], [[224], [undefined]])).toBe("x [px]\r\n224\r\n\r\n");
  });
});

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    return (error as HttpError).message;
  }
  throw new Error("expected an HttpError");
}

describe("parseExportParams", () => {
  it("handles no parameters", () => {
    expect(parseExportParams(new URLSearchParams())).toEqual({
      family: [],
      taxonomyClass: [],
      changesWhat: [],
      resolution: [],
      pretrainResolution: [],
      where: [],
    });
  });
  it("reads repeated and comma-separated lists, constraints and ordering", () => {
    const p = parseExportParams(
      new URLSearchParams(
        "resolution=224,384&name=ViT-S/16&taxonomyClass=Baseline&taxonomyClass=Sparse Attention&where=accuracyTop1:gte:0.8&orderBy=throughput:desc",
      ),
    );
    expect(p.resolution).toEqual([224, 384]);
    expect(p.name).toBe("ViT-S/16");
    expect(p.taxonomyClass).toEqual(["Baseline", "Sparse Attention"]);
    expect(p.where).toEqual([{ metric: "accuracyTop1", op: "gte", value: 0.8 }]);
    expect(p.orderBy).toEqual({ key: "throughput", desc: true });
  });
  it("names the bad parameter or value", () => {
    expect(badRequest(() => parseExportParams(new URLSearchParams("resolutoin=224")))).toMatch(
      /Unknown parameter "resolutoin"/,
    );
    expect(badRequest(() => parseExportParams(new URLSearchParams("resolution=big")))).toMatch(
      /Bad resolution "big"/,
    );
    expect(badRequest(() => parseExportParams(new URLSearchParams("resolution=224,")))).toMatch(
      /Empty value in parameter "resolution"/,
    );
    expect(badRequest(() => parseExportParams(new URLSearchParams("orderBy=throughput:up")))).toMatch(
      /Bad orderBy "throughput:up"/,
    );
    expect(badRequest(() => parseExportParams(new URLSearchParams("name=ViT-S/16&name=Swin-T")))).toMatch(
      /"name" given 2 times/,
    );
    expect(badRequest(() => parseExportParams(new URLSearchParams("device=")))).toMatch(
      /Empty value in parameter "device"/,
    );
  });
});

describe("parseConstraint", () => {
  it("names the malformed part", () => {
    expect(badRequest(() => parseConstraint("accuracyTop1"))).toMatch(/Bad where "accuracyTop1"/);
    expect(badRequest(() => parseConstraint("accuracyTop1:ge:0.8"))).toMatch(/Bad operator "ge"/);
    expect(badRequest(() => parseConstraint("accuracyTop1:gte:high"))).toMatch(/Bad value "high"/);
    expect(parseConstraint("inferenceMemoryB1:lte:1e9")).toEqual({
      metric: "inferenceMemoryB1",
      op: "lte",
      value: 1e9,
    });
  });
});

describe("parsePlotParams", () => {
  it("defaults to throughput vs top-1 with the route's front", () => {
    const p = parsePlotParams(new URLSearchParams(), { front: "2d" });
    expect(p).toMatchObject({
      x: "throughput",
      y: "accuracyTop1",
      front: "2d",
      xScale: "auto",
      width: 640,
      height: 420,
      labels: true,
    });
  });
  it("reads scales, k-D objectives, size and labels", () => {
    const p = parsePlotParams(
      new URLSearchParams("xScale=log&front=kd&objectives=params,flops&width=800&labels=false"),
      { front: "none" },
    );
    expect(p).toMatchObject({
      xScale: "log",
      front: "kd",
      objectives: ["params", "flops"],
      width: 800,
      labels: false,
    });
  });
  it("names the bad value", () => {
    expect(badRequest(() => parsePlotParams(new URLSearchParams("xScale=cubic"), { front: "2d" }))).toMatch(
      /Bad xScale "cubic": use one of auto, linear, log/,
    );
    expect(badRequest(() => parsePlotParams(new URLSearchParams("width=5"), { front: "2d" }))).toMatch(
      /Bad width "5"/,
    );
    expect(badRequest(() => parsePlotParams(new URLSearchParams("x=a&x=b"), { front: "2d" }))).toMatch(
      /"x" given 2 times/,
    );
    expect(badRequest(() => parsePlotParams(new URLSearchParams("y=drop table"), { front: "2d" }))).toMatch(
      /Bad y "drop table"/,
    );
  });
});
