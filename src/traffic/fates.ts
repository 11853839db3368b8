/**
 * The result types shared by the two loss engines: the exact interval
 * counter ({@linkcode countFates}) and the per-packet simulator
 * ({@linkcode simulatePackets}).
 *
 * @module
 */

/** Why a packet was lost at an element. */
export type LossCause = "drop" | "overflow" | "flush";

/** Packets lost at one element for one cause. */
export interface ElementLoss {
  /** Index of the element in the path. */
  readonly elementIndex: number;
  /** The element's name. */
  readonly element: string;
  /** `drop`: met a dropping element; `overflow`: buffer full; `flush`: held when the element turned to drop. */
  readonly cause: LossCause;
  /** Packets lost. */
  readonly packets: number;
}

/** Summary of the holding delays of packets that were buffered. */
export interface DelaySummary {
  /** Packets that were held at least once and then delivered. */
  readonly packets: number;
  /** Smallest total holding delay, seconds (0 when none). */
  readonly minSeconds: number;
  /** Largest total holding delay, seconds (0 when none). */
  readonly maxSeconds: number;
  /** Mean total holding delay, seconds (0 when none). */
  readonly meanSeconds: number;
}

/** What happened to a stream's packets on a path. */
export interface FateCounts {
  /** Packets the source sent. */
  readonly sentPackets: number;
  /** Packets that reached the end of the path. */
  readonly deliveredPackets: number;
  /** Packets lost anywhere (sum of `losses`). */
  readonly lostPackets: number;
  /** Packets still held in a buffer when the timeline ended. */
  readonly strandedPackets: number;
  /** Delivered packets that were held on the way (a subset of delivered). */
  readonly heldPackets: number;
  /** Losses per element and cause, only non-zero entries, in path order. */
  readonly losses: readonly ElementLoss[];
  /** Holding delays of the held-then-delivered packets. */
  readonly delay: DelaySummary;
  /** Bytes delivered. */
  readonly deliveredBytes: number;
}
