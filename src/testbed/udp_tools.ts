/**
 * The testbed's UDP probe format and the receiver's bookkeeping (pure).
 *
 * A probe's payload starts with a 16-byte header: sequence number (uint32),
 * run id (uint32) and the sender's wall-clock send time in ms (float64), all
 * big-endian; the rest is zero padding up to the requested packet size.
 * Packet sizes are IPv4 packet lengths (20-byte IP header + 8-byte UDP
 * header + payload), 44..1500 bytes so that a packet fits a 1500-byte MTU.
 *
 * @module
 */

import { assertInRange, assertInteger } from "../_validate.ts";

/**
 * Bytes of the probe header in the UDP payload.
 *
 * @example
 * ```ts
 * import { PROBE_HEADER_BYTES } from "@vnmig/vnmig";
 * console.log(PROBE_HEADER_BYTES); // 16
 * ```
 */
export const PROBE_HEADER_BYTES = 16;
/**
 * IPv4 + UDP header bytes.
 *
 * @example
 * ```ts
 * import { IP_UDP_HEADER_BYTES } from "@vnmig/vnmig";
 * console.log(IP_UDP_HEADER_BYTES); // 28
 * ```
 */
export const IP_UDP_HEADER_BYTES = 28;
/**
 * Smallest packet size (IPv4 length) a probe fits in.
 *
 * @example
 * ```ts
 * import { MIN_PACKET_BYTES } from "@vnmig/vnmig";
 * console.log(MIN_PACKET_BYTES); // 44
 * ```
 */
export const MIN_PACKET_BYTES: number = PROBE_HEADER_BYTES +
  IP_UDP_HEADER_BYTES;
/**
 * Largest packet size that fits a 1500-byte MTU.
 *
 * @example
 * ```ts
 * import { MAX_PACKET_BYTES } from "@vnmig/vnmig";
 * console.log(MAX_PACKET_BYTES); // 1500
 * ```
 */
export const MAX_PACKET_BYTES = 1500;

/** A decoded probe header. */
export interface Probe {
  /** Sequence number, from 0. */
  readonly seq: number;
  /** The sender's run id (so stray packets of another run are ignored). */
  readonly runId: number;
  /** Wall-clock send time, ms since the Unix epoch. */
  readonly sentMs: number;
}

/**
 * Encodes a probe as a UDP payload for a packet of `packetBytes` (IPv4 length).
 *
 * @example
 * ```ts
 * import { encodeProbe } from "@vnmig/vnmig";
 * console.log(encodeProbe({ seq: 1, runId: 7, sentMs: 0 }, 64).length); // 36
 * ```
 */
export function encodeProbe(probe: Probe, packetBytes: number): Uint8Array {
  assertInteger("packetBytes", packetBytes);
  assertInRange("packetBytes", packetBytes, MIN_PACKET_BYTES, MAX_PACKET_BYTES);
  assertInteger("seq", probe.seq);
  assertInRange("seq", probe.seq, 0, 0xffffffff);
  assertInteger("runId", probe.runId);
  assertInRange("runId", probe.runId, 0, 0xffffffff);
  const bytes = new Uint8Array(packetBytes - IP_UDP_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, probe.seq);
  view.setUint32(4, probe.runId);
  view.setFloat64(8, probe.sentMs);
  return bytes;
}

/**
 * Decodes a probe payload; undefined if it is too short to be one.
 *
 * @example
 * ```ts
 * import { decodeProbe, encodeProbe } from "@vnmig/vnmig";
 * console.log(decodeProbe(encodeProbe({ seq: 5, runId: 1, sentMs: 2.5 }, 100))?.seq); // 5
 * ```
 */
export function decodeProbe(payload: Uint8Array): Probe | undefined {
  if (payload.length < PROBE_HEADER_BYTES) return undefined;
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  return {
    seq: view.getUint32(0),
    runId: view.getUint32(4),
    sentMs: view.getFloat64(8),
  };
}

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
 * import { ReceiverTally } from "@vnmig/vnmig";
 * const tally = new ReceiverTally(10);
 * for (const seq of [0, 1, 3, 2, 2, 6]) tally.add(seq, seq);
 * const r = tally.report(8);
 * console.log(r.lostPackets, r.duplicatedPackets, r.reorderedPackets); // 3 1 1
 * ```
 */
export class ReceiverTally {
  readonly #seen: Uint8Array;
  #duplicated = 0;
  #reordered = 0;
  #highest = -1;
  #lastArrivalMs = NaN;
  #longestArrivalGapMs = 0;
  #outOfRange = 0;

  /** `capacity`: the largest number of packets a run may send. */
  constructor(capacity: number) {
    assertInteger("capacity", capacity, 1);
    this.#seen = new Uint8Array(capacity);
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
    if (seq < this.#highest) this.#reordered++;
    else this.#highest = seq;
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
