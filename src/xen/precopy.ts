/**
 * Xen's pre-copy live migration, round by round (Clark et al., NSDI 2005;
 * Xen 3.x/4.0 `tools/libxc/xc_domain_save.c`).
 *
 * Clock: 0 is the migration trigger. After `setupSeconds`, round 1 sends
 * every page except the hot ones (already re-dirtied: skipped). Round i > 1
 * has as its to-send set the pages dirtied during round i - 1; the hot pages
 * of that set are re-dirtied before the sender reaches them and are skipped
 * (the writable working set), the rest are sent. The background cursor never
 * overtakes the sender while it writes slower than the link sends (it walks
 * the same cycle in the same order), so cold pages are never skipped.
 * Network buffer pages are page-flipped: those written after round 1 starts
 * are sent in the final round only.
 *
 * After each iterative round, Xen stops iterating when any of these hold:
 * - `"few-dirty-pages"`: with `stopTest: "xen"` (default, Xen's test), the
 *   pages sent plus skipped in the round that just finished are fewer than
 *   `minDirtyPages`; with `stopTest: "next-round"`, the pages dirtied during
 *   that round (what the next round would send) are;
 * - `"max-iterations"`: `maxIterations` iterative rounds are done;
 * - `"max-sent"`: more than `maxSentFactor` x the memory has been sent.
 *
 * Then stop-and-copy: the VM is suspended; the pages dirtied during the last
 * round, the buffer pages written since round 1 started and `stateBytes` of
 * CPU/device state are sent at the full link rate; the VM resumes on the
 * destination after `resumeSeconds`. Downtime = stop-and-copy + resume.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import {
  type DirtyModel,
  dirtyModel,
  type DirtyModelOptions,
  uniqueBackgroundPages,
  uniqueBufferPages,
} from "./dirty_model.ts";

/** Why the iterative phase ended (see the module doc). */
export type StopReason = "few-dirty-pages" | "max-iterations" | "max-sent";

/** Which few-dirty-pages test to apply. */
export type StopTest = "xen" | "next-round";

/** The stop reasons, in the order they are reported when several hold. */
export const STOP_REASONS: readonly StopReason[] = [
  "few-dirty-pages",
  "max-iterations",
  "max-sent",
];

/** Xen's adaptive rate limiter (compiled out by default in Xen). */
export interface RateLimiterOptions {
  /** Rate of round 1, bits/s. Default 100e6. */
  startBitsPerSecond?: number;
  /** Added each round, bits/s. Default 50e6. */
  stepBitsPerSecond?: number;
  /** Cap, bits/s. Default 500e6. */
  maxBitsPerSecond?: number;
}

/** Options of {@linkcode precopyMigration}. */
export interface PrecopyOptions {
  /** VM memory in pages; or give `memoryBytes`. Default 32768 (128 MiB). */
  memoryPages?: number;
  /** VM memory in bytes (rounded up to pages); overrides `memoryPages`. */
  memoryBytes?: number;
  /** Page size, bytes. Default 4096. */
  pageSizeBytes?: number;
  /** Migration link rate, bits/s. Default 1e9. */
  linkBitsPerSecond?: number;
  /** Bytes sent per page besides the page (PFN, batch headers). Default 8. */
  perPageOverheadBytes?: number;
  /** The guest's dirtying (see {@linkcode DirtyModelOptions}). Default none. */
  dirty?: DirtyModelOptions;
  /** Xen's threshold: stop when fewer pages than this (see `stopTest`). Default 50. */
  minDirtyPages?: number;
  /** Xen's maximum iterative rounds. Default 29 (30 rounds with the final one). */
  maxIterations?: number;
  /** Stop when more than this x memory was sent. Default 3. */
  maxSentFactor?: number;
  /** `"xen"`: test pages sent + skipped in the round just finished (Xen). `"next-round"`: test pages dirtied in it. Default "xen". */
  stopTest?: StopTest;
  /** Xen's adaptive rate limiter for the iterative rounds: `true` for Xen's values, or custom values. Default off. */
  rateLimiter?: boolean | RateLimiterOptions;
  /** Trigger to the start of round 1 (connection, destination domain creation), s. Default 0. */
  setupSeconds?: number;
  /** Fixed cost of each iterative round (dirty-bitmap scan and clean), s. Default 0. */
  roundOverheadSeconds?: number;
  /** CPU and device state sent in stop-and-copy, bytes. Default 0. */
  stateBytes?: number;
  /** From the end of stop-and-copy to the VM running on the destination, s. Default 0. */
  resumeSeconds?: number;
  /** Record every round in `rounds`. Default true (false: `rounds` is empty, faster). */
  recordRounds?: boolean;
}

/** One iterative round. */
export interface PrecopyRound {
  /** 1 for the first round. */
  readonly index: number;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** Duration, seconds. */
  readonly durationSeconds: number;
  /** Sending rate of the round, bits/s. */
  readonly bitsPerSecond: number;
  /** Pages sent. */
  readonly pagesSent: number;
  /** Pages of the to-send set skipped because re-dirtied (hot). */
  readonly pagesSkipped: number;
  /** Unique pages (hot + background) dirtied during the round: the next round's to-send set. */
  readonly pagesDirtied: number;
  /** Unique network buffer pages written during the round (kept for the final round). */
  readonly bufferPagesDirtied: number;
}

/** The outcome of a pre-copy migration. */
export interface PrecopyResult {
  /** The iterative rounds (empty when `recordRounds` is false). */
  readonly rounds: readonly PrecopyRound[];
  /** Iterative rounds done. */
  readonly iterations: number;
  /** Why the iterative phase ended. */
  readonly stopReason: StopReason;
  /** Pages of memory. */
  readonly memoryPages: number;
  /** Pages sent in the iterative rounds. */
  readonly iterativePagesSent: number;
  /** Pages sent in stop-and-copy (dirty + buffer pages). */
  readonly stopAndCopyPages: number;
  /** Network buffer pages among them. */
  readonly stopAndCopyBufferPages: number;
  /** All bytes sent (pages, overhead, state). */
  readonly totalBytesSent: number;
  /** Trigger to the start of round 1, s. */
  readonly setupSeconds: number;
  /** Trigger to suspension (setup + iterative rounds), s. */
  readonly iterativeSeconds: number;
  /** Stop-and-copy transfer, s. */
  readonly stopAndCopySeconds: number;
  /** Suspension to running on the destination, s. */
  readonly downtimeSeconds: number;
  /** Trigger to running on the destination, s. */
  readonly totalSeconds: number;
}

/** Xen's rate limiter values. */
export const XEN_RATE_LIMITER: Required<RateLimiterOptions> = {
  startBitsPerSecond: 100e6,
  stepBitsPerSecond: 50e6,
  maxBitsPerSecond: 500e6,
};

/** The checked parameters of a migration. */
interface Plan {
  model: DirtyModel;
  pageBits: number;
  linkBitsPerSecond: number;
  minDirtyPages: number;
  maxIterations: number;
  maxSentPages: number;
  nextRoundTest: boolean;
  limiter: Required<RateLimiterOptions> | null;
  setupSeconds: number;
  roundOverheadSeconds: number;
  stateBits: number;
  resumeSeconds: number;
  record: boolean;
}

function memoryPagesOf(options: PrecopyOptions, pageSizeBytes: number): number {
  if (options.memoryBytes !== undefined) {
    assertPositive("memoryBytes", options.memoryBytes);
    return Math.ceil(options.memoryBytes / pageSizeBytes);
  }
  const pages = options.memoryPages ?? 32768;
  assertInteger("memoryPages", pages, 1);
  return pages;
}

function plan(options: PrecopyOptions): Plan {
  const pageSizeBytes = options.pageSizeBytes ?? 4096;
  assertInteger("pageSizeBytes", pageSizeBytes, 1);
  const memoryPages = memoryPagesOf(options, pageSizeBytes);
  const linkBitsPerSecond = options.linkBitsPerSecond ?? 1e9;
  assertPositive("linkBitsPerSecond", linkBitsPerSecond);
  const perPageOverheadBytes = options.perPageOverheadBytes ?? 8;
  assertAtLeast("perPageOverheadBytes", perPageOverheadBytes, 0);
  const minDirtyPages = options.minDirtyPages ?? 50;
  assertAtLeast("minDirtyPages", minDirtyPages, 0);
  const maxIterations = options.maxIterations ?? 29;
  assertInteger("maxIterations", maxIterations, 1);
  const maxSentFactor = options.maxSentFactor ?? 3;
  assertAtLeast("maxSentFactor", maxSentFactor, 0);
  const stopTest = options.stopTest ?? "xen";
  assertOneOf("stopTest", stopTest, ["xen", "next-round"]);
  const setupSeconds = options.setupSeconds ?? 0;
  assertAtLeast("setupSeconds", setupSeconds, 0);
  const roundOverheadSeconds = options.roundOverheadSeconds ?? 0;
  assertAtLeast("roundOverheadSeconds", roundOverheadSeconds, 0);
  const stateBytes = options.stateBytes ?? 0;
  assertAtLeast("stateBytes", stateBytes, 0);
  const resumeSeconds = options.resumeSeconds ?? 0;
  assertAtLeast("resumeSeconds", resumeSeconds, 0);
  let limiter: Required<RateLimiterOptions> | null = null;
  if (options.rateLimiter) {
    const given = options.rateLimiter === true ? {} : options.rateLimiter;
    limiter = { ...XEN_RATE_LIMITER, ...given };
    assertPositive(
      "rateLimiter.startBitsPerSecond",
      limiter.startBitsPerSecond,
    );
    assertAtLeast("rateLimiter.stepBitsPerSecond", limiter.stepBitsPerSecond);
    assertPositive("rateLimiter.maxBitsPerSecond", limiter.maxBitsPerSecond);
  }
  return {
    model: dirtyModel(memoryPages, options.dirty),
    pageBits: (pageSizeBytes + perPageOverheadBytes) * 8,
    linkBitsPerSecond,
    minDirtyPages,
    maxIterations,
    maxSentPages: maxSentFactor * memoryPages,
    nextRoundTest: stopTest === "next-round",
    limiter,
    setupSeconds,
    roundOverheadSeconds,
    stateBits: stateBytes * 8,
    resumeSeconds,
    record: options.recordRounds ?? true,
  };
}

/**
 * Simulates Xen's pre-copy live migration round by round (see the module
 * doc for the algorithm, the clock and the stop conditions). Always ends:
 * at most `maxIterations` iterative rounds.
 *
 * @example
 * ```ts
 * import { precopyMigration } from "@vnmig/vnmig";
 * const r = precopyMigration({
 *   memoryBytes: 128 * 2 ** 20,
 *   linkBitsPerSecond: 1e9,
 *   dirty: { hotPages: 200, backgroundPagesPerSecond: 2000 },
 * });
 * console.log(r.stopReason, r.rounds.length, r.downtimeSeconds > 0);
 * ```
 */
export function precopyMigration(options: PrecopyOptions = {}): PrecopyResult {
  const p = plan(options);
  const model = p.model;
  const memoryPages = model.memoryPages;
  const hot = model.hotPages;
  const rounds: PrecopyRound[] = [];
  let t = p.setupSeconds;
  let toSend = memoryPages;
  let totalSent = 0;
  let iterations = 0;
  let stopReason: StopReason = "max-iterations";
  let lastDirtied = 0;
  for (;;) {
    iterations++;
    // Hot pages in the to-send set are re-dirtied before they are reached.
    const skipped = Math.min(hot, toSend);
    const sent = toSend - skipped;
    const bitsPerSecond = p.limiter === null ? p.linkBitsPerSecond : Math.min(
      p.linkBitsPerSecond,
      p.limiter.maxBitsPerSecond,
      p.limiter.startBitsPerSecond +
        p.limiter.stepBitsPerSecond * (iterations - 1),
    );
    const duration = (sent * p.pageBits) / bitsPerSecond +
      p.roundOverheadSeconds;
    const end = t + duration;
    const dirtied = hot + uniqueBackgroundPages(model, t, end);
    if (p.record) {
      rounds.push({
        index: iterations,
        startSeconds: t,
        durationSeconds: duration,
        bitsPerSecond,
        pagesSent: sent,
        pagesSkipped: skipped,
        pagesDirtied: dirtied,
        bufferPagesDirtied: uniqueBufferPages(model, t, end),
      });
    }
    totalSent += sent;
    lastDirtied = dirtied;
    t = end;
    const tested = p.nextRoundTest ? dirtied : sent + skipped;
    if (tested < p.minDirtyPages) {
      stopReason = "few-dirty-pages";
      break;
    }
    if (iterations >= p.maxIterations) {
      stopReason = "max-iterations";
      break;
    }
    if (totalSent > p.maxSentPages) {
      stopReason = "max-sent";
      break;
    }
    toSend = dirtied;
  }
  const bufferPages = uniqueBufferPages(model, p.setupSeconds, t);
  // The last round's dirty pages (the skipped hot pages are among them).
  const stopAndCopyPages = lastDirtied + bufferPages;
  const stopBits = stopAndCopyPages * p.pageBits + p.stateBits;
  const stopAndCopySeconds = stopBits / p.linkBitsPerSecond;
  const downtimeSeconds = stopAndCopySeconds + p.resumeSeconds;
  return {
    rounds,
    iterations,
    stopReason,
    memoryPages,
    iterativePagesSent: totalSent,
    stopAndCopyPages,
    stopAndCopyBufferPages: bufferPages,
    totalBytesSent: (totalSent * p.pageBits + stopBits) / 8,
    setupSeconds: p.setupSeconds,
    iterativeSeconds: t,
    stopAndCopySeconds,
    downtimeSeconds,
    totalSeconds: t + downtimeSeconds,
  };
}
