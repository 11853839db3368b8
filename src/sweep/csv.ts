/**
 * CSV of tidy rows (RFC 4180), written so that it reads back exactly: a
 * string that would read as a number, a boolean or nothing ("007", "NaN",
 * "true", "") is quoted, and the reader takes a quoted cell as text. Read
 * against a typed schema ({@linkcode CsvSchema}) to get exactly the
 * declared types whoever wrote the file; without one, each unquoted cell
 * is typed on its own (a decimal number, true/false, or text; an empty
 * cell is a missing value, left out of its row).
 *
 * @module
 */

import type { SweepRow } from "./sweep.ts";

/** The type of a CSV column. */
export type ColumnType = "number" | "integer" | "boolean" | "string";

/** Column name to type: what {@linkcode parseCsv} reads a file against. */
export type CsvSchema = Readonly<Record<string, ColumnType>>;

// A decimal number as the writer prints it (no leading zeros: "007" is an
// identifier), with an optional exponent; never NaN or Infinity.
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
// A number as a person may type it in a column declared numeric ("007",
// ".5", "+3").
const LOOSE_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function columnsOf(rows: readonly SweepRow[]): string[] {
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
  return columns;
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function formatCell(value: unknown, column: string, row: number): string {
  if (value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `rows[${row}].${column} must be a finite number; got ${value}`,
      );
    }
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (typeof value !== "string") {
    throw new TypeError(
      `rows[${row}].${column} must be a number, a string or a boolean; got ${typeof value}`,
    );
  }
  // Quote what would not read back as this text.
  return value === "" || /[",\r\n]/.test(value) || value.trim() !== value ||
      LOOSE_NUMBER.test(value) || value === "true" || value === "false" ||
      /^[-+]?(NaN|Infinity)$/.test(value)
    ? quote(value)
    : value;
}

/**
 * Formats tidy rows as CSV text; columns in first-seen order across rows, a
 * row without a column leaves its cell empty. A string that would read
 * back as something else is quoted ("007", "NaN", "true", "").
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { toCsv } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(toCsv([{ rate: 10, lost: 5 }]), "rate,lost\n10,5");
 * deepStrictEqual(toCsv([{ id: "007" }, { id: "" }]), 'id\n"007"\n""');
 * ```
 */
export function toCsv(rows: readonly SweepRow[]): string {
  const columns = columnsOf(rows);
  const lines = [columns.map((c) => formatCell(c, "header", 0)).join(",")];
  rows.forEach((row, i) => {
    lines.push(columns.map((c) => formatCell(row[c], c, i)).join(","));
  });
  return lines.join("\n");
}

/** One parsed cell: its text and whether it was quoted. */
interface Cell {
  readonly text: string;
  readonly quoted: boolean;
}

// RFC 4180 records; a final line break ends the last record.
function records(text: string): Cell[][] {
  const out: Cell[][] = [];
  let record: Cell[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return out;
  while (i <= n) {
    let cell: Cell;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          throw new RangeError(
            `CSV line ${out.length + 1} has an unclosed quote`,
          );
        }
        value += text.slice(i, close);
        if (text[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      cell = { text: value, quoted: true };
    } else {
      let end = i;
      while (
        end < n && text[end] !== "," && text[end] !== "\n" && text[end] !== "\r"
      ) end++;
      cell = { text: text.slice(i, end), quoted: false };
      i = end;
    }
    record.push(cell);
    if (i >= n) {
      out.push(record);
      break;
    }
    const c = text[i];
    if (c === ",") {
      i++;
      if (i === n) {
        record.push({ text: "", quoted: false });
        out.push(record);
        break;
      }
      continue;
    }
    if (c === "\r" || c === "\n") {
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      out.push(record);
      record = [];
      if (i >= n) break;
      continue;
    }
    throw new RangeError(
      `CSV line ${out.length + 1}: text after a closing quote`,
    );
  }
  return out;
}

function typedCell(
  cell: Cell,
  type: ColumnType | undefined,
  where: string,
): number | string | boolean {
  if (type === undefined) {
    if (cell.quoted) return cell.text;
    if (NUMBER.test(cell.text)) return Number(cell.text);
    if (cell.text === "true") return true;
    if (cell.text === "false") return false;
    return cell.text;
  }
  if (type === "string") return cell.text;
  if (type === "boolean") {
    if (cell.text === "true") return true;
    if (cell.text === "false") return false;
    throw new RangeError(
      `${where} must be true or false; got ${quote(cell.text)}`,
    );
  }
  const value = LOOSE_NUMBER.test(cell.text.trim()) ? Number(cell.text) : NaN;
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `${where} must be a finite number; got ${quote(cell.text)}`,
    );
  }
  if (type === "integer" && !Number.isSafeInteger(value)) {
    throw new RangeError(
      `${where} must be an integer; got ${quote(cell.text)}`,
    );
  }
  return value;
}

/**
 * Parses CSV text into tidy rows. With a `schema` (every column of the
 * header, each with its type) cells are read as declared and anything
 * else is a RangeError naming the line and column; without one, each
 * unquoted cell is typed on its own (see the module doc). An empty
 * unquoted cell is a missing value, left out of its row; a quoted empty
 * cell is the empty string.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { parseCsv, toCsv } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(parseCsv("rate,lost,ok\n10,5,true"), [{ rate: 10, lost: 5, ok: true }]);
 * const rows = [{ id: "007", note: "NaN", n: 7 }, { id: "", note: "x", n: 8 }];
 * deepStrictEqual(parseCsv(toCsv(rows)), rows);
 * deepStrictEqual(parseCsv("id\n007", { id: "string" }), [{ id: "007" }]);
 * ```
 */
export function parseCsv(text: string, schema?: CsvSchema): SweepRow[] {
  const [header, ...body] = records(text);
  if (header === undefined) return [];
  const columns = header.map((c) => c.text);
  if (schema !== undefined) {
    const extra = columns.filter((c) => !Object.hasOwn(schema, c));
    const missing = Object.keys(schema).filter((c) => !columns.includes(c));
    if (extra.length > 0 || missing.length > 0) {
      throw new RangeError(
        `CSV header must hold exactly the schema's columns; ${
          [
            extra.length > 0 ? `not in the schema: ${extra.join(", ")}` : "",
            missing.length > 0 ? `missing: ${missing.join(", ")}` : "",
          ].filter(Boolean).join("; ")
        }`,
      );
    }
  }
  const blank = (record: Cell[]) =>
    record.length === 1 && !record[0].quoted && record[0].text === "";
  return body.flatMap((record, r) => {
    // A blank line holds no row (a row of one empty string is quoted).
    if (blank(record)) return [];
    if (record.length !== columns.length) {
      throw new RangeError(
        `CSV line ${
          r + 2
        } must have ${columns.length} cells; got ${record.length}`,
      );
    }
    const row: SweepRow = {};
    record.forEach((cell, j) => {
      if (!cell.quoted && cell.text === "") return;
      const column = columns[j];
      row[column] = typedCell(
        cell,
        schema?.[column],
        `CSV line ${r + 2}, column ${column}`,
      );
    });
    return [row];
  });
}

/**
 * The schema of tidy rows: each column's type from its values ("integer"
 * when every value is a safe integer, "number", "boolean", else
 * "string"); for writing a schema beside a CSV file.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { csvSchema } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(csvSchema([{ a: 1, b: 0.5, c: "x", d: true }]), { a: "integer", b: "number", c: "string", d: "boolean" });
 * ```
 */
export function csvSchema(
  rows: readonly SweepRow[],
): Record<string, ColumnType> {
  const schema: Record<string, ColumnType> = {};
  for (const column of columnsOf(rows)) {
    const values = rows.map((r) => r[column]).filter((v) => v !== undefined);
    schema[column] = values.every((v) => typeof v === "number")
      ? values.every((v) => Number.isSafeInteger(v)) ? "integer" : "number"
      : values.every((v) => typeof v === "boolean")
      ? "boolean"
      : "string";
  }
  return schema;
}
