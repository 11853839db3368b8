// Issue 11: the two loss engines share their exact clock, timelines and
// tally, so their agreement cannot catch a mistake they share. This test
// checks both against an independent reference written from path.ts's
// stated semantics alone: one packet at a time, element after element,
// every time a BigInt fraction of the decimal the user wrote (parsed here
// from the number's shortest printing, not through the library), every
// summary rounded to the nearest double here. Small cases (a few thousand
// packets) over boundary-exact decimals, buffers with per-interval
// capacities, explicit release and flush, servers and bounded queues.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countFates,
  type FateCounts,
  type PathElement,
  pathElement,
  simulatePackets,
  type StateChange,
} from "../src/traffic/mod.ts";

// --- Exact fractions, independent of src/traffic/_rational.ts ---------
interface F {
  n: bigint;
  d: bigint; // > 0, gcd(n, d) = 1
}
const gcd = (a: bigint, b: bigint): bigint => {
  if (a < 0n) a = -a;
  while (b) [a, b] = [b, a % b];
  return a;
};
const f = (n: bigint, d = 1n): F => {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
};
const plus = (a: F, b: F) => f(a.n * b.d + b.n * a.d, a.d * b.d);
const minus = (a: F, b: F) => f(a.n * b.d - b.n * a.d, a.d * b.d);
const over = (a: F, b: F) => f(a.n * b.d, a.d * b.n);
const compare = (a: F, b: F) => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};
const ZERO = f(0n);

// The decimal a user wrote: the shortest printing of the double.
function written(x: number): F {
  const [mantissa, exponent = "0"] = String(x).split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  const digits = BigInt(whole + fraction);
  const e = Number(exponent) - fraction.length;
  return e >= 0 ? f(digits * 10n ** BigInt(e)) : f(digits, 10n ** BigInt(-e));
}

// Nearest double (ties to even), for normal magnitudes.
function nearest(q: F): number {
  if (q.n === 0n) return 0;
  const negative = q.n < 0n;
  const a = negative ? -q.n : q.n;
  let e = a.toString(2).length - q.d.toString(2).length;
  // Scale so that 2^52 <= a / d * 2^(52 - e) < 2^53.
  const scaled = (k: number) =>
    k >= 0 ? [a << BigInt(k), q.d] : [a, q.d << BigInt(-k)];
  let [num, den] = scaled(52 - e);
  if (num / den < 2n ** 52n) {
    e--;
    [num, den] = scaled(52 - e);
  }
  let m = num / den;
  const r2 = 2n * (num - m * den);
  if (r2 > den || (r2 === den && (m & 1n) === 1n)) m++;
  const x = Number(m) * 2 ** (e - 52);
  return negative ? -x : x;
}
assert.equal(nearest(f(1n, 3n)), 1 / 3);
assert.equal(nearest(written(0.1)), 0.1);
assert.equal(nearest(plus(written(3.997), written(0.003))), 4);
assert.equal(nearest(f(-7n, 10n)), -0.7);

// --- The reference: path.ts's semantics, one packet at a time ----------
interface Packet {
  send: F;
  at: F; // reaches the current element
  order: number; // ties: arrival order
  size: number;
  hold: F;
  wait: F;
  held: boolean;
  queued: boolean;
}

interface Reference {
  sent: number;
  delivered: number;
  stranded: number;
  held: number;
  queued: number;
  delayed: number;
  losses: [number, string, number][];
  peaks: [number, number, number][];
  delay: number[];
  extraDelay: number[];
  endToEnd: number[];
  deliveredBytes: number;
}

function summary(values: F[]): number[] {
  if (values.length === 0) return [0, 0, 0, 0];
  let lo = values[0];
  let hi = values[0];
  let sum = ZERO;
  for (const v of values) {
    if (compare(v, lo) < 0) lo = v;
    if (compare(v, hi) > 0) hi = v;
    sum = plus(sum, v);
  }
  return [
    values.length,
    nearest(lo),
    nearest(hi),
    nearest(over(sum, f(BigInt(values.length)))),
  ];
}

function reference(
  send: { rate: number; start: number; end?: number; count?: number },
  linkLatency: number,
  sizeBytes: number,
  path: PathElement[],
): Reference {
  const rate = written(send.rate);
  const start = written(send.start);
  let packets: Packet[] = [];
  for (let k = 0;; k++) {
    const t = plus(start, over(f(BigInt(k)), rate));
    if (
      send.count !== undefined
        ? k >= send.count
        : compare(t, written(send.end!)) >= 0
    ) break;
    packets.push({
      send: t,
      at: plus(t, written(linkLatency)),
      order: k,
      size: sizeBytes,
      hold: ZERO,
      wait: ZERO,
      held: false,
      queued: false,
    });
  }
  const out: Reference = {
    sent: packets.length,
    delivered: 0,
    stranded: 0,
    held: 0,
    queued: 0,
    delayed: 0,
    losses: [],
    peaks: [],
    delay: [],
    extraDelay: [],
    endToEnd: [],
    deliveredBytes: 0,
  };
  path.forEach((el, index) => {
    const lost = new Map<string, number>();
    const lose = (cause: string) => lost.set(cause, (lost.get(cause) ?? 0) + 1);
    // Intervals: the initial one, then one per change.
    const intervals = [
      {
        at: null as F | null,
        state: el.initialState,
        held: "keep",
        capP: el.bufferCapacityPackets,
        capB: el.bufferCapacityBytes,
        mu: el.forwardingPacketsPerSecond ?? Infinity,
      },
      ...el.changes.map((c) => ({
        at: written(c.atSeconds),
        state: c.state,
        held: c.held ??
          (c.state === "forward"
            ? "release"
            : c.state === "drop"
            ? "flush"
            : "keep"),
        capP: c.bufferCapacityPackets ?? el.bufferCapacityPackets,
        capB: c.bufferCapacityBytes ?? el.bufferCapacityBytes,
        mu: c.forwardingPacketsPerSecond ?? el.forwardingPacketsPerSecond ??
          Infinity,
      })),
    ];
    const link = el.linkBitsPerSecond ?? Infinity;
    const queue = el.queueCapacityPackets ?? Infinity;
    let current = 0;
    let buffer: Packet[] = [];
    let peakP = 0;
    let peakB = 0;
    const departures: F[] = []; // of the packets in the server, FIFO
    const next: Packet[] = [];
    const serve = (p: Packet, t: F) => {
      // Departures at or before t have happened.
      while (departures.length && compare(departures[0], t) <= 0) {
        departures.shift();
      }
      let work = ZERO;
      if (link !== Infinity) {
        work = plus(work, over(f(BigInt(8 * p.size)), written(link)));
      }
      const mu = intervals[current].mu;
      if (mu !== Infinity) work = plus(work, over(f(1n), written(mu)));
      let leave: F;
      if (departures.length === 0) leave = plus(t, work);
      else if (departures.length - 1 < queue) {
        const last = departures[departures.length - 1];
        p.wait = plus(p.wait, minus(last, t));
        p.queued = true;
        leave = plus(last, work);
      } else return lose("queue");
      departures.push(leave);
      p.at = plus(leave, written(el.latencySeconds));
      next.push(p);
    };
    const change = () => {
      current++;
      const iv = intervals[current];
      if (iv.held === "keep") return;
      const was = buffer;
      buffer = [];
      for (const p of was) {
        if (iv.held === "flush") lose("flush");
        else {
          p.hold = plus(p.hold, minus(iv.at!, p.at));
          p.held = true;
          serve(p, iv.at!);
        }
      }
    };
    packets.sort((a, b) => compare(a.at, b.at) || a.order - b.order);
    for (const p of packets) {
      // A change at exactly the arrival applies first.
      while (
        current + 1 < intervals.length &&
        compare(intervals[current + 1].at!, p.at) <= 0
      ) change();
      const iv = intervals[current];
      if (iv.state === "forward") serve(p, p.at);
      else if (iv.state === "drop") lose("drop");
      else {
        const bytes = buffer.reduce((s, b) => s + b.size, 0);
        if (buffer.length < iv.capP && bytes + p.size <= iv.capB) {
          buffer.push(p);
          peakP = Math.max(peakP, buffer.length);
          peakB = Math.max(peakB, bytes + p.size);
        } else lose("overflow");
      }
    }
    while (current + 1 < intervals.length) change();
    out.stranded += buffer.length;
    for (const cause of ["drop", "overflow", "flush", "queue"]) {
      if (lost.get(cause)) out.losses.push([index, cause, lost.get(cause)!]);
    }
    if (peakP > 0) out.peaks.push([index, peakP, peakB]);
    next.forEach((p, i) => p.order = i);
    packets = next;
  });
  const hold: F[] = [];
  const extra: F[] = [];
  const e2e: F[] = [];
  for (const p of packets) {
    out.delivered++;
    out.deliveredBytes += p.size;
    e2e.push(minus(p.at, p.send));
    if (p.held) {
      out.held++;
      hold.push(p.hold);
    }
    if (p.queued) out.queued++;
    if (p.held || p.queued) {
      out.delayed++;
      extra.push(plus(p.hold, p.wait));
    }
  }
  out.delay = summary(hold);
  out.extraDelay = summary(extra);
  out.endToEnd = summary(e2e);
  return out;
}

function view(c: FateCounts): Reference {
  const s = (d: FateCounts["delay"]) => [
    d.packets,
    d.minSeconds,
    d.maxSeconds,
    d.meanSeconds,
  ];
  return {
    sent: c.sentPackets,
    delivered: c.deliveredPackets,
    stranded: c.strandedPackets,
    held: c.heldPackets,
    queued: c.queuedPackets,
    delayed: c.delayedPackets,
    losses: c.losses.map((l) => [l.elementIndex, l.cause, l.packets]),
    peaks: c.bufferPeaks.map((b) => [b.elementIndex, b.packets, b.bytes]),
    delay: s(c.delay),
    extraDelay: s(c.extraDelay),
    endToEnd: s(c.endToEnd),
    deliveredBytes: c.deliveredBytes,
  };
}

Deno.test("reference: the issue's examples, by an independent exact per-packet reference", () => {
  // Item 1: packet 3997 at exactly 4.000 s is spared by an outage on [3.9, 4).
  const path = [
    pathElement({ latencySeconds: 0.002 }),
    pathElement({ latencySeconds: 0.001 }),
    pathElement({
      changes: [{ atSeconds: 3.9, state: "drop" }, {
        atSeconds: 4,
        state: "forward",
      }],
    }),
  ];
  const ref = reference({ rate: 1000, start: 0, end: 5 }, 0, 64, path);
  assert.deepEqual(ref.losses, [[2, "drop", 100]]);
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 5 });
  assert.deepEqual(view(countFates(stream, path)), ref);
  assert.deepEqual(view(simulatePackets(stream, path).counts), ref);
  // Item 2: a second buffer with room for 2 keeps the burst's head.
  const two = [
    pathElement({
      changes: [{ atSeconds: 0, state: "buffer" }, {
        atSeconds: 1,
        state: "forward",
      }],
    }),
    pathElement({
      changes: [{ atSeconds: 1, state: "buffer" }, {
        atSeconds: 2,
        state: "forward",
      }],
      bufferCapacityPackets: 2,
    }),
  ];
  const r2 = reference({ rate: 10, start: 0, end: 3 }, 0, 64, two);
  assert.deepEqual(r2.delay, [2, 1.9, 2, 1.95]);
  const s2 = cbrStream({ packetsPerSecond: 10, endSeconds: 3 });
  assert.deepEqual(view(countFates(s2, two)), r2);
  assert.deepEqual(view(simulatePackets(s2, two).counts), r2);
  // Negative control: the reference is sensitive to a boundary moved by
  // one part in 1e10 (packet 3997 then meets the outage).
  const moved = [
    ...path.slice(0, 2),
    pathElement({
      changes: [{ atSeconds: 3.9, state: "drop" }, {
        atSeconds: 4.0000000001,
        state: "forward",
      }],
    }),
  ];
  assert.deepEqual(
    reference({ rate: 1000, start: 0, end: 5 }, 0, 64, moved).losses,
    [[2, "drop", 101]],
  );
});

// Decimals with few digits, so that arrivals, changes and releases often
// coincide exactly (and floats put them a hair apart).
const decimal = (lo: number, hi: number, scale: number) =>
  fc.integer({ min: lo * scale, max: hi * scale }).map((k) => k / scale);
const stateArb = fc.constantFrom("forward", "drop", "buffer") as fc.Arbitrary<
  StateChange["state"]
>;
const changeArb = fc.record({
  at: fc.oneof(decimal(0, 3, 10), decimal(0, 3, 100), decimal(0, 3, 1000)),
  state: stateArb,
  held: fc.constantFrom(undefined, undefined, "release", "flush"),
  capP: fc.constantFrom(undefined, undefined, 0, 1, 2, 5),
  capB: fc.constantFrom(undefined, undefined, 300),
  mu: fc.constantFrom(undefined, undefined, 30, 250),
});
const elementArb = fc.record({
  latency: fc.constantFrom(0, 0.001, 0.003, 0.0137, 0.1, 0.25),
  initial: stateArb,
  changes: fc.array(changeArb, { maxLength: 5 }),
  capP: fc.constantFrom(Infinity, 0, 1, 3, 20),
  capB: fc.constantFrom(Infinity, Infinity, 640),
  mu: fc.constantFrom(Infinity, Infinity, Infinity, 40, 500),
  link: fc.constantFrom(Infinity, Infinity, 51_200, 512_000),
  queue: fc.constantFrom(Infinity, 0, 1, 4),
});

// A time `x` seconds after `base`, as a user would write it (e.g.
// 1000000002.997): far from 0, floats lose the digits that decide.
const shifted = (base: number, x: number) => Number((base + x).toFixed(4));

function build(
  elements: (typeof elementArb extends fc.Arbitrary<infer T> ? T : never)[],
  base = 0,
): PathElement[] {
  return elements.map((e) =>
    pathElement({
      latencySeconds: e.latency,
      initialState: e.initial,
      bufferCapacityPackets: e.capP,
      bufferCapacityBytes: e.capB,
      forwardingPacketsPerSecond: e.mu,
      linkBitsPerSecond: e.link,
      queueCapacityPackets: e.queue,
      changes: [...e.changes].sort((a, b) => a.at - b.at).map((c) => {
        const out: Record<string, unknown> = {
          atSeconds: shifted(base, c.at),
          state: c.state,
        };
        if (c.held) out.held = c.held;
        if (c.capP !== undefined) out.bufferCapacityPackets = c.capP;
        if (c.capB !== undefined) out.bufferCapacityBytes = c.capB;
        if (c.mu !== undefined) out.forwardingPacketsPerSecond = c.mu;
        return out as unknown as StateChange;
      }),
    })
  );
}

Deno.test("reference: both engines equal the independent reference, counts and delays, over boundary-exact decimals, buffers, releases, flushes, servers and queues", () => {
  let held = 0;
  let queued = 0;
  let overflow = 0;
  fc.assert(
    fc.property(
      fc.record({
        rate: fc.constantFrom(1, 3, 10, 97, 250, 1000, 1234.5, 0.7),
        start: fc.constantFrom(0, 0.1, 0.33, 0.997),
        base: fc.constantFrom(0, 0, -5, 1000, 1e6, 1e9),
        length: fc.constantFrom(0, 0.5, 2),
        byCount: fc.boolean(),
        link: fc.constantFrom(0, 0.003, 0.0137),
        size: fc.constantFrom(64, 100, 1500),
        elements: fc.array(elementArb, { minLength: 1, maxLength: 4 }),
      }),
      (sc) => {
        const path = build(sc.elements, sc.base);
        const start = shifted(sc.base, sc.start);
        const end = shifted(sc.base, sc.start + sc.length);
        const count = Math.round(sc.length * sc.rate);
        const stream = sc.byCount
          ? cbrStream({
            packetsPerSecond: sc.rate,
            startSeconds: start,
            packets: count,
            packetSizeBytes: sc.size,
            linkLatencySeconds: sc.link,
          })
          : cbrStream({
            packetsPerSecond: sc.rate,
            startSeconds: start,
            endSeconds: end,
            packetSizeBytes: sc.size,
            linkLatencySeconds: sc.link,
          });
        const ref = reference(
          sc.byCount
            ? { rate: sc.rate, start, count }
            : { rate: sc.rate, start, end },
          sc.link,
          sc.size,
          path,
        );
        assert.deepEqual(view(countFates(stream, path)), ref);
        assert.deepEqual(view(simulatePackets(stream, path).counts), ref);
        if (ref.held > 0) held++;
        if (ref.queued > 0) queued++;
        if (ref.losses.some((l) => l[1] === "overflow")) overflow++;
      },
    ),
    { numRuns: 1500, seed: 20261202 },
  );
  // The generator reaches the hard cases.
  assert.ok(
    held > 60 && queued > 60 && overflow > 100,
    `${held} ${queued} ${overflow}`,
  );
});
