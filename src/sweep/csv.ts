/**
 * CSV output of tidy rows (d3-dsv, the CSV library of the d3/Plot family).
 *
 * @module
 */

import { autoType, csvFormat, csvParse } from "d3-dsv";
import type { SweepRow } from "./sweep.ts";

/**
 * Formats tidy rows as CSV text; columns in first-seen order across rows.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { toCsv } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(toCsv([{ rate: 10, lost: 5 }]), "rate,lost\n10,5");
 * ```
 */
export function toCsv(rows: readonly SweepRow[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return csvFormat(rows as SweepRow[], columns);
}

/**
 * Parses CSV text (as {@linkcode toCsv} writes it) back into tidy rows,
 * numbers and booleans typed (d3-dsv's `autoType`); empty cells are left
 * out of their row.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { parseCsv } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(parseCsv("rate,lost,ok\n10,5,true"), [{ rate: 10, lost: 5, ok: true }]);
 * ```
 */
export function parseCsv(text: string): SweepRow[] {
  // A plain array: d3-dsv adds a `columns` property to its result.
  return [...csvParse(text, (raw: Record<string, string | undefined>) => {
    // autoType types in place: keep the raw text for dates, which stay text.
    const typed = autoType({ ...raw }) as Record<string, unknown>;
    const row: SweepRow = {};
    for (const [key, value] of Object.entries(typed)) {
      if (typeof value === "number" || typeof value === "boolean") {
        row[key] = value;
      } else if (typeof value === "string") row[key] = value;
      else if (value instanceof Date) row[key] = raw[key] ?? "";
    }
    return row;
  })];
}
