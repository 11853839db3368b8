/**
 * Exact loss counting by intervals. A CBR stream's packets are at
 * `t0 + k / R` and every element's state is piecewise constant, so the
 * packets meeting one state form a contiguous run of indices: the counter
 * moves whole runs ("pieces") through the path, splitting them only at state
 * changes; a server's queue is followed busy period by busy period (a
 * saturated queue admits a Beatty sequence of packets, kept as one piece).
 * The work is O(state changes + busy periods), whatever the number of
 * packets; a Poisson or explicit stream is O(packets) to sample, then
 * searched by bisection. Every decision and every delay is exact for the
 * decimals written.
 *
 * Several streams may share one path (its buffers and queues): their
 * packets meet each element in arrival order (ties: stream order). Where
 * their packets overlap in time at an element that changes state or has a
 * server, the counter follows them packet by packet (O(packets) there).
 *
 * @module
 */

import { assertFinite } from "../_validate.ts";
import { PacketClock } from "./clock.ts";
import type { FateCounts } from "./fates.ts";
import { checkPath, type PathElement } from "./path.ts";
import { ceil, cmp, dec, div, type Q, sub, toNumber } from "./_rational.ts";
import {
  ARITH,
  linAdd,
  linSub,
  type Piece,
  type StreamInfo,
  streamInfo,
  streamPiece,
} from "./_pieces.ts";
import { Server } from "./_server.ts";
import { type ElementTimeline, elementTimeline, room } from "./_timeline.ts";
import {
  type CbrStream,
  checkStream,
  countBefore,
  countBeforeOffset,
  type TrafficStream,
} from "./stream.ts";
import { Tally } from "./tally.ts";

/** Streams as a list (one stream, or several sharing the path). */
export function streamList(
  stream: TrafficStream | readonly TrafficStream[],
): readonly TrafficStream[] {
  const list = Array.isArray(stream) ? stream : [stream as TrafficStream];
  if (list.length === 0) {
    throw new RangeError("streams must hold at least 1 stream; got 0");
  }
  list.forEach((s) => checkStream(s));
  return list;
}

// Positions of a piece whose time at the element is before `limit` (a
// change time the user wrote), exactly.
function countPieceBefore(p: Piece, limit: number): number {
  const info = p.info;
  if (p.pure) {
    const shiftF = toNumber(p.shift);
    const shiftE = Math.abs(shiftF) * 2 ** -52;
    let before: number;
    if (p.kind === ARITH) {
      const k = countBeforeOffset(
        info.cbr as CbrStream,
        limit,
        shiftF,
        p.shift,
        shiftE,
      );
      // positions b with k0 + dk b < k
      const b = Math.ceil((k - p.k0) / p.dk);
      before = b - p.o;
    } else {
      const k = info.clock.countBefore(
        { f: limit, q: dec(limit), e: Math.abs(limit) * 2 ** -53 },
        { f: shiftF, q: p.shift, e: shiftE },
      );
      before = k - p.k0 - p.o;
    }
    return Math.max(0, Math.min(p.n, before));
  }
  const time = p.time!;
  if (time.cf.n !== 0n || time.cx.n !== 0n) {
    throw new Error("internal: a piece's time is not arithmetic");
  }
  const T = dec(limit);
  if (time.c1.n === 0n) return cmp(time.c0, T) < 0 ? p.n : 0;
  const b = Number(ceil(div(sub(T, time.c0), time.c1)));
  return Math.max(0, Math.min(p.n, b - p.o));
}

function firstTime(p: Piece): Q {
  return p.at(p.timeLin(), p.o);
}

function lastTime(p: Piece): Q {
  return p.at(p.timeLin(), p.o + p.n - 1);
}

// Pieces of several streams that overlap in time are taken apart into
// single packets in arrival order (ties: list order).
function inArrivalOrder(pieces: Piece[]): Piece[] {
  if (pieces.length < 2) return pieces;
  const s0 = pieces[0].info.index;
  if (pieces.every((p) => p.info.index === s0)) return pieces;
  let latest: Q | null = null;
  let ordered = true;
  for (const p of pieces) {
    const first = firstTime(p);
    if (latest !== null && cmp(first, latest) < 0) {
      ordered = false;
      break;
    }
    const last = lastTime(p);
    if (latest === null || cmp(last, latest) > 0) latest = last;
  }
  if (ordered) return pieces;
  const units: { t: Q; p: Piece }[] = [];
  for (const p of pieces) {
    for (let j = 0; j < p.n; j++) {
      const u = p.n === 1 ? p : p.stride(j, 1, 1);
      units.push({ t: firstTime(u), p: u });
    }
  }
  units.sort((a, b) => cmp(a.t, b.t));
  return units.map((u) => u.p);
}

function interacts(tl: ElementTimeline): boolean {
  return tl.intervals.length > 1 || tl.hasServer ||
    tl.intervals[0].state !== "forward";
}

/** Moves every piece through one element; returns the pieces that leave it. */
function crossElement(
  input: Piece[],
  tl: ElementTimeline,
  tallies: readonly Tally[],
  peaks: Tally,
): Piece[] {
  const out: Piece[] = [];
  if (!interacts(tl)) {
    for (const p of input) {
      p.delay(tl.latency);
      out.push(p);
    }
    return out;
  }
  const pieces = inArrivalOrder(input);
  const intervals = tl.intervals;
  const server = tl.hasServer ? new Server(tl.queueCapacityPackets) : null;
  const sink = {
    admit(p: Piece) {
      p.delay(tl.latency);
      out.push(p);
    },
    reject(p: Piece, n: number) {
      tallies[p.info.index].lose(tl.name, tl.index, "queue", n);
    },
  };
  const toServer = (p: Piece, interval: number) => {
    // With a server, even a packet that needs no time queues behind the
    // packets before it (FIFO).
    const service = tl.service(interval, p.info.sizeBytes);
    if (server === null) sink.admit(p);
    else server.serve(p, service.exact, sink);
  };
  let i = 0;
  let held: Piece[] = [];
  let heldPackets = 0;
  let heldBytes = 0;
  const applyChange = () => {
    i++;
    const iv = intervals[i];
    if (held.length > 0 && iv.held !== "keep") {
      if (iv.held === "release") {
        const r = dec(iv.fromSeconds);
        for (const p of held) {
          p.releaseAt(r);
          toServer(p, i);
        }
      } else {
        for (const p of held) {
          tallies[p.info.index].lose(tl.name, tl.index, "flush", p.n);
        }
      }
      held = [];
      heldPackets = 0;
      heldBytes = 0;
    }
  };
  const handle = (p: Piece) => {
    const iv = intervals[i];
    if (iv.state === "forward") toServer(p, i);
    else if (iv.state === "drop") {
      tallies[p.info.index].lose(tl.name, tl.index, "drop", p.n);
    } else {
      const size = p.info.sizeBytes;
      const kept = Math.min(p.n, room(iv, heldPackets, heldBytes, size));
      if (kept > 0) {
        const [k, over] = p.take(kept);
        held.push(k);
        heldPackets += kept;
        heldBytes += kept * size;
        peaks.occupancy(tl.index, tl.name, heldPackets, heldBytes);
        if (over) {
          tallies[p.info.index].lose(tl.name, tl.index, "overflow", over.n);
        }
      } else tallies[p.info.index].lose(tl.name, tl.index, "overflow", p.n);
    }
  };
  for (const piece of pieces) {
    let rest: Piece | null = piece;
    while (rest) {
      const limit = i + 1 < intervals.length
        ? intervals[i + 1].fromSeconds
        : Infinity;
      const before = limit === Infinity
        ? rest.n
        : countPieceBefore(rest, limit);
      if (before >= rest.n) {
        handle(rest);
        break;
      }
      if (before > 0) {
        const [part, after]: [Piece, Piece | null] = rest.take(before);
        handle(part);
        rest = after;
      }
      applyChange();
    }
  }
  while (i + 1 < intervals.length) applyChange();
  for (const p of held) tallies[p.info.index].stranded += p.n;
  return out;
}

function deliver(p: Piece, tally: Tally): void {
  tally.deliver(p.n, p.info.sizeBytes);
  if (p.pure) {
    tally.endToEnd.addConstant(p.n, p.shift);
    return;
  }
  const send = p.send();
  const e2e = linSub(p.time!, send);
  const [lo, hi] = p.range(e2e);
  tally.endToEnd.addRange(p.n, p.sum(e2e), lo, hi);
  if (p.held) {
    tally.held += p.n;
    const [a, b] = p.range(p.hold!);
    tally.hold.addRange(p.n, p.sum(p.hold!), a, b);
  }
  if (p.waited) tally.queued += p.n;
  if (p.held || p.waited) {
    tally.delayed += p.n;
    const extra = linAdd(p.hold!, p.wait!);
    const [a, b] = p.range(extra);
    tally.extra.addRange(p.n, p.sum(extra), a, b);
  }
}

/** The per-stream tallies and the shared peaks, combined into one result (not in the public API). */
export function combineFates(
  names: readonly string[],
  tallies: readonly Tally[],
  peaks: Tally,
  several: boolean,
): FateCounts {
  const total = new Tally();
  for (const t of tallies) total.merge(t);
  for (const [k, v] of peaks.peaks) total.peaks.set(k, v);
  const counts = total.fateCounts(names);
  if (!several) return counts;
  return {
    ...counts,
    byStream: tallies.map((t) => t.fateCounts(names)),
  };
}

/**
 * Counts exactly what happens to a stream's packets on a path (or to several
 * streams' sharing it): delivered, lost (where and why), held, queued,
 * stranded, with exact delays (held, extra, end to end). For CBR the work
 * is O(state changes + busy periods); see the module doc.
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, outage, pathElement } from "@vnmig/vnmig/traffic";
 * const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 3 });
 * const vm = pathElement({ name: "router VM", changes: outage(1, 1.5) });
 * const counts = countFates(stream, [vm]);
 * if (counts.lostPackets !== 500 || counts.deliveredPackets !== 2500) throw new Error();
 * // Packet 3997 reaches the router after 2 + 1 ms of links at exactly 4 s
 * // (3.9999999999999996 in floating point): an outage ending there spares it.
 * const late = countFates(cbrStream({ packetsPerSecond: 1000, endSeconds: 5, linkLatencySeconds: 0.002 }), [
 *   pathElement({ latencySeconds: 0.001 }),
 *   pathElement({ changes: outage(3.9, 4) }),
 * ]);
 * if (late.lostPackets !== 100) throw new Error();
 * ```
 */
export function countFates(
  stream: TrafficStream | readonly TrafficStream[],
  path: readonly PathElement[],
): FateCounts {
  const streams = streamList(stream);
  checkPath(path);
  const infos: StreamInfo[] = streams.map((s, i) =>
    streamInfo(i, new PacketClock(s), s.linkLatencySeconds ?? 0)
  );
  const tallies = infos.map((info) => {
    const t = new Tally();
    t.sent = info.clock.count;
    return t;
  });
  const peaks = new Tally();
  let pieces: Piece[] = [];
  for (const info of infos) {
    const p = streamPiece(info);
    if (p) pieces.push(p);
  }
  path.forEach((element, i) => {
    pieces = crossElement(pieces, elementTimeline(element, i), tallies, peaks);
  });
  for (const p of pieces) deliver(p, tallies[p.info.index]);
  return combineFates(
    path.map((e) => e.name),
    tallies,
    peaks,
    Array.isArray(stream),
  );
}

/**
 * The packets of a CBR stream sent in `[fromSeconds, toSeconds)`: the
 * exact count of k with `fromSeconds <= t0 + k / R < toSeconds`, clipped to
 * the stream's life.
 *
 * @example
 * ```ts
 * import { cbrStream, packetsBetween } from "@vnmig/vnmig/traffic";
 * const s = cbrStream({ packetsPerSecond: 1000, endSeconds: 10 });
 * if (packetsBetween(s, 1, 1.5) !== 500) throw new Error();
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
  const cap = stream.packets ?? Infinity;
  return Math.max(
    0,
    Math.min(cap, countBefore(stream, end)) -
      Math.min(cap, countBefore(stream, fromSeconds)),
  );
}
