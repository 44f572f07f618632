// The device comparison: one figure of every model@resolution on two devices (e.g. the paper's A100 and a
// published H200), as a scatter with the diagonal and as paired rows with the ratio. Which figure answers a
// model@resolution is the server's rule (the `models` query); this module only pairs and draws them.
import { axisTitle, formatValue } from "/assets/plot-spec.js";

const Q_MODELS = /* GraphQL */ `
  query DeviceCompare($device: ID, $metric: String!, $after: String) {
    models(first: 200, after: $after, device: $device) {
      edges { node { model { name taxonomyClass } resolution metrics(keys: [$metric]) { value source provenance } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const PAPER = "paper";
const $ = (selector) => document.querySelector(selector);
const escapeHtml = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

/** Returns model@resolution → { value, verdict } on `device` (PAPER: the paper's figures). */
async function figuresOn(gql, device, metric) {
  const figures = new Map();
  let after = null;
  do {
    const data = await gql(Q_MODELS, { device: device === PAPER ? null : device, metric, after });
    for (const { node } of data.models.edges) {
      const m = node.metrics[0];
      if (!m) continue;
      figures.set(`${node.model.name}@${node.resolution}`, {
        model: node.model.name,
        taxonomyClass: node.model.taxonomyClass,
        resolution: node.resolution,
        value: m.value,
        verdict: m.provenance?.validity?.verdict ?? (m.source === "PAPER" ? "paper" : null),
      });
    }
    after = data.models.pageInfo.hasNextPage ? data.models.pageInfo.endCursor : null;
  } while (after);
  return figures;
}

/**
 * Shows the comparison card once some device besides the paper's has figures. `hook` receives the last view
 * and the pairs (the browser test reads them).
 */
export async function initDeviceCompare({ gql, devices, metrics, hook }) {
  const card = $("#compare-card");
  if (!card || devices.length === 0) return;
  const perDevice = metrics.filter((m) => m.perDevice);
  const deviceOptions = [{ id: PAPER, name: "The paper's figures (A100)" }, ...devices]
    .map((d) => `<option value="${escapeHtml(String(d.id))}">${escapeHtml(d.name)}</option>`)
    .join("");
  $("#compare-a").innerHTML = deviceOptions;
  $("#compare-b").innerHTML = deviceOptions;
  $("#compare-b").value = String(devices[0].id);
  $("#compare-metric").innerHTML = perDevice
    .map((m) => `<option value="${escapeHtml(m.key)}">${escapeHtml(m.label)}</option>`)
    .join("");
  $("#compare-metric").value = perDevice.some((m) => m.key === "throughput")
    ? "throughput"
    : perDevice[0]?.key;
  card.hidden = false;

  const render = async () => {
    const [a, b, key] = [$("#compare-a").value, $("#compare-b").value, $("#compare-metric").value];
    const metric = perDevice.find((m) => m.key === key);
    const nameOf = (id) => $(`#compare-a option[value="${CSS.escape(id)}"]`)?.textContent ?? id;
    const [onA, onB] = await Promise.all([figuresOn(gql, a, key), figuresOn(gql, b, key)]);
    const pairs = [...onA.entries()]
      .filter(([k]) => onB.has(k))
      .map(([k, fa]) => ({ ...fa, a: fa.value, b: onB.get(k).value, verdictB: onB.get(k).verdict }))
      .sort((x, y) => y.b / y.a - x.b / x.a);
    hook.comparePairs = pairs;
    $("#compare-note").textContent =
      pairs.length === 0
        ? `No model has a ${metric.label} figure on both devices.`
        : `${pairs.length} model@resolution rows have a ${metric.label} figure on both devices; points on the diagonal are equal, above it ${nameOf(b)} is higher.`;
    const values = pairs.flatMap((p) => [p.a, p.b]).filter((v) => v > 0);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const title = axisTitle(metric);
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      height: 360,
      layer: [
        {
          name: "diagonal",
          data: { values: pairs.length ? [{ v: lo }, { v: hi }] : [] },
          mark: { type: "line", color: "#888", strokeDash: [4, 4] },
          encoding: {
            x: { field: "v", type: "quantitative", scale: { type: "log" } },
            y: { field: "v", type: "quantitative", scale: { type: "log" } },
          },
        },
        {
          name: "pairs",
          data: { values: pairs },
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x: { field: "a", type: "quantitative", scale: { type: "log" }, title: `${title}: ${nameOf(a)}` },
            y: { field: "b", type: "quantitative", scale: { type: "log" }, title: `${title}: ${nameOf(b)}` },
            color: { field: "taxonomyClass", type: "nominal", title: "class" },
            shape: { field: "verdictB", type: "nominal", title: "validity" },
            tooltip: [
              { field: "model" },
              { field: "resolution" },
              { field: "a", title: nameOf(a), format: ".4~g" },
              { field: "b", title: nameOf(b), format: ".4~g" },
              { field: "verdictB", title: "validity" },
            ],
          },
        },
      ],
    };
    hook.compareView?.finalize();
    const container = $("#compare-plot");
    spec.width = Math.max(320, container.clientWidth - 160);
    const view = new window.vega.View(window.vega.parse(window.vegaLite.compile(spec).spec), {
      renderer: "svg",
      container,
      hover: true,
    });
    await view.runAsync();
    hook.compareView = view;
    $("#compare-table tbody").innerHTML = pairs
      .map(
        (p) =>
          `<tr><td>${escapeHtml(p.model)}</td><td>${p.resolution}</td><td>${escapeHtml(formatValue(p.a, metric.unit))}</td><td>${escapeHtml(formatValue(p.b, metric.unit))}</td><td>${(p.b / p.a).toFixed(2)}×</td><td>${escapeHtml(p.verdictB ?? "")}</td></tr>`,
      )
      .join("");
  };
  for (const id of ["#compare-a", "#compare-b", "#compare-metric"]) {
    $(id).addEventListener("change", () => render().catch((e) => hook.errors.push(String(e.message))));
  }
  await render();
}
