/**
 * Server-side rendering of Vega-Lite specs to SVG with the same libraries the page loads (no canvas needed).
 */
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { compile } from "vega-lite";

import { placeFrontLabels } from "./plot-spec.js";

/** Returns the SVG document of a Vega-Lite spec, rendered headless by a Vega View. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = placeFrontLabels(compile(spec).spec, { avoidMarks: false });
  // renderer "none": no scenegraph rendering is needed to serialise SVG, and no canvas package is installed.
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg.startsWith("<?xml") ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    view.finalize();
  }
}
