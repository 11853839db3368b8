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
  type Scalar,
  sweep,
  type SweepOptions,
  type SweepRow,
} from "./sweep.ts";
export { toCsv } from "./csv.ts";
