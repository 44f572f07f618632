// Favor's dashboard: one plain ES module, no build step. Everything it shows comes from the public GraphQL API
// (/graphql); plots are Vega-Lite specs from the same module the server's /plots/*.svg endpoints use.

import { initDeviceCompare } from "/assets/device-compare.js";
import {
  axisTitle,
  buildCurvesSpec,
  buildScatterSpec,
  CLASS_COLORS,
  formatValue,
  placeFrontLabels,
  TAXONOMY_CLASSES,
  unitDisplay,
} from "/assets/plot-spec.js";

const vega = window.vega;
const vegaLite = window.vegaLite;

// ---------------------------------------------------------------------------------------------------------------
// GraphQL: the queries the page sends, in one place.

const Q_CATALOGUE = /* GraphQL */ `
  query DashboardCatalogue {
    metrics { key label unit direction stage perDevice description }
    devices { id name kind }
  }`;

const Q_RUNS = /* GraphQL */ `
  query DashboardRuns($first: Int!, $after: String, $device: ID) {
    runs(first: $first, after: $after, device: $device) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id runName pretrainResolution resolution gpuCount
        device { id name }
        model { name sourceId family taxonomyClass }
        metrics { key value batchSize source deviceId validity { verdict reasons } }
      } }
    }
  }`;

const Q_EPOCHS = /* GraphQL */ `
  query DashboardEpochs($id: ID!) {
    run(id: $id) { id epochs { epoch loss learningRate acc1 acc5 validationLoss valAcc1 valAcc5 time timeSum gradNormAvg gradNormMax } }
  }`;

const Q_FRONT = /* GraphQL */ `
  query DashboardFront($objectives: [ObjectiveInput!]!, $where: [MetricConstraintInput!], $resolution: Int, $taxonomy: [String!], $filter: SubjectFilterInput, $device: ID) {
    paretoFront(objectives: $objectives, where: $where, resolution: $resolution, taxonomy: $taxonomy, filter: $filter, device: $device) {
      scopeCount
      points { runId rank optimal }
      excluded { count reason }
    }
  }`;

const Q_JOBS = /* GraphQL */ `
  query DashboardJobs {
    measurementJobs(first: 20) { edges { node {
      id status provider createdAt finishedAt error current request
      device { id name }
      progress { total done failed skipped fraction }
    } } }
  }`;

/** Per-epoch fields the curves panel offers, with units (the source's epoch_data). */
const EPOCH_FIELDS = [
  { key: "valAcc1", label: "Validation top-1 accuracy", unit: "fraction" },
  { key: "valAcc5", label: "Validation top-5 accuracy", unit: "fraction" },
  { key: "validationLoss", label: "Validation loss", unit: "" },
  { key: "loss", label: "Training loss", unit: "" },
  { key: "acc1", label: "Training top-1 accuracy", unit: "fraction" },
  { key: "acc5", label: "Training top-5 accuracy", unit: "fraction" },
  { key: "learningRate", label: "Learning rate", unit: "" },
  { key: "time", label: "Epoch time", unit: "s" },
  { key: "timeSum", label: "Cumulative training time", unit: "s" },
  { key: "gradNormAvg", label: "Gradient norm (mean)", unit: "" },
  { key: "gradNormMax", label: "Gradient norm (max)", unit: "" },
];

class GraphQLRequestError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

/** Returns the `data` of a GraphQL operation; throws with the server's messages on errors. */
async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`GraphQL endpoint answered HTTP ${response.status} without JSON`);
  }
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (!response.ok) throw new Error(`GraphQL endpoint answered HTTP ${response.status}`);
  return body.data;
}

// An optional feature (e.g. measurementJobs before the measurement service exists) is absent, not broken.
function isMissingField(error) {
  return (
    error instanceof GraphQLRequestError &&
    error.errors.some((e) => /Cannot query field|Unknown type|Unknown argument/.test(e.message))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// State: settings live in the URL so a view can be shared; data is loaded once.

const PAPER_DEVICE = "paper";

const state = {
  metrics: [], // catalogue rows
  metricByKey: new Map(),
  devices: [],
  paperRuns: [],
  runsByDevice: new Map(), // device id -> runs with that device's figures
  measuredDevices: [],
  compare: false, // draw the paper's points next to the chosen device's
  runs: [], // the runs of the chosen device, normalised: { id, model, sourceId, family, taxonomyClass, resolution, pretrainResolution, deviceName, values: {key: value}, measured: Set }
  x: "throughput",
  y: "accuracyTop1",
  xScale: "auto",
  yScale: "auto",
  front: "2d",
  kd: [], // extra objectives in k-D mode
  device: PAPER_DEVICE,
  text: "",
  taxonomyClass: "",
  resolution: "",
  constraints: [], // { metric, op: "gte" | "lte", value }
  sort: { key: "accuracyTop1", dir: "desc" },
  selected: new Set(),
  curveField: "valAcc1",
  frontIds: new Set(),
  frontRanks: new Map(),
  frontNote: "",
  epochs: new Map(), // run id -> epochs
};

const hook = { ready: false, renders: 0, frontRequests: 0, view: null, curvesView: null, state, errors: [] };
window.__favor = hook;

const $ = (selector) => document.querySelector(selector);

function readUrl() {
  const p = new URLSearchParams(location.search);
  for (const key of [
    "x",
    "y",
    "xScale",
    "yScale",
    "front",
    "device",
    "text",
    "taxonomyClass",
    "resolution",
    "curveField",
  ]) {
    if (p.has(key)) state[key] = p.get(key);
  }
  state.compare = p.get("compare") === "1";
  if (p.has("kd")) state.kd = p.get("kd").split(",").filter(Boolean);
  if (p.has("sort")) {
    const [key, dir] = p.get("sort").split(":");
    state.sort = { key, dir: dir === "asc" ? "asc" : "desc" };
  }
  for (const c of p.getAll("where")) {
    const m = /^(\w+):(gte|lte):(-?[\d.eE+-]+)$/.exec(c);
    if (m) state.constraints.push({ metric: m[1], op: m[2], value: Number(m[3]) });
  }
}

function writeUrl() {
  const p = new URLSearchParams();
  p.set("x", state.x);
  p.set("y", state.y);
  if (state.xScale !== "auto") p.set("xScale", state.xScale);
  if (state.yScale !== "auto") p.set("yScale", state.yScale);
  if (state.front !== "2d") p.set("front", state.front);
  if (state.front === "kd" && state.kd.length) p.set("kd", state.kd.join(","));
  if (state.device !== PAPER_DEVICE) p.set("device", state.device);
  if (state.compare) p.set("compare", "1");
  if (state.text) p.set("text", state.text);
  if (state.taxonomyClass) p.set("taxonomyClass", state.taxonomyClass);
  if (state.resolution) p.set("resolution", state.resolution);
  for (const c of state.constraints) p.append("where", `${c.metric}:${c.op}:${c.value}`);
  history.replaceState(null, "", `${location.pathname}?${p}`);
  updateExportLinks();
}

// Server-side equivalents of the current view, for notebooks and READMEs.
function updateExportLinks() {
  const filters = new URLSearchParams();
  if (state.taxonomyClass) filters.set("taxonomyClass", state.taxonomyClass);
  if (state.resolution) filters.set("resolution", state.resolution);
  if (state.text) filters.set("nameContains", state.text);
  if (state.device !== PAPER_DEVICE) filters.set("device", state.device);
  for (const c of state.constraints) filters.append("where", `${c.metric}:${c.op}:${c.value}`);
  $("#link-export-csv").href = `/export/runs.csv?${filters}`;
  $("#link-export-json").href = `/export/runs.json?${filters}`;
  const plot = new URLSearchParams(filters);
  plot.set("x", state.x);
  plot.set("y", state.y);
  if (state.xScale !== "auto") plot.set("xScale", state.xScale);
  if (state.yScale !== "auto") plot.set("yScale", state.yScale);
  if (state.front === "kd") {
    plot.set("front", "kd");
    const extra = state.kd.filter((k) => k !== state.x && k !== state.y);
    if (extra.length) plot.set("objectives", extra.join(","));
  }
  const kind = state.front === "none" ? "scatter" : "pareto";
  $("#link-svg").href = `/plots/${kind}.svg?${plot}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

async function loadCatalogue() {
  const data = await gql(Q_CATALOGUE);
  state.metrics = data.metrics;
  state.metricByKey = new Map(data.metrics.map((m) => [m.key, m]));
  state.devices = data.devices ?? [];
}

/** Returns every run with its figures for `device` (null: the paper's), following the cursor pages. */
async function loadRuns(device = null) {
  const runs = [];
  let after = null;
  for (;;) {
    const data = await gql(Q_RUNS, { first: 200, after, device });
    for (const { node } of data.runs.edges) runs.push(normaliseRun(node));
    if (!data.runs.pageInfo.hasNextPage) return runs;
    after = data.runs.pageInfo.endCursor;
  }
}

// A device joins the selector once Favor has measured figures on it; the paper's GPUs are the default view.
async function loadMeasuredDevices() {
  const paperGpus = new Set(state.paperRuns.map((r) => r.deviceId));
  state.measuredDevices = [];
  for (const device of state.devices.filter((d) => !paperGpus.has(String(d.id))).slice(0, 8)) {
    const runs = await loadRuns(String(device.id));
    if (runs.some((r) => r.measured.size > 0)) {
      state.measuredDevices.push(device);
      state.runsByDevice.set(String(device.id), runs);
    }
  }
}

function selectDeviceRuns() {
  state.runs =
    state.device === PAPER_DEVICE
      ? state.paperRuns
      : (state.runsByDevice.get(state.device) ?? state.paperRuns);
}

function normaliseRun(node) {
  const values = {};
  const measured = new Set();
  const doubtful = new Map(); // metric key -> why a measured figure is not stable
  for (const m of node.metrics ?? []) {
    values[m.key] = m.value;
    if (String(m.source).toLowerCase() === "measured") measured.add(m.key);
    if (m.validity && m.validity.verdict !== "STABLE")
      doubtful.set(m.key, `${m.validity.verdict.toLowerCase()}: ${m.validity.reasons.join("; ")}`);
  }
  return {
    id: String(node.id),
    runName: node.runName,
    model: node.model.name,
    sourceId: node.model.sourceId,
    family: node.model.family,
    taxonomyClass: node.model.taxonomyClass,
    resolution: node.resolution,
    pretrainResolution: node.pretrainResolution,
    deviceId: String(node.device?.id ?? ""),
    deviceName: node.device?.name ?? "",
    gpuCount: node.gpuCount,
    values,
    measured,
    doubtful,
  };
}

async function loadFront() {
  state.frontIds = new Set();
  state.frontRanks = new Map();
  state.frontNote = "";
  if (state.front === "none") return;
  // Directions are left to the catalogue (the query's default); the scope mirrors the table's filters.
  const objectives = [...new Set([state.x, state.y, ...(state.front === "kd" ? state.kd : [])])].map(
    (metric) => ({ metric }),
  );
  const variables = {
    objectives,
    where: state.constraints.map((c) => ({ metric: c.metric, op: c.op.toUpperCase(), value: c.value })),
    resolution: state.resolution ? Number(state.resolution) : null,
    taxonomy: state.taxonomyClass ? [state.taxonomyClass] : null,
    filter: state.text.trim() ? { nameContains: state.text.trim() } : null,
    device: state.device === PAPER_DEVICE ? null : state.device,
  };
  hook.frontRequests += 1;
  try {
    const data = await gql(Q_FRONT, variables);
    for (const p of data.paretoFront.points) {
      state.frontRanks.set(String(p.runId), p.rank);
      if (p.optimal) state.frontIds.add(String(p.runId));
    }
    const excluded = (data.paretoFront.excluded ?? []).filter((e) => e.count > 0);
    if (excluded.length)
      state.frontNote = `Front excludes ${excluded.map((e) => `${e.count} (${e.reason})`).join(", ")}.`;
  } catch (error) {
    state.frontNote = isMissingField(error)
      ? "This server has no paretoFront query yet: the front is not drawn."
      : `The front could not be computed: ${error.message}`;
    hook.errors.push(String(error.message));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Filtering and sorting (the table's rows are what the plot draws)

function visibleRuns() {
  const text = state.text.trim().toLowerCase();
  const rows = state.runs.filter((r) => {
    // Same rule as the API's nameContains: display name or benchmark id, case-insensitive.
    if (text && !r.model.toLowerCase().includes(text) && !r.sourceId.toLowerCase().includes(text))
      return false;
    if (state.taxonomyClass && r.taxonomyClass !== state.taxonomyClass) return false;
    if (state.resolution && r.resolution !== Number(state.resolution)) return false;
    for (const c of state.constraints) {
      const v = r.values[c.metric];
      if (v === undefined || v === null) return false;
      if (c.op === "gte" ? !(v >= c.value) : !(v <= c.value)) return false;
    }
    return true;
  });
  const { key, dir } = state.sort;
  const sign = dir === "asc" ? 1 : -1;
  const get = (r) => (key in r ? r[key] : r.values[key]);
  return rows.sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    // Missing values sort last whatever the direction.
    if (va === undefined || va === null) return vb === undefined || vb === null ? 0 : 1;
    if (vb === undefined || vb === null) return -1;
    return typeof va === "string" ? sign * va.localeCompare(vb) : sign * (va - vb);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

async function renderPlot(rows) {
  const xm = state.metricByKey.get(state.x);
  const ym = state.metricByKey.get(state.y);
  const measured = state.device !== PAPER_DEVICE;
  const deviceLabel = measured
    ? (state.measuredDevices.find((d) => String(d.id) === state.device)?.name ?? state.device)
    : null;
  const toPoint = (r, device, onFront) => ({
    id: r.id,
    model: r.model,
    taxonomyClass: r.taxonomyClass,
    resolution: r.resolution,
    x: r.values[state.x],
    y: r.values[state.y],
    front: onFront && state.frontIds.has(r.id),
    rank: onFront ? (state.frontRanks.get(r.id) ?? null) : null,
    device,
  });
  const plottable = (r) => Number.isFinite(r.values[state.x]) && Number.isFinite(r.values[state.y]);
  const points = rows.filter(plottable).map((r) => toPoint(r, deviceLabel, true));
  const drawn = points.length;
  if (measured && state.compare) {
    // Side by side: the same filtered runs with the paper's figures, marked by shape; the front stays the device's.
    const ids = new Set(rows.map((r) => r.id));
    for (const r of state.paperRuns)
      if (ids.has(r.id) && plottable(r)) points.push(toPoint(r, "Paper (A100)", false));
  }
  // Narrow screens: legends go below so the plot keeps the width.
  const narrow = $("#plot").clientWidth < 760;
  const width = Math.max(260, Math.min(1040, $("#plot").clientWidth - (narrow ? 70 : 260)));
  const spec = buildScatterSpec({
    legend: narrow ? "bottom" : "right",
    x: xm,
    y: ym,
    points,
    xScale: state.xScale,
    yScale: state.yScale,
    front: state.front,
    width,
    height: Math.round(Math.min(520, Math.max(300, width * 0.58))),
  });
  hook.view?.finalize();
  const view = new vega.View(vega.parse(placeFrontLabels(vegaLite.compile(spec).spec)), {
    renderer: "svg",
    container: "#plot",
    hover: true,
  });
  view.tooltip(tooltipHandler);
  view.addEventListener("click", (_event, item) => {
    const id = item?.datum?.id;
    if (id) toggleSelected(id);
  });
  await view.runAsync();
  hook.view = view;
  const missing = rows.length - drawn;
  const notes = [`${points.length} points drawn.`];
  if (missing > 0)
    notes.push(`${missing} shown row${missing === 1 ? " lacks" : "s lack"} ${xm.label} or ${ym.label}.`);
  if (state.frontNote) notes.push(state.frontNote);
  $("#plot-note").textContent = notes.join(" ");
  $("#plot").setAttribute(
    "aria-label",
    `Scatter plot of ${axisTitle(ym)} against ${axisTitle(xm)}, ${points.length} runs`,
  );
}

function tooltipHandler(_handler, event, item, value) {
  const tip = $("#tooltip");
  if (!value || !item?.datum) {
    tip.hidden = true;
    return;
  }
  const rows = Object.entries(value)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`)
    .join("");
  tip.innerHTML = `<table>${rows}</table>`;
  const box = $(".plot-wrap").getBoundingClientRect();
  tip.hidden = false;
  tip.style.left = `${Math.min(event.clientX - box.left + 14, box.width - tip.offsetWidth - 4)}px`;
  tip.style.top = `${event.clientY - box.top + 14}px`;
}

function renderTable(rows) {
  const metricCols = state.metrics;
  const head = $("#runs-table thead");
  const sortAttr = (key) =>
    state.sort.key === key ? (state.sort.dir === "asc" ? "ascending" : "descending") : "none";
  const th = (key, label, unit, cls = "") =>
    `<th scope="col" class="${cls}" aria-sort="${sortAttr(key)}"><button type="button" data-sort="${escapeHtml(key)}">${escapeHtml(label)}</button>${
      unit ? `<span class="unit">${escapeHtml(unit)}</span>` : ""
    }</th>`;
  head.innerHTML = `<tr><th scope="col" class="sel"><span class="visually-hidden">Curves</span></th>${th("model", "Model", "", "text")}${th(
    "taxonomyClass",
    "Class",
    "",
    "text",
  )}${th("pretrainResolution", "Pre-train", "px")}${th("resolution", "Resolution", "px")}${metricCols
    .map((m) => th(m.key, m.label, tableUnit(m.unit)))
    .join("")}</tr>`;
  const classIndex = (c) => {
    const i = TAXONOMY_CLASSES.indexOf(c);
    return CLASS_COLORS[(i < 0 ? TAXONOMY_CLASSES.length : i) % CLASS_COLORS.length];
  };
  $("#runs-table tbody").innerHTML = rows
    .map((r) => {
      const cells = metricCols
        .map((m) => {
          const v = r.values[m.key];
          const missing = v === undefined || v === null;
          return `<td class="${missing ? "missing" : ""}" title="${missing ? "missing" : escapeHtml(formatValue(v, m.unit))}">${
            missing ? "–" : tableValue(v, m.unit)
          }${r.measured.has(m.key) ? '<span class="measured" title="measured by Favor">●</span>' : ""}${
            r.doubtful.has(m.key)
              ? `<span class="doubtful" title="${escapeHtml(r.doubtful.get(m.key))}">⚠</span>`
              : ""
          }</td>`;
        })
        .join("");
      const selected = state.selected.has(r.id);
      return `<tr data-id="${r.id}" class="${selected ? "selected" : ""} ${state.frontIds.has(r.id) ? "on-front" : ""}">
        <td class="sel"><input type="checkbox" data-select="${r.id}" ${selected ? "checked" : ""} aria-label="Draw curves of ${escapeHtml(r.model)}@${r.resolution}"></td>
        <td class="text model"><span class="swatch" style="background:${classIndex(r.taxonomyClass)}"></span>${escapeHtml(r.model)}</td>
        <td class="text">${escapeHtml(r.taxonomyClass)}</td><td>${r.pretrainResolution}</td><td>${r.resolution}</td>${cells}</tr>`;
    })
    .join("");
  const onFront = rows.filter((r) => state.frontIds.has(r.id)).length;
  $("#row-count").textContent =
    `${rows.length} of ${state.runs.length} runs shown${state.front !== "none" ? `, ${onFront} on the front (◆)` : ""}.`;
}

// Compact units for table headers; the values below are converted to match.
function tableUnit(unit) {
  const u = (unit ?? "").toLowerCase();
  if (unitDisplay(unit).percent) return "%";
  if (u === "bytes") return "GB";
  if (u === "s" || u === "seconds") return "h";
  if (u === "flop" || u === "mac") return "G (10⁹)";
  if (u === "count") return "M (10⁶)";
  return unit ?? "";
}

function tableValue(v, unit) {
  const u = (unit ?? "").toLowerCase();
  if (unitDisplay(unit).percent) return (v * 100).toFixed(2);
  if (u === "bytes") return (v / 1e9).toFixed(2);
  if (u === "s" || u === "seconds") return (v / 3600).toFixed(1);
  if (u === "flop" || u === "mac") return (v / 1e9).toFixed(3);
  if (u === "count") return (v / 1e6).toFixed(2);
  return v.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

let curvesChain = Promise.resolve();

/** Draws the curves of the selected runs; calls run one after another so views never race. */
function renderCurves() {
  curvesChain = curvesChain.then(drawCurves, drawCurves);
  return curvesChain;
}

async function drawCurves() {
  const field = EPOCH_FIELDS.find((f) => f.key === state.curveField) ?? EPOCH_FIELDS[0];
  const ids = [...state.selected];
  $("#curves-hint").hidden = ids.length > 0;
  hook.curvesView?.finalize();
  hook.curvesView = null;
  if (!ids.length) {
    $("#curves").innerHTML = "";
    return;
  }
  await Promise.all(
    ids
      .filter((id) => !state.epochs.has(id))
      .map(async (id) => {
        const data = await gql(Q_EPOCHS, { id });
        state.epochs.set(id, data.run?.epochs ?? []);
      }),
  );
  const byId = new Map(state.runs.map((r) => [r.id, r]));
  const points = [];
  for (const id of ids) {
    const run = byId.get(id);
    const name = run
      ? `${run.model}@${run.resolution} (pre-train ${run.pretrainResolution}, run ${id})`
      : `run ${id}`;
    for (const e of state.epochs.get(id) ?? []) {
      if (Number.isFinite(e[field.key])) points.push({ run: name, epoch: e.epoch, value: e[field.key] });
    }
  }
  const width = Math.max(360, Math.min(1040, $("#curves").clientWidth - 40));
  const spec = buildCurvesSpec({ metric: field, points, width });
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {
    renderer: "svg",
    container: "#curves",
    hover: true,
  });
  view.tooltip(tooltipHandler);
  await view.runAsync();
  hook.curvesView = view;
}

// Whether the schema has a root field, asked once by introspection so an absent feature costs no failed request.
const rootFields = { promise: null };
async function hasQueryField(name) {
  rootFields.promise ??= gql(`{ __type(name: "Query") { fields { name } } }`)
    .then((d) => new Set(d.__type.fields.map((f) => f.name)))
    .catch(() => null); // introspection off: try the query itself
  const fields = await rootFields.promise;
  return fields === null || fields.has(name);
}

async function renderJobs() {
  if (!(await hasQueryField("measurementJobs"))) {
    $("#jobs-card").hidden = true;
    return false;
  }
  try {
    const data = await gql(Q_JOBS);
    const jobs = data.measurementJobs.edges.map((e) => e.node);
    $("#jobs-card").hidden = false;
    $("#jobs").innerHTML = jobs.length
      ? jobs.map(jobItem).join("")
      : `<li class="muted">No measurement jobs yet.</li>`;
    const active = jobs.some((j) => /queued|running/i.test(j.status));
    setTimeout(renderJobs, active ? 2000 : 15000);
    return active;
  } catch (error) {
    // No measurement service on this server: the panel stays hidden.
    $("#jobs-card").hidden = true;
    if (!isMissingField(error)) hook.errors.push(String(error.message));
    return false;
  }
}

function jobItem(j) {
  const p = j.progress;
  const status = String(j.status).toLowerCase();
  const ended = p.done + p.failed + p.skipped;
  const models = (j.request?.models ?? []).join(", ") || "all models";
  const now = j.current ? ` · now ${escapeHtml(`${j.current.modelName}@${j.current.resolution}`)}` : "";
  const label = `Job ${j.id}: ${ended} of ${p.total} cells ended`;
  return `<li>
    <span><strong>Job ${escapeHtml(String(j.id))}</strong> <span class="job-status ${escapeHtml(status)}">${escapeHtml(status)}</span>
      <span class="muted">${escapeHtml(models)} on ${escapeHtml(j.device?.name ?? "?")} (${escapeHtml(j.provider)})</span></span>
    <progress max="1" value="${p.fraction}" aria-label="${escapeHtml(label)}"></progress>
    <span class="muted">${p.done} measured, ${p.skipped} skipped, ${p.failed} failed of ${p.total}${now}${j.error ? ` · ${escapeHtml(j.error)}` : ""}</span>
  </li>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Controls

function fillControls() {
  const options = (items, selected) =>
    items
      .map(
        ([value, label]) =>
          `<option value="${escapeHtml(value)}" ${value === selected ? "selected" : ""}>${escapeHtml(label)}</option>`,
      )
      .join("");
  const metricOptions = state.metrics.map((m) => [m.key, axisTitle(m)]);
  // An unknown key (an old link) falls back to the paper's headline plot, throughput vs top-1 accuracy.
  const fallback = (preferred, other) =>
    state.metricByKey.has(preferred) && preferred !== other
      ? preferred
      : state.metrics.find((m) => m.key !== other).key;
  if (!state.metricByKey.has(state.x)) state.x = fallback("throughput", state.y);
  if (!state.metricByKey.has(state.y)) state.y = fallback("accuracyTop1", state.x);
  $("#x-metric").innerHTML = options(metricOptions, state.x);
  $("#y-metric").innerHTML = options(metricOptions, state.y);
  $("#x-scale").value = state.xScale;
  $("#y-scale").value = state.yScale;
  for (const radio of document.querySelectorAll('input[name="front"]'))
    radio.checked = radio.value === state.front;
  $("#constraint-metric").innerHTML = options(metricOptions, state.y);
  const classes = [...new Set(state.runs.map((r) => r.taxonomyClass))].sort(
    (a, b) => classRank(a) - classRank(b),
  );
  $("#filter-class").innerHTML = `<option value="">all classes</option>${options(
    classes.map((c) => [c, c]),
    state.taxonomyClass,
  )}`;
  const resolutions = [...new Set(state.runs.map((r) => r.resolution))].sort((a, b) => a - b);
  $("#filter-resolution").innerHTML = `<option value="">all</option>${options(
    resolutions.map((r) => [String(r), `${r} px`]),
    state.resolution,
  )}`;
  $("#filter-text").value = state.text;
  $("#curve-field").innerHTML = options(
    EPOCH_FIELDS.map((f) => [f.key, axisTitle(f)]),
    state.curveField,
  );
  // The selector appears once some device other than the paper's has figures.
  $("#device-field").hidden = state.measuredDevices.length === 0;
  $("#device").innerHTML = options(
    [[PAPER_DEVICE, "Paper (A100)"], ...state.measuredDevices.map((d) => [String(d.id), d.name])],
    state.device,
  );
  $("#compare").checked = state.compare;
  renderKdList();
  renderConstraints();
}

function classRank(c) {
  const i = TAXONOMY_CLASSES.indexOf(c);
  return i < 0 ? 99 : i;
}

function renderKdList() {
  $("#kd-objectives").hidden = state.front !== "kd";
  $("#kd-list").innerHTML = state.metrics
    .filter((m) => m.key !== state.x && m.key !== state.y)
    .map(
      (
        m,
      ) => `<label class="chip"><input type="checkbox" data-kd="${escapeHtml(m.key)}" ${state.kd.includes(m.key) ? "checked" : ""}> ${escapeHtml(m.label)}
        <span class="muted">(${String(m.direction).toLowerCase() === "higher" ? "↑" : "↓"})</span></label>`,
    )
    .join("");
}

function renderConstraints() {
  $("#constraints").innerHTML = state.constraints
    .map((c, i) => {
      const m = state.metricByKey.get(c.metric);
      return `<span class="chip">${escapeHtml(m?.label ?? c.metric)} ${c.op === "gte" ? "≥" : "≤"} ${escapeHtml(formatValue(c.value, m?.unit))}
        <button type="button" data-remove-constraint="${i}" aria-label="Remove constraint on ${escapeHtml(m?.label ?? c.metric)}">×</button></span>`;
    })
    .join("");
}

function wireControls() {
  const _refresh = (what) => () => update(what);
  $("#x-metric").addEventListener("change", (e) => {
    state.x = e.target.value;
    update({ front: true });
  });
  $("#y-metric").addEventListener("change", (e) => {
    state.y = e.target.value;
    update({ front: true });
  });
  $("#x-scale").addEventListener("change", (e) => {
    state.xScale = e.target.value;
    update({});
  });
  $("#y-scale").addEventListener("change", (e) => {
    state.yScale = e.target.value;
    update({});
  });
  $("#swap-axes").addEventListener("click", () => {
    [state.x, state.y, state.xScale, state.yScale] = [state.y, state.x, state.yScale, state.xScale];
    fillControls();
    update({ front: true });
  });
  for (const radio of document.querySelectorAll('input[name="front"]')) {
    radio.addEventListener("change", (e) => {
      state.front = e.target.value;
      renderKdList();
      update({ front: true });
    });
  }
  $("#kd-list").addEventListener("change", (e) => {
    const key = e.target.dataset.kd;
    if (!key) return;
    state.kd = e.target.checked ? [...state.kd, key] : state.kd.filter((k) => k !== key);
    update({ front: true });
  });
  $("#device").addEventListener("change", (e) => {
    state.device = e.target.value;
    selectDeviceRuns();
    update({ front: true });
  });
  $("#compare").addEventListener("change", (e) => {
    state.compare = e.target.checked;
    update({});
  });
  let typing;
  $("#filter-text").addEventListener("input", (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.text = e.target.value;
      update({ front: true });
    }, 150);
  });
  $("#filter-class").addEventListener("change", (e) => {
    state.taxonomyClass = e.target.value;
    update({ front: true });
  });
  $("#filter-resolution").addEventListener("change", (e) => {
    state.resolution = e.target.value;
    update({ front: true });
  });
  $("#constraint-add").addEventListener("click", () => {
    const metric = $("#constraint-metric").value;
    const raw = $("#constraint-value").value;
    const m = state.metricByKey.get(metric);
    if (raw === "" || !Number.isFinite(Number(raw))) {
      setStatus(`Give a number for the constraint on ${m?.label ?? metric}.`, true);
      return;
    }
    // Accuracies are typed in percent, as the table shows them; the API takes fractions.
    const value = unitDisplay(m?.unit).percent && Math.abs(Number(raw)) > 1 ? Number(raw) / 100 : Number(raw);
    state.constraints.push({ metric, op: $("#constraint-op").value, value });
    $("#constraint-value").value = "";
    renderConstraints();
    update({ front: true });
  });
  $("#constraints").addEventListener("click", (e) => {
    const i = e.target.dataset.removeConstraint;
    if (i === undefined) return;
    state.constraints.splice(Number(i), 1);
    renderConstraints();
    update({ front: true });
  });
  $("#runs-table thead").addEventListener("click", (e) => {
    const key = e.target.closest("[data-sort]")?.dataset.sort;
    if (!key) return;
    state.sort = { key, dir: state.sort.key === key && state.sort.dir === "desc" ? "asc" : "desc" };
    update({ plot: false });
  });
  $("#runs-table tbody").addEventListener("change", (e) => {
    const id = e.target.dataset.select;
    if (id) toggleSelected(id);
  });
  $("#curve-field").addEventListener("change", (e) => {
    state.curveField = e.target.value;
    writeUrl();
    renderCurves().catch(showError);
  });
  $("#download-csv").addEventListener("click", downloadCsv);
  window.addEventListener(
    "resize",
    debounce(() => update({}), 250),
  );
}

function toggleSelected(id) {
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  renderTable(visibleRuns());
  renderCurves().catch(showError);
}

let updating = Promise.resolve();

/** Re-queries the front if asked, then redraws table and plot; updates run one after another. */
function update({ front = false, plot = true }) {
  updating = updating.then(async () => {
    try {
      writeUrl();
      if (front) await loadFront();
      const rows = visibleRuns();
      renderTable(rows);
      if (plot) await renderPlot(rows);
      hook.renders += 1;
      setStatus("");
    } catch (error) {
      showError(error);
    }
  });
  return updating;
}

// The CSV holds what the table shows, in its order, with raw numbers and units in the header.
function downloadCsv() {
  const rows = visibleRuns();
  const header = [
    "run_id",
    "model",
    "source_id",
    "family",
    "taxonomy_class",
    "pretrain_resolution [px]",
    "resolution [px]",
    "device",
    ...state.metrics.map((m) => (m.unit && m.unit !== "count" ? `${m.key} [${m.unit}]` : m.key)),
  ];
  const field = (v) => {
    if (v === undefined || v === null) return "";
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [
    header,
    ...rows.map((r) => [
      r.id,
      r.model,
      r.sourceId,
      r.family,
      r.taxonomyClass,
      r.pretrainResolution,
      r.resolution,
      r.deviceName,
      ...state.metrics.map((m) => r.values[m.key]),
    ]),
  ].map((cells) => cells.map(field).join(","));
  const blob = new Blob([`${lines.join("\r\n")}\r\n`], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "favor-runs.csv";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function setStatus(text, isError = false) {
  const el = $("#status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function showError(error) {
  hook.errors.push(String(error?.message ?? error));
  setStatus(`Something went wrong: ${error?.message ?? error}`, true);
}

function escapeHtml(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

async function main() {
  if (!vega || !vegaLite) throw new Error("the charting library did not load (/assets/vendor/vega*.min.js)");
  readUrl();
  await loadCatalogue();
  state.paperRuns = await loadRuns();
  await loadMeasuredDevices();
  if (state.device !== PAPER_DEVICE && !state.runsByDevice.has(state.device)) state.device = PAPER_DEVICE;
  selectDeviceRuns();
  fillControls();
  wireControls();
  await update({ front: true });
  await renderCurves();
  renderJobs();
  await initDeviceCompare({ gql, devices: state.measuredDevices, metrics: state.metrics, hook }).catch(
    (error) => hook.errors.push(String(error.message)),
  );
  hook.ready = true;
  document.body.dataset.ready = "1";
}

main().catch((error) => {
  showError(error);
  document.body.dataset.ready = "error";
});
