// The interval counter's FIFO server with a bounded queue, by busy periods.
// Packets arrive as pieces (FIFO order, times c0 + c1 b); each needs a
// service time S; the server's departures are kept as arithmetic segments.
// A packet is admitted iff fewer than K packets wait (in system <= K),
// i.e. iff the departure of the admission K + 1 places before it has
// happened (a departure at the arrival instant happens first). Closed forms:
// - idle and arrivals no faster than service: every packet passes, shifted;
// - K = 0 in overload: every ceil(S / P)-th packet passes;
// - busy: consecutive admissions while the lagging departures keep up;
// - saturated (K >= 1, overload, steady state): admissions right after each
//   departure, a Beatty sequence of positions.
// Other cases go one admission at a time (exact, O(1) each).

import {
  add,
  ceil,
  cmp,
  div,
  floor,
  mulInt,
  type Q,
  sub,
  ZERO,
} from "./_rational.ts";
import { type Lin, linAdd, linConst, type Piece } from "./_pieces.ts";

interface Segment {
  i0: number; // admission index of the first departure
  first: Q;
  period: Q | null; // null when n = 1
  n: number;
}

export interface ServerSink {
  /** Admitted packets, in departure order, with their departure times set. */
  admit(piece: Piece): void;
  /** Packets lost: the queue was full. */
  reject(piece: Piece, n: number): void;
}

function lastOf(s: Segment): Q {
  return s.n === 1 ? s.first : add(s.first, mulInt(s.period!, s.n - 1));
}

export class Server {
  readonly segs: Segment[] = [];
  head = 0;
  m = 0; // admissions so far
  undeparted = 0; // the first admission not gone at the last inSystem()

  constructor(readonly capacity: number) {}

  /** Departure time of admission i (i < m, not popped). */
  departure(i: number): Q {
    const s = this.segmentOf(i);
    return s.n === 1 || i === s.i0
      ? s.first
      : add(s.first, mulInt(s.period!, i - s.i0));
  }

  segmentOf(i: number): Segment {
    let lo = this.head;
    let hi = this.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segs[mid].i0 <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.segs[lo];
  }

  /** Packets in system at a (departures <= a have left). */
  inSystem(a: Q): number {
    while (this.head < this.segs.length) {
      const s = this.segs[this.head];
      if (cmp(lastOf(s), a) <= 0) this.head++;
      else break;
    }
    if (this.head === this.segs.length) {
      this.undeparted = this.m;
      return 0;
    }
    const s = this.segs[this.head];
    let gone = 0;
    if (cmp(s.first, a) <= 0) {
      // (A segment spaced 0 apart left all at once.)
      gone = s.period === null || s.period.n === 0n
        ? s.n
        : Number(floor(div(sub(a, s.first), s.period))) + 1;
    }
    this.undeparted = s.i0 + gone;
    return this.m - this.undeparted;
  }

  append(first: Q, period: Q | null, n: number): void {
    if (n <= 0) return;
    const tail = this.segs[this.segs.length - 1];
    if (tail && this.segs.length > this.head) {
      const last = lastOf(tail);
      const gap = sub(first, last);
      const p = tail.n === 1 ? gap : tail.period!;
      if (
        cmp(gap, p) === 0 && (n === 1 || period === null ||
          cmp(period, p) === 0)
      ) {
        tail.period = p;
        tail.n += n;
        this.m += n;
        return;
      }
    }
    this.segs.push({ i0: this.m, first, period: n === 1 ? null : period, n });
    this.m += n;
    // Keep the array from growing without bound.
    if (this.head > 1024 && this.head * 2 > this.segs.length) {
      this.segs.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Serves a piece whose packets arrive at times c0 + c1 b (c1 >= 0), each
   * needing S >= 0 (0: no work, but still behind the packets queued).
   */
  serve(p: Piece, S: Q, sink: ServerSink): void {
    const K = this.capacity;
    const time = p.timeLin();
    if (time.cf.n !== 0n || time.cx.n !== 0n) {
      // Not an arithmetic progression of times: one packet at a time.
      let rest: Piece | null = p;
      while (rest) {
        const [one, more] = rest.take(1);
        const t = one.at(one.timeLin(), one.o);
        one.materialize();
        one.time = linConst(t);
        this.serve(one, S, sink);
        rest = more;
      }
      return;
    }
    const P = time.c1;
    const at = (j: number) => add(time.c0, mulInt(P, p.o + j));
    let x = 0;
    while (x < p.n) {
      const a = at(x);
      const inSys = this.inSystem(a);
      if (inSys === 0) {
        if (cmp(P, S) >= 0 && p.n - x > 1) {
          // Arrivals no faster than service: none ever waits.
          const part = p.n - x === p.n ? p : p.stride(x, 1, p.n - x);
          part.delay(S);
          sink.admit(part);
          this.append(add(a, S), P, p.n - x);
          return;
        }
        if (K === 0 && P.n > 0n && p.n - x > 1) {
          // No waiting room: every c-th packet finds the server idle.
          const c = Number(ceil(div(S, P)));
          const count = Math.ceil((p.n - x) / c);
          const part = p.stride(x, c, count);
          part.delay(S);
          sink.admit(part);
          sink.reject(p, p.n - x - count);
          this.append(add(a, S), mulInt(P, c), count);
          return;
        }
        // One packet starts a busy period.
        const part = p.stride(x, 1, 1);
        part.delay(S);
        sink.admit(part);
        this.append(add(a, S), null, 1);
        x++;
        continue;
      }
      if (inSys > K) {
        // Full: the arrivals before the lagging departure are lost.
        const L = this.departure(this.m - K - 1);
        const next = this.#firstAtOrAfter(time, p, x, L);
        sink.reject(p, next - x);
        x = next;
        if (x >= p.n) return;
        const done = this.#saturated(p, time, x, S, sink);
        if (done !== null) x = done;
        // The server may be idle by now: look again.
        continue;
      }
      const last = this.departure(this.m - 1);
      const ax = at(x);
      let T = p.n - x;
      if (K !== Infinity) {
        const lag = this.m - K - 1;
        // While the lagging departures have already happened, there is
        // room; then the lag must keep up with the arrivals.
        if (lag < this.undeparted) T = Math.min(T, this.undeparted - lag);
        else {
          const s = this.segmentOf(lag);
          T = Math.min(T, s.i0 + s.n - lag);
          if (s.period !== null && cmp(P, s.period) < 0) {
            const L0 = this.departure(lag);
            const t = floor(div(sub(ax, L0), sub(s.period, P)));
            T = Math.min(T, Number(t) + 1);
          }
        }
      }
      if (cmp(P, S) > 0) {
        // The backlog drains: busy while ax + t P < last + t S.
        const t = ceil(div(sub(last, ax), sub(P, S)));
        T = Math.min(T, Number(t));
      }
      T = Math.max(T, 1);
      const part = p.stride(x, 1, T);
      part.materialize();
      const dep: Lin = { c0: add(last, S), c1: S, cf: ZERO, cx: ZERO };
      // Waited (last + t S) - (ax + t P).
      part.wait = linAdd(part.wait!, linSubConst(dep, part.time!, S));
      part.time = dep;
      part.waited = true;
      sink.admit(part);
      this.append(add(last, S), S, T);
      x += T;
    }
  }

  // First piece-relative position >= x whose arrival is at or after L.
  #firstAtOrAfter(time: Lin, p: Piece, x: number, L: Q): number {
    const P = time.c1;
    if (P.n === 0n) {
      return cmp(add(time.c0, mulInt(P, p.o + x)), L) >= 0 ? x : p.n;
    }
    // smallest b with c0 + P b >= L
    const b = Number(ceil(div(sub(L, time.c0), P)));
    return Math.min(p.n, Math.max(x, b - p.o));
  }

  // The steady saturated state (K >= 1, P < S, lag departures spaced S,
  // uniform packets): admissions at b(t) = ceil((L0 - c0 + t S) / P).
  // Returns the next position, or null when the closed form does not apply.
  #saturated(
    p: Piece,
    time: Lin,
    x: number,
    S: Q,
    sink: ServerSink,
  ): number | null {
    const K = this.capacity;
    const P = time.c1;
    if (K === Infinity || K < 1 || P.n === 0n || cmp(P, S) >= 0) return null;
    if (!p.uniform() || p.n - x < 3) return null;
    const lag = this.m - K - 1;
    const s = this.segmentOf(lag);
    if (s.period === null || cmp(s.period, S) !== 0) return null;
    const isTail = s === this.segs[this.segs.length - 1];
    const L0 = this.departure(lag);
    const last = this.departure(this.m - 1);
    // b(t) = ceil((A t + C) / M) with (L0 - c0)/P = C/M and S/P = A/M.
    const X = div(sub(L0, time.c0), P);
    const Y = div(S, P);
    const M = X.d * Y.d;
    const C = X.n * Y.d;
    const A = Y.n * X.d;
    const bLast = BigInt(p.o + p.n - 1);
    // t with b(t) <= bLast: t <= (bLast M - C) / A
    let T = Number((bLast * M - C) / A) + 1; // floor for non-negative
    if ((bLast * M - C) < 0n) T = 0;
    if (!isTail) T = Math.min(T, s.i0 + s.n - lag);
    if (T < 2) return null;
    const bEnd = ceil({ n: A * BigInt(T - 1) + C, d: M });
    const lastPos = Number(bEnd) - p.o;
    const piece = p.beatty(A, C, M, T);
    // Departures last + (t + 1) S; waited (last + t S) - arrival(t).
    const dep: Lin = { c0: add(last, S), c1: S, cf: ZERO, cx: ZERO };
    piece.wait = linAdd(piece.wait!, linSubConst(dep, piece.time!, S));
    piece.time = dep;
    piece.waited = true;
    sink.reject(p, lastPos - x + 1 - T);
    sink.admit(piece);
    this.append(add(last, S), S, T);
    return lastPos + 1;
  }
}

// (dep - S) - arrival
function linSubConst(dep: Lin, arrival: Lin, S: Q): Lin {
  return {
    c0: sub(sub(dep.c0, S), arrival.c0),
    c1: sub(dep.c1, arrival.c1),
    cf: sub(dep.cf, arrival.cf),
    cx: sub(dep.cx, arrival.cx),
  };
}
