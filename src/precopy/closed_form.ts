/**
 * The closed-form pre-copy model of Liu et al. (HPDC 2011): memory V_mem
 * pages, a uniform dirty rate D and a link rate R, both in pages per second,
 * lambda = D / R. Iterative round i (i = 1, 2, ...) sends V_mem lambda^(i-1)
 * pages and dirties V_mem lambda^i; after n iterative rounds stop-and-copy
 * sends V_mem lambda^n, and the migration has sent
 * V_mig = V_mem (1 - lambda^(n+1)) / (1 - lambda).
 *
 * Its assumptions: every page written is a new dirty page (no hot set, no
 * page written twice, no saturation), no skipping, no per-round costs,
 * fluid pages. It is valid only for lambda < 1: a round can never send more
 * than the memory, so for lambda >= 1 the results say `valid: false` and
 * give the bounded figures instead (every round resends the whole memory).
 * The round-by-round engine ({@linkcode precopyMigration}) agrees with it
 * where its assumptions hold (a round-robin writer over the whole memory
 * that never laps it in a round, fluid accounting or exact binary inputs).
 *
 * Both functions take the same inputs: `memoryPages`, `dirtyPagesPerSecond`
 * and `linkPagesPerSecond`.
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
  checkPolicy,
  POLICIES,
  type StopPolicy,
  type StopReason,
} from "./policy.ts";

/** The inputs of the closed form. */
export interface ClosedFormInputs {
  /** V_mem: memory, pages. */
  memoryPages: number;
  /** D: dirty rate, pages/s. */
  dirtyPagesPerSecond: number;
  /** R: link rate, pages/s (see {@linkcode linkPagesPerSecond}). */
  linkPagesPerSecond: number;
}

/** Options of {@linkcode closedFormPrecopy}. */
export interface ClosedFormOptions extends ClosedFormInputs {
  /** n: iterative rounds before stop-and-copy (>= 0). */
  iterativeRounds: number;
  /** Added to the downtime and the total, s. Default 0. */
  resumeSeconds?: number;
}

/** The closed form's outputs. */
export interface ClosedFormResult {
  /** lambda = D / R. */
  readonly lambda: number;
  /** Whether the closed form applies (lambda < 1). */
  readonly valid: boolean;
  /** Why not, when it does not ("" otherwise). */
  readonly note: string;
  /** Pages sent in the n iterative rounds: V_mem (1 - lambda^n) / (1 - lambda). */
  readonly iterativePages: number;
  /** Pages sent in stop-and-copy: V_mem lambda^n (at most V_mem). */
  readonly stopAndCopyPages: number;
  /** V_mig: all pages sent. */
  readonly totalPages: number;
  /** Time of the iterative rounds, s. */
  readonly iterativeSeconds: number;
  /** Time of stop-and-copy, s. */
  readonly stopAndCopySeconds: number;
  /** Stop-and-copy + resume, s. */
  readonly downtimeSeconds: number;
  /** Iterative + downtime, s. */
  readonly totalSeconds: number;
}

/** Options of {@linkcode linkPagesPerSecond}. */
export interface LinkPagesOptions {
  /** Page size, bytes. Default 4096. */
  pageSizeBytes?: number;
  /** Wire bytes per page besides it. Default 0. */
  perPageOverheadBytes?: number;
}

/**
 * Pages per second a link carries: bits/s over the bits of a page and its
 * per-page overhead.
 *
 * @example
 * ```ts
 * import { linkPagesPerSecond } from "@vnmig/vnmig/precopy";
 * if (linkPagesPerSecond(2 ** 30) !== 32768) throw new Error();
 * if (linkPagesPerSecond(4104 * 8 * 1000, { perPageOverheadBytes: 8 }) !== 1000) throw new Error();
 * ```
 */
export function linkPagesPerSecond(
  linkBitsPerSecond: number,
  options: LinkPagesOptions = {},
): number {
  assertKnownKeys("options", options, [
    "pageSizeBytes",
    "perPageOverheadBytes",
  ]);
  const pageSizeBytes = options.pageSizeBytes ?? 4096;
  const perPageOverheadBytes = options.perPageOverheadBytes ?? 0;
  assertPositive("linkBitsPerSecond", linkBitsPerSecond);
  assertPositive("pageSizeBytes", pageSizeBytes);
  assertAtLeast("perPageOverheadBytes", perPageOverheadBytes, 0);
  return linkBitsPerSecond / ((pageSizeBytes + perPageOverheadBytes) * 8);
}

function checkInputs(o: ClosedFormInputs): number {
  assertPositive("memoryPages", o.memoryPages);
  assertAtLeast("dirtyPagesPerSecond", o.dirtyPagesPerSecond, 0);
  assertPositive("linkPagesPerSecond", o.linkPagesPerSecond);
  return o.dirtyPagesPerSecond / o.linkPagesPerSecond;
}

// sum_{k=0}^{i-1} lambda^k, for lambda < 1 (exact at 0).
function geometric(lambda: number, i: number): number {
  return lambda === 0 ? (i > 0 ? 1 : 0) : (1 - lambda ** i) / (1 - lambda);
}

const INVALID =
  "lambda >= 1: the closed form does not apply (it would send V_mem lambda^n > V_mem in stop-and-copy); the figures given bound every round at the memory, which every round then resends";

/**
 * Liu et al.'s closed form for a given number of iterative rounds n.
 * Always finite (inputs whose figures would overflow a double are a
 * RangeError); `valid` says whether the form applies (lambda < 1).
 *
 * @example
 * ```ts
 * import { closedFormPrecopy } from "@vnmig/vnmig/precopy";
 * const r = closedFormPrecopy({
 *   memoryPages: 1024,
 *   dirtyPagesPerSecond: 512,
 *   linkPagesPerSecond: 1024,
 *   iterativeRounds: 3,
 * });
 * if (r.totalPages !== 1920 || r.stopAndCopyPages !== 128 || !r.valid) throw new Error();
 * const fast = closedFormPrecopy({
 *   memoryPages: 1024,
 *   dirtyPagesPerSecond: 1e6,
 *   linkPagesPerSecond: 1000,
 *   iterativeRounds: 29,
 * });
 * if (fast.valid || fast.stopAndCopyPages !== 1024) throw new Error("bounded");
 * ```
 */
export function closedFormPrecopy(
  options: ClosedFormOptions,
): ClosedFormResult {
  assertKnownKeys("options", options, [
    "memoryPages",
    "dirtyPagesPerSecond",
    "linkPagesPerSecond",
    "iterativeRounds",
    "resumeSeconds",
  ]);
  const lambda = checkInputs(options);
  const n = options.iterativeRounds;
  assertInteger("iterativeRounds", n, 0);
  const resumeSeconds = options.resumeSeconds ?? 0;
  assertAtLeast("resumeSeconds", resumeSeconds, 0);
  const V = options.memoryPages;
  const R = options.linkPagesPerSecond;
  const valid = lambda < 1;
  // For lambda >= 1 a round is bounded by the memory: each sends V_mem.
  const iterativePages = valid ? V * geometric(lambda, n) : n * V;
  const stopAndCopyPages = valid ? V * lambda ** n : V;
  const totalPages = iterativePages + stopAndCopyPages;
  const iterativeSeconds = iterativePages / R;
  const stopAndCopySeconds = stopAndCopyPages / R;
  const downtimeSeconds = stopAndCopySeconds + resumeSeconds;
  const totalSeconds = iterativeSeconds + downtimeSeconds;
  // Finite inputs can still overflow a double (1e300 pages x 1e9 rounds):
  // an error naming them, never an Infinity in the result.
  if (!Number.isFinite(totalPages) || !Number.isFinite(totalSeconds)) {
    throw new RangeError(
      `the closed form overflows: memoryPages x iterativeRounds (and / linkPagesPerSecond) must stay below ${Number.MAX_VALUE}; got memoryPages = ${V}, iterativeRounds = ${n}, linkPagesPerSecond = ${R}, lambda = ${lambda}`,
    );
  }
  return {
    lambda,
    valid,
    note: valid ? "" : INVALID,
    iterativePages,
    stopAndCopyPages,
    totalPages,
    iterativeSeconds,
    stopAndCopySeconds,
    downtimeSeconds,
    totalSeconds,
  };
}

/** Options of {@linkcode closedFormRounds}. */
export interface ClosedFormRoundsOptions extends ClosedFormInputs {
  /** Whose stop conditions and time-out. Default "xen4". */
  policy?: StopPolicy | "xen4" | "qemu" | "simgrid";
}

/** The rounds a policy's stop conditions give under the closed form. */
export interface ClosedFormRounds {
  /** lambda = D / R. */
  readonly lambda: number;
  /** Whether the conditions ever hold before the policy's time-out. */
  readonly converged: boolean;
  /** n, the iterative rounds (when not converged: those completed before the time-out, or 0 when it never times out either). */
  readonly iterativeRounds: number;
  /** Every condition that holds after round n, in the policy's order (empty when not converged). */
  readonly stopReasons: readonly StopReason[];
  /** What happened, in words ("" when converged). */
  readonly note: string;
}

// The smallest i >= 1 with `holds(i)`, for a monotone `holds`, starting
// from an estimate that logarithms give (Infinity: never).
function firstRound(holds: (i: number) => boolean, estimate: number): number {
  if (!Number.isFinite(estimate)) return Infinity;
  let i = Math.max(1, Math.floor(estimate));
  for (let k = 0; k < 64 && i > 1 && holds(i - 1); k++) i--;
  for (let k = 0; k < 64 && !holds(i); k++) i++;
  return holds(i) ? i : Infinity;
}

/**
 * The iterative rounds n a policy's stop conditions give under the closed
 * form's assumptions: round i (1-based) sends V_mem lambda^(i-1) pages (at
 * most V_mem), dirties V_mem lambda^i (at most V_mem), and ends at its sum
 * over R seconds. The conditions are tested in the policy's order; a round
 * that cannot end before the policy's time-out means no convergence. Exact
 * for any n (no iteration: logarithms, then a check). The
 * `pending-below-threshold` threshold is R x the limit, in pages (no
 * per-page overhead, no rounding to whole bytes). Xen's limiter and QEMU's auto-converge have no closed
 * form: a policy with either is rejected.
 *
 * @example
 * ```ts
 * import { closedFormRounds } from "@vnmig/vnmig/precopy";
 * const inputs = { memoryPages: 1024, dirtyPagesPerSecond: 512, linkPagesPerSecond: 1024 };
 * const xen = closedFormRounds(inputs);
 * // 1024 / 2^i < 50 first at i = 5 for what round 6 sent (32 pages).
 * if (xen.iterativeRounds !== 6 || xen.stopReasons[0] !== "sent-and-skipped-below") throw new Error();
 * const simgrid = closedFormRounds({ ...inputs, dirtyPagesPerSecond: 2048, policy: "simgrid" });
 * if (simgrid.converged) throw new Error("lambda = 2 never converges");
 * ```
 */
export function closedFormRounds(
  options: ClosedFormRoundsOptions,
): ClosedFormRounds {
  assertKnownKeys("options", options, [
    "memoryPages",
    "dirtyPagesPerSecond",
    "linkPagesPerSecond",
    "policy",
  ]);
  const lambda = checkInputs(options);
  const given = options.policy ?? "xen4";
  let policy: StopPolicy;
  if (typeof given === "string") {
    assertOneOf("policy", given, ["xen4", "qemu", "simgrid"]);
    policy = POLICIES[given];
  } else policy = checkPolicy(given);
  if (policy.rateLimiter !== null) {
    throw new RangeError(
      "policy.rateLimiter must be null for the closed form (a limited rate has no closed form); got Xen's limiter",
    );
  }
  if (policy.autoConverge !== null) {
    throw new RangeError(
      "policy.autoConverge must be null for the closed form (throttling has no closed form)",
    );
  }
  const V = options.memoryPages;
  const R = options.linkPagesPerSecond;
  const bounded = lambda >= 1;
  const sent = (i: number) => bounded ? V : V * lambda ** (i - 1);
  const dirtied = (i: number) => bounded ? V : V * lambda ** i;
  const total = (i: number) => bounded ? i * V : V * geometric(lambda, i);
  const log = (x: number) => Math.log(x) / Math.log(lambda);
  // First round index at which V lambda^(i + shift) < p holds.
  const below = (p: number, shift: number, strict: boolean) => {
    const holds = (i: number) => {
      const x = shift === 0 ? dirtied(i) : sent(i);
      return strict ? x < p : x <= p;
    };
    if (holds(1)) return 1;
    if (bounded || lambda === 0) return holds(2) ? 2 : Infinity;
    return firstRound(holds, log(p / V) + (shift === 0 ? 0 : 1));
  };
  const firstOf = policy.conditions.map((c) => {
    switch (c.kind) {
      case "rate-is-max":
        return Infinity;
      case "max-iters":
        return c.iterations;
      case "sent-and-skipped-below":
        return below(c.pages, -1, true);
      case "dirtied-below":
        return below(c.pages, 0, true);
      case "max-factor": {
        const holds = (i: number) => total(i) > c.factor * V;
        if (bounded) return Math.floor(c.factor) + 1;
        if (c.factor * (1 - lambda) >= 1) return Infinity;
        return firstRound(holds, log(1 - c.factor * (1 - lambda)));
      }
      case "pending-below-threshold": {
        // QEMU: pending < limit; SimGrid: pending <= limit (its floor to
        // whole bytes has no meaning in fluid pages).
        return below(R * c.downtimeLimitSeconds, 0, c.rule === "qemu");
      }
    }
  });
  const n = Math.min(...firstOf);
  // The first round that cannot end before the time-out.
  const T = policy.timeoutSeconds;
  let cut = Infinity;
  if (T !== Infinity) {
    const holds = (i: number) => total(i) / R >= T;
    if (bounded) cut = firstRound(holds, (T * R) / V);
    else if (T * R * (1 - lambda) < V) {
      cut = firstRound(holds, log(1 - (T * R * (1 - lambda)) / V));
    }
  }
  if (cut !== Infinity && cut <= n) {
    return {
      lambda,
      converged: false,
      iterativeRounds: cut - 1,
      stopReasons: [],
      note:
        `not converged: round ${cut} cannot end before the ${policy.name} time-out at ${T} s`,
    };
  }
  if (n === Infinity) {
    return {
      lambda,
      converged: false,
      iterativeRounds: 0,
      stopReasons: [],
      note:
        `not converged: under ${policy.name} no stop condition ever holds at lambda = ${lambda}`,
    };
  }
  return {
    lambda,
    converged: true,
    iterativeRounds: n,
    stopReasons: policy.conditions.filter((_, k) => firstOf[k] <= n).map((
      c,
    ) => c.kind),
    note: "",
  };
}
