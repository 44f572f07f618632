/**
 * `npm run measurements:import -- --from http://host:4000/graphql --device "<id or name>" [--out <file>]`
 *
 * Exports the figures a Favor server measured on one device, with their provenance, into the committed form
 * data/measurements/<device>.json. The seed loads every such file as a device next to the paper's A100, so
 * whoever measures a device can publish its figures to every Favor user the same way (see README).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import {
  deviceFileName,
  MEASUREMENT_FILE_FORMAT,
  type MeasuredFigure,
  type MeasurementFile,
  parseMeasurementFile,
} from "../src/db/measurement-file.js";

const PAGE = 200;

const QUERY = `query ($device: ID!, $after: String) {
  devices { id name kind description }
  models(first: ${PAGE}, after: $after, device: $device) {
    edges { node { model { name sourceId } resolution
      metrics { key value batchSize source deviceId provenance } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface ExportPage {
  devices: Array<{
    id: number | string;
    name: string;
    kind: "CPU" | "GPU";
    description: Record<string, unknown>;
  }>;
  models: {
    edges: Array<{
      node: {
        model: { name: string; sourceId: string };
        resolution: number;
        metrics: Array<{
          key: string;
          value: number;
          batchSize: number | null;
          source: "PAPER" | "MEASURED";
          deviceId: number | string | null;
          provenance: Record<string, unknown>;
        }>;
      };
    }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Reads every figure `url`'s server measured on `device` (id or name), checked as a measurement file. */
export async function exportDeviceFigures(url: string, device: string): Promise<MeasurementFile> {
  const figures: MeasuredFigure[] = [];
  let after: string | null = null;
  let found: ExportPage["devices"][number] | undefined;
  for (;;) {
    const page: ExportPage = await post(url, { query: QUERY, variables: { device, after } });
    found ??= page.devices.find((d) => String(d.id) === device || d.name === device);
    if (!found) throw new Error(`${url} has no device ${device}`);
    for (const { node } of page.models.edges) {
      for (const m of node.metrics) {
        if (m.source !== "MEASURED" || String(m.deviceId) !== String(found.id)) continue;
        figures.push({
          model: node.model.sourceId,
          modelName: node.model.name,
          resolution: node.resolution,
          metric: m.key,
          batchSize: m.batchSize,
          value: m.value,
          provenance: m.provenance,
        });
      }
    }
    if (!page.models.pageInfo.hasNextPage) break;
    after = page.models.pageInfo.endCursor;
  }
  return parseMeasurementFile(
    {
      format: MEASUREMENT_FILE_FORMAT,
      device: { name: found!.name, kind: found!.kind.toLowerCase(), description: found!.description },
      exportedFrom: url,
      exportedAt: new Date().toISOString(),
      figures,
    },
    `the export of ${device} from ${url}`,
  );
}

async function post(url: string, body: unknown): Promise<ExportPage> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = (await res.json()) as { data?: ExportPage; errors?: Array<{ message: string }> };
  if (json.errors?.length || !json.data)
    throw new Error(`${url} answered ${res.status}: ${json.errors?.map((e) => e.message).join("; ")}`);
  return json.data;
}

// The file name rule lives with the format (scripts/gpu-measure.ts writes such files too).
export { deviceFileName };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: "string" }, device: { type: "string" }, out: { type: "string" } },
  });
  if (!values.from || !values.device) {
    console.error(
      'Usage: npm run measurements:import -- --from http://localhost:4000/graphql --device "<id or name>" [--out data/measurements/<device>.json]',
    );
    process.exit(2);
  }
  const file = await exportDeviceFigures(values.from, values.device);
  const out = values.out ?? path.join("data", "measurements", deviceFileName(file.device.name));
  await writeFile(out, `${JSON.stringify(file, null, 1)}\n`);
  console.log(`${out}: ${file.figures.length} figures of ${file.device.name}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
