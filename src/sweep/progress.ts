/**
 * Progress for long sweeps: a bar on stderr for command lines, and a single
 * display updated in place for Jupyter notebooks.
 *
 * @module
 */

import { assertInteger } from "../_validate.ts";
import {
  gridPoints,
  type ParameterGrid,
  pointRows,
  type RunParameters,
  type Scalar,
  type SweepOptions,
  type SweepRow,
} from "./sweep.ts";

/** A progress callback: runs done, runs in all. */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * The text of a progress bar.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { progressBar } from "@vnmig/vnmig/sweep";
 * deepStrictEqual(progressBar(5, 10, 10), "[#####.....]  50% 5/10");
 * ```
 */
export function progressBar(done: number, total: number, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const percent = String(Math.round(fraction * 100)).padStart(3);
  return `[${"#".repeat(filled)}${
    ".".repeat(width - filled)
  }] ${percent}% ${done}/${total}`;
}

/**
 * A progress callback that redraws one line on stderr (at most every
 * `intervalMilliseconds`, and always at the end).
 *
 * @example
 * ```ts
 * import { stderrProgress, sweep } from "@vnmig/vnmig/sweep";
 * sweep({ x: [1, 2, 3] }, ({ x }) => ({ y: x * x }), { onProgress: stderrProgress("squares") });
 * ```
 */
export function stderrProgress(
  label: string,
  intervalMilliseconds = 100,
): ProgressCallback {
  const encoder = new TextEncoder();
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < intervalMilliseconds) return;
    last = now;
    const end = done >= total ? "\n" : "";
    Deno.stderr.writeSync(
      encoder.encode(`\r${label} ${progressBar(done, total)}${end}`),
    );
  };
}

/** Whether this code runs inside the Deno Jupyter kernel. */
function inJupyter(): boolean {
  // Outside `deno jupyter`, reading Deno.jupyter throws.
  try {
    // deno-lint-ignore no-explicit-any
    const jupyter = (Deno as any).jupyter;
    return typeof jupyter?.display === "function";
  } catch {
    return false;
  }
}

let displayCounter = 0;

/**
 * A progress callback for notebooks: one display, updated in place. Outside
 * Jupyter it does nothing. Use it with {@linkcode sweepAsync}, which lets
 * the kernel send the updates while the sweep runs.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { notebookProgress, sweepAsync } from "@vnmig/vnmig/sweep";
 * const rows = await sweepAsync({ x: [1, 2] }, ({ x }) => ({ y: 2 * x }), {
 *   onProgress: notebookProgress("doubling"),
 * });
 * deepStrictEqual(rows.length, 2);
 * ```
 */
export function notebookProgress(
  label: string,
  intervalMilliseconds = 200,
): ProgressCallback {
  if (!inJupyter()) return () => {};
  const id = `vnmig-progress-${Date.now()}-${displayCounter++}`;
  let started = false;
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (started && done < total && now - last < intervalMilliseconds) return;
    last = now;
    // deno-lint-ignore no-explicit-any
    const jupyter = (Deno as any).jupyter;
    void jupyter.display(
      { "text/plain": `${label} ${progressBar(done, total)}` },
      { raw: true, display_id: id, update: started },
    );
    started = true;
  };
}

/** Options of {@linkcode sweepAsync}. */
export interface SweepAsyncOptions extends SweepOptions {
  /** Yield to the event loop after this much work. Default 50 ms. */
  sliceMilliseconds?: number;
}

/**
 * {@linkcode sweep}, but yielding to the event loop every few milliseconds,
 * so that a notebook's progress display updates while it runs. Same rows,
 * same order, same seeds.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { sweepAsync } from "@vnmig/vnmig/sweep";
 * const rows = await sweepAsync({ a: [1, 2, 3] }, ({ a }) => ({ b: a + 1 }));
 * deepStrictEqual(rows.map((r) => r.b), [2, 3, 4]);
 * ```
 */
export async function sweepAsync<P extends Record<string, Scalar>>(
  grid: ParameterGrid<P>,
  model: (parameters: RunParameters<NoInfer<P>>) => object,
  options: SweepAsyncOptions = {},
): Promise<SweepRow[]> {
  const slice = options.sliceMilliseconds ?? 50;
  const repetitions = options.repetitions ?? 1;
  const points = gridPoints(grid);
  const total = points.length * repetitions;
  const rows: SweepRow[] = [];
  let sliceStart = performance.now();
  // One point at a time through the synchronous sweep (same seeds), pausing
  // at slice boundaries so the kernel can send progress updates.
  assertInteger("repetitions", repetitions, 1);
  assertInteger("seed", options.seed ?? 0, 0);
  for (const [i, point] of points.entries()) {
    pointRows(point, i, model, options, (row) => rows.push(row));
    options.onProgress?.(rows.length, total);
    if (performance.now() - sliceStart > slice) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sliceStart = performance.now();
    }
  }
  return rows;
}
