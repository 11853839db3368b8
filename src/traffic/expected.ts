/**
 * Expected fates of a Poisson stream: the closed-form counterpart of
 * sampling. A packet's fate depends only on its send time (buffers release
 * at fixed times), and is constant between the instants where a state change
 * meets it; so each fate's expected count is the rate times the measure of
 * the send times that lead to it.
 *
 * @module
 */

import type { LossCause } from "./fates.ts";
import { checkPath, type PathElement } from "./path.ts";
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
  // The buffering episode that held the packet: element and release time.
  episode: string | null;
  capacityPackets: number;
}

function traceOne(
  sendSeconds: number,
  path: readonly PathElement[],
  packetSizeBytes: number,
): Fate {
  let t = sendSeconds;
  let delay = 0;
  let episode: string | null = null;
  let capacity = Infinity;
  for (let j = 0; j < path.length; j++) {
    const e = path[j];
    let i = 0;
    while (i < e.changes.length && e.changes[i].atSeconds <= t) i++;
    const state = i > 0 ? e.changes[i - 1].state : e.initialState;
    if (state === "drop") {
      return {
        outcome: "drop",
        delaySeconds: 0,
        episode: null,
        capacityPackets: 0,
      };
    }
    if (state === "buffer") {
      while (i < e.changes.length && e.changes[i].state === "buffer") i++;
      if (i === e.changes.length) {
        return {
          outcome: "stranded",
          delaySeconds: 0,
          episode: null,
          capacityPackets: 0,
        };
      }
      const release = e.changes[i];
      if (release.state === "drop") {
        return {
          outcome: "flush",
          delaySeconds: 0,
          episode: null,
          capacityPackets: 0,
        };
      }
      delay += release.atSeconds - t;
      t = release.atSeconds;
      episode ??= `${j}@${release.atSeconds}`;
      capacity = Math.min(
        e.bufferCapacityPackets,
        Math.floor(e.bufferCapacityBytes / packetSizeBytes),
      );
    }
    t += e.latencySeconds;
  }
  return {
    outcome: "delivered",
    delaySeconds: delay,
    episode,
    capacityPackets: capacity,
  };
}

/** E[min(N, c)] for N ~ Poisson(mean). */
function expectedMin(mean: number, capacity: number): number {
  if (capacity === Infinity || capacity > mean + 40 * Math.sqrt(mean) + 100) {
    return mean;
  }
  // Sum of P(N > k) for k < c, with the pmf built up term by term.
  let pmf = Math.exp(-mean);
  let cdf = 0;
  let sum = 0;
  for (let k = 0; k < capacity; k++) {
    cdf += pmf;
    sum += 1 - cdf;
    pmf *= mean / (k + 1);
  }
  return sum;
}

/**
 * Expected fates of a stream's packets on a path. For a Poisson stream
 * these are exact expectations when at most one buffer on the path runs out
 * of room (a full buffer makes packets interact); for a CBR stream they are
 * the fluid approximation of the exact counts.
 *
 * @example
 * ```ts
 * import { expectedFates, outage, pathElement, poissonStream } from "@vnmig/vnmig";
 * const stream = poissonStream({ packetsPerSecond: 1000, endSeconds: 2 });
 * const vm = pathElement({ changes: outage(1, 1.5) });
 * console.log(expectedFates(stream, [vm]).lostPackets); // 500
 * ```
 */
export function expectedFates(
  stream: TrafficStream,
  path: readonly PathElement[],
): ExpectedFates {
  checkStream(stream);
  checkPath(path);
  const rate = stream.packetsPerSecond;
  const start = stream.startSeconds;
  const end = stream.endSeconds;
  // Send times where some change meets the packet (a superset of the
  // instants where its fate can change): each change time less the nominal
  // latency from the source to that element.
  const cuts = new Set<number>([start, end]);
  let offset = 0;
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
    const fate = traceOne(points[i] + width / 2, path, stream.packetSizeBytes);
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
