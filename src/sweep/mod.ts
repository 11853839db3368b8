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
export { parseCsv, toCsv } from "./csv.ts";
export {
  notebookProgress,
  progressBar,
  type ProgressCallback,
  stderrProgress,
  type StderrProgressOptions,
  sweepAsync,
  type SweepAsyncOptions,
} from "./progress.ts";
