/**
 * Per-packet discrete-event simulation of one or more streams on a path:
 * the independent check of the interval counter ({@linkcode countFates}),
 * and the source of packet timelines. Same semantics as described in
 * `path.ts`; the two agree exactly, counts and delays.
 *
 * With a constant latency per element and FIFO buffers and queues, packets
 * leave an element in the order they reached it, so the simulator keeps one
 * FIFO of packets in flight per element, on typed arrays, and advances the
 * elements in path order up to a common frontier in time (an element may
 * process an event once nothing earlier can still reach it): O(1) per
 * packet event, no heap, memory flat in the number of packets (unless
 * `recordPackets` is set, or a buffer holds them). Times are floating point;
 * every decision within rounding error of a tie is settled in exact
 * rational arithmetic, and a packet that is held or queued carries its exact
 * time, so the reported delays are exact.
 *
 * @module
 */

import { PacketClock } from "./clock.ts";
import type { FateCounts, LossCause } from "./fates.ts";
import { checkPath, type PathElement } from "./path.ts";
import { add, cmp, dec, type Q, sub, toNumber, ZERO } from "./_rational.ts";
import { Fifo } from "./_fifo.ts";
import { type ElementTimeline, elementTimeline, room } from "./_timeline.ts";
import { combineFates, streamList } from "./count.ts";
import { Tally } from "./tally.ts";
import type { TrafficStream } from "./stream.ts";

/** Fate codes of {@linkcode PacketRecords.fate}. */
export const PACKET_FATES: readonly [
  "delivered",
  "drop",
  "overflow",
  "flush",
  "stranded",
  "queue",
] = ["delivered", "drop", "overflow", "flush", "stranded", "queue"];

/** What happened to each packet (one entry per packet: stream 0's in send order, then stream 1's, ...). */
export interface PacketRecords {
  /** Send time, seconds. */
  readonly sendSeconds: Float64Array;
  /** Index into {@linkcode PACKET_FATES}. */
  readonly fate: Uint8Array;
  /** Element where the packet was lost or stranded; -1 when delivered. */
  readonly elementIndex: Int32Array;
  /** Arrival time at the end of the path, seconds; -1 when not delivered. */
  readonly deliverySeconds: Float64Array;
  /** Total time held in buffers, seconds (exact, rounded once). */
  readonly heldSeconds: Float64Array;
  /** Total time waiting in servers' queues, seconds (exact, rounded once). */
  readonly waitSeconds: Float64Array;
  /** Send to arrival at the end, seconds (exact, rounded once); -1 when not delivered. */
  readonly endToEndSeconds: Float64Array;
  /** The stream of each packet (its index in the streams given). */
  readonly stream: Int32Array;
  /** The packet's index in its stream. */
  readonly packet: Float64Array;
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

const DROP = 1;
const OVERFLOW = 2;
const FLUSH = 3;
const STRANDED = 4;
const QUEUE = 5;
const CAUSE: readonly LossCause[] = [
  "drop",
  "drop",
  "overflow",
  "flush",
  "drop",
  "queue",
];
// Relative bound on the rounding error of a float time (generous: floats
// here come from a few additions, or from rounding an exact value).
const NEAR = 2 ** -36;
const CHUNK = 8192;

interface StreamState {
  readonly clock: PacketClock;
  readonly size: number;
  readonly count: number;
  readonly link: number;
  readonly linkQ: Q;
  readonly cbrStart: number;
  readonly cbrRate: number;
  readonly isCbr: boolean;
  readonly times: Float64Array | null;
  next: number;
}

// Exact bookkeeping of the packets that were held or queued: their exact
// time at the element they are heading for, time held, time waited.
class Side {
  time: Q[] = [];
  hold: Q[] = [];
  wait: Q[] = [];
  held: boolean[] = [];
  waited: boolean[] = [];
  free: number[] = [];

  alloc(time: Q): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.time.length;
    this.time[slot] = time;
    this.hold[slot] = ZERO;
    this.wait[slot] = ZERO;
    this.held[slot] = false;
    this.waited[slot] = false;
    return slot;
  }

  release(slot: number): void {
    if (slot >= 0) this.free.push(slot);
  }
}

class Element {
  readonly tl: ElementTimeline;
  readonly changeF: Float64Array;
  iv = 0;
  readonly held = new Fifo(16);
  heldPackets = 0;
  heldBytes = 0;
  // The server: departures of packets admitted and not yet gone.
  readonly deps = new Fifo(16);
  readonly depQ: (Q | null)[] = [];
  depQHead = 0;
  lastDepF = -Infinity;
  lastDepQ: Q | null = null;
  lastDepK = 0;
  lastDepS = 0;
  hasLast = false;
  // Per stream: service time per interval (float and exact), whether it is
  // the same in every interval, and the exact offset from send time of a
  // packet that reaches this element without being held or queued.
  serviceF: Float64Array[];
  serviceQ: Q[][];
  constService: boolean[];

  constructor(element: PathElement, index: number, streams: StreamState[]) {
    this.tl = elementTimeline(element, index);
    this.changeF = Float64Array.from(element.changes.map((c) => c.atSeconds));
    this.serviceF = streams.map((s) =>
      Float64Array.from(
        this.tl.intervals.map((_, i) => this.tl.service(i, s.size).seconds),
      )
    );
    this.serviceQ = streams.map((s) =>
      this.tl.intervals.map((_, i) => this.tl.service(i, s.size).exact)
    );
    this.constService = this.serviceQ.map((list) =>
      list.every((x) => cmp(x, list[0]) === 0)
    );
  }
}

/**
 * Simulates every packet of a stream (or of several streams sharing the
 * path) event by event. See the module doc.
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets } from "@vnmig/vnmig/traffic";
 * const stream = cbrStream({ packetsPerSecond: 100, endSeconds: 1 });
 * const vm = pathElement({ changes: outage(0.5, 0.6, "buffer") });
 * const { counts } = simulatePackets(stream, [vm]);
 * if (counts.heldPackets !== 10 || counts.lostPackets !== 0) throw new Error();
 * ```
 */
export function simulatePackets(
  stream: TrafficStream | readonly TrafficStream[],
  path: readonly PathElement[],
  options: SimulateOptions = {},
): SimulationResult {
  const list = streamList(stream);
  checkPath(path);
  return new Simulation(list, path, options.recordPackets === true).run(
    Array.isArray(stream),
  );
}

class Simulation {
  readonly streams: StreamState[];
  readonly elements: Element[];
  readonly fifos: Fifo[];
  readonly tallies: Tally[];
  readonly peaks = new Tally();
  readonly side = new Side();
  // base[s][e]: exact offset from the send time of a plain packet at element e.
  readonly base: Q[][];
  readonly latQ: Q[];
  readonly latF: Float64Array;
  readonly last: number;
  readonly plainDelivered: number[];
  readonly record: PacketRecords | null;
  readonly recordOffset: number[];
  events = 0;
  dropped = 0;

  constructor(
    list: readonly TrafficStream[],
    readonly path: readonly PathElement[],
    recordPackets: boolean,
  ) {
    this.streams = list.map((s) => {
      const clock = new PacketClock(s);
      return {
        clock,
        size: s.packetSizeBytes,
        count: clock.count,
        link: s.linkLatencySeconds ?? 0,
        linkQ: dec(s.linkLatencySeconds ?? 0),
        cbrStart: s.startSeconds,
        cbrRate: s.packetsPerSecond,
        isCbr: s.kind === "cbr",
        times: clock.times,
        next: 0,
      };
    });
    this.elements = path.map((e, i) => new Element(e, i, this.streams));
    this.fifos = path.map(() => new Fifo(1024));
    this.tallies = this.streams.map((s) => {
      const t = new Tally();
      t.sent = s.count;
      return t;
    });
    this.latQ = path.map((e) => dec(e.latencySeconds));
    this.latF = Float64Array.from(path.map((e) => e.latencySeconds));
    this.last = path.length - 1;
    this.base = this.streams.map((s, si) => {
      const out: Q[] = [s.linkQ];
      let acc = s.linkQ;
      this.elements.forEach((el, e) => {
        acc = add(add(acc, el.serviceQ[si][0]), this.latQ[e]);
        out.push(acc);
      });
      return out;
    });
    this.plainDelivered = this.streams.map(() => 0);
    this.recordOffset = [];
    let total = 0;
    for (const s of this.streams) {
      this.recordOffset.push(total);
      total += s.count;
    }
    this.record = recordPackets ? makeRecords(total) : null;
  }

  sendF(s: number, k: number): number {
    const st = this.streams[s];
    return st.isCbr ? st.cbrStart + k / st.cbrRate : st.times![k];
  }

  sendQ(s: number, k: number): Q {
    return this.streams[s].clock.sendExact(k);
  }

  // Exact time at element e of a FIFO entry.
  exactAt(e: number, k: number, s: number, x: number): Q {
    return x >= 0 ? this.side.time[x] : add(this.sendQ(s, k), this.base[s][e]);
  }

  // Whether time a (entry) is before-or-at / after b: -1, 0, 1.
  compare(
    af: number,
    aq: () => Q,
    bf: number,
    bq: () => Q,
  ): number {
    const gap = af - bf;
    const bound = (Math.abs(af) + Math.abs(bf)) * NEAR + 1e-300;
    if (gap > bound) return 1;
    if (gap < -bound) return -1;
    return cmp(aq(), bq());
  }

  run(several: boolean): SimulationResult {
    const E = this.elements.length;
    const frontier = new Float64Array(E);
    while (true) {
      const f0 = this.generate();
      frontier[0] = f0;
      for (let e = 0; e < E; e++) {
        const f = frontier[e];
        this.advance(e, f === Infinity ? Infinity : f - Math.abs(f) * NEAR * 4);
        if (e + 1 < E) {
          frontier[e + 1] = f === Infinity
            ? Infinity
            : f - Math.abs(f) * NEAR * 8 - 1e-300;
        }
      }
      if (f0 === Infinity) break;
    }
    this.elements.forEach((el, e) => {
      const h = el.held;
      for (let i = h.head; i < h.tail; i++) {
        const j = i & h.mask;
        this.tallies[h.s[j]].stranded++;
        this.mark(h.s[j], h.k[j], STRANDED, e);
        this.side.release(h.x[j]);
      }
    });
    this.streams.forEach((s, si) => {
      const n = this.plainDelivered[si];
      if (n > 0) {
        this.tallies[si].deliver(n, s.size);
        this.tallies[si].endToEnd.addConstant(n, this.base[si][E]);
      }
    });
    if (this.record) {
      this.streams.forEach((s, si) => {
        const off = this.recordOffset[si];
        for (let k = 0; k < s.count; k++) {
          this.record!.sendSeconds[off + k] = this.sendF(si, k);
          this.record!.stream[off + k] = si;
          this.record!.packet[off + k] = k;
        }
      });
    }
    return {
      counts: combineFates(
        this.path.map((e) => e.name),
        this.tallies,
        this.peaks,
        several,
      ),
      events: this.events,
      ...(this.record ? { packets: this.record } : {}),
    };
  }

  // Puts the next packets into element 0's FIFO, in arrival order (ties:
  // stream order); returns the arrival time of the next packet not put.
  generate(): number {
    const fifo = this.fifos[0];
    const streams = this.streams;
    if (streams.length === 1) {
      const st = streams[0];
      const end = Math.min(st.count, st.next + CHUNK);
      const link = st.link;
      if (st.isCbr) {
        const start = st.cbrStart;
        const rate = st.cbrRate;
        for (let k = st.next; k < end; k++) {
          fifo.push(start + k / rate + link, k, 0, -1);
        }
      } else {
        const times = st.times!;
        for (let k = st.next; k < end; k++) {
          fifo.push(times[k] + link, k, 0, -1);
        }
      }
      st.next = end;
      return end < st.count ? this.sendF(0, end) + link : Infinity;
    }
    for (let n = 0; n < CHUNK; n++) {
      const s = this.nextStream();
      if (s < 0) return Infinity;
      const st = streams[s];
      fifo.push(this.sendF(s, st.next) + st.link, st.next, s, -1);
      st.next++;
    }
    const s = this.nextStream();
    return s < 0 ? Infinity : this.sendF(s, streams[s].next) + streams[s].link;
  }

  // The stream whose next packet reaches element 0 first (ties: lowest).
  nextStream(): number {
    let best = -1;
    this.streams.forEach((st, s) => {
      if (st.next >= st.count) return;
      if (best < 0) {
        best = s;
        return;
      }
      const b = this.streams[best];
      const c = this.compare(
        this.sendF(s, st.next) + st.link,
        () => add(this.sendQ(s, st.next), st.linkQ),
        this.sendF(best, b.next) + b.link,
        () => add(this.sendQ(best, b.next), b.linkQ),
      );
      if (c < 0) best = s;
    });
    return best;
  }

  // Processes element e's events before `limit` (floats), in exact order.
  advance(e: number, limit: number): void {
    const el = this.elements[e];
    const fifo = this.fifos[e];
    const changes = el.changeF;
    const tl = el.tl;
    while (true) {
      const hasArrival = fifo.head < fifo.tail;
      const hasChange = el.iv < changes.length;
      if (
        !hasChange && !tl.hasServer &&
        tl.intervals[el.iv].state === "forward"
      ) {
        // The common case: forward everything before the limit.
        this.forwardAll(e, limit);
        return;
      }
      if (!hasArrival && !hasChange) return;
      const state = tl.intervals[el.iv].state;
      if (hasArrival && !tl.hasServer && state !== "buffer") {
        // Everything clearly before the next change meets this state.
        const tc = hasChange ? changes[el.iv] : Infinity;
        const until = Math.min(limit, tc - Math.abs(tc) * NEAR * 4 - 1e-300);
        const before = fifo.head;
        if (state === "forward") this.forwardAll(e, until);
        else this.dropAll(e, until);
        if (fifo.head !== before) continue;
      }
      let changeFirst: boolean;
      if (!hasArrival) changeFirst = true;
      else if (!hasChange) changeFirst = false;
      else {
        const j = fifo.head & fifo.mask;
        const ta = fifo.t[j];
        const tc = changes[el.iv];
        const k = fifo.k[j];
        const s = fifo.s[j];
        const x = fifo.x[j];
        // A change at exactly the arrival applies first.
        const bound = (Math.abs(ta) + Math.abs(tc)) * NEAR + 1e-300;
        if (tc < ta - bound) changeFirst = true;
        else if (tc > ta + bound) changeFirst = false;
        else changeFirst = cmp(dec(tc), this.exactAt(e, k, s, x)) <= 0;
      }
      if (changeFirst) {
        const tc = changes[el.iv];
        if (!(tc < limit)) return;
        this.events++;
        this.applyChange(e);
      } else {
        const j = fifo.head & fifo.mask;
        const ta = fifo.t[j];
        if (!(ta < limit)) return;
        this.events++;
        fifo.head++;
        this.arrive(e, ta, fifo.k[j], fifo.s[j], fifo.x[j]);
      }
    }
  }

  forwardAll(e: number, limit: number): void {
    const fifo = this.fifos[e];
    const lat = this.latF[e];
    let head = fifo.head;
    const tail = fifo.tail;
    const mask = fifo.mask;
    const t = fifo.t;
    const ks = fifo.k;
    const ss = fifo.s;
    const xs = fifo.x;
    if (e === this.last) {
      while (head < tail) {
        const j = head & mask;
        const ta = t[j];
        if (!(ta < limit)) break;
        head++;
        const x = xs[j];
        if (x >= 0) this.side.time[x] = add(this.side.time[x], this.latQ[e]);
        this.deliver(ta + lat, ks[j], ss[j], x, e);
      }
    } else {
      const next = this.fifos[e + 1];
      const latQ = this.latQ[e];
      const side = this.side;
      while (head < tail) {
        const j = head & mask;
        const ta = t[j];
        if (!(ta < limit)) break;
        head++;
        const x = xs[j];
        if (x >= 0) side.time[x] = add(side.time[x], latQ);
        next.push(ta + lat, ks[j], ss[j], x);
      }
    }
    this.events += head - fifo.head;
    fifo.head = head;
  }

  dropAll(e: number, limit: number): void {
    const fifo = this.fifos[e];
    let head = fifo.head;
    const start = head;
    const tail = fifo.tail;
    const mask = fifo.mask;
    while (head < tail) {
      const j = head & mask;
      if (!(fifo.t[j] < limit)) break;
      head++;
      const x = fifo.x[j];
      if (this.record || x >= 0 || this.streams.length > 1) {
        this.lose(e, fifo.s[j], fifo.k[j], x, DROP);
      } else this.dropped++;
    }
    this.events += head - start;
    fifo.head = head;
    if (this.dropped > 0) {
      this.tallies[0].lose(this.elements[e].tl.name, e, "drop", this.dropped);
      this.dropped = 0;
    }
  }

  arrive(e: number, t: number, k: number, s: number, x: number): void {
    const el = this.elements[e];
    const iv = el.tl.intervals[el.iv];
    if (iv.state === "forward") this.serve(e, t, k, s, x);
    else if (iv.state === "drop") this.lose(e, s, k, x, DROP);
    else {
      const size = this.streams[s].size;
      if (room(iv, el.heldPackets, el.heldBytes, size) > 0) {
        el.held.push(t, k, s, x);
        el.heldPackets++;
        el.heldBytes += size;
        this.peaks.occupancy(e, el.tl.name, el.heldPackets, el.heldBytes);
      } else this.lose(e, s, k, x, OVERFLOW);
    }
  }

  applyChange(e: number): void {
    const el = this.elements[e];
    el.iv++;
    const iv = el.tl.intervals[el.iv];
    const h = el.held;
    if (h.length === 0 || iv.held === "keep") return;
    const rf = iv.fromSeconds;
    const r = dec(rf);
    // Take the held packets out first: serving may not touch the buffer.
    const held: [number, number, number, number][] = [];
    for (let i = h.head; i < h.tail; i++) {
      const j = i & h.mask;
      held.push([h.t[j], h.k[j], h.s[j], h.x[j]]);
    }
    h.head = h.tail = 0;
    el.heldPackets = 0;
    el.heldBytes = 0;
    for (const [, k, s, x0] of held) {
      if (iv.held === "flush") {
        this.lose(e, s, k, x0, FLUSH);
        continue;
      }
      const arrival = this.exactAt(e, k, s, x0);
      const x = x0 >= 0 ? x0 : this.side.alloc(arrival);
      const side = this.side;
      side.hold[x] = add(side.hold[x], sub(r, arrival));
      side.held[x] = true;
      side.time[x] = r;
      this.serve(e, rf, k, s, x);
    }
  }

  // A packet reaches element e's server at time t (forwarding, or released).
  serve(e: number, t: number, k: number, s: number, x: number): void {
    const el = this.elements[e];
    if (!el.tl.hasServer) {
      this.forward(e, t, k, s, x);
      return;
    }
    const side = this.side;
    const SF = el.serviceF[s][el.iv];
    const SQ = el.serviceQ[s][el.iv];
    // Departures at or before t have happened.
    const deps = el.deps;
    while (deps.head < deps.tail) {
      const j = deps.head & deps.mask;
      const dq = el.depQ[el.depQHead];
      const ds = deps.s[j];
      const dk = deps.k[j];
      const departed = this.compare(
        deps.t[j],
        () => dq ?? this.plainDeparture(e, dk, ds),
        t,
        () => this.exactAt(e, k, s, x),
      ) <= 0;
      if (!departed) break;
      deps.head++;
      el.depQ[el.depQHead++] = null;
    }
    if (el.depQHead > 4096 && el.depQHead * 2 > el.depQ.length) {
      el.depQ.splice(0, el.depQHead);
      el.depQHead = 0;
    }
    const inSystem = deps.tail - deps.head;
    let depF: number;
    let depQ: Q | null;
    let slot = x;
    if (inSystem === 0) {
      if (x < 0 && el.constService[s]) {
        depF = t + SF;
        depQ = null;
      } else {
        const arrival = this.exactAt(e, k, s, x);
        const d = add(arrival, SQ);
        if (slot < 0) slot = side.alloc(d);
        else side.time[slot] = d;
        depQ = d;
        depF = toNumber(d);
      }
    } else if (inSystem <= el.tl.queueCapacityPackets) {
      const lastQ = el.lastDepQ ??
        this.plainDeparture(e, el.lastDepK, el.lastDepS);
      const arrival = this.exactAt(e, k, s, x);
      const d = add(lastQ, SQ);
      if (slot < 0) slot = side.alloc(d);
      else side.time[slot] = d;
      side.wait[slot] = add(side.wait[slot], sub(lastQ, arrival));
      side.waited[slot] = true;
      depQ = d;
      depF = toNumber(d);
    } else {
      this.lose(e, s, k, x, QUEUE);
      return;
    }
    deps.push(depF, k, s, slot);
    el.depQ.push(depQ);
    el.lastDepF = depF;
    el.lastDepQ = depQ;
    el.lastDepK = k;
    el.lastDepS = s;
    el.hasLast = true;
    this.forward(e, depF, k, s, slot);
  }

  // The exact departure from element e of a packet never held or queued.
  plainDeparture(e: number, k: number, s: number): Q {
    return add(
      add(this.sendQ(s, k), this.base[s][e]),
      this.elements[e].serviceQ[s][0],
    );
  }

  // Leaves element e at time t (after its server): on to the next element.
  forward(e: number, t: number, k: number, s: number, x: number): void {
    const arrival = t + this.latF[e];
    if (x >= 0) this.side.time[x] = add(this.side.time[x], this.latQ[e]);
    if (e === this.last) this.deliver(arrival, k, s, x, e);
    else this.fifos[e + 1].push(arrival, k, s, x);
  }

  deliver(t: number, k: number, s: number, x: number, _e: number): void {
    const rec = this.record;
    if (x < 0) {
      this.plainDelivered[s]++;
      if (rec) {
        const i = this.recordOffset[s] + k;
        rec.deliverySeconds[i] = t;
        rec.endToEndSeconds[i] = toNumber(this.base[s][this.elements.length]);
      }
      return;
    }
    const tally = this.tallies[s];
    tally.deliver(1, this.streams[s].size);
    const side = this.side;
    const e2e = sub(side.time[x], this.sendQ(s, k));
    tally.endToEnd.addOne(e2e);
    if (side.held[x]) {
      tally.held++;
      tally.hold.addOne(side.hold[x]);
    }
    if (side.waited[x]) tally.queued++;
    if (side.held[x] || side.waited[x]) {
      tally.delayed++;
      tally.extra.addOne(add(side.hold[x], side.wait[x]));
    }
    if (rec) {
      const i = this.recordOffset[s] + k;
      rec.deliverySeconds[i] = toNumber(side.time[x]);
      rec.endToEndSeconds[i] = toNumber(e2e);
      rec.heldSeconds[i] = toNumber(side.hold[x]);
      rec.waitSeconds[i] = toNumber(side.wait[x]);
    }
    side.release(x);
  }

  lose(e: number, s: number, k: number, x: number, fate: number): void {
    const el = this.elements[e];
    this.tallies[s].lose(el.tl.name, e, CAUSE[fate], 1);
    this.mark(s, k, fate, e);
    this.side.release(x);
  }

  mark(s: number, k: number, fate: number, e: number): void {
    if (!this.record) return;
    const i = this.recordOffset[s] + k;
    this.record.fate[i] = fate;
    this.record.elementIndex[i] = e;
  }
}

function makeRecords(total: number): PacketRecords {
  return {
    sendSeconds: new Float64Array(total),
    fate: new Uint8Array(total),
    elementIndex: new Int32Array(total).fill(-1),
    deliverySeconds: new Float64Array(total).fill(-1),
    heldSeconds: new Float64Array(total),
    waitSeconds: new Float64Array(total),
    endToEndSeconds: new Float64Array(total).fill(-1),
    stream: new Int32Array(total),
    packet: new Float64Array(total),
  };
}
