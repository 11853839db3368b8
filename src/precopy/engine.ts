/**
 * The pre-copy engine: rounds, a stop policy and a dirtying model
 * (Clark et al., NSDI 2005). Shared by the Xen models and by the QEMU
 * testbed's predictions.
 *
 * Clock: 0 is the migration trigger. After `setupSeconds`, round 1 sends
 * every page; each later round sends what the previous one left dirty, at
 * the policy's rate (the link, capped by `max-bandwidth` or Xen's limiter).
 * The pages are scanned in layout order (the dirtying components' regions
 * from page 0, then the clean pages, the zero pages last). Under Xen's
 * policy a page written again since the round began is skipped, judged
 * before each batch of 1024 sent pages; under QEMU's a round ends at the
 * first check that finds the remaining pages below the threshold, and the
 * unsent rest joins the newly dirtied pages. After each round the policy's
 * stop conditions are tested in its order and every one that holds is
 * reported (`stopReasons`). Then stop-and-copy: the VM is suspended; the
 * pending pages, the page-flipped RX buffers and `stateBytes` of CPU and
 * device state go at the full link rate (never limited); the VM resumes
 * after `resumeSeconds`. Downtime = stop-and-copy + resume.
 *
 * Accounting: `"pages"` counts whole pages, exactly: write events fall at
 * k / rate on the guest's clock, and a count whose floating-point value is
 * within rounding distance of an integer boundary is settled with exact
 * fractions of the decimals given (so at lambda = 1 no page write is ever
 * lost between rounds). `"bytes"` is fluid: amounts are real numbers of
 * bytes, as SimGrid and Liu et al. count. The result names the one used.
 *
 * Non-convergence is an answer. A policy with no caps (QEMU, SimGrid) can
 * iterate forever when the guest dirties faster than the link sends. The
 * engine returns `converged: false` with the reason and what was sent:
 * `"time-out"` when a round cannot end before the policy's time-out or
 * `limits.seconds`; `"round-limit"` after `limits.rounds` rounds;
 * `"steady-state"` when, with no limit given, the rounds reach a fixed
 * point (every later round would repeat the last one, which does not stop);
 * `"cannot-stop"` when, with no limit given, the hot pages alone keep every
 * stop condition from ever holding (a hot set above QEMU's threshold);
 * `"simulation-budget"` when no fixed point shows within
 * `maxSimulatedRounds`. A steady state is extrapolated in closed form up to
 * a limit, never iterated: SimGrid's 1e7 s time-out is answered at once.
 * Nothing is sent in stop-and-copy then, and the downtime is 0 (the VM
 * keeps running on the source).
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import {
  add,
  ceilIfSafe,
  ceilOf,
  compare,
  div,
  floorIfSafe,
  floorOf,
  integer,
  mul,
  type Rational,
  rationalOf,
  roundingBound,
  sub,
} from "./_exact.ts";
import { decimalRate, type ExactRate, Ledger } from "./_ledger.ts";
import {
  type Accounting,
  type DirtyComponent,
  dirtyLayout,
  eventsBeforeExact,
} from "./dirty.ts";
import {
  checkPolicy,
  type PendingBelowThreshold,
  POLICIES,
  type StopPolicy,
  type StopReason,
} from "./policy.ts";

/** Limits after which a migration that has not converged is abandoned. */
export interface PrecopyLimits {
  /** Abandon when a round cannot end within this many seconds of round 1's start (with the policy's own time-out, the earlier wins). Default none. */
  seconds?: number;
  /** Abandon after this many iterative rounds without stopping. Default none. */
  rounds?: number;
}

/** Options of {@linkcode precopyMigration}. */
export interface PrecopyOptions {
  /** The stop policy: a value or the name of a built-in one. Default "xen4". */
  policy?: StopPolicy | "xen4" | "qemu" | "simgrid";
  /** VM memory in pages (give this or `memoryBytes`). Default 32768 (128 MiB of 4 KiB pages). */
  memoryPages?: number;
  /** VM memory in bytes (whole pages: rounded up; fluid bytes: exact). */
  memoryBytes?: number;
  /** Page size, bytes. Default 4096. */
  pageSizeBytes?: number;
  /** Migration link rate, bits/s. Default 1e9. */
  linkBitsPerSecond?: number;
  /** How the guest dirties its memory (see the dirty module). Default none. */
  dirty?: DirtyComponent | readonly DirtyComponent[];
  /** Whole pages or fluid bytes. Default: the policy's (xen4, qemu: "pages"; simgrid: "bytes"). */
  accounting?: Accounting;
  /** Wire bytes per page besides the page. Default: the policy's (xen4: 8, the PFN; qemu: 8, the page header; simgrid: 0). */
  perPageOverheadBytes?: number;
  /** Pages that are not zero (the rest are free, zero pages: the last pages of memory, sent cheaply where the policy can). Default: all. */
  nonZeroPages?: number;
  /** Trigger to the start of round 1 (connection, destination domain creation), s. Default 0. */
  setupSeconds?: number;
  /** Fixed cost at the end of each iterative round (dirty-bitmap sync), s. Default 0. */
  roundOverheadSeconds?: number;
  /** CPU and device state sent in stop-and-copy, bytes. Default 0. */
  stateBytes?: number;
  /** From the end of stop-and-copy to the VM running on the destination, s. Default 0. */
  resumeSeconds?: number;
  /** When to abandon a migration that does not converge. Default none (the policy's own time-out only). */
  limits?: PrecopyLimits;
  /** Rounds the engine simulates at most before saying it found no steady state. Default 10000. */
  maxSimulatedRounds?: number;
  /** Record every simulated round in `rounds`. Default true (false: `rounds` is empty, faster). */
  recordRounds?: boolean;
}

const OPTION_KEYS: readonly (keyof PrecopyOptions)[] = [
  "policy",
  "memoryPages",
  "memoryBytes",
  "pageSizeBytes",
  "linkBitsPerSecond",
  "dirty",
  "accounting",
  "perPageOverheadBytes",
  "nonZeroPages",
  "setupSeconds",
  "roundOverheadSeconds",
  "stateBytes",
  "resumeSeconds",
  "limits",
  "maxSimulatedRounds",
  "recordRounds",
];

/** One iterative round. */
export interface PrecopyRound {
  /** 1 for the first round. */
  readonly index: number;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** Duration, seconds. */
  readonly durationSeconds: number;
  /** Sending rate of the round, bits/s. */
  readonly bitsPerSecond: number;
  /** Pages sent (fluid accounting: may be fractional). */
  readonly pagesSent: number;
  /** Pages of the to-send set skipped because written again (Xen). */
  readonly pagesSkipped: number;
  /** Distinct pages the guest dirtied during the round. */
  readonly pagesDirtied: number;
  /** Pages pending at the round's end: what the next round sends (or stop-and-copy does), without the page-flipped RX buffers. */
  readonly pagesPending: number;
  /** Bytes sent on the wire. */
  readonly bytesSent: number;
  /** The threshold the policy compared the pending bytes with, bytes (0 when it has none). */
  readonly thresholdBytes: number;
  /** The guest's speed during the round (1; less when auto-converge throttles it). */
  readonly guestSpeed: number;
}

/** Why a migration that did not converge was abandoned (see the module doc). */
export type NonConvergence =
  | "time-out"
  | "round-limit"
  | "steady-state"
  | "cannot-stop"
  | "simulation-budget";

/** The outcome of a pre-copy migration. */
export interface PrecopyResult {
  /** The policy's name. */
  readonly policy: string;
  /** The accounting used. */
  readonly accounting: Accounting;
  /** Page size, bytes. */
  readonly pageSizeBytes: number;
  /** Wire bytes per page besides it. */
  readonly perPageOverheadBytes: number;
  /** Whether the stop conditions held and stop-and-copy ran. */
  readonly converged: boolean;
  /** Every stop condition that held after the last round, in the policy's order (empty when not converged). */
  readonly stopReasons: readonly StopReason[];
  /** Why the migration was abandoned, or null when it converged. */
  readonly nonConvergence: NonConvergence | null;
  /** What happened, in words ("" when converged normally). */
  readonly note: string;
  /** The simulated rounds (empty when `recordRounds` is false). */
  readonly rounds: readonly PrecopyRound[];
  /** Iterative rounds done (those of a steady state included). */
  readonly iterations: number;
  /** Of them, rounds of a steady state not listed in `rounds` (each the same as the last one listed). */
  readonly steadyStateRounds: number;
  /** Pages of memory. */
  readonly memoryPages: number;
  /** Pages sent in the iterative rounds (zero pages included). */
  readonly iterativePagesSent: number;
  /** Bytes sent in the iterative rounds. */
  readonly iterativeBytesSent: number;
  /** Pages sent in stop-and-copy (pending + page-flipped RX buffers); 0 when not converged. */
  readonly stopAndCopyPages: number;
  /** Forwarding buffer pages among them. */
  readonly stopAndCopyBufferPages: number;
  /** Page-flipped RX buffers among them (Xen's `to_fix`). */
  readonly stopAndCopyDeferredPages: number;
  /** Bytes sent in stop-and-copy (pages, overhead, state). */
  readonly stopAndCopyBytes: number;
  /** All bytes sent. */
  readonly totalBytesSent: number;
  /** Trigger to the start of round 1, s. */
  readonly setupSeconds: number;
  /** Trigger to suspension (or to abandonment), s. */
  readonly iterativeSeconds: number;
  /** Stop-and-copy transfer, s. */
  readonly stopAndCopySeconds: number;
  /** Suspension to running on the destination, s (0 when not converged). */
  readonly downtimeSeconds: number;
  /** Trigger to running on the destination (or to abandonment), s. */
  readonly totalSeconds: number;
}

function resolvePolicy(policy: PrecopyOptions["policy"]): StopPolicy {
  if (policy === undefined) return POLICIES.xen4;
  if (typeof policy === "string") {
    assertOneOf("policy", policy, ["xen4", "qemu", "simgrid"]);
    return POLICIES[policy];
  }
  return checkPolicy(policy);
}

function positiveOrInfinity(name: string, v: number | undefined): number {
  if (v === undefined) return Infinity;
  if (typeof v !== "number" || !(v > 0)) {
    throw new RangeError(
      `${name} must be a number in (0, +inf]; got ${String(v)}`,
    );
  }
  return v;
}

// Xen's ratewrite: 100 KiB every floor(781250 / mbit) microseconds.
function xenLimiterRate(mbit: number): ExactRate {
  const burst = Math.floor(781250 / mbit);
  return {
    bitsPerSecond: 819200e6 / burst,
    exact: () => ({ n: 819200000000n, d: BigInt(burst) }),
  };
}

/**
 * Simulates a pre-copy live migration round by round under a stop policy
 * (see the module doc). Always returns, in bounded time.
 *
 * @example
 * ```ts
 * import { precopyMigration, roundRobinWrites } from "@vnmig/vnmig/precopy";
 * // SimGrid's plugin: 512 MiB over 1 Gbit/s, a guest dirtying 20,000 pages/s.
 * const r = precopyMigration({
 *   policy: "simgrid",
 *   memoryBytes: 512 * 2 ** 20,
 *   linkBitsPerSecond: 1e9,
 *   dirty: roundRobinWrites({ pagesPerSecond: 20_000 }),
 * });
 * if (!r.converged || r.iterations !== 12) throw new Error("12 rounds");
 * if (Math.abs(r.totalSeconds - 12.4109) > 1e-3) throw new Error(String(r.totalSeconds));
 * // Twice the rate dirties faster than the link sends: an answer, at once.
 * const fast = precopyMigration({
 *   policy: "simgrid",
 *   memoryBytes: 512 * 2 ** 20,
 *   dirty: roundRobinWrites({ pagesPerSecond: 40_000 }),
 * });
 * if (fast.converged || fast.nonConvergence !== "time-out") throw new Error();
 * ```
 */
export function precopyMigration(options: PrecopyOptions = {}): PrecopyResult {
  assertKnownKeys("options", options, OPTION_KEYS);
  const policy = resolvePolicy(options.policy);
  const accounting = options.accounting ?? policy.accounting;
  assertOneOf("accounting", accounting, ["pages", "bytes"]);
  const fluid = accounting === "bytes";
  const pageSizeBytes = options.pageSizeBytes ?? 4096;
  assertInteger("pageSizeBytes", pageSizeBytes, 1);
  let memoryPages: number;
  if (options.memoryBytes !== undefined) {
    if (options.memoryPages !== undefined) {
      throw new RangeError(
        `give memoryPages or memoryBytes, not both; got memoryPages = ${options.memoryPages}, memoryBytes = ${options.memoryBytes}`,
      );
    }
    assertPositive("memoryBytes", options.memoryBytes);
    memoryPages = fluid
      ? options.memoryBytes / pageSizeBytes
      : Math.ceil(options.memoryBytes / pageSizeBytes);
  } else {
    memoryPages = options.memoryPages ?? 32768;
    if (fluid) assertPositive("memoryPages", memoryPages);
    else assertInteger("memoryPages", memoryPages, 1);
  }
  const link = options.linkBitsPerSecond ?? 1e9;
  assertPositive("linkBitsPerSecond", link);
  const overheadBytes = options.perPageOverheadBytes ??
    policy.perPageOverheadBytes;
  assertAtLeast("perPageOverheadBytes", overheadBytes, 0);
  const setupSeconds = options.setupSeconds ?? 0;
  assertAtLeast("setupSeconds", setupSeconds, 0);
  const roundOverhead = options.roundOverheadSeconds ?? 0;
  assertAtLeast("roundOverheadSeconds", roundOverhead, 0);
  const stateBytes = options.stateBytes ?? 0;
  assertAtLeast("stateBytes", stateBytes, 0);
  const resumeSeconds = options.resumeSeconds ?? 0;
  assertAtLeast("resumeSeconds", resumeSeconds, 0);
  assertKnownKeys("limits", options.limits, ["seconds", "rounds"]);
  const limitSeconds = positiveOrInfinity(
    "limits.seconds",
    options.limits?.seconds,
  );
  const limitRounds = options.limits?.rounds ?? Infinity;
  if (limitRounds !== Infinity) assertInteger("limits.rounds", limitRounds, 1);
  const budget = options.maxSimulatedRounds ?? 10_000;
  assertInteger("maxSimulatedRounds", budget, 1);
  const record = options.recordRounds ?? true;

  const layout = dirtyLayout(memoryPages, options.dirty ?? [], {
    accounting,
    pageFlipping: policy.pageFlipping,
  });
  const writers = layout.writers;
  const nw = writers.length;
  const claimed = memoryPages - layout.cleanPages;
  const nonZero = options.nonZeroPages ?? memoryPages;
  if (fluid) assertAtLeast("nonZeroPages", nonZero, 0);
  else assertInteger("nonZeroPages", nonZero, 0);
  if (nonZero < claimed || nonZero > memoryPages) {
    throw new RangeError(
      `nonZeroPages must be in [${claimed}, ${memoryPages}] (the dirtying components' pages are not zero); got ${nonZero}`,
    );
  }

  const pageBits = (pageSizeBytes + overheadBytes) * 8;
  const zeroBits = policy.zeroPageBytes === null
    ? pageBits
    : policy.zeroPageBytes * 8;
  const linkRate = decimalRate(link);
  const capBytes = policy.maxBandwidthBytesPerSecond;
  const cappedRate = capBytes * 8 < link ? decimalRate(capBytes, 8) : linkRate;
  const threshold = policy.conditions.find((c) =>
    c.kind === "pending-below-threshold"
  ) as PendingBelowThreshold | undefined;
  const byThreshold = policy.roundEnd.kind === "below-threshold";
  const checkInterval = policy.roundEnd.kind === "below-threshold"
    ? policy.roundEnd.checkIntervalSeconds ??
      (capBytes * 8 < link ? 0.1 : 0.05)
    : 0;
  const deadline = Math.min(policy.timeoutSeconds, limitSeconds);
  const limiter = policy.rateLimiter;
  const skipBatch = policy.skipBatchPages;
  const auto = policy.autoConverge;

  // The hot pages are dirty after every round: when they alone keep every
  // condition from holding, no round ever stops.
  let hotPages = 0;
  for (const w of writers) {
    if (w.eventsPerSecond === Infinity) hotPages += w.pages;
  }
  const cannotStop = policy.conditions.every((c) => {
    switch (c.kind) {
      case "sent-and-skipped-below":
      case "dirtied-below":
        return hotPages >= c.pages;
      case "pending-below-threshold": {
        if (limiter !== null) return false;
        const limit = (cappedRate.bitsPerSecond / 8) * c.downtimeLimitSeconds;
        return c.rule === "qemu"
          ? hotPages * pageSizeBytes >= limit
          : hotPages * pageSizeBytes > Math.floor(limit);
      }
      default:
        return false;
    }
  });

  // Per-writer state.
  const toSend = new Float64Array(nw);
  const sent = new Float64Array(nw);
  const skipped = new Float64Array(nw);
  const leftover = new Float64Array(nw);
  const pending = new Float64Array(nw);
  const startEvents = new Float64Array(nw); // write events before the round's start
  const firstEvents = new Float64Array(nw); // ... before round 1's start
  const rateExact: (Rational | null)[] = new Array(nw).fill(null);
  for (let k = 0; k < nw; k++) {
    toSend[k] = writers[k].deferred ? 0 : writers[k].pages;
  }
  let cleanNonZero = nonZero - claimed; // pending clean pages that are not zero
  let cleanZero = memoryPages - nonZero; // pending zero pages

  const ledger = new Ledger(setupSeconds, roundOverhead);
  const rounds: PrecopyRound[] = [];
  let t = setupSeconds; // real time
  let v = setupSeconds; // the guest's time (slower when throttled)
  let speed = 1;
  let round = 0; // 0-based index of the round being run
  let iterations = 0;
  let steadyRounds = 0;
  let iterativePages = 0;
  let iterativeBits = 0;
  let sentLast = memoryPages; // Xen: "pretend we sent all the pages last iteration"
  let mbit = limiter?.startMbitPerSecond ?? 0;
  let throttle = 0; // auto-converge, percent
  let highCount = 0;
  let periodStart = setupSeconds;
  let periodDirtyPages = 0;
  let periodBits = 0;
  let stopReasons: StopReason[] = [];
  let nonConvergence: NonConvergence | null = null;
  let deferredPages = 0;
  let lastRoundBits = 0;
  let lastDuration = 0;

  // Whether `total` pages are more than `factor` x the memory (exact).
  const exceeds = (total: number, factor: number): boolean => {
    const cap = factor * memoryPages;
    return fluid || Math.abs(total - cap) > roundingBound(cap, 2)
      ? total > cap
      : compare(integer(total), mul(rationalOf(factor), integer(memoryPages))) >
        0;
  };
  // A writer whose round holds a whole number of write periods exactly
  // writes as many pages in every round of that length, whatever its phase.
  const wholeEventsPerRound = (k: number): boolean => {
    const w = writers[k];
    if (fluid || w.spread || !(w.eventsPerSecond > 0)) return false;
    const length = sub(ledger.start(round + 1), ledger.start(round));
    return mul(length, rateOf(k)).d === 1n;
  };
  const rateOf = (k: number): Rational =>
    rateExact[k] ??= rationalOf(writers[k].eventsPerSecond);

  // Page writes of writer k from the round's start until the guest time
  // whose float is `vt` and exact value `exact()`.
  const eventsUntil = (k: number, vt: number, exact: () => Rational) =>
    eventsBeforeExact(
      writers[k].eventsPerSecond,
      rateOf(k),
      vt,
      3 * round + 8,
      exact,
    );
  const writesFor = (
    k: number,
    offsetSeconds: number,
    vt: number,
    exact: () => Rational,
  ): number => {
    const w = writers[k];
    const rate = w.eventsPerSecond;
    if (rate === Infinity) return offsetSeconds > 0 ? Infinity : 0;
    if (rate === 0) return 0;
    if (fluid || w.spread) {
      return rate * w.pagesPerEvent * speed * offsetSeconds;
    }
    return (eventsUntil(k, vt, exact) - startEvents[k]) * w.pagesPerEvent;
  };

  for (let k = 0; k < nw; k++) {
    const w = writers[k];
    if (
      !fluid && !w.spread && w.eventsPerSecond > 0 &&
      w.eventsPerSecond < Infinity
    ) {
      startEvents[k] = eventsUntil(k, v, () => ledger.start(0));
      firstEvents[k] = startEvents[k];
    }
  }

  for (;;) {
    // ------------------------------------------------ the round's rate
    let rate = cappedRate;
    if (limiter !== null) {
      const limited = xenLimiterRate(mbit);
      if (limited.bitsPerSecond < rate.bitsPerSecond) rate = limited;
    }
    const bps = rate.bitsPerSecond;
    const pageSeconds = pageBits / bps;
    let pendingNow = cleanNonZero + cleanZero;
    for (let k = 0; k < nw; k++) pendingNow += toSend[k];
    // The state the round starts from (a steady state repeats it).
    const cleanNonZero0 = cleanNonZero;
    const cleanZero0 = cleanZero;
    const mbit0 = mbit;
    const throttle0 = throttle;
    const highCount0 = highCount;
    const periodDirty0 = periodDirtyPages;
    const periodBits0 = periodBits;
    const periodAge0 = t - periodStart;

    // ------------------------------------------------ what it sends
    let sentPages = 0;
    let skippedPages = 0;
    let bits = 0;
    let chunks = 0; // > 0: the round ended at a check, after this many intervals
    sent.fill(0);
    skipped.fill(0);
    leftover.fill(0);
    let cleanNonZeroLeft = 0;
    let cleanZeroLeft = 0;
    if (skipBatch > 0) {
      // Xen: batches of `skipBatch` sent pages, each judged against the
      // dirty bitmap as it was when the batch began.
      let done = 0; // pages sent so far in the round
      for (let k = 0; k < nw; k++) {
        const w = writers[k];
        const n = toSend[k];
        let j = 0;
        while (j < n) {
          const batchStart = Math.floor(done / skipBatch) * skipBatch;
          const x = batchStart * pageSeconds;
          const writes = writesFor(
            k,
            x,
            v + speed * x,
            () => ledger.at(round, batchStart * pageBits, rate, speed, false),
          );
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
      }
      for (let k = 0; k < nw; k++) {
        sentPages += sent[k];
        skippedPages += skipped[k];
      }
      bits = sentPages * pageBits + cleanNonZero * pageBits +
        cleanZero * zeroBits;
      sentPages += cleanNonZero + cleanZero;
      cleanNonZero = 0;
      cleanZero = 0;
    } else if (byThreshold) {
      // QEMU: sends in chunks; after each, the remaining pages are compared
      // with the threshold; the round ends at the first check below it.
      const limitBytes = (bps / 8) * threshold!.downtimeLimitSeconds;
      const limitPages = limitBytes / pageSizeBytes;
      const nonZeroPending = pendingNow - cleanZero;
      const bitsOfFirst = (m: number) =>
        m <= nonZeroPending
          ? m * pageBits
          : nonZeroPending * pageBits + (m - nonZeroPending) * zeroBits;
      const chunkBits = checkInterval * bps;
      let need: number; // pages to send for the remaining to fall below
      if (fluid) need = pendingNow - limitPages;
      else {
        const exactLimit = () =>
          div(
            mul(rate.exact(), rationalOf(threshold!.downtimeLimitSeconds)),
            integer(8 * pageSizeBytes),
          );
        const c = ceilIfSafe(limitPages, roundingBound(limitPages, 4)) ??
          Number(ceilOf(exactLimit()));
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
            Number(ceilOf(div(
              integer(bitsOfFirst(need)),
              mul(rationalOf(checkInterval), rate.exact()),
            ))),
        );
      }
      if (bitsOfFirst(pendingNow) <= j * chunkBits) {
        // The pass ran out of dirty pages before the check.
        sentPages = pendingNow;
      } else {
        chunks = j;
        // The pages whose bits fit in j intervals of sending.
        const budgetBits = j * chunkBits;
        const inNonZero = budgetBits <= nonZeroPending * pageBits;
        const x = inNonZero
          ? budgetBits / pageBits
          : (budgetBits - nonZeroPending * pageBits) / zeroBits;
        let whole = x;
        if (!fluid) {
          whole = floorIfSafe(x, roundingBound(x, 6)) ?? Number(floorOf(
            div(
              inNonZero
                ? mul(integer(j), mul(rationalOf(checkInterval), rate.exact()))
                : add(
                  mul(integer(j), mul(rationalOf(checkInterval), rate.exact())),
                  integer(-nonZeroPending * pageBits),
                ),
              integer(inNonZero ? pageBits : zeroBits),
            ),
          ));
        }
        sentPages = Math.min(
          pendingNow,
          inNonZero ? whole : nonZeroPending + whole,
        );
      }
      bits = bitsOfFirst(sentPages);
      // The unsent rest is the tail of the scan: zero pages, clean pages,
      // then the writers' regions from the last.
      let rest = pendingNow - sentPages;
      cleanZeroLeft = Math.min(rest, cleanZero);
      rest -= cleanZeroLeft;
      cleanNonZeroLeft = Math.min(rest, cleanNonZero);
      rest -= cleanNonZeroLeft;
      for (let k = nw - 1; k >= 0; k--) {
        leftover[k] = Math.min(rest, toSend[k]);
        rest -= leftover[k];
        sent[k] = toSend[k] - leftover[k];
      }
      cleanNonZero = cleanNonZeroLeft;
      cleanZero = cleanZeroLeft;
    } else {
      for (let k = 0; k < nw; k++) {
        sent[k] = toSend[k];
        sentPages += toSend[k];
      }
      bits = sentPages * pageBits + cleanNonZero * pageBits +
        cleanZero * zeroBits;
      sentPages += cleanNonZero + cleanZero;
      cleanNonZero = 0;
      cleanZero = 0;
    }

    // ------------------------------------------------ its length
    const sending = chunks > 0 ? chunks * checkInterval : bits / bps;
    const duration = sending + roundOverhead;
    const end = t + duration;
    if (end >= setupSeconds + deadline) {
      nonConvergence = "time-out";
      t = setupSeconds + deadline;
      break;
    }
    if (chunks > 0) ledger.pushChunks(chunks, checkInterval, speed);
    else ledger.pushBits(bits, rate, speed);
    const vEnd = v + speed * duration;

    // ------------------------------------------------ what it dirtied
    let dirtied = 0;
    let pendingTotal = cleanNonZero + cleanZero;
    let newDirty = 0;
    for (let k = 0; k < nw; k++) {
      const w = writers[k];
      const writes = writesFor(
        k,
        duration,
        vEnd,
        () => ledger.start(round + 1),
      );
      const d = w.unique(writes, round);
      dirtied += d;
      if (w.deferred) {
        // Page-flipped RX buffers: every one written since round 1 began
        // waits for the final round.
        let all: number;
        if (w.eventsPerSecond === 0) all = 0;
        else if (fluid) {
          all = w.eventsPerSecond * w.pagesPerEvent * (vEnd - setupSeconds);
        } else {
          all = (eventsUntil(k, vEnd, () => ledger.start(round + 1)) -
            firstEvents[k]) * w.pagesPerEvent;
        }
        deferredPages = w.unique(all, round);
        pending[k] = 0;
      } else {
        pending[k] = byThreshold ? w.union(leftover[k], writes, round) : d;
        newDirty += pending[k] - leftover[k];
      }
      pendingTotal += pending[k];
      if (
        !fluid && !w.spread && w.eventsPerSecond > 0 &&
        w.eventsPerSecond < Infinity
      ) {
        startEvents[k] += writes / w.pagesPerEvent;
      }
    }
    iterations++;
    iterativePages += sentPages;
    iterativeBits += bits;

    // ------------------------------------------------ the stop test
    const limitBytes = threshold
      ? (bps / 8) * threshold.downtimeLimitSeconds
      : 0;
    const pendingBytes = pendingTotal * pageSizeBytes;
    const holding: StopReason[] = [];
    for (const c of policy.conditions) {
      let holds = false;
      switch (c.kind) {
        case "rate-is-max":
          holds = limiter !== null && sentPages > sentLast &&
            mbit === limiter.maxMbitPerSecond;
          break;
        case "max-iters":
          holds = iterations >= c.iterations;
          break;
        case "sent-and-skipped-below":
          holds = sentPages + skippedPages < c.pages;
          break;
        case "dirtied-below":
          holds = dirtied < c.pages;
          break;
        case "max-factor":
          holds = exceeds(iterativePages, c.factor);
          break;
        case "pending-below-threshold": {
          const limit = (bps / 8) * c.downtimeLimitSeconds;
          if (c.rule === "simgrid") holds = pendingBytes <= Math.floor(limit);
          else if (pendingTotal === 0) holds = true;
          else if (
            fluid || Math.abs(pendingBytes - limit) > roundingBound(limit, 3)
          ) {
            holds = pendingBytes < limit;
          } else {
            holds = compare(
              integer(pendingBytes),
              mul(
                div(rate.exact(), integer(8)),
                rationalOf(c.downtimeLimitSeconds),
              ),
            ) < 0;
          }
          break;
        }
      }
      if (holds) holding.push(c.kind);
    }
    if (record) {
      rounds.push({
        index: iterations,
        startSeconds: t,
        durationSeconds: duration,
        bitsPerSecond: bps,
        pagesSent: sentPages,
        pagesSkipped: skippedPages,
        pagesDirtied: dirtied,
        pagesPending: pendingTotal,
        bytesSent: bits / 8,
        thresholdBytes: limitBytes,
        guestSpeed: speed,
      });
    }
    t = end;
    v = vEnd;
    lastRoundBits = bits;
    lastDuration = duration;
    if (holding.length > 0) {
      stopReasons = holding;
      break;
    }

    // ------------------------------------------------ between rounds
    if (limiter !== null) {
      // print_stats: the round's dirty rate in integer Mbit/s.
      const ms = Math.max(1, Math.floor(duration * 1000));
      const dirtyMbit = Math.floor(dirtied * pageSizeBytes / (ms * 125));
      if (dirtyMbit > mbit) {
        mbit = Math.min(
          limiter.maxMbitPerSecond,
          dirtyMbit + limiter.marginMbitPerSecond,
        );
      }
    }
    sentLast = sentPages;
    if (auto !== null) {
      periodDirtyPages += newDirty;
      periodBits += bits;
      if (t > periodStart + auto.periodSeconds) {
        const dirtyBytes = periodDirtyPages * pageSizeBytes;
        if (
          dirtyBytes > (periodBits / 8) * auto.triggerThresholdPercent / 100 &&
          ++highCount >= 2
        ) {
          highCount = 0;
          throttle = throttle === 0
            ? auto.initialPercent
            : Math.min(throttle + auto.incrementPercent, auto.maxPercent);
        }
        periodStart = t;
        periodDirtyPages = 0;
        periodBits = 0;
      }
    }
    const nextSpeed = 1 - throttle / 100;

    // A fixed point: the next round would start from what this one started
    // from, so it and every later one would repeat it exactly.
    let steady = nextSpeed === speed && mbit === mbit0 &&
      cleanNonZero === cleanNonZero0 && cleanZero === cleanZero0 &&
      (auto === null ||
        throttle === throttle0 && highCount === highCount0 &&
          periodDirtyPages === periodDirty0 && periodBits === periodBits0 &&
          t - periodStart === periodAge0);
    for (let k = 0; steady && k < nw; k++) {
      steady = pending[k] === toSend[k] &&
        (writers[k].stationary(duration * speed, round) ||
          wholeEventsPerRound(k));
    }
    if (steady) {
      // Every later round repeats this one: find in closed form the first
      // that a condition on the count or the total stops, or a limit cuts.
      let byStop = Infinity;
      for (const c of policy.conditions) {
        if (c.kind === "max-iters") {
          byStop = Math.min(byStop, Math.max(1, c.iterations - iterations));
        } else if (c.kind === "max-factor" && sentPages > 0) {
          const cap = c.factor * memoryPages;
          let k = Math.max(1, Math.floor((cap - iterativePages) / sentPages));
          while (
            k > 1 && exceeds(iterativePages + (k - 1) * sentPages, c.factor)
          ) k--;
          while (!exceeds(iterativePages + k * sentPages, c.factor)) k++;
          byStop = Math.min(byStop, k);
        }
      }
      const byRounds = limitRounds - iterations;
      const room = setupSeconds + deadline - t;
      const byTime = room === Infinity
        ? Infinity
        : Math.max(0, Math.ceil(room / duration) - 1);
      const more = Math.min(byStop, byRounds, byTime);
      if (more === Infinity) {
        nonConvergence = "steady-state";
        break;
      }
      if (record && more <= 1000) {
        const last = rounds[rounds.length - 1];
        for (let k = 1; k <= more; k++) {
          rounds.push({
            ...last,
            index: last.index + k,
            startSeconds: t + (k - 1) * duration,
          });
        }
      } else steadyRounds = more;
      iterations += more;
      iterativePages += more * sentPages;
      iterativeBits += more * bits;
      t += more * duration;
      if (byStop <= byRounds && byStop <= byTime) {
        stopReasons = policy.conditions.filter((c) =>
          c.kind === "max-iters"
            ? iterations >= c.iterations
            : c.kind === "max-factor" && exceeds(iterativePages, c.factor)
        ).map((c) => c.kind);
      } else if (byRounds <= byTime) nonConvergence = "round-limit";
      else {
        nonConvergence = "time-out";
        t = setupSeconds + deadline;
      }
      break;
    }
    if (iterations >= limitRounds) {
      nonConvergence = "round-limit";
      break;
    }
    if (cannotStop && deadline === Infinity && limitRounds === Infinity) {
      nonConvergence = "cannot-stop";
      break;
    }
    if (iterations >= budget) {
      nonConvergence = "simulation-budget";
      break;
    }
    for (let k = 0; k < nw; k++) toSend[k] = pending[k];
    speed = nextSpeed;
    round++;
  }

  const converged = nonConvergence === null;
  let stopPages = 0;
  let stopBits = 0;
  let bufferPages = 0;
  if (converged) {
    let nonZeroStop = cleanNonZero + deferredPages;
    for (let k = 0; k < nw; k++) {
      nonZeroStop += pending[k];
      if (writers[k].buffer) bufferPages += pending[k];
    }
    bufferPages += deferredPages;
    stopPages = nonZeroStop + cleanZero;
    stopBits = nonZeroStop * pageBits + cleanZero * zeroBits + stateBytes * 8;
  }
  const stopSeconds = stopBits / link;
  const downtime = converged ? stopSeconds + resumeSeconds : 0;
  const note = converged ? "" : nonConvergenceNote(
    policy.name,
    nonConvergence!,
    iterations,
    iterativeBits / 8,
    t,
    lastRoundBits / 8,
    lastDuration,
  );
  return {
    policy: policy.name,
    accounting,
    pageSizeBytes,
    perPageOverheadBytes: overheadBytes,
    converged,
    stopReasons,
    nonConvergence,
    note,
    rounds,
    iterations,
    steadyStateRounds: steadyRounds,
    memoryPages,
    iterativePagesSent: iterativePages,
    iterativeBytesSent: iterativeBits / 8,
    stopAndCopyPages: stopPages,
    stopAndCopyBufferPages: bufferPages,
    stopAndCopyDeferredPages: converged ? deferredPages : 0,
    stopAndCopyBytes: stopBits / 8,
    totalBytesSent: (iterativeBits + stopBits) / 8,
    setupSeconds,
    iterativeSeconds: t,
    stopAndCopySeconds: converged ? stopSeconds : 0,
    downtimeSeconds: downtime,
    totalSeconds: t + downtime,
  };
}

function nonConvergenceNote(
  policy: string,
  reason: NonConvergence,
  iterations: number,
  bytes: number,
  t: number,
  roundBytes: number,
  roundSeconds: number,
): string {
  const sent = `${iterations} rounds sent ${bytes} bytes`;
  switch (reason) {
    case "time-out":
      return `not converged: under ${policy} the stop conditions never held; a round could not end before the time-out at ${t} s (${sent})`;
    case "round-limit":
      return `not converged: under ${policy} the stop conditions had not held after ${iterations} rounds, the limit (${sent}, until ${t} s)`;
    case "steady-state":
      return `not converged: under ${policy} the rounds reached a steady state (${roundBytes} bytes in ${roundSeconds} s each) that never meets the stop conditions; it would iterate forever (${sent} until ${t} s; give limits to see a time-out)`;
    case "cannot-stop":
      return `not converged: under ${policy} the hot pages alone, dirty after every round, keep every stop condition from holding; it would iterate forever (${sent} until ${t} s; give limits to see a time-out)`;
    case "simulation-budget":
      return `not converged: under ${policy} no stop condition held and no steady state showed within ${iterations} simulated rounds (${sent}, until ${t} s)`;
  }
}
