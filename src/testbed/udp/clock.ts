/**
 * The wall clock the testbed's processes share: the controller stamps its
 * flow-mods with it, the sender its probes, the receiver their arrivals.
 *
 * @module
 */

/**
 * Wall-clock milliseconds (Unix epoch) with sub-millisecond resolution.
 *
 * @example
 * ```ts
 * import { wallClockMs } from "@vnmig/vnmig/testbed";
 * const a = wallClockMs();
 * if (!(a > 1.7e12) || wallClockMs() < a) throw new Error();
 * ```
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
