// An element's state changes as a list of half-open intervals, with the
// capacities and the service time in force in each: the one reading of
// path.ts's semantics that both engines share (like the stream formula).

import { add, dec, div, ONE, type Q, qInt, ZERO } from "./_rational.ts";
import {
  type ElementState,
  type HeldAction,
  heldAction,
  type PathElement,
} from "./path.ts";

export interface Interval {
  /** Start (the change's time); -Infinity for the initial interval. */
  readonly fromSeconds: number;
  readonly state: ElementState;
  /** What the change starting this interval does with held packets. */
  readonly held: HeldAction;
  readonly capacityPackets: number;
  readonly capacityBytes: number;
  readonly forwardingPacketsPerSecond: number;
}

export interface ElementTimeline {
  readonly index: number;
  readonly name: string;
  readonly latencySeconds: number;
  readonly latency: Q;
  readonly linkBitsPerSecond: number;
  readonly queueCapacityPackets: number;
  readonly intervals: readonly Interval[];
  /** Whether some interval has a non-zero service time (a server that can queue). */
  readonly hasServer: boolean;
  /** Service time of a packet of `sizeBytes` reaching the element in interval `i`. */
  service(i: number, sizeBytes: number): Service;
}

export interface Service {
  readonly seconds: number;
  readonly exact: Q;
  readonly zero: boolean;
}

const NO_SERVICE: Service = { seconds: 0, exact: ZERO, zero: true };

export function elementTimeline(
  element: PathElement,
  index: number,
): ElementTimeline {
  const intervals: Interval[] = [{
    fromSeconds: -Infinity,
    state: element.initialState,
    held: "keep",
    capacityPackets: element.bufferCapacityPackets,
    capacityBytes: element.bufferCapacityBytes,
    forwardingPacketsPerSecond: element.forwardingPacketsPerSecond ?? Infinity,
  }];
  for (const c of element.changes) {
    intervals.push({
      fromSeconds: c.atSeconds,
      state: c.state,
      held: heldAction(c),
      capacityPackets: c.bufferCapacityPackets ?? element.bufferCapacityPackets,
      capacityBytes: c.bufferCapacityBytes ?? element.bufferCapacityBytes,
      forwardingPacketsPerSecond: c.forwardingPacketsPerSecond ??
        element.forwardingPacketsPerSecond ?? Infinity,
    });
  }
  const link = element.linkBitsPerSecond ?? Infinity;
  const hasServer = link !== Infinity ||
    intervals.some((i) => i.forwardingPacketsPerSecond !== Infinity);
  const cache = new Map<string, Service>();
  return {
    index,
    name: element.name,
    latencySeconds: element.latencySeconds,
    latency: dec(element.latencySeconds),
    linkBitsPerSecond: link,
    queueCapacityPackets: element.queueCapacityPackets ?? Infinity,
    intervals,
    hasServer,
    service(i: number, sizeBytes: number): Service {
      if (!hasServer) return NO_SERVICE;
      const mu = intervals[i].forwardingPacketsPerSecond;
      const key = `${mu}/${sizeBytes}`;
      const hit = cache.get(key);
      if (hit) return hit;
      let exact = ZERO;
      let seconds = 0;
      if (link !== Infinity) {
        exact = add(exact, div(qInt(8 * sizeBytes), dec(link)));
        seconds += 8 * sizeBytes / link;
      }
      if (mu !== Infinity) {
        exact = add(exact, div(ONE, dec(mu)));
        seconds += 1 / mu;
      }
      const s: Service = { seconds, exact, zero: seconds === 0 };
      cache.set(key, s);
      return s;
    },
  };
}

/** Packets of `sizeBytes` that fit a buffer interval's capacity (with `held` packets and `heldBytes` already in). */
export function room(
  interval: Interval,
  held: number,
  heldBytes: number,
  sizeBytes: number,
): number {
  const byPackets = interval.capacityPackets - held;
  const byBytes = interval.capacityBytes === Infinity
    ? Infinity
    : Math.floor((interval.capacityBytes - heldBytes) / sizeBytes);
  return Math.max(0, Math.min(byPackets, byBytes));
}
