import { readFileSync } from "node:fs";

/** Path of the project's model catalogue (data/models.json). */
export const CATALOGUE_FILE = new URL("../../../data/models.json", import.meta.url);

/** Returns the catalogue's models (display name and source id), in catalogue order. */
export function catalogueModels(
  file: URL | string = CATALOGUE_FILE,
): Array<{ name: string; sourceId: string }> {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as {
    models: Array<{ name: string; sourceId: string }>;
  };
  return parsed.models.map((m) => ({ name: m.name, sourceId: m.sourceId }));
}
