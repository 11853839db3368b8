/**
 * CSV output of tidy rows (d3-dsv, the CSV library of the d3/Plot family).
 *
 * @module
 */

import { csvFormat } from "d3-dsv";
import type { SweepRow } from "./sweep.ts";

/**
 * Formats tidy rows as CSV text; columns in first-seen order across rows.
 *
 * @example
 * ```ts
 * import { toCsv } from "@vnmig/vnmig";
 * console.log(toCsv([{ rate: 10, lost: 5 }])); // "rate,lost\n10,5"
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
