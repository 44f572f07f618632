/**
 * RFC 4180 CSV text. Hand-written because no CSV package is a direct dependency and quoting is all it needs.
 */

/** A CSV cell: numbers are written in full precision (never rounded), null/undefined as an empty cell. */
export type CsvValue = string | number | boolean | null | undefined;

/** Returns the CSV text (CRLF line ends, header first) of `rows` under `header`. */
export function toCsv(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  const lines = [header.map(csvField), ...rows.map((row) => row.map(csvField))];
  return `${lines.map((cells) => cells.join(",")).join("\r\n")}\r\n`;
}

/** Returns one CSV field, quoted when it holds a comma, quote, line break or leading/trailing space. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
