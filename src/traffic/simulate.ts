/**
 * Per-packet discrete-event simulation of a stream on a path: the
 * independent check of the interval counter ({@linkcode countFates}), and the
 * source of packet timelines. Same semantics as described in `path.ts`; on a
 * CBR stream the two agree exactly.
 *
 * @module
 */

import { FateTally } from "./_accumulate.ts";
import { EventQueue } from "./_event_queue.ts";
import type { FateCounts, LossCause } from "./fates.ts";
import { checkPath, type ElementState, type PathElement } from "./path.ts";
import {
  checkStream,
  packetCount,
  packetTimeSeconds,
  streamTimesSeconds,
  type TrafficStream,
} from "./stream.ts";

/** Fate codes of {@linkcode PacketRecords.fate}. */
export const PACKET_FATES: readonly [
  "delivered",
  "drop",
  "overflow",
  "flush",
  "stranded",
] = ["delivered", "drop", "overflow", "flush", "stranded"];

/** What happened to each packet (one entry per packet, in send order). */
export interface PacketRecords {
  /** Send time, seconds. */
  readonly sendSeconds: Float64Array;
  /** Index into {@linkcode PACKET_FATES}. */
  readonly fate: Uint8Array;
  /** Element where the packet was lost or stranded; -1 when delivered. */
  readonly elementIndex: Int32Array;
  /** Arrival time at the end of the path, seconds; -1 when not delivered. */
  readonly deliverySeconds: Float64Array;
  /** Total time held in buffers, seconds. */
  readonly heldSeconds: Float64Array;
}

/** Options of {@linkcode simulatePackets}. */
export interface SimulateOptions {
  /** Keep a record of every packet (memory O(packets)). Default false. */
  recordPackets?: boolean;
}

/** Result of {@linkcode simulatePackets}. */
export interface SimulationResult {
  /** The same summary {@linkcode countFates} gives. */
  readonly counts: FateCounts;
  /** Events processed (packet arrivals at elements and state changes). */
  readonly events: number;
  /** Per-packet records, when asked for. */
  readonly packets?: PacketRecords;
}

// A FIFO of held packets on growable typed arrays.
class HeldQueue {
  head = 0;
  tail = 0;
  packet = new Float64Array(16);
  arrival = new Float64Array(16);
  delay = new Float64Array(16);

  get length(): number {
    return this.tail - this.head;
  }

  push(packet: number, arrival: number, delay: number): void {
    if (this.tail === this.packet.length) {
      const size = Math.max(16, this.length * 2);
      for (const key of ["packet", "arrival", "delay"] as const) {
        const next = new Float64Array(size);
        next.set(this[key].subarray(this.head, this.tail));
        this[key] = next;
      }
      this.tail -= this.head;
      this.head = 0;
    }
    this.packet[this.tail] = packet;
    this.arrival[this.tail] = arrival;
    this.delay[this.tail++] = delay;
  }

  clear(): void {
    this.head = this.tail = 0;
  }
}

// Fate codes 1 to 3 are the loss causes, in PACKET_FATES order.
const LOSS_CAUSES: readonly LossCause[] = ["drop", "overflow", "flush"];
const CHANGE = 0; // rank of state changes: before arrivals at the same time
const ARRIVAL = 1;

/**
 * Simulates every packet of a stream on a path, event by event. Memory does
 * not grow with the number of packets unless `recordPackets` is set (or a
 * buffer holds them).
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets } from "@vnmig/vnmig";
 * const stream = cbrStream({ packetsPerSecond: 100, endSeconds: 1 });
 * const vm = pathElement({ changes: outage(0.5, 0.6, "buffer") });
 * const { counts } = simulatePackets(stream, [vm]);
 * console.log(counts.heldPackets, counts.lostPackets); // 10 0
 * ```
 */
export function simulatePackets(
  stream: TrafficStream,
  path: readonly PathElement[],
  options: SimulateOptions = {},
): SimulationResult {
  checkStream(stream);
  checkPath(path);
  const times = stream.kind === "poisson" ? streamTimesSeconds(stream) : null;
  const total = stream.kind === "cbr" ? packetCount(stream) : times!.length;
  const sendTime = (k: number) =>
    stream.kind === "cbr" ? packetTimeSeconds(stream, k) : times![k];
  const size = stream.packetSizeBytes;
  const tally = new FateTally(path);
  tally.sent = total;

  const record = options.recordPackets ? makeRecords(total) : undefined;
  const last = path.length - 1;
  const states: ElementState[] = path.map((e) => e.initialState);
  const held = path.map(() => new HeldQueue());
  const capacity = path.map((e) =>
    Math.min(e.bufferCapacityPackets, Math.floor(e.bufferCapacityBytes / size))
  );
  const queue = new EventQueue();
  path.forEach((element, e) => {
    element.changes.forEach((change, c) => {
      queue.push(change.atSeconds, CHANGE, e, c, 0);
    });
  });
  if (total > 0) queue.push(sendTime(0), ARRIVAL, 0, 0, 0);

  const lose = (e: number, fate: number, packet: number) => {
    tally.lose(e, LOSS_CAUSES[fate - 1], 1);
    if (record) {
      record.fate[packet] = fate;
      record.elementIndex[packet] = e;
    }
  };
  // A packet leaving element e at time t (held for `delay` in total so far).
  const leave = (e: number, t: number, packet: number, delay: number) => {
    const next = t + path[e].latencySeconds;
    if (e < last) {
      queue.push(next, ARRIVAL, e + 1, packet, delay);
      return;
    }
    if (delay > 0) {
      tally.deliverHeld(1, delay, delay, delay);
    } else tally.delivered++;
    if (record) {
      record.deliverySeconds[packet] = next;
      record.heldSeconds[packet] = delay;
    }
  };

  let events = 0;
  while (queue.size > 0) {
    const slot = queue.pop();
    const t = queue.timeOf(slot);
    const rank = queue.rankOf(slot);
    const e = queue.element[slot];
    const packet = queue.packet[slot];
    const delay = queue.delay[slot];
    events++;
    if (rank === CHANGE) {
      const change = path[e].changes[packet];
      const buffer = held[e];
      if (states[e] === "buffer" && change.state !== "buffer") {
        for (let i = buffer.head; i < buffer.tail; i++) {
          const p = buffer.packet[i];
          if (change.state === "forward") {
            leave(e, t, p, buffer.delay[i] + (t - buffer.arrival[i]));
          } else lose(e, 3, p);
        }
        buffer.clear();
      }
      states[e] = change.state;
      continue;
    }
    if (e === 0 && packet + 1 < total) {
      queue.push(sendTime(packet + 1), ARRIVAL, 0, packet + 1, 0);
    }
    const state = states[e];
    if (state === "forward") leave(e, t, packet, delay);
    else if (state === "drop") lose(e, 1, packet);
    else if (held[e].length < capacity[e]) held[e].push(packet, t, delay);
    else lose(e, 2, packet);
  }
  held.forEach((buffer, e) => {
    tally.stranded += buffer.length;
    if (record) {
      for (let i = buffer.head; i < buffer.tail; i++) {
        record.fate[buffer.packet[i]] = 4;
        record.elementIndex[buffer.packet[i]] = e;
      }
    }
  });
  if (record) {
    for (let k = 0; k < total; k++) record.sendSeconds[k] = sendTime(k);
  }
  return { counts: tally.result(size), events, packets: record };
}

function makeRecords(
  total: number,
): PacketRecords & { heldSeconds: Float64Array } {
  return {
    sendSeconds: new Float64Array(total),
    fate: new Uint8Array(total),
    elementIndex: new Int32Array(total).fill(-1),
    deliverySeconds: new Float64Array(total).fill(-1),
    heldSeconds: new Float64Array(total),
  };
}
