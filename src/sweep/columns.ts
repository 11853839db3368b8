/**
 * What each column of a tidy table holds: its type and its unit, read from
 * the unit its name ends with (`downtimeSeconds`, `data.lostPackets`,
 * `linkBitsPerSecond`), for the `meta.json` that describes a data set.
 *
 * @module
 */

import { type ColumnType, csvSchema } from "./csv.ts";
import type { SweepRow } from "./sweep.ts";

/** One column described. */
export interface ColumnDescription {
  /** The column's name. */
  readonly name: string;
  /** Its type. */
  readonly type: ColumnType;
  /** Its unit ("s", "packets", "bit/s", "1" for a plain count or index); null for text and booleans, or a number whose name carries no unit. */
  readonly unit: string | null;
}

// Name endings and their units, longest first.
const SUFFIXES: readonly (readonly [string, string])[] = [
  ["BitsPerSecond", "bit/s"],
  ["BytesPerSecond", "B/s"],
  ["PacketsPerSecond", "packets/s"],
  ["PagesPerSecond", "pages/s"],
  ["PerSecond", "1/s"],
  ["Milliseconds", "ms"],
  ["Seconds", "s"],
  ["Bytes", "B"],
  ["Packets", "packets"],
  ["Pages", "pages"],
  ["Hops", "hops"],
  ["Flows", "flows"],
  ["Percent", "%"],
  ["Sent", "messages"],
];

/** Numeric columns that are counts or indices by name (unit "1"). */
const COUNTS: readonly string[] = [
  "seed",
  "repetition",
  "repeat",
  "runs",
  "flows",
  "flowPairs",
  "factor",
];

/**
 * The unit a column's name carries, or null.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { columnUnit } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(columnUnit("meanDowntimeSeconds"), "s");
 * deepStrictEqual(columnUnit("data.lostPackets"), "packets");
 * deepStrictEqual(columnUnit("packetsPerSecond"), "packets/s");
 * deepStrictEqual(columnUnit("mean"), null);
 * ```
 */
export function columnUnit(name: string): string | null {
  const last = name.slice(name.lastIndexOf(".") + 1);
  if (COUNTS.includes(last)) return "1";
  const lower = last.toLowerCase();
  for (const [suffix, unit] of SUFFIXES) {
    if (lower.endsWith(suffix.toLowerCase())) return unit;
  }
  return null;
}

/**
 * Describes every column of tidy rows: type from the values, unit from the
 * name (numeric columns only).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { describeColumns } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(describeColumns([{ label: "x", downtimeSeconds: 0.5 }]), [
 *   { name: "label", type: "string", unit: null },
 *   { name: "downtimeSeconds", type: "number", unit: "s" },
 * ]);
 * ```
 */
export function describeColumns(
  rows: readonly SweepRow[],
): ColumnDescription[] {
  return Object.entries(csvSchema(rows)).map(([name, type]) => ({
    name,
    type,
    unit: type === "number" || type === "integer" ? columnUnit(name) : null,
  }));
}
