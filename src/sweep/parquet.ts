/**
 * Parquet output of tidy rows (hyparquet-writer, pure JavaScript), so that
 * pandas, polars and DuckDB load results with their types. The writer
 * loads on first use.
 *
 * @module
 */

import { type CsvSchema, csvSchema } from "./csv.ts";
import type { SweepRow } from "./sweep.ts";

/**
 * Tidy rows as a Parquet file: one column per schema column (default the
 * rows' own, {@linkcode csvSchema}), integers as INT64, numbers as DOUBLE,
 * booleans as BOOLEAN, text as STRING; a row without a column holds null.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { toParquet } from "@vnmig/vnmig/sweep";
 * const bytes = await toParquet([{ rate: 1000, label: "a" }]);
 * deepStrictEqual(new TextDecoder().decode(bytes.slice(0, 4)), "PAR1");
 * ```
 */
export async function toParquet(
  rows: readonly SweepRow[],
  schema: CsvSchema = csvSchema(rows),
): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const columnData = Object.entries(schema).map(([name, type]) => {
    const values = rows.map((r) => r[name]);
    if (type === "integer") {
      return {
        name,
        type: "INT64" as const,
        data: values.map((v) => v === undefined ? null : BigInt(v as number)),
      };
    }
    return {
      name,
      type: type === "number"
        ? "DOUBLE" as const
        : type === "boolean"
        ? "BOOLEAN" as const
        : "STRING" as const,
      data: values.map((v) =>
        v === undefined ? null : type === "string" ? String(v) : v
      ),
    };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
