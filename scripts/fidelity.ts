/**
 * `npm run fidelity -- [--url http://localhost:4000/graphql] [--device "<id or name>" ...] [--resolution 224]`
 *
 * How well does a device's measured throughput rank the models the way the paper's A100 does? Prints, for each
 * device (default: every device with measured throughput), Spearman's rank correlation between its measured
 * throughput and the paper's throughput over the models measured at the resolution, for all figures and for
 * the figures whose validity verdict is stable. Reads a running Favor over HTTP, so the figures are exactly the
 * ones the API serves (the paper's figure of a model is its best-top-1 run's, as in `models`).
 */

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import { spearman } from "../src/analysis/correlation.js";

const ROWS = `query ($device: ID, $resolution: Int!) {
  devices { id name kind }
  models(first: 200, device: $device, filter: { resolutions: [$resolution] }) {
    edges { node { model { name } metrics(keys: ["throughput"]) { value source provenance } } }
  }
}`;

interface Rows {
  devices: Array<{ id: number | string; name: string; kind: string }>;
  models: {
    edges: Array<{
      node: {
        model: { name: string };
        metrics: Array<{ value: number; source: "PAPER" | "MEASURED"; provenance: Record<string, unknown> }>;
      };
    }>;
  };
}

/** One device's agreement with the paper. */
export interface Fidelity {
  readonly device: string;
  readonly resolution: number;
  /** Spearman's rho over every model with both figures, and its count. */
  readonly all: { readonly rho: number | null; readonly n: number };
  /** The same over figures whose validity verdict is `stable`. */
  readonly stable: { readonly rho: number | null; readonly n: number };
  readonly pairs: ReadonlyArray<{
    readonly model: string;
    readonly paper: number;
    readonly measured: number;
    readonly verdict: string | null;
  }>;
}

async function query(url: string, variables: Record<string, unknown>): Promise<Rows> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: ROWS, variables }),
    signal: AbortSignal.timeout(60_000),
  });
  const json = (await res.json()) as { data?: Rows; errors?: Array<{ message: string }> };
  if (json.errors?.length || !json.data)
    throw new Error(`${url} answered ${res.status}: ${json.errors?.map((e) => e.message).join("; ")}`);
  return json.data;
}

/** Returns the fidelity of each device's measured throughput at `resolution` (default: every device that has some). */
export async function fidelity(url: string, devices: string[], resolution: number): Promise<Fidelity[]> {
  const paper = await query(url, { device: null, resolution });
  const paperBy = new Map<string, number>();
  for (const { node } of paper.models.edges) {
    const figure = node.metrics.find((m) => m.source === "PAPER");
    if (figure) paperBy.set(node.model.name, figure.value);
  }
  const names = devices.length > 0 ? devices : paper.devices.map((d) => d.name);
  const results: Fidelity[] = [];
  for (const device of names) {
    const rows = await query(url, { device, resolution });
    const pairs = rows.models.edges.flatMap(({ node }) => {
      const measured = node.metrics.find((m) => m.source === "MEASURED");
      const p = paperBy.get(node.model.name);
      if (!measured || p === undefined) return [];
      const validity = measured.provenance.validity as { verdict?: string } | null | undefined;
      return [
        { model: node.model.name, paper: p, measured: measured.value, verdict: validity?.verdict ?? null },
      ];
    });
    if (pairs.length === 0 && devices.length === 0) continue;
    const rho = (ps: typeof pairs) => {
      const c = spearman(
        ps.map((x) => x.paper),
        ps.map((x) => x.measured),
      );
      return { rho: c.r, n: c.n };
    };
    results.push({
      device,
      resolution,
      all: rho(pairs),
      stable: rho(pairs.filter((x) => x.verdict === "stable")),
      pairs,
    });
  }
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://localhost:4000/graphql" },
      device: { type: "string", multiple: true },
      resolution: { type: "string", default: "224" },
    },
  });
  const resolution = Number(values.resolution);
  const results = await fidelity(values.url!, values.device ?? [], resolution);
  if (results.length === 0) console.log(`No device has measured throughput at ${resolution} px.`);
  const fmt = (r: number | null) => (r === null ? "n/a" : r.toFixed(3));
  for (const f of results) {
    console.log(
      `${f.device} @ ${resolution} px vs the paper's A100 throughput: Spearman ${fmt(f.all.rho)} over ${f.all.n} models; stable figures only: ${fmt(f.stable.rho)} over ${f.stable.n}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
