/**
 * The receiver's tally of probe arrivals (pure): lost, duplicated and
 * reordered probes, the runs of lost ones, and the longest silence.
 *
 * @module
 */

import { assertInRange, assertInteger } from "../../_validate.ts";

/** What the receiver reports. */
export interface ReceiverReport {
  /** Packets the sender sent (the expected sequence numbers are 0..sent-1). */
  readonly sentPackets: number;
  /** Distinct sequence numbers received. */
  readonly receivedPackets: number;
  /** sentPackets - receivedPackets. */
  readonly lostPackets: number;
  /** Arrivals of a sequence number already received. */
  readonly duplicatedPackets: number;
  /** First arrivals of a number lower than the highest already received. */
  readonly reorderedPackets: number;
  /** The longest run of consecutive missing sequence numbers. */
  readonly longestGapPackets: number;
  /** Missing runs as [first, last] sequence numbers (inclusive), in order. */
  readonly lostRanges: readonly (readonly [number, number])[];
  /** Longest time between two consecutive arrivals, in seconds. */
  readonly longestArrivalGapSeconds: number;
}

/**
 * Receiver bookkeeping over sequence numbers 0..capacity-1: feed it every
 * arrival, then ask for the report once the sender says how many it sent.
 *
 * @example
 * ```ts
 * import { ReceiverTally } from "@vnmig/vnmig/testbed";
 * const tally = new ReceiverTally(10);
 * for (const seq of [0, 1, 3, 2, 2, 6]) tally.add(seq, seq);
 * const r = tally.report(8);
 * // 4, 5 and 7 never came; 2 came twice; 2 came after 3.
 * if (r.lostPackets !== 3 || r.duplicatedPackets !== 1 || r.reorderedPackets !== 1) throw new Error();
 * ```
 */
export class ReceiverTally {
  readonly #seen: Uint8Array;
  readonly #firstArrivalMs: Float64Array | undefined;
  #duplicated = 0;
  #reordered = 0;
  #highest = -1;
  #lastArrivalMs = NaN;
  #longestArrivalGapMs = 0;
  #outOfRange = 0;

  /**
   * `capacity`: the largest number of packets a run may send;
   * `recordArrivals`: also keep each probe's first arrival time (for
   * {@linkcode ReceiverTally.arrivalsMs}; default false).
   */
  constructor(capacity: number, options: { recordArrivals?: boolean } = {}) {
    assertInteger("capacity", capacity, 1);
    this.#seen = new Uint8Array(capacity);
    this.#firstArrivalMs = options.recordArrivals
      ? new Float64Array(capacity)
      : undefined;
  }

  /** Records one arrival: its sequence number and arrival time (ms). */
  add(seq: number, arrivalMs: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.#seen.length) {
      this.#outOfRange++;
      return;
    }
    if (!Number.isNaN(this.#lastArrivalMs)) {
      this.#longestArrivalGapMs = Math.max(
        this.#longestArrivalGapMs,
        arrivalMs - this.#lastArrivalMs,
      );
    }
    this.#lastArrivalMs = arrivalMs;
    if (this.#seen[seq]) {
      this.#duplicated++;
      return;
    }
    this.#seen[seq] = 1;
    if (this.#firstArrivalMs !== undefined) {
      this.#firstArrivalMs[seq] = arrivalMs;
    }
    if (seq < this.#highest) this.#reordered++;
    else this.#highest = seq;
  }

  /**
   * The first arrival time (ms) of each of probes 0..sentPackets-1, null
   * for a probe that never came; needs `recordArrivals`.
   *
   * @example
   * ```ts
   * import { ReceiverTally } from "@vnmig/vnmig/testbed";
   * const tally = new ReceiverTally(4, { recordArrivals: true });
   * tally.add(0, 10.5);
   * tally.add(2, 12);
   * tally.add(2, 13);
   * if (JSON.stringify(tally.arrivalsMs(3)) !== "[10.5,null,12]") throw new Error();
   * ```
   */
  arrivalsMs(sentPackets: number): (number | null)[] {
    if (this.#firstArrivalMs === undefined) {
      throw new Error("arrivalsMs needs a tally made with recordArrivals");
    }
    assertInteger("sentPackets", sentPackets);
    assertInRange("sentPackets", sentPackets, 0, this.#seen.length);
    return Array.from(
      { length: sentPackets },
      (_, seq) => this.#seen[seq] ? this.#firstArrivalMs![seq] : null,
    );
  }

  /** Arrivals whose sequence number was outside 0..capacity-1. */
  get outOfRangePackets(): number {
    return this.#outOfRange;
  }

  /** The report for a run that sent `sentPackets` (sequence numbers 0..sentPackets-1). */
  report(sentPackets: number): ReceiverReport {
    assertInteger("sentPackets", sentPackets);
    assertInRange("sentPackets", sentPackets, 0, this.#seen.length);
    let received = 0;
    let longestGap = 0;
    const lostRanges: [number, number][] = [];
    let runStart = -1;
    for (let seq = 0; seq <= sentPackets; seq++) {
      const got = seq === sentPackets || this.#seen[seq] === 1;
      if (seq < sentPackets && got) received++;
      if (!got && runStart < 0) runStart = seq;
      if (got && runStart >= 0) {
        lostRanges.push([runStart, seq - 1]);
        longestGap = Math.max(longestGap, seq - runStart);
        runStart = -1;
      }
    }
    return {
      sentPackets,
      receivedPackets: received,
      lostPackets: sentPackets - received,
      duplicatedPackets: this.#duplicated,
      reorderedPackets: this.#reordered,
      longestGapPackets: longestGap,
      lostRanges,
      longestArrivalGapSeconds: this.#longestArrivalGapMs / 1000,
    };
  }
}
