/**
 * Expected fates of a Poisson stream: the closed-form counterpart of
 * sampling. A packet's fate depends only on its send time (buffers release
 * at fixed times), and is constant between the instants where a state change
 * meets it; so each fate's expected count is the rate times the measure of
 * the send times that lead to it. A buffering episode (from the interval a
 * packet is held in to the change that releases or flushes it) that can run
 * out of room keeps E[min(N, c)] of a Poisson number N offered: computed
 * stably, in bounded work, at any mean.
 *
 * The expectation is exact when at most one buffer on the path runs out of
 * room (a full buffer makes packets interact); it has no closed form for
 * servers with queues (rejected), nor for a buffer whose capacity changes
 * while it holds (rejected).
 *
 * @module
 */

import type { LossCause } from "./fates.ts";
import { checkPath, heldAction, type PathElement } from "./path.ts";
import { expectedMin } from "./_poisson.ts";
import { elementTimeline, type Interval } from "./_timeline.ts";
import { checkStream, type TrafficStream } from "./stream.ts";

/** Expected counts for a Poisson stream (means, not integers). */
export interface ExpectedFates {
  /** Expected packets sent. */
  readonly sentPackets: number;
  /** Expected packets delivered. */
  readonly deliveredPackets: number;
  /** Expected packets lost. */
  readonly lostPackets: number;
  /** Expected packets held then delivered. */
  readonly heldPackets: number;
  /** Expected packets stranded in buffers at the end. */
  readonly strandedPackets: number;
  /** Mean holding delay of held-then-delivered packets, seconds (0 if none). */
  readonly meanHeldDelaySeconds: number;
}

interface Fate {
  outcome: "delivered" | "stranded" | LossCause;
  delaySeconds: number;
  // The first buffering episode that held the packet: element and interval.
  episode: string | null;
  capacityPackets: number;
}

// The interval in force at t: the last one starting at or before t.
function intervalAt(intervals: readonly Interval[], t: number): number {
  let i = 0;
  while (i + 1 < intervals.length && intervals[i + 1].fromSeconds <= t) i++;
  return i;
}

function capacityOf(iv: Interval, packetSizeBytes: number): number {
  return Math.min(
    iv.capacityPackets,
    Math.floor(iv.capacityBytes / packetSizeBytes),
  );
}

function traceOne(
  sendSeconds: number,
  timelines: readonly (readonly Interval[])[],
  path: readonly PathElement[],
  packetSizeBytes: number,
): Fate {
  let t = sendSeconds;
  let delay = 0;
  let episode: string | null = null;
  let capacity = Infinity;
  for (let j = 0; j < path.length; j++) {
    const intervals = timelines[j];
    let i = intervalAt(intervals, t);
    const state = intervals[i].state;
    if (state === "drop") {
      return { outcome: "drop", delaySeconds: 0, episode, capacityPackets: 0 };
    }
    if (state === "buffer") {
      const held = i;
      const cap = capacityOf(intervals[i], packetSizeBytes);
      i++;
      while (i < intervals.length && intervals[i].held === "keep") {
        if (capacityOf(intervals[i], packetSizeBytes) !== cap) {
          throw new RangeError(
            `expectedFates: path[${j}] changes its buffer capacity at ${
              intervals[i].fromSeconds
            } s while it holds packets (no closed form); use countFates on sampled streams`,
          );
        }
        i++;
      }
      if (i === intervals.length) {
        return {
          outcome: "stranded",
          delaySeconds: 0,
          episode: null,
          capacityPackets: 0,
        };
      }
      if (intervals[i].held === "flush") {
        return {
          outcome: "flush",
          delaySeconds: 0,
          episode: null,
          capacityPackets: 0,
        };
      }
      const release = intervals[i].fromSeconds;
      delay += release - t;
      t = release;
      episode ??= `${j}@${held}`;
      if (episode === `${j}@${held}`) capacity = cap;
    }
    t += path[j].latencySeconds;
  }
  return {
    outcome: "delivered",
    delaySeconds: delay,
    episode,
    capacityPackets: capacity,
  };
}

/**
 * Expected fates of a stream's packets on a path. For a Poisson stream
 * these are exact expectations when at most one buffer on the path runs out
 * of room; for a CBR stream they are the fluid approximation of the exact
 * counts. O(state changes) work, whatever the rate.
 *
 * @example
 * ```ts
 * import { expectedFates, outage, pathElement, poissonStream } from "@vnmig/vnmig/traffic";
 * const stream = poissonStream({ packetsPerSecond: 1000, endSeconds: 2 });
 * const vm = pathElement({ changes: outage(1, 1.5) });
 * if (expectedFates(stream, [vm]).lostPackets !== 500) throw new Error();
 * // A full buffer keeps at most its capacity: never more delivered than sent.
 * const held = expectedFates(poissonStream({ packetsPerSecond: 1000, endSeconds: 3 }), [
 *   pathElement({ changes: outage(1, 2, "buffer"), bufferCapacityPackets: 1100 }),
 * ]);
 * if (!(held.deliveredPackets <= 3000 && held.lostPackets >= 0)) throw new Error();
 * ```
 */
export function expectedFates(
  stream: TrafficStream,
  path: readonly PathElement[],
): ExpectedFates {
  checkStream(stream);
  checkPath(path);
  if (stream.kind === "explicit") {
    throw new RangeError(
      `expectedFates needs a "cbr" or "poisson" stream; got "explicit" (count its packets with countFates)`,
    );
  }
  path.forEach((e, i) => {
    if (elementTimeline(e, i).hasServer) {
      throw new RangeError(
        `expectedFates: path[${i}] has a server (linkBitsPerSecond or forwardingPacketsPerSecond), whose queue has no closed form here; use countFates`,
      );
    }
    e.changes.forEach(heldAction);
  });
  const timelines = path.map((e, i) => elementTimeline(e, i).intervals);
  const rate = stream.packetsPerSecond;
  const link = stream.linkLatencySeconds ?? 0;
  const start = stream.startSeconds;
  const end = stream.endSeconds;
  // Send times where some change meets the packet (a superset of the
  // instants where its fate can change): each change time less the nominal
  // latency from the source to that element.
  const cuts = new Set<number>([start, end]);
  let offset = link;
  for (const e of path) {
    for (const c of e.changes) {
      const s = c.atSeconds - offset;
      if (s > start && s < end) cuts.add(s);
    }
    offset += e.latencySeconds;
  }
  const points = [...cuts].sort((a, b) => a - b);
  let delivered = 0;
  let lost = 0;
  let stranded = 0;
  let held = 0;
  let delaySum = 0;
  const episodes = new Map<
    string,
    { mass: number; capacity: number; delay: number }
  >();
  for (let i = 0; i + 1 < points.length; i++) {
    const width = points[i + 1] - points[i];
    const mass = rate * width;
    // Holding delay is linear in the send time within a segment, so the
    // midpoint gives the mean.
    const fate = traceOne(
      points[i] + width / 2 + link,
      timelines,
      path,
      stream.packetSizeBytes,
    );
    if (fate.outcome === "delivered") {
      if (fate.episode) {
        const ep = episodes.get(fate.episode) ??
          { mass: 0, capacity: fate.capacityPackets, delay: 0 };
        ep.mass += mass;
        ep.delay += mass * fate.delaySeconds;
        episodes.set(fate.episode, ep);
      } else delivered += mass;
    } else if (fate.outcome === "stranded") stranded += mass;
    else lost += mass;
  }
  for (const ep of episodes.values()) {
    const kept = expectedMin(ep.mass, ep.capacity);
    held += kept;
    delivered += kept;
    lost += ep.mass - kept;
    if (ep.mass > 0) delaySum += kept * (ep.delay / ep.mass);
  }
  return {
    sentPackets: rate * (end - start),
    deliveredPackets: delivered,
    lostPackets: lost,
    heldPackets: held,
    strandedPackets: stranded,
    meanHeldDelaySeconds: held > 0 ? delaySum / held : 0,
  };
}
