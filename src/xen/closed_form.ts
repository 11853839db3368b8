/**
 * The closed-form pre-copy model of Liu et al. (HPDC 2011): with a uniform
 * dirty rate D and a link rate R (both in pages per second), lambda = D / R,
 * round i (i = 0, 1, ...) sends V_mem * lambda^i pages; after n iterative
 * rounds the stop-and-copy round n sends V_mem * lambda^n and the migration
 * has sent V_mig = V_mem (1 - lambda^(n+1)) / (1 - lambda).
 *
 * Its assumptions: every written page is a new dirty page (no hot set, no
 * page written twice, no saturation of the working set), no skipping, no
 * per-round costs, and fractional pages. The round-by-round engine
 * ({@linkcode precopyMigration}) agrees with it exactly where these hold.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import type { StopReason, StopTest } from "./precopy.ts";

/** Options of {@linkcode closedFormPrecopy}. */
export interface ClosedFormOptions {
  /** V_mem: memory, pages. */
  memoryPages: number;
  /** D: dirty rate, pages/s. */
  dirtyPagesPerSecond: number;
  /** R: link rate, pages/s (see {@linkcode linkPagesPerSecond}). */
  linkPagesPerSecond: number;
  /** n: iterative rounds before stop-and-copy (>= 0). */
  iterativeRounds: number;
  /** Added to the downtime and the total, s. Default 0. */
  resumeSeconds?: number;
}

/** The closed form's outputs. */
export interface ClosedFormResult {
  /** lambda = D / R. */
  readonly lambda: number;
  /** Pages sent in the n iterative rounds: V_mem (1 - lambda^n) / (1 - lambda). */
  readonly iterativePages: number;
  /** Pages sent in stop-and-copy: V_mem lambda^n. */
  readonly stopAndCopyPages: number;
  /** V_mig: all pages sent. */
  readonly totalPages: number;
  /** Time of the iterative rounds, s. */
  readonly iterativeSeconds: number;
  /** Time of stop-and-copy, s. */
  readonly stopAndCopySeconds: number;
  /** Stop-and-copy + resume, s. */
  readonly downtimeSeconds: number;
  /** Iterative + downtime, s. */
  readonly totalSeconds: number;
}

/**
 * Pages per second a link carries: bits/s over the bits of a page and its
 * per-page overhead.
 *
 * @param linkBitsPerSecond Link rate, bits/s (> 0).
 * @param pageSizeBytes Page size, bytes. Default 4096.
 * @param perPageOverheadBytes Bytes sent per page besides it. Default 8 (as {@linkcode precopyMigration}).
 * @example
 * ```ts
 * import { linkPagesPerSecond } from "@vnmig/vnmig";
 * console.log(linkPagesPerSecond(2 ** 30, 4096, 0)); // 32768
 * ```
 */
export function linkPagesPerSecond(
  linkBitsPerSecond: number,
  pageSizeBytes: number = 4096,
  perPageOverheadBytes: number = 8,
): number {
  assertPositive("linkBitsPerSecond", linkBitsPerSecond);
  assertPositive("pageSizeBytes", pageSizeBytes);
  assertAtLeast("perPageOverheadBytes", perPageOverheadBytes, 0);
  return linkBitsPerSecond / ((pageSizeBytes + perPageOverheadBytes) * 8);
}

// sum_{i=0}^{k-1} lambda^i, exact for lambda = 1.
function geometric(lambda: number, k: number): number {
  return lambda === 1 ? k : (1 - lambda ** k) / (1 - lambda);
}

/**
 * Liu et al.'s closed form for a given number of iterative rounds n. Finite
 * for every lambda (lambda >= 1 included: the sum is then large, not
 * infinite, since n is finite).
 *
 * @example
 * ```ts
 * import { closedFormPrecopy } from "@vnmig/vnmig";
 * const r = closedFormPrecopy({
 *   memoryPages: 1024,
 *   dirtyPagesPerSecond: 512,
 *   linkPagesPerSecond: 1024,
 *   iterativeRounds: 3,
 * });
 * console.log(r.totalPages, r.stopAndCopyPages); // 1920 128
 * ```
 */
export function closedFormPrecopy(
  options: ClosedFormOptions,
): ClosedFormResult {
  const {
    memoryPages,
    dirtyPagesPerSecond,
    linkPagesPerSecond,
    iterativeRounds,
  } = options;
  const resumeSeconds = options.resumeSeconds ?? 0;
  assertPositive("memoryPages", memoryPages);
  assertAtLeast("dirtyPagesPerSecond", dirtyPagesPerSecond, 0);
  assertPositive("linkPagesPerSecond", linkPagesPerSecond);
  assertInteger("iterativeRounds", iterativeRounds, 0);
  assertAtLeast("resumeSeconds", resumeSeconds, 0);
  const lambda = dirtyPagesPerSecond / linkPagesPerSecond;
  const iterativePages = memoryPages * geometric(lambda, iterativeRounds);
  const stopAndCopyPages = memoryPages * lambda ** iterativeRounds;
  const totalPages = memoryPages * geometric(lambda, iterativeRounds + 1);
  const iterativeSeconds = iterativePages / linkPagesPerSecond;
  const stopAndCopySeconds = stopAndCopyPages / linkPagesPerSecond;
  const downtimeSeconds = stopAndCopySeconds + resumeSeconds;
  if (!Number.isFinite(totalPages)) {
    throw new RangeError(
      `iterativeRounds must keep lambda^(n+1) finite (lambda = ${lambda}); got ${iterativeRounds}`,
    );
  }
  return {
    lambda,
    iterativePages,
    stopAndCopyPages,
    totalPages,
    iterativeSeconds,
    stopAndCopySeconds,
    downtimeSeconds,
    totalSeconds: iterativeSeconds + downtimeSeconds,
  };
}

/** Options of {@linkcode closedFormRounds}. */
export interface ClosedFormRoundsOptions {
  /** Xen's few-dirty-pages threshold. Default 50. */
  minDirtyPages?: number;
  /** Xen's maximum iterative rounds. Default 29. */
  maxIterations?: number;
  /** Stop when more than this x memory was sent. Default 3. */
  maxSentFactor?: number;
  /** `"xen"` tests the pages the finished round sent; `"next-round"` those it dirtied. Default "xen". */
  stopTest?: StopTest;
}

/** The number of iterative rounds Xen's stop conditions give in the closed form. */
export interface ClosedFormRounds {
  /** n, the iterative rounds. */
  readonly iterativeRounds: number;
  /** Which condition ended them. */
  readonly stopReason: StopReason;
}

/**
 * The iterative rounds n that Xen's stop conditions give under the closed
 * form's assumptions (round i, 1-based, sends V_mem lambda^(i-1) pages and
 * dirties V_mem lambda^i), tested in the order of {@linkcode STOP_REASONS}.
 *
 * @example
 * ```ts
 * import { closedFormRounds } from "@vnmig/vnmig";
 * console.log(closedFormRounds(1024, 0.5)); // { iterativeRounds: 6, stopReason: "few-dirty-pages" }
 * console.log(closedFormRounds(1024, 0.5, { stopTest: "next-round" }).iterativeRounds); // 5
 * ```
 */
export function closedFormRounds(
  memoryPages: number,
  lambda: number,
  options: ClosedFormRoundsOptions = {},
): ClosedFormRounds {
  assertPositive("memoryPages", memoryPages);
  assertAtLeast("lambda", lambda, 0);
  const minDirtyPages = options.minDirtyPages ?? 50;
  const maxIterations = options.maxIterations ?? 29;
  const maxSentFactor = options.maxSentFactor ?? 3;
  const stopTest = options.stopTest ?? "xen";
  assertAtLeast("minDirtyPages", minDirtyPages, 0);
  assertInteger("maxIterations", maxIterations, 1);
  assertAtLeast("maxSentFactor", maxSentFactor, 0);
  assertOneOf("stopTest", stopTest, ["xen", "next-round"]);
  let sentPages = memoryPages;
  let totalSent = 0;
  for (let i = 1;; i++) {
    const dirtied = sentPages * lambda;
    totalSent += sentPages;
    const tested = stopTest === "xen" ? sentPages : dirtied;
    if (tested < minDirtyPages) {
      return { iterativeRounds: i, stopReason: "few-dirty-pages" };
    }
    if (i >= maxIterations) {
      return { iterativeRounds: i, stopReason: "max-iterations" };
    }
    if (totalSent > maxSentFactor * memoryPages) {
      return { iterativeRounds: i, stopReason: "max-sent" };
    }
    sentPages = dirtied;
  }
}
