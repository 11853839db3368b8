/**
 * Parameter sweeps: the cartesian product of parameter lists, each point run
 * `repetitions` times with derived seeds, through any model function, giving
 * tidy rows (one flat object per run) that Observable Plot and the CSV writer
 * take as they are.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../_validate.ts";
import { deriveSeed } from "../random.ts";

/** A value a tidy row may hold. */
export type Scalar = number | string | boolean;

/** One flat row per run. */
export type SweepRow = Record<string, Scalar>;

/** Lists of values per parameter name. */
export type ParameterGrid<P> = { readonly [K in keyof P]: readonly P[K][] };

/** What a model receives for one run: its parameters plus seed and repetition. */
export type RunParameters<P> = P & {
  /** Seed of this run, derived from the sweep seed and the repetition. */
  readonly seed: number;
  /** Repetition index, 0-based. */
  readonly repetition: number;
};

/** Options of {@linkcode sweep}. */
export interface SweepOptions {
  /** Runs per parameter point. Default 1. */
  repetitions?: number;
  /** Base seed, an integer in [0, 2^53 - 1], all of whose bits count; the run seeds derive from it ({@linkcode runSeed}). Default 0. */
  seed?: number;
  /**
   * Common random numbers: repetition r uses the same seed at every grid
   * point, so differences between points are not blurred by different
   * draws (for comparisons). Off, every run of every point has its own
   * seed, so that error bars show independent runs. Default false.
   */
  commonRandomNumbers?: boolean;
  /** Called after each run with (runs done, runs in all). */
  onProgress?: (done: number, total: number) => void;
}

/** The option names of {@linkcode sweep}. */
export const SWEEP_OPTION_KEYS: readonly (keyof SweepOptions)[] = [
  "repetitions",
  "seed",
  "commonRandomNumbers",
  "onProgress",
];

/** The columns a sweep adds to every row; a grid parameter may not take these names. */
export const SWEEP_RUN_COLUMNS: readonly string[] = ["seed", "repetition"];

/**
 * Every combination of the grid's values, in order (the last parameter
 * varies fastest).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { gridPoints } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(gridPoints({ a: [1, 2], b: ["x", "y"] }).length, 4);
 * ```
 */
export function gridPoints<P extends Record<string, Scalar>>(
  grid: ParameterGrid<P>,
): P[] {
  if (grid === null || typeof grid !== "object" || Array.isArray(grid)) {
    throw new TypeError(
      `grid must be an object of value lists; got ${JSON.stringify(grid)}`,
    );
  }
  const keys = Object.keys(grid) as (keyof P)[];
  for (const key of keys) {
    if (SWEEP_RUN_COLUMNS.includes(key as string)) {
      throw new RangeError(
        `grid.${String(key)} is not allowed: every run gets its own "${
          String(key)
        }" column (${
          key === "seed"
            ? "derived from the sweep's seed option"
            : "the repetition index"
        }), which would replace it; rename the parameter (e.g. "scenario${
          String(key)[0].toUpperCase() + String(key).slice(1)
        }")`,
      );
    }
  }
  let points: Partial<P>[] = [{}];
  for (const key of keys) {
    const values = grid[key];
    if (!Array.isArray(values) || values.length === 0) {
      throw new RangeError(
        `grid.${String(key)} must be a list of at least 1 value; got ${
          JSON.stringify(values)
        }`,
      );
    }
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points as P[];
}

/**
 * Flattens a model result into a tidy row: nested objects become
 * `parent.child` columns; arrays and functions are left out; non-finite
 * numbers are refused, so that no NaN or Infinity reaches a table.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { flattenRow } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(flattenRow({ a: 1, b: { c: "x" }, d: [1, 2] }), { a: 1, "b.c": "x" });
 * ```
 */
export function flattenRow(value: object, prefix = ""): SweepRow {
  const row: SweepRow = {};
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) {
        throw new RangeError(`${name} must be a finite number; got ${v}`);
      }
      row[name] = v;
    } else if (typeof v === "string" || typeof v === "boolean") row[name] = v;
    else if (
      v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
    ) {
      Object.assign(row, flattenRow(v, name));
    }
  }
  return row;
}

/**
 * The seed of one run: from the sweep's seed, the grid point's index and the
 * repetition, or, with common random numbers, from the seed and the
 * repetition only.
 *
 * @example
 * ```ts
 * import { runSeed } from "@vnmig/vnmig/sweep";
 * if (runSeed(7, 0, 1, false) === runSeed(7, 1, 1, false)) throw new Error("independent");
 * if (runSeed(7, 0, 1, true) !== runSeed(7, 1, 1, true)) throw new Error("common");
 * ```
 */
export function runSeed(
  seed: number,
  pointIndex: number,
  repetition: number,
  commonRandomNumbers: boolean,
): number {
  return commonRandomNumbers
    ? deriveSeed(seed, repetition)
    : deriveSeed(deriveSeed(seed, pointIndex), repetition);
}

// The rows of one grid point's repetitions (shared with sweepAsync).
export function pointRows<P extends Record<string, Scalar>>(
  point: P,
  pointIndex: number,
  model: (parameters: RunParameters<P>) => object,
  options: SweepOptions,
  onRow: (row: SweepRow) => void,
): void {
  const repetitions = options.repetitions ?? 1;
  const seed = options.seed ?? 0;
  const common = options.commonRandomNumbers ?? false;
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const run = {
      ...point,
      seed: runSeed(seed, pointIndex, repetition, common),
      repetition,
    };
    onRow({
      ...flattenRow(point),
      repetition,
      seed: run.seed,
      ...flattenRow(model(run)),
    });
  }
}

/**
 * Runs a model over the cartesian product of a grid, `repetitions` times per
 * point, and returns one tidy row per run: the parameters, `repetition`,
 * `seed`, then the model's result flattened. Every run has its own seed
 * unless `commonRandomNumbers` is set.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { sweep } from "@vnmig/vnmig/sweep";
 * const rows = sweep(
 *   { packetsPerSecond: [100, 1000], downSeconds: [0.5] },
 *   ({ packetsPerSecond, downSeconds }) => ({ lostPackets: packetsPerSecond * downSeconds }),
 *   { repetitions: 2 },
 * );
 * deepStrictEqual(rows.length, 4);
 * deepStrictEqual(rows[3].lostPackets, 500);
 * ```
 */
export function sweep<P extends Record<string, Scalar>>(
  grid: ParameterGrid<P>,
  model: (parameters: RunParameters<NoInfer<P>>) => object,
  options: SweepOptions = {},
): SweepRow[] {
  assertKnownKeys("options", options, SWEEP_OPTION_KEYS);
  const repetitions = options.repetitions ?? 1;
  const seed = options.seed ?? 0;
  assertInteger("repetitions", repetitions, 1);
  assertInteger("seed", seed, 0);
  const points = gridPoints(grid);
  const total = points.length * repetitions;
  const rows: SweepRow[] = [];
  points.forEach((point, i) =>
    pointRows(point, i, model, options, (row) => {
      rows.push(row);
      options.onProgress?.(rows.length, total);
    })
  );
  return rows;
}
