/**
 * The pre-copy engine: rounds, a stop policy and a dirtying model
 * (Clark et al., NSDI 2005). Shared by the Xen models and by the QEMU
 * testbed's predictions.
 *
 * Clock: 0 is the migration trigger. After `setupSeconds`, round 1 sends
 * every page; each later round sends what the previous one left dirty, at
 * the policy's rate (the link, capped by `max-bandwidth` or Xen's limiter).
 * The pages are scanned in layout order (the dirtying components' regions
 * from page 0, then the clean pages, the zero pages last; QEMU resumes each
 * pass where the last one stopped). Under Xen's
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
  assertPositiveOrInfinity,
} from "../_validate.ts";
import { decimalRate } from "./_ledger.ts";
import { Run } from "./_run.ts";
import type { NonConvergence, PrecopyRound } from "./round.ts";

export type { NonConvergence, PrecopyRound } from "./round.ts";
import { type Accounting, type DirtyComponent, layoutOf } from "./dirty.ts";
import {
  checkPolicy,
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

const NO_DIRTYING: readonly DirtyComponent[] = Object.freeze([]);

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
  assertPositiveOrInfinity(name, v);
  return v;
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
  if (accounting !== "pages" && accounting !== "bytes") {
    assertOneOf("accounting", accounting, ["pages", "bytes"]);
  }
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
  let limitSeconds = Infinity;
  let limitRounds = Infinity;
  if (options.limits !== undefined) {
    assertKnownKeys("limits", options.limits, LIMIT_KEYS);
    limitSeconds = positiveOrInfinity("limits.seconds", options.limits.seconds);
    limitRounds = options.limits.rounds ?? Infinity;
    if (limitRounds !== Infinity) {
      assertInteger("limits.rounds", limitRounds, 1);
    }
  }
  const budget = options.maxSimulatedRounds ?? 10_000;
  assertInteger("maxSimulatedRounds", budget, 1);
  const record = options.recordRounds ?? true;
  if (typeof record !== "boolean") {
    throw new TypeError(
      `recordRounds must be true or false; got ${String(record)}`,
    );
  }

  const layout = layoutOf(
    memoryPages,
    options.dirty ?? NO_DIRTYING,
    accounting,
    policy.pageFlipping,
  );
  const writers = layout.writers;
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
  const capped = capBytes * 8 < link;
  const run = new Run({
    policy,
    fluid,
    memoryPages,
    pageSizeBytes,
    pageBits,
    zeroBits,
    link: linkRate,
    capped: capped ? decimalRate(capBytes, 8) : linkRate,
    checkIntervalSeconds: policy.roundEnd.kind === "below-threshold"
      ? policy.roundEnd.checkIntervalSeconds ?? (capped ? 0.1 : 0.05)
      : 0,
    deadlineSeconds: Math.min(policy.timeoutSeconds, limitSeconds),
    limitRounds,
    budgetRounds: budget,
    setupSeconds,
    roundOverheadSeconds: roundOverhead,
    record,
    nonZeroPages: nonZero,
    claimedPages: claimed,
  }, writers);
  run.execute();

  const converged = run.abandoned === null;
  let stopPages = 0;
  let stopBits = 0;
  let bufferPages = 0;
  const deferred = run.deferredPages;
  if (converged) {
    let nonZeroStop = run.cleanNonZero + deferred;
    for (let k = 0; k < writers.length; k++) {
      nonZeroStop += run.pending[k];
      if (writers[k].buffer) bufferPages += run.pending[k];
    }
    bufferPages += deferred;
    stopPages = nonZeroStop + run.cleanZero;
    stopBits = nonZeroStop * pageBits + run.cleanZero * zeroBits +
      stateBytes * 8;
  }
  const stopSeconds = stopBits / link;
  const downtime = converged ? stopSeconds + resumeSeconds : 0;
  const t = run.t;
  return {
    policy: policy.name,
    accounting,
    pageSizeBytes,
    perPageOverheadBytes: overheadBytes,
    converged,
    stopReasons: run.stopReasons,
    nonConvergence: run.abandoned,
    note: converged ? "" : nonConvergenceNote(
      policy.name,
      run.abandoned!,
      run.iterations,
      run.iterativeBits / 8,
      t,
      run.lastRoundBits / 8,
      run.lastDuration,
    ),
    rounds: run.rounds,
    iterations: run.iterations,
    steadyStateRounds: run.steadyRounds,
    memoryPages,
    iterativePagesSent: run.iterativePages,
    iterativeBytesSent: run.iterativeBits / 8,
    stopAndCopyPages: stopPages,
    stopAndCopyBufferPages: bufferPages,
    stopAndCopyDeferredPages: converged ? deferred : 0,
    stopAndCopyBytes: stopBits / 8,
    totalBytesSent: (run.iterativeBits + stopBits) / 8,
    setupSeconds,
    iterativeSeconds: t,
    stopAndCopySeconds: converged ? stopSeconds : 0,
    downtimeSeconds: downtime,
    totalSeconds: t + downtime,
  };
}

const LIMIT_KEYS = ["seconds", "rounds"];

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
