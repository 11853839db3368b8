// The round loop of one pre-copy migration (see engine.ts for what it
// models). A class rather than closures: its state lives in fields, its
// steps are methods, so one migration allocates little beyond its rounds.

import {
  add,
  ceilIfSafe,
  ceilOf,
  compare,
  div,
  eventsBefore,
  floorIfSafe,
  floorOf,
  integer,
  mul,
  type Rational,
  rationalOf,
  roundingBound,
  sub,
} from "./_exact.ts";
import { type ExactRate, Ledger } from "./_ledger.ts";
import type { Writer } from "./dirty.ts";
import type { NonConvergence, PrecopyRound } from "./round.ts";
import type {
  AutoConverge,
  PendingBelowThreshold,
  StopCondition,
  StopPolicy,
  StopReason,
  XenRateLimiter,
} from "./policy.ts";

/** The checked inputs of a run. */
export interface RunPlan {
  readonly policy: StopPolicy;
  readonly fluid: boolean;
  readonly memoryPages: number;
  readonly pageSizeBytes: number;
  readonly pageBits: number;
  readonly zeroBits: number;
  readonly link: ExactRate;
  /** The iterative rounds' rate before Xen's limiter: the link or max-bandwidth. */
  readonly capped: ExactRate;
  readonly checkIntervalSeconds: number;
  /** Seconds after round 1's start when a round can no longer end. */
  readonly deadlineSeconds: number;
  readonly limitRounds: number;
  readonly budgetRounds: number;
  readonly setupSeconds: number;
  readonly roundOverheadSeconds: number;
  readonly record: boolean;
  readonly nonZeroPages: number;
  readonly claimedPages: number;
}

// Xen's ratewrite: 100 KiB every floor(781250 / mbit) microseconds.
function xenLimiterRate(mbit: number): ExactRate {
  const burst = Math.floor(781250 / mbit);
  return {
    bitsPerSecond: 819200e6 / burst,
    exact: () => ({ n: 819200000000n, d: BigInt(burst) }),
  };
}

// Stop conditions by number, in STOP_REASONS' order (a switch on small
// integers, not on strings, in every round).
const RATE_IS_MAX = 0;
const MAX_ITERS = 1;
const SENT_AND_SKIPPED_BELOW = 2;
const DIRTIED_BELOW = 3;
const MAX_FACTOR = 4;
const PENDING_BELOW_THRESHOLD = 5;
// SimGrid's rule: pending <= floor(bandwidth x limit).
const SIMGRID_BELOW = 6;

interface Compiled {
  readonly codes: readonly number[];
  readonly params: readonly number[];
}
const COMPILED = new WeakMap<readonly StopCondition[], Compiled>();

// Each condition as a number and its one parameter.
function compiledOf(conditions: readonly StopCondition[]): Compiled {
  let compiled = COMPILED.get(conditions);
  if (compiled === undefined) {
    const codes: number[] = [];
    const params: number[] = [];
    for (const c of conditions) {
      switch (c.kind) {
        case "rate-is-max":
          codes.push(RATE_IS_MAX), params.push(0);
          break;
        case "max-iters":
          codes.push(MAX_ITERS), params.push(c.iterations);
          break;
        case "sent-and-skipped-below":
          codes.push(SENT_AND_SKIPPED_BELOW), params.push(c.pages);
          break;
        case "dirtied-below":
          codes.push(DIRTIED_BELOW), params.push(c.pages);
          break;
        case "max-factor":
          codes.push(MAX_FACTOR), params.push(c.factor);
          break;
        case "pending-below-threshold":
          codes.push(
            c.rule === "simgrid" ? SIMGRID_BELOW : PENDING_BELOW_THRESHOLD,
          );
          params.push(c.downtimeLimitSeconds);
          break;
      }
    }
    compiled = { codes, params };
    if (Object.isFrozen(conditions)) COMPILED.set(conditions, compiled);
  }
  return compiled;
}

const NONE = 0;
const CONTINUOUS = 1;
const RATE = 2;
const COUNTED = 3;

const NO_REASONS: readonly StopReason[] = Object.freeze([]);

interface Counting {
  readonly how: readonly number[];
  readonly pageRates: readonly number[];
}
const COUNTINGS = new WeakMap<readonly Writer[], (Counting | undefined)[]>();

// How each writer's writes are counted (NONE, CONTINUOUS, RATE: rate x
// time, COUNTED: exact events) and its page writes per second: once per
// layout (its writers never change) and accounting.
function countingOf(writers: readonly Writer[], fluid: boolean): Counting {
  let slots = COUNTINGS.get(writers);
  if (slots === undefined) COUNTINGS.set(writers, slots = []);
  const slot = fluid ? 1 : 0;
  let counting = slots[slot];
  if (counting === undefined) {
    counting = slots[slot] = {
      how: writers.map((w) =>
        w.eventsPerSecond === Infinity
          ? CONTINUOUS
          : w.eventsPerSecond === 0 || w.pagesPerEvent === 0
          ? NONE
          : fluid || w.spread
          ? RATE
          : COUNTED
      ),
      pageRates: writers.map((w) => w.eventsPerSecond * w.pagesPerEvent),
    };
  }
  return counting;
}

// The per-writer arrays a run does not need (never written).
const NO_PAGES: number[] = [];

function zeros(n: number): number[] {
  const a = new Array<number>(n);
  for (let k = 0; k < n; k++) a[k] = 0;
  return a;
}

/** One migration's rounds: construct, `execute()`, read the fields. */
export class Run {
  // Inputs, resolved.
  private readonly conditions: readonly StopCondition[];
  private readonly codes: readonly number[];
  private readonly params: readonly number[];
  private readonly threshold: PendingBelowThreshold | undefined;
  private readonly byThreshold: boolean;
  private readonly limiter: XenRateLimiter | null;
  private readonly auto: AutoConverge | null;
  private readonly skipBatch: number;
  private readonly nw: number;

  // Per writer.
  private readonly toSend: number[];
  private readonly sent: number[];
  private readonly skipped: number[];
  private readonly leftover: number[];
  /** Pages each writer leaves dirty at the last round's end. */
  readonly pending: number[];
  private readonly startEvents: number[];
  private readonly firstEvents: number[];
  private rateExact: (Rational | null)[] | null = null;

  // The clocks and the round.
  private ledgerCache: Ledger | null = null;
  private peekBits = 0;
  // QEMU: the segment where the last pass stopped (the next one resumes there).
  private scanStart = 0;
  private peekRate: ExactRate;
  private endExactFn: (() => Rational) | null = null;
  private peekExactFn: (() => Rational) | null = null;
  /** Real time, s (at the end: suspension or abandonment). */
  t: number;
  private v: number;
  private speed = 1;
  private round = 0;

  // Results so far.
  /** The recorded rounds. */
  readonly rounds: PrecopyRound[] = [];
  /** Iterative rounds done. */
  iterations = 0;
  /** Rounds of a steady state not recorded. */
  steadyRounds = 0;
  /** Pages and bits of the iterative rounds. */
  iterativePages = 0;
  iterativeBits = 0;
  /** Clean pages still pending (QEMU's unsent rest), not zero / zero. */
  cleanNonZero: number;
  cleanZero: number;
  /** Page-flipped RX buffers waiting for the final round. */
  deferredPages = 0;
  /** How it ended. */
  stopReasons: readonly StopReason[] = NO_REASONS;
  abandoned: NonConvergence | null = null;
  lastRoundBits = 0;
  lastDuration = 0;

  // Policy state.
  private sentLast: number;
  private mbit: number;
  private throttle = 0;
  private highCount = 0;
  private periodStart: number;
  private periodDirtyPages = 0;
  private periodBits = 0;

  constructor(
    private readonly plan: RunPlan,
    private readonly writers: readonly Writer[],
  ) {
    const policy = plan.policy;
    this.conditions = policy.conditions;
    const compiled = compiledOf(policy.conditions);
    this.codes = compiled.codes;
    this.params = compiled.params;
    let threshold: PendingBelowThreshold | undefined;
    const codes = this.codes;
    for (let i = 0; i < codes.length && threshold === undefined; i++) {
      if (
        codes[i] === PENDING_BELOW_THRESHOLD || codes[i] === SIMGRID_BELOW
      ) {
        threshold = policy.conditions[i] as PendingBelowThreshold;
      }
    }
    this.threshold = threshold;
    this.byThreshold = policy.roundEnd.kind === "below-threshold";
    this.limiter = policy.rateLimiter;
    this.auto = policy.autoConverge;
    this.skipBatch = policy.skipBatchPages;
    const nw = this.nw = writers.length;
    this.toSend = zeros(nw);
    // Only Xen's batches and QEMU's checks split a round's pages.
    const split = policy.skipBatchPages > 0 ||
      policy.roundEnd.kind === "below-threshold";
    this.sent = split ? zeros(nw) : NO_PAGES;
    this.skipped = split ? zeros(nw) : NO_PAGES;
    this.leftover = split ? zeros(nw) : NO_PAGES;
    this.pending = zeros(nw);
    this.startEvents = plan.fluid ? NO_PAGES : zeros(nw);
    this.firstEvents = plan.fluid ? NO_PAGES : zeros(nw);
    const counting = countingOf(writers, plan.fluid);
    this.how = counting.how;
    this.pageRates = counting.pageRates;
    for (let k = 0; k < nw; k++) {
      this.toSend[k] = writers[k].deferred ? 0 : writers[k].pages;
    }
    this.cleanNonZero = plan.nonZeroPages - plan.claimedPages;
    this.cleanZero = plan.memoryPages - plan.nonZeroPages;
    this.t = this.v = this.periodStart = plan.setupSeconds;
    this.sentLast = plan.memoryPages; // Xen: "pretend we sent all the pages last iteration"
    this.mbit = this.limiter?.startMbitPerSecond ?? 0;
    this.peekRate = plan.link;
    for (let k = 0; k < nw; k++) {
      if (this.counted(writers[k])) {
        this.startEvents[k] = this.firstEvents[k] = this.events(
          k,
          this.v,
          () => this.ledger().start(0),
        );
      }
    }
  }

  private ledger(): Ledger {
    return this.ledgerCache ??= new Ledger(
      this.plan.setupSeconds,
      this.plan.roundOverheadSeconds,
    );
  }

  private rateOf(k: number): Rational {
    const cache = this.rateExact ??= new Array(this.nw).fill(null);
    return cache[k] ??= rationalOf(this.writers[k].eventsPerSecond);
  }

  // The exact time of the round's end, of a batch's snapshot.
  private get endExact(): () => Rational {
    return this.endExactFn ??= () => this.ledger().start(this.round + 1);
  }
  private get peekExact(): () => Rational {
    return this.peekExactFn ??= () =>
      this.ledger().at(
        this.round,
        this.peekBits,
        this.peekRate,
        this.speed,
        false,
      );
  }

  // Whole-page writers with write events are counted exactly.
  private counted(w: Writer): boolean {
    return !this.plan.fluid && !w.spread && w.eventsPerSecond > 0 &&
      w.eventsPerSecond < Infinity && w.pagesPerEvent > 0;
  }

  // How each writer's writes are counted (NONE, CONTINUOUS, RATE: fluid
  // rate x time, COUNTED: exact events), and its page writes per second.
  private readonly how: readonly number[];
  private readonly pageRates: readonly number[];

  // Write events of writer k before the guest time `vt` (exact `exact()`).
  private events(k: number, vt: number, exact: () => Rational): number {
    return eventsBefore(
      this.writers[k].eventsPerSecond,
      () => this.rateOf(k),
      vt,
      3 * this.round + 8,
      exact,
    );
  }

  // Page writes of writer k in the first `offset` seconds of the round.
  private writes(
    k: number,
    offset: number,
    vt: number,
    exact: () => Rational,
  ): number {
    const w = this.writers[k];
    const rate = w.eventsPerSecond;
    if (rate === Infinity) return offset > 0 ? Infinity : 0;
    if (rate === 0 || w.pagesPerEvent === 0) return 0;
    if (this.plan.fluid || w.spread) {
      return rate * w.pagesPerEvent * this.speed * offset;
    }
    return (this.events(k, vt, exact) - this.startEvents[k]) * w.pagesPerEvent;
  }

  /** Whether `total` pages are more than `factor` x the memory (exact). */
  exceeds(total: number, factor: number): boolean {
    const m = this.plan.memoryPages;
    const cap = factor * m;
    return this.plan.fluid || Math.abs(total - cap) > roundingBound(cap, 2)
      ? total > cap
      : compare(integer(total), mul(rationalOf(factor), integer(m))) > 0;
  }

  // The hot pages are dirty after every round: when they alone keep every
  // condition from holding, no round ever stops.
  private cannotStopMemo: boolean | null = null;
  private cannotStop(): boolean {
    return this.cannotStopMemo ??= this.computeCannotStop();
  }
  private computeCannotStop(): boolean {
    let hot = 0;
    for (const w of this.writers) {
      if (w.eventsPerSecond === Infinity) hot += w.pages;
    }
    const bytes = hot * this.plan.pageSizeBytes;
    return this.conditions.every((c) => {
      switch (c.kind) {
        case "sent-and-skipped-below":
        case "dirtied-below":
          return hot >= c.pages;
        case "pending-below-threshold": {
          if (this.limiter !== null) return false;
          const limit = (this.plan.capped.bitsPerSecond / 8) *
            c.downtimeLimitSeconds;
          return c.rule === "qemu" ? bytes >= limit : bytes > Math.floor(limit);
        }
        default:
          return false;
      }
    });
  }

  // A writer whose round holds a whole number of write periods exactly
  // writes as many pages in every round of that length, whatever its phase.
  private wholeEventsPerRound(k: number, seconds: number): boolean {
    const w = this.writers[k];
    if (this.plan.fluid || w.spread || !(w.eventsPerSecond > 0)) return false;
    // Far from a whole number in floating point: not one exactly either.
    const x = w.eventsPerSecond * seconds;
    if (Math.abs(x - Math.round(x)) > roundingBound(x, 3 * this.round + 8)) {
      return false;
    }
    const ledger = this.ledger();
    const length = sub(ledger.start(this.round + 1), ledger.start(this.round));
    return mul(length, this.rateOf(k)).d === 1n;
  }

  /** Runs rounds until the policy stops or the migration is abandoned. */
  execute(): void {
    const plan = this.plan;
    const { fluid, pageBits, zeroBits, pageSizeBytes } = plan;
    const writers = this.writers;
    const nw = this.nw;
    const { toSend, sent, leftover, pending } = this;
    const threshold = this.threshold;
    const limiter = this.limiter;
    const auto = this.auto;
    const codes = this.codes;
    const params = this.params;
    const conditions = this.conditions;
    const deadline = plan.setupSeconds + plan.deadlineSeconds;
    // The hot accumulators live in locals; `store` writes them back.
    let t = this.t;
    let v = this.v;
    let round = this.round;
    let speed = this.speed;
    let sentLast = this.sentLast;
    // Whether methods of this run read the clock from the fields.
    const fieldsRead = !fluid || this.skipBatch > 0 || this.byThreshold;
    let iterations = this.iterations;
    let iterativePages = this.iterativePages;
    let iterativeBits = this.iterativeBits;
    for (;;) {
      // ---------------------------------------------- the round's rate
      let rate = plan.capped;
      if (limiter !== null) {
        const limited = xenLimiterRate(this.mbit);
        if (limited.bitsPerSecond < rate.bitsPerSecond) rate = limited;
      }
      const bps = rate.bitsPerSecond;
      const thresholdBytes = threshold
        ? (bps / 8) * threshold.downtimeLimitSeconds
        : 0;
      let pendingNow = this.cleanNonZero + this.cleanZero;
      for (let k = 0; k < nw; k++) pendingNow += toSend[k];
      // The state the round starts from (a steady state repeats it).
      const clean0 = this.cleanNonZero;
      const zero0 = this.cleanZero;
      const mbit0 = this.mbit;
      const scan0 = this.scanStart;
      const throttle0 = this.throttle;
      const high0 = this.highCount;
      const periodDirty0 = this.periodDirtyPages;
      const periodBits0 = this.periodBits;
      const periodAge0 = auto === null ? 0 : t - this.periodStart;

      // ---------------------------------------------- what it sends
      let sentPages: number;
      let skippedPages = 0;
      let bits: number;
      let chunks = 0; // > 0: ended at a check, after this many intervals
      if (this.skipBatch > 0) {
        skippedPages = this.sendInBatches(rate);
        sentPages = 0;
        for (let k = 0; k < nw; k++) sentPages += sent[k];
        bits = (sentPages + this.cleanNonZero) * pageBits +
          this.cleanZero * zeroBits;
        sentPages += this.cleanNonZero + this.cleanZero;
        this.cleanNonZero = this.cleanZero = 0;
      } else if (this.byThreshold) {
        chunks = this.sendUntilBelow(rate, pendingNow);
        sentPages = 0;
        for (let k = 0; k < nw; k++) sentPages += sent[k];
        const nonZeroSent = sentPages + clean0 - this.cleanNonZero;
        sentPages = pendingNow - this.cleanNonZero - this.cleanZero -
          leftoverTotal(leftover, nw);
        bits = nonZeroSent * pageBits + (zero0 - this.cleanZero) * zeroBits;
      } else {
        sentPages = 0;
        for (let k = 0; k < nw; k++) {
          sentPages += toSend[k];
        }
        bits = (sentPages + this.cleanNonZero) * pageBits +
          this.cleanZero * zeroBits;
        sentPages += this.cleanNonZero + this.cleanZero;
        this.cleanNonZero = this.cleanZero = 0;
      }

      // ---------------------------------------------- its length
      const interval = plan.checkIntervalSeconds;
      const duration = (chunks > 0 ? chunks * interval : bits / bps) +
        plan.roundOverheadSeconds;
      const end = t + duration;
      if (end >= deadline) {
        this.abandoned = "time-out";
        this.round = round;
        this.speed = speed;
        this.store(deadline, v, iterations, iterativePages, iterativeBits);
        return;
      }
      // (Fluid amounts never ask for exact times.)
      if (!fluid) {
        if (chunks > 0) this.ledger().pushChunks(chunks, interval, speed);
        else this.ledger().pushBits(bits, rate, speed);
      }
      const vEnd = v + speed * duration;

      // ---------------------------------------------- what it dirtied
      let dirtied = 0;
      let pendingTotal = this.cleanNonZero + this.cleanZero;
      let newDirty = 0;
      for (let k = 0; k < nw; k++) {
        const w = writers[k];
        const how = this.how[k];
        const counted = how === COUNTED;
        let events = 0;
        let writes: number;
        if (how === RATE) writes = this.pageRates[k] * speed * duration;
        else if (counted) {
          events = this.events(k, vEnd, this.endExact);
          writes = (events - this.startEvents[k]) * w.pagesPerEvent;
        } else writes = how === CONTINUOUS && duration > 0 ? Infinity : 0;
        const d = w.unique(writes, round);
        dirtied += d;
        if (w.deferred) {
          // Page-flipped RX buffers: every one written since round 1
          // began waits for the final round.
          const all = counted
            ? (events - this.firstEvents[k]) * w.pagesPerEvent
            : w.eventsPerSecond * w.pagesPerEvent * (vEnd - plan.setupSeconds);
          this.deferredPages = w.unique(all, round);
          pending[k] = 0;
        } else {
          pending[k] = this.byThreshold
            ? w.union(leftover[k], writes, round)
            : d;
          newDirty += pending[k] - (this.byThreshold ? leftover[k] : 0);
        }
        pendingTotal += pending[k];
        if (counted) this.startEvents[k] = events;
      }
      iterations++;
      iterativePages += sentPages;
      iterativeBits += bits;

      // ---------------------------------------------- the stop test
      // The stop test, inline (a call would box every figure): every
      // condition that holds, in the policy's order.
      let holding: StopReason[] | null = null;
      for (let i = 0; i < codes.length; i++) {
        const x = params[i];
        let holds: boolean;
        switch (codes[i]) {
          case RATE_IS_MAX:
            holds = limiter !== null && sentPages > sentLast &&
              this.mbit === limiter.maxMbitPerSecond;
            break;
          case MAX_ITERS:
            holds = iterations >= x;
            break;
          case SENT_AND_SKIPPED_BELOW:
            holds = sentPages + skippedPages < x;
            break;
          case DIRTIED_BELOW:
            holds = dirtied < x;
            break;
          case MAX_FACTOR:
            holds = this.exceeds(iterativePages, x);
            break;
          case SIMGRID_BELOW:
            holds = pendingTotal * pageSizeBytes <= Math.floor((bps / 8) * x);
            break;
          default: {
            const pendingBytes = pendingTotal * pageSizeBytes;
            const limit = (bps / 8) * x;
            if (pendingTotal === 0) holds = true;
            else if (
              fluid || Math.abs(pendingBytes - limit) > roundingBound(limit, 3)
            ) holds = pendingBytes < limit;
            else holds = this.belowExactly(pendingBytes, rate, x);
          }
        }
        if (holds) (holding ??= []).push(conditions[i].kind);
      }
      if (plan.record) {
        this.rounds.push({
          index: iterations,
          startSeconds: t,
          durationSeconds: duration,
          bitsPerSecond: bps,
          pagesSent: sentPages,
          pagesSkipped: skippedPages,
          pagesDirtied: dirtied,
          pagesPending: pendingTotal,
          bytesSent: bits / 8,
          thresholdBytes: thresholdBytes,
          guestSpeed: speed,
        });
      }
      t = end;
      v = vEnd;
      this.lastRoundBits = bits;
      this.lastDuration = duration;
      if (holding !== null) {
        this.stopReasons = holding;
        this.round = round;
        this.speed = speed;
        this.store(t, v, iterations, iterativePages, iterativeBits);
        return;
      }

      // ---------------------------------------------- between rounds
      if (limiter !== null) {
        // print_stats: the round's dirty rate in integer Mbit/s.
        const ms = Math.max(1, Math.floor(duration * 1000));
        const dirtyMbit = Math.floor(dirtied * pageSizeBytes / (ms * 125));
        if (dirtyMbit > this.mbit) {
          this.mbit = Math.min(
            limiter.maxMbitPerSecond,
            dirtyMbit + limiter.marginMbitPerSecond,
          );
        }
      }
      sentLast = sentPages;
      if (auto !== null) {
        this.t = t;
        this.autoConverge(auto, newDirty, bits);
      }
      const nextSpeed = 1 - this.throttle / 100;

      // A fixed point: the next round would start from what this one
      // started from, so it and every later one would repeat it exactly.
      let steady = nextSpeed === speed && this.mbit === mbit0 &&
        this.scanStart === scan0 &&
        this.cleanNonZero === clean0 && this.cleanZero === zero0 &&
        (auto === null ||
          this.throttle === throttle0 && this.highCount === high0 &&
            this.periodDirtyPages === periodDirty0 &&
            this.periodBits === periodBits0 &&
            t - this.periodStart === periodAge0);
      for (let k = 0; steady && k < nw; k++) {
        steady = pending[k] === toSend[k] &&
          (writers[k].stationary(duration * speed, round) ||
            this.wholeEventsPerRound(k, duration * speed));
      }
      if (steady) {
        this.round = round;
        this.speed = speed;
        this.store(t, v, iterations, iterativePages, iterativeBits);
        this.extrapolate(sentPages, bits, duration);
        return;
      }
      let abandoned: NonConvergence | null = null;
      if (iterations >= plan.limitRounds) abandoned = "round-limit";
      else if (
        plan.deadlineSeconds === Infinity && plan.limitRounds === Infinity &&
        this.cannotStop()
      ) abandoned = "cannot-stop";
      else if (iterations >= plan.budgetRounds) {
        abandoned = "simulation-budget";
      }
      if (abandoned !== null) {
        this.abandoned = abandoned;
        this.round = round;
        this.speed = speed;
        this.store(t, v, iterations, iterativePages, iterativeBits);
        return;
      }
      for (let k = 0; k < nw; k++) toSend[k] = pending[k];
      speed = nextSpeed;
      round++;
      if (fieldsRead) {
        // Methods of the next round read the guest's clock from the fields.
        this.speed = speed;
        this.round = round;
        this.v = v;
      }
    }
  }

  private store(
    t: number,
    v: number,
    iterations: number,
    iterativePages: number,
    iterativeBits: number,
  ): void {
    this.t = t;
    this.v = v;
    this.iterations = iterations;
    this.iterativePages = iterativePages;
    this.iterativeBits = iterativeBits;
  }

  // Xen: batches of `skipBatch` sent pages, each judged against the dirty
  // bitmap as it was when the batch began. Fills `sent` and `skipped`;
  // returns the pages skipped.
  private sendInBatches(rate: ExactRate): number {
    const { fluid, pageBits } = this.plan;
    const skipBatch = this.skipBatch;
    const { toSend, sent, skipped, leftover } = this;
    const pageSeconds = pageBits / rate.bitsPerSecond;
    const speed = this.speed;
    let done = 0; // pages sent so far in the round
    let skippedPages = 0;
    for (let k = 0; k < this.nw; k++) {
      const w = this.writers[k];
      const n = toSend[k];
      sent[k] = skipped[k] = leftover[k] = 0;
      let j = 0;
      while (j < n) {
        const batchStart = Math.floor(done / skipBatch) * skipBatch;
        const x = batchStart * pageSeconds;
        this.peekBits = batchStart * pageBits;
        this.peekRate = rate;
        // (The first batch's snapshot is the round's start: nothing yet.)
        const writes = batchStart === 0
          ? 0
          : this.writes(k, x, this.v + speed * x, this.peekExact);
        const room = batchStart + skipBatch - done;
        if (w.spread) {
          const q = w.share(writes);
          const rest = n - j;
          if (q >= 1) {
            skipped[k] += rest;
            j = n;
            break;
          }
          let scan = Math.min(rest, room / (1 - q));
          if (!fluid) scan = Math.min(rest, Math.ceil(scan));
          let skip = fluid ? scan * q : Math.round(scan * q);
          let send = scan - skip;
          if (send > room) {
            send = room;
            skip = scan - room;
          }
          sent[k] += send;
          skipped[k] += skip;
          j += scan;
          done += send;
          continue;
        }
        const rewritten = w.rewritten(n, writes);
        if (j < rewritten) {
          const skip = Math.min(rewritten, n) - j;
          skipped[k] += skip;
          j += skip;
          continue;
        }
        let send = Math.min(room, n - j);
        // A writer no faster than the sender never reaches pages the
        // sender has not yet passed: send the rest at once.
        const r = w.eventsPerSecond;
        if (r === 0) send = n - j;
        else if (r < Infinity) {
          const perPage = r * speed * pageSeconds * w.pagesPerEvent;
          const slack = fluid ? 0 : w.pagesPerEvent;
          if (
            perPage * room + slack <= room &&
            perPage * skipBatch + slack <= skipBatch
          ) send = n - j;
        }
        sent[k] += send;
        j += send;
        done += send;
      }
      skippedPages += skipped[k];
    }
    return skippedPages;
  }

  // QEMU: sends in chunks; after each, the remaining pages are compared
  // with the threshold; the round ends at the first check below it. Fills
  // `sent` and `leftover` (the unsent rest is the tail of the scan: zero
  // pages, clean pages, then the writers' regions from the last) and the
  // clean pages left; returns the check intervals the round took, or 0
  // when it ran out of pages before a check.
  private sendUntilBelow(rate: ExactRate, pendingNow: number): number {
    const { fluid, pageBits, zeroBits, pageSizeBytes } = this.plan;
    const interval = this.plan.checkIntervalSeconds;
    const threshold = this.threshold!;
    const bps = rate.bitsPerSecond;
    const nw = this.nw;
    // The pass resumes where the last one stopped (QEMU's scan continues
    // from its last page, wrapping round): segments are the writers'
    // regions, the clean pages and the zero pages, in page order.
    const segments = nw + 2;
    const start = this.scanStart;
    const count = (i: number) =>
      i < nw ? this.toSend[i] : i === nw ? this.cleanNonZero : this.cleanZero;
    const bitsPerPage = (i: number) => i === nw + 1 ? zeroBits : pageBits;
    // Bits of the first m pending pages of the pass.
    const bitsOfFirst = (m: number) => {
      let bits = 0;
      for (let s = 0; s < segments && m > 0; s++) {
        const i = (start + s) % segments;
        const n = Math.min(m, count(i));
        bits += n * bitsPerPage(i);
        m -= n;
      }
      return bits;
    };
    const limitPages = (bps / 8) * threshold.downtimeLimitSeconds /
      pageSizeBytes;
    const chunkBits = interval * bps;
    const chunkExact = () => mul(rationalOf(interval), rate.exact());
    let need: number; // pages to send for the remaining to fall below
    if (fluid) need = pendingNow - limitPages;
    else {
      const c = ceilIfSafe(limitPages, roundingBound(limitPages, 4)) ??
        Number(ceilOf(div(
          mul(rate.exact(), rationalOf(threshold.downtimeLimitSeconds)),
          integer(8 * pageSizeBytes),
        )));
      need = pendingNow - c + 1;
    }
    let j: number;
    if (need <= 0) j = 1;
    else if (fluid) j = Math.floor(bitsOfFirst(need) / chunkBits) + 1;
    else {
      const x = bitsOfFirst(need) / chunkBits;
      j = Math.max(
        1,
        ceilIfSafe(x, roundingBound(x, 4)) ??
          Number(ceilOf(div(integer(bitsOfFirst(need)), chunkExact()))),
      );
    }
    for (let k = 0; k < nw; k++) {
      this.sent[k] = this.toSend[k];
      this.leftover[k] = this.skipped[k] = 0;
    }
    if (bitsOfFirst(pendingNow) <= j * chunkBits) {
      // The pass ran out of dirty pages before the check.
      this.cleanNonZero = this.cleanZero = 0;
      return 0;
    }
    // The pages whose bits fit in j intervals of sending, segment by
    // segment; the rest of the pass is left for the next round.
    let budget = j * chunkBits;
    let spent = 0; // bits of the whole segments already sent (exact)
    let stopped = -1;
    for (let s = 0; s < segments; s++) {
      const i = (start + s) % segments;
      const n = count(i);
      const pb = bitsPerPage(i);
      let send = n;
      if (stopped >= 0) send = 0;
      else if (n * pb > budget) {
        const x = budget / pb;
        send = fluid ? x : floorIfSafe(x, roundingBound(x, 6)) ??
          Number(floorOf(div(
            add(mul(integer(j), chunkExact()), integer(-spent)),
            integer(pb),
          )));
        send = Math.min(n, Math.max(0, send));
        stopped = i;
      }
      budget -= send * pb;
      spent += send * pb;
      const left = n - send;
      if (i < nw) {
        this.leftover[i] = left;
        this.sent[i] = send;
      } else if (i === nw) this.cleanNonZero = left;
      else this.cleanZero = left;
    }
    this.scanStart = stopped;
    return j;
  }

  // QEMU's pending < bandwidth x limit, decided exactly (a close call).
  private belowExactly(
    pendingBytes: number,
    rate: ExactRate,
    limitSeconds: number,
  ): boolean {
    return compare(
      integer(pendingBytes),
      mul(div(rate.exact(), integer(8)), rationalOf(limitSeconds)),
    ) < 0;
  }

  // QEMU's migration_bitmap_sync: a period of at least `periodSeconds`
  // that dirtied more than the threshold of what it sent counts; the
  // second such period throttles the vCPUs (first `initialPercent`, then
  // `incrementPercent` more, at most `maxPercent`).
  private autoConverge(auto: AutoConverge, newDirty: number, bits: number) {
    this.periodDirtyPages += newDirty;
    this.periodBits += bits;
    if (this.t > this.periodStart + auto.periodSeconds) {
      const dirtyBytes = this.periodDirtyPages * this.plan.pageSizeBytes;
      if (
        dirtyBytes >
          (this.periodBits / 8) * auto.triggerThresholdPercent / 100 &&
        ++this.highCount >= 2
      ) {
        this.highCount = 0;
        this.throttle = this.throttle === 0
          ? auto.initialPercent
          : Math.min(this.throttle + auto.incrementPercent, auto.maxPercent);
      }
      this.periodStart = this.t;
      this.periodDirtyPages = 0;
      this.periodBits = 0;
    }
  }

  // Every later round repeats the last one: find in closed form the first
  // that a condition on the count or the total stops, or a limit cuts.
  private extrapolate(sentPages: number, bits: number, duration: number) {
    const plan = this.plan;
    let byStop = Infinity;
    for (const c of this.conditions) {
      if (c.kind === "max-iters") {
        byStop = Math.min(byStop, Math.max(1, c.iterations - this.iterations));
      } else if (c.kind === "max-factor" && sentPages > 0) {
        const cap = c.factor * plan.memoryPages;
        let k = Math.max(
          1,
          Math.floor((cap - this.iterativePages) / sentPages),
        );
        while (
          k > 1 &&
          this.exceeds(this.iterativePages + (k - 1) * sentPages, c.factor)
        ) k--;
        while (!this.exceeds(this.iterativePages + k * sentPages, c.factor)) {
          k++;
        }
        byStop = Math.min(byStop, k);
      }
    }
    const byRounds = plan.limitRounds - this.iterations;
    const room = plan.setupSeconds + plan.deadlineSeconds - this.t;
    const byTime = room === Infinity
      ? Infinity
      : Math.max(0, Math.ceil(room / duration) - 1);
    const more = Math.min(byStop, byRounds, byTime);
    if (more === Infinity) {
      this.abandoned = "steady-state";
      return;
    }
    if (plan.record && more <= 1000) {
      const last = this.rounds[this.rounds.length - 1];
      for (let k = 1; k <= more; k++) {
        this.rounds.push({
          ...last,
          index: last.index + k,
          startSeconds: this.t + (k - 1) * duration,
        });
      }
    } else this.steadyRounds = more;
    this.iterations += more;
    this.iterativePages += more * sentPages;
    this.iterativeBits += more * bits;
    this.t += more * duration;
    if (byStop <= byRounds && byStop <= byTime) {
      this.stopReasons = this.conditions.filter((c) =>
        c.kind === "max-iters"
          ? this.iterations >= c.iterations
          : c.kind === "max-factor" &&
            this.exceeds(this.iterativePages, c.factor)
      ).map((c) => c.kind);
    } else if (byRounds <= byTime) this.abandoned = "round-limit";
    else {
      this.abandoned = "time-out";
      this.t = plan.setupSeconds + plan.deadlineSeconds;
    }
  }
}

function leftoverTotal(leftover: readonly number[], n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += leftover[k];
  return s;
}
