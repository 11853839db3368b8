/**
 * Results as tables: rows of plain values to an HTML table that Jupyter
 * shows as a table (and a text version for plain outputs), instead of an
 * object dump or `console.table`.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../_validate.ts";
import { escapeXml } from "./_compose.ts";
import { formatNumber } from "./ticks.ts";

/** A column of {@linkcode htmlTable}: a key of the rows, or a key with a header and a number format. */
export type TableColumn = string | {
  /** The row key. */
  key: string;
  /** Header text (say the unit: "downtime (s)"). Default the key. */
  label?: string;
  /** Significant digits of non-integer numbers. Default the table's `digits`. */
  digits?: number;
};

/** Options of {@linkcode htmlTable}. */
export interface HtmlTableOptions {
  /** The columns, in order. Default every key of the rows, in first-seen order. */
  columns?: readonly TableColumn[];
  /** A caption above the table. Default none. */
  caption?: string;
  /** Significant digits of non-integer numbers. Default 4. */
  digits?: number;
}

/** A table that renders itself in Jupyter (`await Deno.jupyter.display(table)`). */
export interface HtmlTable {
  /** The `<table>` markup. */
  readonly html: string;
  /** The same as aligned plain text. */
  readonly text: string;
  /** The header texts, in order. */
  readonly headers: readonly string[];
  /** The formatted cells, row by row. */
  readonly cells: readonly (readonly string[])[];
}

const OPTION_KEYS: readonly string[] = ["columns", "caption", "digits"];
const COLUMN_KEYS: readonly string[] = ["key", "label", "digits"];

function formatCell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return formatNumber(value);
    return formatNumber(Number(value.toPrecision(digits)));
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value);
}

/**
 * An HTML table of rows: numbers right-aligned with thousands separators
 * and `digits` significant digits, booleans as yes/no, missing values
 * empty. Show it with `await Deno.jupyter.display(htmlTable(rows))`.
 *
 * @example
 * ```ts
 * import { htmlTable } from "@vnmig/vnmig/plot";
 * const table = htmlTable(
 *   [{ mechanism: "Xen standard", lost: 2505, downtimeSeconds: 0.49123 }],
 *   { columns: ["mechanism", "lost", { key: "downtimeSeconds", label: "downtime (s)", digits: 3 }] },
 * );
 * if (!table.html.includes('<td align="right">2,505</td>')) throw new Error();
 * if (table.cells[0][2] !== "0.491") throw new Error();
 * ```
 */
export function htmlTable(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: HtmlTableOptions = {},
): HtmlTable {
  assertKnownKeys("options", options, OPTION_KEYS);
  const digits = options.digits ?? 4;
  assertInteger("digits", digits, 1, 17);
  const columns = (options.columns ??
    [...new Set(rows.flatMap((r) => Object.keys(r)))]).map((c, i) => {
      if (typeof c === "string") return { key: c, label: c, digits };
      assertKnownKeys(`columns[${i}]`, c, COLUMN_KEYS);
      if (c.digits !== undefined) {
        assertInteger(`columns[${i}].digits`, c.digits, 1, 17);
      }
      return {
        key: c.key,
        label: c.label ?? c.key,
        digits: c.digits ?? digits,
      };
    });
  const headers = columns.map((c) => c.label);
  const cells = rows.map((r) =>
    columns.map((c) => formatCell(r[c.key], c.digits))
  );
  const numeric = columns.map((c) =>
    rows.length > 0 &&
    rows.every((r) => r[c.key] === undefined || typeof r[c.key] === "number")
  );
  const cell = (tag: string, text: string, i: number) =>
    `<${tag}${numeric[i] ? ' align="right"' : ""}>${escapeXml(text)}</${tag}>`;
  const html = [
    "<table>",
    options.caption ? `<caption>${escapeXml(options.caption)}</caption>` : "",
    `<thead><tr>${
      headers.map((h, i) => cell("th", h, i)).join("")
    }</tr></thead>`,
    "<tbody>",
    ...cells.map((row) =>
      `<tr>${row.map((t, i) => cell("td", t, i)).join("")}</tr>`
    ),
    "</tbody></table>",
  ].join("");
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => row[i].length))
  );
  const line = (row: readonly string[]) =>
    row.map((t, i) => numeric[i] ? t.padStart(widths[i]) : t.padEnd(widths[i]))
      .join("  ").trimEnd();
  const text = [
    ...(options.caption ? [options.caption] : []),
    line(headers),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
  ].join("\n");
  const table: HtmlTable & { [key: symbol]: unknown } = {
    html,
    text,
    headers,
    cells,
  };
  // The Deno Jupyter kernel calls this to show the table.
  table[Symbol.for("Jupyter.display")] = () => ({
    "text/html": html,
    "text/plain": text,
  });
  return table;
}
