/**
 * Progress for long sweeps: a bar on stderr for command lines, and a single
 * display updated in place for Jupyter notebooks.
 *
 * @module
 */

import process from "node:process";
import { assertAtLeast, assertInteger, assertKnownKeys } from "../_validate.ts";
import {
  gridPoints,
  type ParameterGrid,
  pointRows,
  type RunParameters,
  type Scalar,
  SWEEP_OPTION_KEYS,
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

/** Options of {@linkcode stderrProgress}. */
export interface StderrProgressOptions {
  /** Draw a bar redrawn in place (`\r`). Default: whether stderr is a terminal. */
  terminal?: boolean;
  /** On a terminal, redraw at most this often, ms. Default 100. */
  intervalMilliseconds?: number;
  /** Not on a terminal, print a plain line at most this often, ms (and always at the end). Default 10000. */
  plainIntervalMilliseconds?: number;
  /** Where the text goes. Default stderr (node:process, so that it works under Deno and Node alike). */
  write?: (text: string) => void;
}

const PROGRESS_KEYS: readonly (keyof StderrProgressOptions)[] = [
  "terminal",
  "intervalMilliseconds",
  "plainIntervalMilliseconds",
  "write",
];

/**
 * A progress callback for command lines. On a terminal it redraws one bar
 * in place; otherwise (a CI log, a file) it prints a plain line now and
 * then, so that logs hold no `\r` sequences. The last call (done = total)
 * always prints. A number as second argument is the terminal interval, ms
 * (the older signature).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { stderrProgress } from "@vnmig/vnmig/sweep";
 * const lines: string[] = [];
 * const progress = stderrProgress("squares", { terminal: false, write: (t) => lines.push(t) });
 * for (let i = 1; i <= 3; i++) progress(i, 3);
 * deepStrictEqual(lines, ["squares 1/3 (33%)\n", "squares 3/3 (100%)\n"]);
 * ```
 */
export function stderrProgress(
  label: string,
  options: StderrProgressOptions | number = {},
): ProgressCallback {
  const o: StderrProgressOptions = typeof options === "number"
    ? { intervalMilliseconds: options }
    : options;
  assertKnownKeys("options", o, PROGRESS_KEYS);
  const interval = o.intervalMilliseconds ?? 100;
  const plainInterval = o.plainIntervalMilliseconds ?? 10_000;
  assertAtLeast("intervalMilliseconds", interval, 0);
  assertAtLeast("plainIntervalMilliseconds", plainInterval, 0);
  const write = o.write ?? ((text: string) => void process.stderr.write(text));
  const terminal = o.terminal ?? process.stderr.isTTY === true;
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    const end = done >= total;
    if (!end && now - last < (terminal ? interval : plainInterval)) return;
    last = now;
    if (terminal) {
      write(`\r${label} ${progressBar(done, total)}${end ? "\n" : ""}`);
    } else {
      const percent = total > 0
        ? Math.round(100 * Math.min(1, done / total))
        : 100;
      write(`${label} ${done}/${total} (${percent}%)\n`);
    }
  };
}

/** The Deno namespace when this runs under Deno (undefined under Node). */
function denoNamespace(): { jupyter?: { display?: unknown } } | undefined {
  return (globalThis as { Deno?: { jupyter?: { display?: unknown } } }).Deno;
}

/** Whether this code runs inside the Deno Jupyter kernel. */
function inJupyter(): boolean {
  // Outside `deno jupyter`, reading Deno.jupyter throws.
  try {
    return typeof denoNamespace()?.jupyter?.display === "function";
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
    const jupyter = denoNamespace()!.jupyter as {
      display(data: unknown, options: unknown): Promise<void>;
    };
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
  assertKnownKeys("options", options, [
    ...SWEEP_OPTION_KEYS,
    "sliceMilliseconds",
  ]);
  const slice = options.sliceMilliseconds ?? 50;
  assertAtLeast("sliceMilliseconds", slice, 0);
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
