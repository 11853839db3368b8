// Pieces: the interval counter's unit of work. A piece is a set of packets
// of one stream, in FIFO order, whose every per-packet quantity (time at the
// current element, send time, time held, time queued) is an exact function
// of its position b:
//
//   value(b) = c0 + c1 b + cf f(b) + cx x(k(b))
//
// where k(b) is the packet's index in its stream (k0 + dk b, or
// k0 + dk f(b) for the packets a saturated queue admits: f(b) =
// ceil((A b + C) / M), a Beatty sequence), and x(k) the k-th send time of a
// sampled or explicit stream. Sums, minima and maxima over a piece are
// closed forms (floor sums, minima of linear functions modulo M), so a
// piece of a billion packets costs what a piece of one does.

import type { PacketClock } from "./clock.ts";
import {
  add,
  cmp,
  dec,
  div,
  floorDiv,
  floorSum,
  maxMod,
  minMod,
  mul,
  mulInt,
  type Q,
  q,
  qInt,
  sign,
  sub,
  ZERO,
} from "./_rational.ts";
import type { CbrStream } from "./stream.ts";

export interface Lin {
  readonly c0: Q;
  readonly c1: Q;
  readonly cf: Q;
  readonly cx: Q;
}

export const LIN_ZERO: Lin = { c0: ZERO, c1: ZERO, cf: ZERO, cx: ZERO };

export function linConst(c: Q): Lin {
  return { c0: c, c1: ZERO, cf: ZERO, cx: ZERO };
}

export function linAdd(a: Lin, b: Lin): Lin {
  return {
    c0: add(a.c0, b.c0),
    c1: add(a.c1, b.c1),
    cf: add(a.cf, b.cf),
    cx: add(a.cx, b.cx),
  };
}

export function linSub(a: Lin, b: Lin): Lin {
  return {
    c0: sub(a.c0, b.c0),
    c1: sub(a.c1, b.c1),
    cf: sub(a.cf, b.cf),
    cx: sub(a.cx, b.cx),
  };
}

export function linShift(a: Lin, c: Q): Lin {
  return { c0: add(a.c0, c), c1: a.c1, cf: a.cf, cx: a.cx };
}

function isConstLin(a: Lin): boolean {
  return a.c1.n === 0n && a.cf.n === 0n && a.cx.n === 0n;
}

export const ARITH = 0;
export const BEATTY = 1;
export const LIST = 2;

/** Per-stream facts a piece needs (shared by all its pieces). */
export interface StreamInfo {
  readonly index: number;
  readonly clock: PacketClock;
  readonly sizeBytes: number;
  /** CBR stream (null for sampled/explicit). */
  readonly cbr: CbrStream | null;
  /** Exact start and period of a CBR stream. */
  readonly start: Q;
  readonly period: Q;
  /** The sender's link latency, exact. */
  readonly link: Q;
}

export class Piece {
  constructor(
    readonly info: StreamInfo,
    public n: number,
    public o: number,
    readonly kind: number,
    readonly k0: number,
    readonly dk: number,
    readonly A: bigint,
    readonly C: bigint,
    readonly M: bigint,
    // Pure: time = send + shift, never held, never queued.
    public pure: boolean,
    public shift: Q,
    public time: Lin | null,
    public hold: Lin | null,
    public wait: Lin | null,
    public held: boolean,
    public waited: boolean,
  ) {}

  clone(): Piece {
    return new Piece(
      this.info,
      this.n,
      this.o,
      this.kind,
      this.k0,
      this.dk,
      this.A,
      this.C,
      this.M,
      this.pure,
      this.shift,
      this.time,
      this.hold,
      this.wait,
      this.held,
      this.waited,
    );
  }

  /** f(b) = ceil((A b + C) / M). */
  f(b: number): bigint {
    return -floorDiv(-(this.A * BigInt(b) + this.C), this.M);
  }

  /** Stream index of the packet at base position b. */
  k(b: number): number {
    if (this.kind === BEATTY) {
      return this.k0 + this.dk * Number(this.f(b));
    }
    return this.k0 + this.dk * b;
  }

  /** First and last stream index (for records and loss runs). */
  firstK(): number {
    return this.k(this.o);
  }

  /** The send-time function. */
  send(): Lin {
    const info = this.info;
    if (this.kind === LIST) {
      return { c0: ZERO, c1: ZERO, cf: ZERO, cx: qInt(1) };
    }
    const base = add(info.start, mulInt(info.period, this.k0));
    const step = mulInt(info.period, this.dk);
    return this.kind === ARITH
      ? { c0: base, c1: step, cf: ZERO, cx: ZERO }
      : { c0: base, c1: ZERO, cf: step, cx: ZERO };
  }

  /** The time function at the current element. */
  timeLin(): Lin {
    return this.pure ? linShift(this.send(), this.shift) : this.time!;
  }

  /** Turns a pure piece into one with explicit functions. */
  materialize(): void {
    if (!this.pure) return;
    this.time = linShift(this.send(), this.shift);
    this.hold = LIN_ZERO;
    this.wait = LIN_ZERO;
    this.pure = false;
  }

  /** value(b) exactly. */
  at(lin: Lin, b: number): Q {
    let v = add(lin.c0, mulInt(lin.c1, b));
    if (lin.cf.n !== 0n) v = add(v, mul(lin.cf, q(this.f(b))));
    if (lin.cx.n !== 0n) {
      v = add(v, mul(lin.cx, this.info.clock.sendExact(this.k(b))));
    }
    return v;
  }

  /** Sum of value(b) over the piece's positions. */
  sum(lin: Lin): Q {
    const n = BigInt(this.n);
    const o = BigInt(this.o);
    let s = mulInt(lin.c0, n);
    if (lin.c1.n !== 0n) {
      // sum of b for b = o .. o + n - 1
      s = add(s, mul(lin.c1, q(n * o + n * (n - 1n) / 2n)));
    }
    if (lin.cf.n !== 0n) {
      // sum ceil((A b + C)/M) = -sum floor((-A b - C)/M)
      const fs = -floorSum(n, this.M, -this.A, -(this.A * o + this.C));
      s = add(s, mul(lin.cf, q(fs)));
    }
    if (lin.cx.n !== 0n) {
      const k = this.k0 + this.o;
      s = add(s, mul(lin.cx, this.info.clock.sumExact(k, k + this.n)));
    }
    return s;
  }

  /** [min, max] of value(b) over the piece. */
  range(lin: Lin): [Q, Q] {
    const first = this.o;
    const last = this.o + this.n - 1;
    if (lin.cx.n === 0n && lin.cf.n === 0n) {
      const a = this.at(lin, first);
      const b = this.at(lin, last);
      return cmp(a, b) <= 0 ? [a, b] : [b, a];
    }
    if (lin.cx.n === 0n) {
      // c0 + c1 b + cf (A b + C)/M + cf r(b)/M, r(b) = (-(A b + C)) mod M.
      const alpha = add(lin.c1, mul(lin.cf, q(this.A, this.M)));
      if (alpha.n === 0n) {
        const n = BigInt(this.n);
        const a = -this.A;
        const b0 = -(this.A * BigInt(first) + this.C);
        const lo = minMod(n, this.M, a, b0);
        const hi = maxMod(n, this.M, a, b0);
        const base = add(lin.c0, mul(lin.cf, q(this.C, this.M)));
        const atR = (r: bigint) => add(base, mul(lin.cf, q(r, this.M)));
        return sign(lin.cf) > 0 ? [atR(lo), atR(hi)] : [atR(hi), atR(lo)];
      }
    }
    // No closed form: every packet (list pieces, or a saturated queue's
    // packets held later on).
    if (this.n > 20_000_000) {
      throw new RangeError(
        `exact delay extremes over ${this.n} packets would take too long (a queue's saturated output held or queued again downstream)`,
      );
    }
    let lo = this.at(lin, first);
    let hi = lo;
    for (let b = first + 1; b <= last; b++) {
      const v = this.at(lin, b);
      if (cmp(v, lo) < 0) lo = v;
      if (cmp(v, hi) > 0) hi = v;
    }
    return [lo, hi];
  }

  /** Splits off the first m positions: [head, tail]. */
  take(m: number): [Piece, Piece | null] {
    if (m >= this.n) return [this, null];
    const head = this.clone();
    head.n = m;
    const tail = this.clone();
    tail.o += m;
    tail.n -= m;
    return [head, tail];
  }

  /** Adds a latency (or a service time without wait) to the time. */
  delay(d: Q): void {
    if (d.n === 0n) return;
    if (this.pure) this.shift = add(this.shift, d);
    else this.time = linShift(this.time!, d);
  }

  /** Held until r: the time held is added, the time becomes r. */
  releaseAt(r: Q): void {
    this.materialize();
    this.hold = linAdd(this.hold!, linSub(linConst(r), this.time!));
    this.time = linConst(r);
    this.held = true;
  }

  /**
   * Re-bases onto positions b = start + stride j (j = 0 .. count - 1),
   * keeping every function (a piece of a subset of these packets).
   */
  stride(start: number, stride: number, count: number): Piece {
    const b0 = this.o + start;
    if (this.kind === LIST && stride !== 1) {
      throw new Error("internal: strided list piece");
    }
    const re = (lin: Lin | null): Lin | null =>
      lin === null ? null : {
        c0: add(lin.c0, mulInt(lin.c1, b0)),
        c1: mulInt(lin.c1, stride),
        cf: lin.cf,
        cx: lin.cx,
      };
    const isBeatty = this.kind === BEATTY;
    const p = new Piece(
      this.info,
      count,
      0,
      this.kind,
      isBeatty ? this.k0 : this.k0 + this.dk * b0,
      isBeatty ? this.dk : this.dk * stride,
      isBeatty ? this.A * BigInt(stride) : 0n,
      isBeatty ? this.C + this.A * BigInt(b0) : 0n,
      isBeatty ? this.M : 1n,
      this.pure,
      this.shift,
      re(this.time),
      re(this.hold),
      re(this.wait),
      this.held,
      this.waited,
    );
    if (this.kind === LIST) {
      // List positions stay contiguous: k = k0 + b.
      return new Piece(
        this.info,
        count,
        0,
        LIST,
        this.k0 + b0,
        1,
        0n,
        0n,
        1n,
        this.pure,
        this.shift,
        re(this.time),
        re(this.hold),
        re(this.wait),
        this.held,
        this.waited,
      );
    }
    return p;
  }

  /**
   * The packets at positions b = ceil((A t + C) / M) - (this.o) for
   * t = 0 .. count - 1, of an arithmetic piece: a Beatty piece whose
   * functions are the old ones at those positions.
   */
  beatty(A: bigint, C: bigint, M: bigint, count: number): Piece {
    // Positions relative to base 0 (this.o already folded into C by caller).
    const lift = (lin: Lin | null): Lin | null =>
      lin === null ? null : { c0: lin.c0, c1: ZERO, cf: lin.c1, cx: lin.cx };
    this.materialize();
    return new Piece(
      this.info,
      count,
      0,
      BEATTY,
      this.k0,
      this.dk,
      A,
      C,
      M,
      false,
      ZERO,
      lift(this.time),
      lift(this.hold),
      lift(this.wait),
      this.held,
      this.waited,
    );
  }

  /** Whether time, send, hold and wait are plain (no Beatty or list terms) with time spacing = send spacing and constant hold and wait. */
  uniform(): boolean {
    if (this.kind !== ARITH) return false;
    if (this.pure) return true;
    return cmp(this.time!.c1, this.send().c1) === 0 &&
      this.time!.cf.n === 0n && this.time!.cx.n === 0n &&
      isConstLin(this.hold!) && isConstLin(this.wait!);
  }
}

/** A fresh piece: every packet of a stream, at the sender (time = send). */
export function streamPiece(info: StreamInfo): Piece | null {
  const n = info.clock.count;
  if (n === 0) return null;
  return new Piece(
    info,
    n,
    0,
    info.cbr ? ARITH : LIST,
    0,
    1,
    0n,
    0n,
    1n,
    true,
    info.link,
    null,
    null,
    null,
    false,
    false,
  );
}

export function streamInfo(
  index: number,
  clock: PacketClock,
  link: number,
): StreamInfo {
  const stream = clock.stream;
  const cbr = stream.kind === "cbr" ? stream : null;
  return {
    index,
    clock,
    sizeBytes: stream.packetSizeBytes,
    cbr,
    start: dec(stream.startSeconds),
    period: div(qInt(1), dec(stream.packetsPerSecond)),
    link: dec(link),
  };
}
