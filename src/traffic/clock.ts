/**
 * The exact packet clock: a stream's packets by index, their send times
 * (floating point, and exact for the decimals written) and the exact search
 * for the packets whose time, shifted by an exact offset, falls before an
 * instant. The interval counter, the OpenFlow trace and the control-plane
 * model all find packet indices at times through it.
 *
 * Floating point decides wherever it is clearly right (the filter: the two
 * values differ by more than a bound on their rounding errors); exact
 * rational arithmetic decides the rest.
 *
 * @module
 */

import {
  add,
  cmp,
  dec,
  div,
  mulInt,
  type Q,
  qInt,
  sub,
  ZERO,
} from "./_rational.ts";
import {
  countBeforeOffset,
  exactPacketTime,
  packetCount,
  packetTimeSeconds,
  streamTimesSeconds,
  type TrafficStream,
} from "./stream.ts";

const FILTER = 2 ** -50;

/**
 * A value known as a float `f`, exactly as `q`, with |f - q| <= `e`.
 * Not in the public API.
 */
export interface Exact {
  readonly f: number;
  readonly q: Q;
  readonly e: number;
}

/** The exact value of a decimal the user wrote. */
export function exactOf(x: number): Exact {
  return { f: x, q: dec(x), e: Math.abs(x) * 2 ** -53 };
}

/** A value whose exact form is computed only if a comparison needs it. */
export function lazyExact(f: number, e: number, exact: () => Q): Exact {
  return new LazyExact(f, e, exact);
}

class LazyExact implements Exact {
  #q: Q | null = null;
  constructor(
    readonly f: number,
    readonly e: number,
    readonly exact: () => Q,
  ) {}
  get q(): Q {
    return this.#q ??= this.exact();
  }
}

// a + b, exact on demand (no closure per sum).
class SumExact implements Exact {
  #q: Q | null = null;
  constructor(
    readonly f: number,
    readonly e: number,
    readonly a: Exact,
    readonly b: Exact,
  ) {}
  get q(): Q {
    return this.#q ??= add(this.a.q, this.b.q);
  }
}

// A packet's send time, exact on demand.
class SendExact implements Exact {
  #q: Q | null = null;
  constructor(
    readonly f: number,
    readonly e: number,
    readonly clock: PacketClock,
    readonly k: number,
  ) {}
  get q(): Q {
    return this.#q ??= this.clock.sendExact(this.k);
  }
}

/** a + b (the exact sum computed only when needed). */
export function exactAdd(a: Exact, b: Exact): Exact {
  const f = a.f + b.f;
  return new SumExact(f, a.e + b.e + Math.abs(f) * 2 ** -53, a, b);
}

/** An exact rational with its nearest float. */
export function exactOfQ(value: Q): Exact {
  const f = Number(value.n) / Number(value.d);
  return {
    f: Number.isFinite(f) ? f : 0,
    q: value,
    e: Number.isFinite(f) ? Math.abs(f) * 2 ** -50 + 1e-300 : Infinity,
  };
}

/**
 * -1, 0, 1 as a <, =, > b: floating point when the gap exceeds the error
 * bounds, exact otherwise.
 */
export function compareExact(a: Exact, b: Exact): number {
  const gap = a.f - b.f;
  const bound = a.e + b.e + (Math.abs(a.f) + Math.abs(b.f)) * FILTER;
  if (gap > bound) return 1;
  if (gap < -bound) return -1;
  return cmp(a.q, b.q);
}

/** The exact value of one hop: a latency plus the serialisation of `bits` at `bitsPerSecond`. */
export function hopExact(
  latencySeconds: number,
  bits: number,
  bitsPerSecond: number,
): Exact {
  const serial = bitsPerSecond === Infinity
    ? ZERO
    : div(qInt(bits), dec(bitsPerSecond));
  const f = latencySeconds +
    (bitsPerSecond === Infinity ? 0 : bits / bitsPerSecond);
  return {
    f,
    q: add(dec(latencySeconds), serial),
    e: Math.abs(f) * 2 ** -51,
  };
}

/**
 * The packets of one stream, by index (not in the public API; the engines
 * build one per stream).
 */
export class PacketClock {
  /** Packets in the stream. */
  readonly count: number;
  /** The stream. */
  readonly stream: TrafficStream;
  /** Send times of a Poisson or explicit stream; null for CBR. */
  readonly times: Float64Array | null;
  #prefix: Q[] | null = null;

  constructor(stream: TrafficStream) {
    this.stream = stream;
    if (stream.kind === "cbr") {
      this.times = null;
      this.count = packetCount(stream);
    } else {
      this.times = stream.kind === "explicit"
        ? Float64Array.from(stream.sendTimesSeconds)
        : streamTimesSeconds(stream);
      this.count = this.times.length;
    }
  }

  /** Send time of packet k (floating point). */
  send(k: number): number {
    return this.times === null
      ? packetTimeSeconds(
        this.stream as { kind: "cbr" } & TrafficStream & {
          packetsPerSecond: number;
          startSeconds: number;
        } as never,
        k,
      )
      : this.times[k];
  }

  /** Send time of packet k, exact. */
  sendExact(k: number): Q {
    return this.times === null
      ? exactPacketTime(this.stream as never, k)
      : dec(this.times[k]);
  }

  /** Send time of packet k with its error bound. */
  sendAt(k: number): Exact {
    const f = this.send(k);
    return new SendExact(f, Math.abs(f) * 2 ** -51, this, k);
  }

  /**
   * The number of packets k in [0, count) with send(k) + offset < time,
   * exactly.
   */
  countBefore(time: Exact, offset: Exact): number {
    if (this.times === null) {
      const stream = this.stream as Parameters<typeof countBeforeOffset>[0];
      // time - offset as one exact instant; the stream formula does the rest.
      const k = countBeforeOffset(
        stream,
        time.f,
        offset.f,
        sub(offset.q, sub(time.q, dec(time.f))),
        offset.e + time.e,
      );
      return Math.min(this.count, k);
    }
    // Binary search on the sampled times.
    let lo = 0;
    let hi = this.count;
    const times = this.times;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#before(times[mid], offset, time)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Smallest k in [lo, hi] whose send(k) + offset >= time (hi if none). */
  firstAtOrAfter(time: Exact, offset: Exact, lo: number, hi: number): number {
    return Math.max(lo, Math.min(hi, this.countBefore(time, offset)));
  }

  #before(t: number, offset: Exact, time: Exact): boolean {
    const a = t + offset.f;
    const bound = offset.e + time.e +
      (Math.abs(t) + Math.abs(offset.f) + Math.abs(time.f)) * FILTER;
    const gap = a - time.f;
    if (gap > bound) return false;
    if (gap < -bound) return true;
    return cmp(add(dec(t), offset.q), time.q) < 0;
  }

  /** The exact sum of the send times of packets [lo, hi). */
  sumExact(lo: number, hi: number): Q {
    if (hi <= lo) return ZERO;
    if (this.times === null) {
      const stream = this.stream as {
        startSeconds: number;
        packetsPerSecond: number;
      };
      const n = BigInt(hi - lo);
      // n start + (lo + ... + hi - 1) / rate
      const indexSum = n * (BigInt(lo) + BigInt(hi) - 1n);
      return add(
        mulInt(dec(stream.startSeconds), n),
        div({ n: indexSum, d: 2n }, dec(stream.packetsPerSecond)),
      );
    }
    const prefix = this.#prefixSums();
    return sub(prefix[hi], prefix[lo]);
  }

  #prefixSums(): Q[] {
    if (this.#prefix) return this.#prefix;
    const prefix: Q[] = [ZERO];
    // A common denominator keeps the additions cheap.
    let acc = ZERO;
    for (let k = 0; k < this.count; k++) {
      acc = add(acc, dec(this.times![k]));
      prefix.push(acc);
    }
    this.#prefix = prefix;
    return prefix;
  }
}
