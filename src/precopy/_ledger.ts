// The exact clock of a migration: every round's length as the fractions the
// user's decimals give, so that a boundary can be placed exactly when a
// floating-point decision is too close to call. Built lazily: the engine
// runs in floating point and asks here only in the rare close cases.

import { add, div, integer, mul, type Rational, rationalOf } from "./_exact.ts";

/** A rate whose float and exact values are both known. */
export interface ExactRate {
  /** The float value, bits/s. */
  readonly bitsPerSecond: number;
  /** The exact value. */
  readonly exact: () => Rational;
}

/** A rate given by the user's decimal (times `factor`, an integer). */
export function decimalRate(value: number, factor = 1): ExactRate {
  return new DecimalRate(value, factor);
}

class DecimalRate implements ExactRate {
  readonly bitsPerSecond: number;
  private cached: Rational | null = null;
  constructor(private readonly value: number, private readonly factor: number) {
    this.bitsPerSecond = value * factor;
  }
  exact(): Rational {
    return this.cached ??= mul(rationalOf(this.value), integer(this.factor));
  }
}

interface Entry {
  // The round's sending time: `amount` bits at `rate`, or `amount` check
  // intervals of `chunkSeconds`; then the round's overhead.
  readonly amount: number;
  readonly rate: ExactRate | null;
  readonly chunkSeconds: number;
  readonly speed: number;
}

/** The exact times of a migration's rounds, on the guest's (virtual) clock. */
export class Ledger {
  private readonly entries: Entry[] = [];
  private readonly starts: Rational[] = [];
  private overheadExact: Rational | null = null;
  private decimals: Map<number, Rational> | null = null;

  constructor(
    private readonly setupSeconds: number,
    private readonly overheadSeconds: number,
  ) {}

  /** Records round `entries.length`: `bits` at `rate`, at guest speed `speed`. */
  pushBits(bits: number, rate: ExactRate, speed: number): void {
    this.entries.push({ amount: bits, rate, chunkSeconds: 0, speed });
  }

  /** Records a round of `chunks` check intervals of `chunkSeconds`. */
  pushChunks(chunks: number, chunkSeconds: number, speed: number): void {
    this.entries.push({ amount: chunks, rate: null, chunkSeconds, speed });
  }

  private overhead(): Rational {
    return this.overheadExact ??= rationalOf(this.overheadSeconds);
  }

  // The same few decimals (speeds, check intervals) recur: parse each once.
  private decimal(x: number): Rational {
    const decimals = this.decimals ??= new Map();
    let r = decimals.get(x);
    if (r === undefined) decimals.set(x, r = rationalOf(x));
    return r;
  }

  /** Exact guest time at the start of round `i` (0-based; rounds before it recorded). */
  start(i: number): Rational {
    if (this.starts.length === 0) {
      this.starts.push(rationalOf(this.setupSeconds));
    }
    while (this.starts.length <= i) {
      const k = this.starts.length - 1;
      const e = this.entries[k];
      const sending = e.rate !== null
        ? div(integer(e.amount), e.rate.exact())
        : mul(integer(e.amount), this.decimal(e.chunkSeconds));
      this.starts.push(
        add(
          this.starts[k],
          mul(this.decimal(e.speed), add(sending, this.overhead())),
        ),
      );
    }
    return this.starts[i];
  }

  /**
   * Exact guest time in round `i` (rounds before it recorded) after `bits`
   * sent at `rate` at guest speed `speed`, the round's overhead added when
   * `end`.
   */
  at(
    i: number,
    bits: number,
    rate: ExactRate,
    speed: number,
    end: boolean,
  ): Rational {
    let offset = div(integer(bits), rate.exact());
    if (end) offset = add(offset, this.overhead());
    return add(this.start(i), mul(this.decimal(speed), offset));
  }
}
