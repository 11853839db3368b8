/**
 * Exact loss counting by intervals. A CBR stream's packets are at
 * `t0 + k / R` and every element's state is piecewise constant, so the
 * packets meeting one state form a contiguous run of indices: the counter
 * moves whole runs through the path, splitting them only at state changes.
 * The work is O(number of state changes), whatever the number of packets.
 *
 * @module
 */

import { assertFinite } from "../_validate.ts";
import { FateTally } from "./_accumulate.ts";
import type { FateCounts } from "./fates.ts";
import { checkPath, type ElementState, type PathElement } from "./path.ts";
import {
  type CbrStream,
  checkStream,
  countBefore,
  packetCount,
  packetTimeSeconds,
  streamTimesSeconds,
  type TrafficStream,
} from "./stream.ts";

// A run of packets in time order. Its packets' times at the current element
// are computed exactly as the per-packet simulator computes them: the send
// time, then each element's latency added in turn (`offsets`), so the two
// engines compare the same floating-point numbers.
interface IndexRun {
  kind: "cbr" | "list";
  first: number; // index of the first packet (stream index or list index)
  count: number;
  offsets: number[];
}

// Packets released together from a buffer: all at one time, all held before.
interface BurstRun {
  kind: "burst";
  timeSeconds: number;
  count: number;
  delaySum: number;
  delayMin: number;
  delayMax: number;
}

type Run = IndexRun | BurstRun;

class RunClock {
  constructor(
    readonly stream: CbrStream | null,
    readonly times: Float64Array | null,
  ) {}

  /** Time at the current element of the i-th packet of an index run. */
  at(run: IndexRun, i: number): number {
    let t = run.kind === "cbr"
      ? packetTimeSeconds(this.stream!, run.first + i)
      : this.times![run.first + i];
    for (const latency of run.offsets) t += latency;
    return t;
  }

  /** How many packets of the run are at the current element before `limit`. */
  countBefore(run: Run, limit: number): number {
    if (run.kind === "burst") return run.timeSeconds < limit ? run.count : 0;
    if (limit === Infinity) return run.count;
    let lo = 0;
    let hi = run.count;
    if (run.kind === "cbr") {
      // Estimate from the rate, then correct with the exact times; the
      // estimate is off by a few packets at most.
      const rate = this.stream!.packetsPerSecond;
      const guess = Math.ceil((limit - this.at(run, 0)) * rate);
      let k = Math.min(run.count, Math.max(0, guess));
      while (k > 0 && this.at(run, k - 1) >= limit) k--;
      while (k < run.count && this.at(run, k) < limit) k++;
      return k;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(run, mid) < limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sum of the times at the current element (for holding delays). */
  sumTimes(run: IndexRun): number {
    if (run.kind === "cbr") {
      return run.count * (this.at(run, 0) + this.at(run, run.count - 1)) / 2;
    }
    let sum = 0;
    for (let i = 0; i < run.count; i++) sum += this.at(run, i);
    return sum;
  }
}

function take(run: Run, n: number): [Run, Run | null] {
  if (n >= run.count) return [run, null];
  if (run.kind === "burst") {
    // Only a full buffer splits a burst; delays are equal within it up to
    // the spread it already carries, so share the sum in proportion.
    const head: BurstRun = {
      ...run,
      count: n,
      delaySum: run.delaySum * n / run.count,
    };
    const tail: BurstRun = {
      ...run,
      count: run.count - n,
      delaySum: run.delaySum - head.delaySum,
    };
    return [head, tail];
  }
  return [
    { ...run, count: n },
    { ...run, first: run.first + n, count: run.count - n },
  ];
}

function forward(run: Run, latency: number): Run {
  if (run.kind === "burst") {
    return { ...run, timeSeconds: run.timeSeconds + latency };
  }
  return { ...run, offsets: [...run.offsets, latency] };
}

/** Moves every run through one element; returns the runs that leave it. */
function crossElement(
  runs: Run[],
  element: PathElement,
  elementIndex: number,
  clock: RunClock,
  tally: FateTally,
  packetSizeBytes: number,
): Run[] {
  const out: Run[] = [];
  const changes = element.changes;
  let next = 0; // index of the next change to apply
  let state: ElementState = element.initialState;
  let held: Run[] = [];
  let heldCount = 0;
  const capacity = Math.min(
    element.bufferCapacityPackets,
    Math.floor(element.bufferCapacityBytes / packetSizeBytes),
  );

  const applyNextChange = () => {
    const change = changes[next++];
    if (state === "buffer" && change.state !== "buffer" && heldCount > 0) {
      if (change.state === "forward") {
        out.push(
          forward(
            release(held, change.atSeconds, clock),
            element.latencySeconds,
          ),
        );
      } else tally.lose(elementIndex, "flush", heldCount);
      held = [];
      heldCount = 0;
    }
    state = change.state;
  };

  for (let run of runs) {
    while (true) {
      const limit = next < changes.length ? changes[next].atSeconds : Infinity;
      const n = clock.countBefore(run, limit);
      const [piece, rest] = n > 0 ? take(run, n) : [null, run];
      if (piece) {
        if (state === "forward") {
          out.push(forward(piece, element.latencySeconds));
        } else if (state === "drop") {
          tally.lose(elementIndex, "drop", piece.count);
        } else {
          const room = Math.max(0, capacity - heldCount);
          const [kept, overflow] = take(piece, Math.min(room, piece.count));
          if (room > 0) {
            held.push(kept);
            heldCount += kept.count;
          }
          const lostCount = room > 0 ? (overflow?.count ?? 0) : piece.count;
          if (lostCount > 0) tally.lose(elementIndex, "overflow", lostCount);
        }
      }
      if (!rest) break;
      run = rest;
      applyNextChange();
    }
  }
  while (next < changes.length) applyNextChange();
  tally.stranded += heldCount;
  return out;
}

/** Merges held runs into one burst leaving at `timeSeconds`. */
function release(held: Run[], timeSeconds: number, clock: RunClock): BurstRun {
  let count = 0;
  let delaySum = 0;
  let delayMin = Infinity;
  let delayMax = -Infinity;
  for (const run of held) {
    count += run.count;
    if (run.kind === "burst") {
      const wait = timeSeconds - run.timeSeconds;
      delaySum += run.delaySum + run.count * wait;
      delayMin = Math.min(delayMin, run.delayMin + wait);
      delayMax = Math.max(delayMax, run.delayMax + wait);
    } else {
      delaySum += run.count * timeSeconds - clock.sumTimes(run);
      delayMin = Math.min(delayMin, timeSeconds - clock.at(run, run.count - 1));
      delayMax = Math.max(delayMax, timeSeconds - clock.at(run, 0));
    }
  }
  return { kind: "burst", timeSeconds, count, delaySum, delayMin, delayMax };
}

/**
 * Counts exactly what happens to a stream's packets on a path: delivered,
 * lost (where and why), held then delivered (with their delays), stranded.
 * For CBR the work is O(number of state changes); a Poisson stream is
 * sampled from its seed first (O(packets)).
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, outage, pathElement } from "@vnmig/vnmig";
 * const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 3 });
 * const vm = pathElement({ name: "router VM", changes: outage(1, 1.5) });
 * const counts = countFates(stream, [vm]);
 * console.log(counts.lostPackets, counts.deliveredPackets); // 500 2500
 * ```
 */
export function countFates(
  stream: TrafficStream,
  path: readonly PathElement[],
): FateCounts {
  checkStream(stream);
  checkPath(path);
  const tally = new FateTally(path);
  let clock: RunClock;
  let runs: Run[];
  if (stream.kind === "cbr") {
    clock = new RunClock(stream, null);
    tally.sent = packetCount(stream);
    runs = [{ kind: "cbr", first: 0, count: tally.sent, offsets: [] }];
  } else {
    const times = streamTimesSeconds(stream);
    clock = new RunClock(null, times);
    tally.sent = times.length;
    runs = [{ kind: "list", first: 0, count: times.length, offsets: [] }];
  }
  runs = runs.filter((run) => run.count > 0);
  path.forEach((element, i) => {
    runs = crossElement(runs, element, i, clock, tally, stream.packetSizeBytes);
  });
  for (const run of runs) {
    if (run.kind === "burst") {
      tally.deliverHeld(run.count, run.delaySum, run.delayMin, run.delayMax);
    } else tally.delivered += run.count;
  }
  return tally.result(stream.packetSizeBytes);
}

/**
 * The packets of a CBR stream sent in `[fromSeconds, toSeconds)`: the
 * exact count of k with `fromSeconds <= t0 + k / R < toSeconds`, clipped to
 * the stream's life.
 *
 * @example
 * ```ts
 * import { cbrStream, packetsBetween } from "@vnmig/vnmig";
 * const s = cbrStream({ packetsPerSecond: 1000, endSeconds: 10 });
 * console.log(packetsBetween(s, 1, 1.5)); // 500
 * ```
 */
export function packetsBetween(
  stream: CbrStream,
  fromSeconds: number,
  toSeconds: number,
): number {
  checkStream(stream);
  assertFinite("fromSeconds", fromSeconds);
  assertFinite("toSeconds", toSeconds);
  const end = Math.min(toSeconds, stream.endSeconds);
  if (!(end > fromSeconds)) return 0;
  return Math.max(
    0,
    countBefore(stream, end) - countBefore(stream, fromSeconds),
  );
}
