/**
 * The dirty-page model of a VM during live migration: which pages the guest
 * writes, counted as unique pages per interval.
 *
 * The VM's memory of `memoryPages` pages is split into:
 * - a hot set of `hotPages` pages written continuously (kernel data, the
 *   routing software's tables): every one of them is dirty at every instant;
 * - a network buffer pool of `bufferPoolPages` pages (by default the netfront
 *   RX and TX rings, 256 entries of one page each). Every forwarded packet
 *   writes `bufferPagesPerPacket` pages of the pool, whatever its size, the
 *   pool's pages taken in turn (a ring), so the forwarding working set
 *   saturates at the pool size;
 * - cold pages, of which a background working set of
 *   `backgroundWorkingSetPages` pages is written at
 *   `backgroundPagesPerSecond` page writes per second, by a cursor that walks
 *   the working set in a cycle (logs, timers, page cache).
 *
 * Writes are events on the model's clock (0 = the migration trigger): the
 * k-th background write at `k / backgroundPagesPerSecond`, the j-th packet at
 * `j / forwardedPacketsPerSecond`, k, j = 0, 1, .... A cursor that makes `w`
 * consecutive writes over a cycle of `c` pages touches exactly `min(c, w)`
 * distinct pages, so the unique count of an interval is exact: a page written
 * twice counts once.
 *
 * @module
 */

import { assertAtLeast, assertFinite, assertInteger } from "../_validate.ts";
import { countBefore } from "../traffic/stream.ts";

/** Options of the dirty-page model (every field has a default). */
export interface DirtyModelOptions {
  /** Pages written continuously (always dirty). Default 0. */
  hotPages?: number;
  /** Background page writes per second over the cold working set. Default 0. */
  backgroundPagesPerSecond?: number;
  /**
   * Pages the background writes cycle over. Default: every cold page
   * (`memoryPages - hotPages - bufferPoolPages`).
   */
  backgroundWorkingSetPages?: number;
  /** Packets the VM forwards per second (each writes buffer pages). Default 0. */
  forwardedPacketsPerSecond?: number;
  /**
   * Network buffer pages (page-flipped; sent in the final round). Default 512:
   * Xen netfront's RX and TX rings of 256 entries, one page each.
   */
  bufferPoolPages?: number;
  /** Distinct buffer pages one forwarded packet writes. Default 1. */
  bufferPagesPerPacket?: number;
}

/** A checked dirty-page model with every default resolved. */
export interface DirtyModel {
  /** The VM's memory in pages. */
  readonly memoryPages: number;
  /** Pages written continuously. */
  readonly hotPages: number;
  /** Background page writes per second. */
  readonly backgroundPagesPerSecond: number;
  /** Pages the background writes cycle over. */
  readonly backgroundWorkingSetPages: number;
  /** Packets forwarded per second. */
  readonly forwardedPacketsPerSecond: number;
  /** Network buffer pool pages. */
  readonly bufferPoolPages: number;
  /** Buffer pages written per forwarded packet. */
  readonly bufferPagesPerPacket: number;
}

/** Unique pages dirtied in an interval, by kind. */
export interface DirtyCount {
  /** Hot pages (all of them, always). */
  readonly hotPages: number;
  /** Distinct background (cold) pages written. */
  readonly backgroundPages: number;
  /** Distinct network buffer pages written. */
  readonly bufferPages: number;
  /** The sum of the three. */
  readonly totalPages: number;
}

/** Default buffer pool: Xen netfront RX + TX rings, 256 entries each. */
export const DEFAULT_BUFFER_POOL_PAGES = 2 * 256;

/**
 * Checks dirty-model options against a memory size and resolves defaults.
 * Throws a RangeError naming the bad parameter (the hot set, the pool and the
 * background working set must fit in memory together).
 *
 * @example
 * ```ts
 * import { dirtyModel } from "@vnmig/vnmig";
 * const model = dirtyModel(32768, { hotPages: 100, backgroundPagesPerSecond: 50 });
 * console.log(model.backgroundWorkingSetPages); // 32156
 * ```
 */
export function dirtyModel(
  memoryPages: number,
  options: DirtyModelOptions = {},
): DirtyModel {
  assertInteger("memoryPages", memoryPages, 1);
  const hotPages = options.hotPages ?? 0;
  const bufferPoolPages = options.bufferPoolPages ?? DEFAULT_BUFFER_POOL_PAGES;
  assertInteger("dirty.hotPages", hotPages, 0);
  assertInteger("dirty.bufferPoolPages", bufferPoolPages, 0);
  if (hotPages + bufferPoolPages > memoryPages) {
    throw new RangeError(
      `dirty.hotPages + dirty.bufferPoolPages must be in [0, memoryPages = ${memoryPages}]; got ${
        hotPages + bufferPoolPages
      }`,
    );
  }
  const coldPages = memoryPages - hotPages - bufferPoolPages;
  const backgroundWorkingSetPages = options.backgroundWorkingSetPages ??
    coldPages;
  if (
    !Number.isSafeInteger(backgroundWorkingSetPages) ||
    backgroundWorkingSetPages < 0 || backgroundWorkingSetPages > coldPages
  ) {
    throw new RangeError(
      `dirty.backgroundWorkingSetPages must be an integer in [0, ${coldPages}] (the cold pages); got ${backgroundWorkingSetPages}`,
    );
  }
  const backgroundPagesPerSecond = options.backgroundPagesPerSecond ?? 0;
  const forwardedPacketsPerSecond = options.forwardedPacketsPerSecond ?? 0;
  const bufferPagesPerPacket = options.bufferPagesPerPacket ?? 1;
  assertAtLeast("dirty.backgroundPagesPerSecond", backgroundPagesPerSecond, 0);
  assertAtLeast(
    "dirty.forwardedPacketsPerSecond",
    forwardedPacketsPerSecond,
    0,
  );
  assertInteger("dirty.bufferPagesPerPacket", bufferPagesPerPacket, 0);
  return {
    memoryPages,
    hotPages,
    backgroundPagesPerSecond,
    backgroundWorkingSetPages,
    forwardedPacketsPerSecond,
    bufferPoolPages,
    bufferPagesPerPacket,
  };
}

/**
 * The number of write events k >= 0 at times `k / ratePerSecond` with time
 * strictly before `timeSeconds`: exact in floating point (an estimate,
 * corrected by evaluating the event time itself).
 *
 * @example
 * ```ts
 * import { eventsBefore } from "@vnmig/vnmig";
 * console.log(eventsBefore(10, 1)); // 10 (events at 0, 0.1, ..., 0.9)
 * ```
 */
export function eventsBefore(
  ratePerSecond: number,
  timeSeconds: number,
): number {
  if (ratePerSecond <= 0 || timeSeconds <= 0) return 0;
  // The writes are the packets of a CBR stream from 0: count them as one.
  return countBefore({
    kind: "cbr",
    packetsPerSecond: ratePerSecond,
    packetSizeBytes: 1,
    startSeconds: 0,
    endSeconds: Infinity,
  }, timeSeconds);
}

/** Write events in [fromSeconds, toSeconds), exact up to `cap` (+ 2). */
function eventsIn(
  rate: number,
  fromSeconds: number,
  toSeconds: number,
  cap: number,
): number {
  if (toSeconds <= fromSeconds || rate <= 0) return 0;
  // An interval holds at least floor(length * rate) events: when that is
  // over the cap the exact count is not needed (and may be huge).
  if ((toSeconds - fromSeconds) * rate >= cap + 2) return cap + 2;
  return eventsBefore(rate, toSeconds) - eventsBefore(rate, fromSeconds);
}

/**
 * Unique background (cold) pages written in [fromSeconds, toSeconds).
 *
 * @example
 * ```ts
 * import { dirtyModel, uniqueBackgroundPages } from "@vnmig/vnmig";
 * const m = dirtyModel(1000, { bufferPoolPages: 0, backgroundPagesPerSecond: 100 });
 * console.log(uniqueBackgroundPages(m, 0, 2), uniqueBackgroundPages(m, 0, 20)); // 200 1000
 * ```
 */
export function uniqueBackgroundPages(
  model: DirtyModel,
  fromSeconds: number,
  toSeconds: number,
): number {
  const writes = eventsIn(
    model.backgroundPagesPerSecond,
    fromSeconds,
    toSeconds,
    model.backgroundWorkingSetPages,
  );
  return Math.min(model.backgroundWorkingSetPages, writes);
}

/**
 * Unique network buffer pages written in [fromSeconds, toSeconds): the
 * packets forwarded in the interval times the pages each writes, capped by
 * the pool.
 *
 * @example
 * ```ts
 * import { dirtyModel, uniqueBufferPages } from "@vnmig/vnmig";
 * const m = dirtyModel(4096, { forwardedPacketsPerSecond: 1000 });
 * console.log(uniqueBufferPages(m, 0, 0.1), uniqueBufferPages(m, 0, 10)); // 100 512
 * ```
 */
export function uniqueBufferPages(
  model: DirtyModel,
  fromSeconds: number,
  toSeconds: number,
): number {
  const packets = eventsIn(
    model.forwardedPacketsPerSecond,
    fromSeconds,
    toSeconds,
    model.bufferPoolPages,
  );
  return Math.min(model.bufferPoolPages, packets * model.bufferPagesPerPacket);
}

/**
 * Unique pages dirtied in [fromSeconds, toSeconds), by kind (hot pages are
 * always all dirty). Exact: a page written twice counts once.
 *
 * @example
 * ```ts
 * import { dirtyModel, uniqueDirtyPages } from "@vnmig/vnmig";
 * const m = dirtyModel(32768, {
 *   hotPages: 100,
 *   backgroundPagesPerSecond: 1000,
 *   forwardedPacketsPerSecond: 10000,
 * });
 * console.log(uniqueDirtyPages(m, 0, 1).totalPages); // 100 + 1000 + 512 = 1612
 * ```
 */
export function uniqueDirtyPages(
  model: DirtyModel,
  fromSeconds: number,
  toSeconds: number,
): DirtyCount {
  assertFinite("fromSeconds", fromSeconds);
  assertAtLeast("toSeconds", toSeconds, fromSeconds);
  const backgroundPages = uniqueBackgroundPages(model, fromSeconds, toSeconds);
  const bufferPages = uniqueBufferPages(model, fromSeconds, toSeconds);
  return {
    hotPages: model.hotPages,
    backgroundPages,
    bufferPages,
    totalPages: model.hotPages + backgroundPages + bufferPages,
  };
}
