/**
 * The one tally of packet fates: counts of delivered packets (by category),
 * losses by place and cause, exact delay accumulators, and runs of
 * consecutive losses in packet order. The interval counter, the per-packet
 * simulator, the OpenFlow trace and the control-plane model all count
 * through it, so they report in one shape.
 *
 * @module
 */

import { add, cmp, mulInt, type Q, toNumber, ZERO } from "./_rational.ts";
import type {
  BufferPeak,
  DelaySummary,
  ElementLoss,
  FateCounts,
} from "./fates.ts";
import { LOSS_CAUSES } from "./fates.ts";

/**
 * Exact delay statistics: count, sum, min and max of exact rationals,
 * rounded once when summarised (not in the public API).
 */
export class DelayAccumulator {
  count = 0;
  sum: Q = ZERO;
  min: Q | null = null;
  max: Q | null = null;

  /** `n` packets with delays summing to `sum`, between `min` and `max`. */
  addRange(n: number, sum: Q, min: Q, max: Q): void {
    if (n <= 0) return;
    this.count += n;
    this.sum = add(this.sum, sum);
    if (this.min === null || cmp(min, this.min) < 0) this.min = min;
    if (this.max === null || cmp(max, this.max) > 0) this.max = max;
  }

  /** `n` packets with the same delay. */
  addConstant(n: number, value: Q): void {
    this.addRange(n, mulInt(value, n), value, value);
  }

  /** One packet. */
  addOne(value: Q): void {
    this.addRange(1, value, value, value);
  }

  /** Merges another accumulator into this one. */
  merge(other: DelayAccumulator): void {
    if (other.count > 0) {
      this.addRange(other.count, other.sum, other.min!, other.max!);
    }
  }

  /** The summary, rounded once. */
  summary(): DelaySummary {
    if (this.count === 0) {
      return { packets: 0, minSeconds: 0, maxSeconds: 0, meanSeconds: 0 };
    }
    return {
      packets: this.count,
      minSeconds: toNumber(this.min!),
      maxSeconds: toNumber(this.max!),
      meanSeconds: toNumber({
        n: this.sum.n,
        d: this.sum.d * BigInt(this.count),
      }),
    };
  }
}

/** The longest run of consecutive lost packets, fed in packet order (not in the public API). */
export class LossRuns {
  /** Consecutive losses ending at the last packet fed. */
  run = 0;
  /** The longest run so far. */
  longest = 0;
  /** Packets fed so far. */
  fed = 0;

  /** `n` next packets, all lost or all not. */
  feed(n: number, lost: boolean): void {
    if (n <= 0) return;
    this.fed += n;
    if (lost) {
      this.run += n;
      if (this.run > this.longest) this.longest = this.run;
    } else this.run = 0;
  }
}

interface LossEntry {
  place: string;
  index: number;
  cause: string;
  packets: number;
}

/**
 * Counts of packet fates (not in the public API). Losses are keyed by a
 * place (element or switch), its index, and a cause; deliveries by a
 * category ("" when there is one); delays are exact.
 */
export class Tally {
  sent = 0;
  delivered = 0;
  deliveredBytes = 0;
  stranded = 0;
  held = 0;
  queued = 0;
  delayed = 0;
  readonly categories: Map<string, number> = new Map();
  readonly lost: Map<string, LossEntry> = new Map();
  /** Time held in buffers, held-then-delivered packets. */
  readonly hold: DelayAccumulator = new DelayAccumulator();
  /** Held + queued time, delayed packets. */
  readonly extra: DelayAccumulator = new DelayAccumulator();
  /** Send to arrival, delivered packets. */
  readonly endToEnd: DelayAccumulator = new DelayAccumulator();
  readonly peaks: Map<
    number,
    { place: string; packets: number; bytes: number }
  > = new Map();

  /** `n` delivered packets of `bytes` bytes each, in a category. */
  deliver(n: number, bytes: number, category = ""): void {
    if (n <= 0) return;
    this.delivered += n;
    this.deliveredBytes += n * bytes;
    this.categories.set(category, (this.categories.get(category) ?? 0) + n);
  }

  /** `n` packets lost at a place for a cause. */
  lose(place: string, index: number, cause: string, n: number): void {
    if (n <= 0) return;
    const key = `${index}\u0000${place}\u0000${cause}`;
    const entry = this.lost.get(key);
    if (entry) entry.packets += n;
    else this.lost.set(key, { place, index, cause, packets: n });
  }

  /** Packets lost, all places and causes. */
  lostPackets(): number {
    let total = 0;
    for (const e of this.lost.values()) total += e.packets;
    return total;
  }

  /** Packets lost at each place for `cause`, in first-loss order. */
  lostAt(cause: string): { at: string; packets: number }[] {
    const out: { at: string; packets: number }[] = [];
    for (const e of this.lost.values()) {
      if (e.cause === cause) {
        const found = out.find((x) => x.at === e.place);
        if (found) found.packets += e.packets;
        else out.push({ at: e.place, packets: e.packets });
      }
    }
    return out;
  }

  /** Records a buffer's occupancy (keeps the peak). */
  occupancy(
    index: number,
    place: string,
    packets: number,
    bytes: number,
  ): void {
    const peak = this.peaks.get(index);
    if (!peak) this.peaks.set(index, { place, packets, bytes });
    else {
      if (packets > peak.packets) peak.packets = packets;
      if (bytes > peak.bytes) peak.bytes = bytes;
    }
  }

  /** Adds another tally's counts (not its peaks). */
  merge(other: Tally): void {
    this.sent += other.sent;
    this.delivered += other.delivered;
    this.deliveredBytes += other.deliveredBytes;
    this.stranded += other.stranded;
    this.held += other.held;
    this.queued += other.queued;
    this.delayed += other.delayed;
    for (const [k, v] of other.categories) {
      this.categories.set(k, (this.categories.get(k) ?? 0) + v);
    }
    for (const e of other.lost.values()) {
      this.lose(e.place, e.index, e.cause, e.packets);
    }
    this.hold.merge(other.hold);
    this.extra.merge(other.extra);
    this.endToEnd.merge(other.endToEnd);
  }

  /** The traffic engines' result for a path of these element names. */
  fateCounts(names: readonly string[]): FateCounts {
    const losses: ElementLoss[] = [];
    const entries = [...this.lost.values()];
    names.forEach((name, i) => {
      for (const cause of LOSS_CAUSES) {
        let packets = 0;
        for (const e of entries) {
          if (e.index === i && e.cause === cause) packets += e.packets;
        }
        if (packets > 0) {
          losses.push({ elementIndex: i, element: name, cause, packets });
        }
      }
    });
    const extra = this.extra.summary();
    const bufferPeaks: BufferPeak[] = [...this.peaks]
      .sort((a, b) => a[0] - b[0])
      .map(([i, p]) => ({
        elementIndex: i,
        element: p.place,
        packets: p.packets,
        bytes: p.bytes,
      }));
    return {
      sentPackets: this.sent,
      deliveredPackets: this.delivered,
      lostPackets: losses.reduce((s, l) => s + l.packets, 0),
      strandedPackets: this.stranded,
      heldPackets: this.held,
      queuedPackets: this.queued,
      delayedPackets: this.delayed,
      maxDelaySeconds: extra.maxSeconds,
      meanDelaySeconds: extra.meanSeconds,
      losses,
      delay: this.hold.summary(),
      extraDelay: extra,
      endToEnd: this.endToEnd.summary(),
      deliveredBytes: this.deliveredBytes,
      bufferPeaks,
    };
  }
}
