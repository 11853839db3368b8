/**
 * The result types shared by the two loss engines: the exact interval
 * counter ({@linkcode countFates}) and the per-packet simulator
 * ({@linkcode simulatePackets}). Every delay is computed exactly (for the
 * decimals written) and rounded once, so the two engines report the same
 * numbers bit for bit.
 *
 * A {@linkcode FateCounts} fills the migration contract's packet outcome
 * directly: `sentPackets`, `deliveredPackets`, `lostPackets` (+
 * `strandedPackets`, which never arrive), `delayedPackets`,
 * `maxDelaySeconds` and `meanDelaySeconds` have its meaning.
 *
 * @module
 */

/** Why a packet was lost at an element. */
export type LossCause = "drop" | "overflow" | "flush" | "queue";

/** The loss causes, in report order. */
export const LOSS_CAUSES: readonly LossCause[] = [
  "drop",
  "overflow",
  "flush",
  "queue",
];

/** Packets lost at one element for one cause. */
export interface ElementLoss {
  /** Index of the element in the path. */
  readonly elementIndex: number;
  /** The element's name. */
  readonly element: string;
  /** `drop`: met a dropping element; `overflow`: buffer full; `flush`: held when the element flushed; `queue`: the server's queue was full. */
  readonly cause: LossCause;
  /** Packets lost. */
  readonly packets: number;
}

/** Summary of a set of delays (exact, rounded once). */
export interface DelaySummary {
  /** Packets in the set. */
  readonly packets: number;
  /** Smallest delay, seconds (0 when none). */
  readonly minSeconds: number;
  /** Largest delay, seconds (0 when none). */
  readonly maxSeconds: number;
  /** Mean delay, seconds (0 when none). */
  readonly meanSeconds: number;
}

/** The most an element's buffer held at once. */
export interface BufferPeak {
  /** Index of the element in the path. */
  readonly elementIndex: number;
  /** The element's name. */
  readonly element: string;
  /** Most packets held at once. */
  readonly packets: number;
  /** Most bytes held at once. */
  readonly bytes: number;
}

/** What happened to a stream's packets (or several streams') on a path. */
export interface FateCounts {
  /** Packets the sources sent. */
  readonly sentPackets: number;
  /** Packets that reached the end of the path. */
  readonly deliveredPackets: number;
  /** Packets lost anywhere (sum of `losses`). */
  readonly lostPackets: number;
  /** Packets still held in a buffer when the timeline ended. */
  readonly strandedPackets: number;
  /** Delivered packets that were held in a buffer on the way (a subset of delivered). */
  readonly heldPackets: number;
  /** Delivered packets that waited in a server's queue (a subset of delivered). */
  readonly queuedPackets: number;
  /** Delivered packets held or queued: delayed beyond the path's latencies and service times. */
  readonly delayedPackets: number;
  /** Largest extra delay (held + queued) of a delayed packet, seconds (0 when none). */
  readonly maxDelaySeconds: number;
  /** Mean extra delay of the delayed packets, seconds (0 when none). */
  readonly meanDelaySeconds: number;
  /** Losses per element and cause, only non-zero entries, in path order. */
  readonly losses: readonly ElementLoss[];
  /** Time spent held in buffers, over the held-then-delivered packets. */
  readonly delay: DelaySummary;
  /** Extra delay (held + queued), over the delayed packets. */
  readonly extraDelay: DelaySummary;
  /** Send to arrival at the end of the path, over every delivered packet. */
  readonly endToEnd: DelaySummary;
  /** Bytes delivered. */
  readonly deliveredBytes: number;
  /** Per element that held packets, the most it held at once. */
  readonly bufferPeaks: readonly BufferPeak[];
  /** Per stream, when several streams shared the path (in input order); else absent. */
  readonly byStream?: readonly FateCounts[];
}
