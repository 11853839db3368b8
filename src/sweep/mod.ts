/**
 * Sweeps and tidy rows.
 *
 * @module
 */

export {
  flattenRow,
  gridPoints,
  type ParameterGrid,
  type RunParameters,
  runSeed,
  type Scalar,
  sweep,
  type SweepOptions,
  type SweepRow,
} from "./sweep.ts";
export {
  type ColumnType,
  type CsvSchema,
  csvSchema,
  parseCsv,
  toCsv,
} from "./csv.ts";
export {
  type ColumnDescription,
  columnUnit,
  describeColumns,
} from "./columns.ts";
export { toParquet } from "./parquet.ts";
export {
  notebookProgress,
  progressBar,
  type ProgressCallback,
  stderrProgress,
  type StderrProgressOptions,
  sweepAsync,
  type SweepAsyncOptions,
} from "./progress.ts";
