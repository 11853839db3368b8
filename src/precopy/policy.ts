/**
 * Stop policies: what a hypervisor does between pre-copy rounds, as plain
 * values a user can read, copy and change ({@linkcode composePolicy}).
 * A policy names its stop conditions in the order its source tests them,
 * how fast each round sends, how pages are counted, and when it gives up.
 *
 * - {@linkcode xen4}: Xen 4.0's `tools/libxc/xc_domain_save.c`. After each
 *   iterative round it stops iterating when any of these hold, tested in
 *   this order: `rate-is-max` (`(sent_this_iter > sent_last_iter) &&
 *   RATE_IS_MAX()`, only with the `ADAPTIVE_SAVE` limiter), `max-iters`
 *   (`iter >= max_iters`, 29: 30 rounds with the final one),
 *   `sent-and-skipped-below` (`sent_this_iter + skip_this_iter < 50`: the
 *   round that just finished, not the pages the next round would send; the
 *   `dirtied-below` condition is that other test), `max-factor`
 *   (`total_sent > p2m_size * max_factor`, 3). Pages re-dirtied since the
 *   round began are skipped, judged against a snapshot of the dirty bitmap
 *   taken before each batch of 1024 sent pages (`to_skip`, a PEEK); a
 *   page-flipped RX buffer waits for the final round (`to_fix`). The
 *   limiter (off by default, as Xen compiles it out): the rate starts at
 *   100 Mbit/s; after each round, if the round's dirty rate (pages dirtied
 *   x page size / the round's wall time in whole ms, integer Mbit/s)
 *   exceeds the current rate, the rate becomes that dirty rate + 50, capped
 *   at 500. Xen's `ratewrite` sends 100 KiB bursts every 781250 / rate
 *   microseconds (integer), so "100 Mbit/s" is 104.86 Mbit/s on the wire.
 *   The final round is never limited.
 * - {@linkcode qemu}: QEMU 7.2's `migration/migration.c` and `ram.c`. During
 *   a pass over the dirty pages (in page order, resuming where the last pass
 *   stopped: `ram_find_and_save_block` goes on from its last page and wraps
 *   round) QEMU checks, after each chunk of sending
 *   (`ram_save_iterate` returns every 50 ms, or when a 100 ms window's
 *   `max-bandwidth` budget is spent), whether the remaining dirty pages are
 *   below the threshold = measured bandwidth x `downtime-limit` (300 ms by
 *   default); if so it syncs the dirty bitmap (the round ends) and
 *   completes if the pending pages, the unsent rest with the newly dirtied
 *   ones, are still below it (`pending-below-threshold`). No iteration and
 *   no volume cap. `max-bandwidth` (128 MiB/s by default) caps the
 *   iterative rounds' rate, not the final one. A zero page costs 9 bytes
 *   (an 8-byte header and one byte), a page 8 + 4096. Auto-converge
 *   (option, off by default as in QEMU): at a bitmap sync at least 1 s
 *   after the last period, if the bytes dirtied in the period exceed
 *   `throttle-trigger-threshold` (50 %) of the bytes sent in it for the
 *   second time, the vCPUs are throttled, 20 % first, +10 % each further
 *   time, at most 99 %: a throttled guest writes that much slower.
 * - {@linkcode simgrid}: SimGrid 3.32's VM live-migration plugin
 *   (`src/plugins/vm/VmLiveMigration.cpp`): fluid bytes, each round sends
 *   what the previous one dirtied; it stops when the remaining bytes are at
 *   most the threshold = floor(measured bandwidth x 30 ms)
 *   (`pending-below-threshold`, SimGrid's rule); no iteration or volume
 *   cap; a round that cannot finish within 1e7 s of the start aborts the
 *   simulation (a time-out).
 *
 * @module
 */

import {
  assertAtLeast,
  assertInRange,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
  assertPositive,
  assertPositiveOrInfinity,
} from "../_validate.ts";
import type { Accounting } from "./dirty.ts";

/** Why the iterative phase ended: the kind of the condition that held. */
export type StopReason = StopCondition["kind"];

/** Xen's fourth clause: the round sent more than the one before, at the limiter's maximum rate. */
export interface RateIsMax {
  /** Discriminator. */
  readonly kind: "rate-is-max";
}

/** Stop after this many iterative rounds. */
export interface MaxIters {
  /** Discriminator. */
  readonly kind: "max-iters";
  /** Iterative rounds (Xen: 29). */
  readonly iterations: number;
}

/** Xen's test: the round just finished sent plus skipped fewer pages than this. */
export interface SentAndSkippedBelow {
  /** Discriminator. */
  readonly kind: "sent-and-skipped-below";
  /** Threshold, pages (Xen: 50). */
  readonly pages: number;
}

/** The other test: the round just finished dirtied (what the next would send) fewer pages than this. */
export interface DirtiedBelow {
  /** Discriminator. */
  readonly kind: "dirtied-below";
  /** Threshold, pages. */
  readonly pages: number;
}

/** Stop when more than `factor` x memory has been sent. */
export interface MaxFactor {
  /** Discriminator. */
  readonly kind: "max-factor";
  /** Xen: 3. */
  readonly factor: number;
}

/** Stop when the pending dirty bytes fit in the downtime limit at the measured bandwidth. */
export interface PendingBelowThreshold {
  /** Discriminator. */
  readonly kind: "pending-below-threshold";
  /** QEMU's `downtime-limit` (0.3 s) or SimGrid's max downtime (0.03 s), s. */
  readonly downtimeLimitSeconds: number;
  /** `"qemu"`: pending < bandwidth x limit (or nothing pending). `"simgrid"`: pending <= floor(bandwidth x limit). */
  readonly rule: "qemu" | "simgrid";
}

/** One stop condition. */
export type StopCondition =
  | RateIsMax
  | MaxIters
  | SentAndSkippedBelow
  | DirtiedBelow
  | MaxFactor
  | PendingBelowThreshold;

/**
 * Every stop reason, in the order the built-in policies test them.
 *
 * @example
 * ```ts
 * import { STOP_REASONS } from "@vnmig/vnmig/precopy";
 * if (STOP_REASONS[0] !== "rate-is-max" || STOP_REASONS.length !== 6) throw new Error();
 * ```
 */
export const STOP_REASONS: readonly StopReason[] = Object.freeze([
  "rate-is-max",
  "max-iters",
  "sent-and-skipped-below",
  "dirtied-below",
  "max-factor",
  "pending-below-threshold",
]);

/** Xen's ADAPTIVE_SAVE rate limiter, in its integer Mbit/s. */
export interface XenRateLimiter {
  /** START_MBIT_RATE: 100. */
  readonly startMbitPerSecond: number;
  /** Added to the measured dirty rate when it exceeds the current rate: 50. */
  readonly marginMbitPerSecond: number;
  /** MAX_MBIT_RATE: 500. */
  readonly maxMbitPerSecond: number;
}

/** QEMU's auto-converge throttling (its parameters' defaults). */
export interface AutoConverge {
  /** `throttle-trigger-threshold`: dirtied > this % of sent in a period triggers. Default 50. */
  readonly triggerThresholdPercent: number;
  /** `cpu-throttle-initial`, %. Default 20. */
  readonly initialPercent: number;
  /** `cpu-throttle-increment`, %. Default 10. */
  readonly incrementPercent: number;
  /** `max-cpu-throttle`, %. Default 99. */
  readonly maxPercent: number;
  /** Shortest period between two checks, s (QEMU: 1). */
  readonly periodSeconds: number;
}

/** How an iterative round ends. */
export type RoundEnd =
  | {
    /** The round sends its whole to-send set (Xen, SimGrid). */
    readonly kind: "all-sent";
  }
  | {
    /** QEMU: checks after each chunk; the round ends at the first check that finds the remaining pages below the threshold. */
    readonly kind: "below-threshold";
    /** Sending between two checks, s. Default: 0.05 (ram_save_iterate's MAX_WAIT) when the link is the bottleneck, 0.1 (BUFFER_DELAY) when max-bandwidth is. */
    readonly checkIntervalSeconds?: number;
  };

/** A stop policy (see the module doc). */
export interface StopPolicy {
  /** Its name, reported in results ("xen4", "qemu", "simgrid", or yours). */
  readonly name: string;
  /** The stop conditions, in the order tested and reported. */
  readonly conditions: readonly StopCondition[];
  /** Default accounting of a migration under this policy. */
  readonly accounting: Accounting;
  /** Wire bytes per page besides the page (Xen: the 8-byte PFN; QEMU: the 8-byte header; SimGrid: 0). */
  readonly perPageOverheadBytes: number;
  /** Wire bytes of a zero page, or null when zero pages cost a full page. */
  readonly zeroPageBytes: number | null;
  /** Xen's per-batch skip of re-dirtied pages: pages sent per batch (1024), or 0 for none. */
  readonly skipBatchPages: number;
  /** Whether the hypervisor flips RX pages (Xen PV). */
  readonly pageFlipping: boolean;
  /** How a round ends. */
  readonly roundEnd: RoundEnd;
  /** Xen's adaptive limiter, or null (off). */
  readonly rateLimiter: XenRateLimiter | null;
  /** Cap of the iterative rounds' rate, bytes/s (Infinity: none). */
  readonly maxBandwidthBytesPerSecond: number;
  /** QEMU auto-converge, or null (off). */
  readonly autoConverge: AutoConverge | null;
  /** The migration is abandoned when a round cannot end within this many seconds of round 1's start (Infinity: never). */
  readonly timeoutSeconds: number;
}

// Policies checkPolicy returned (deep-frozen): valid for good.
const CHECKED = new WeakSet<StopPolicy>();

const POLICY_KEYS: readonly (keyof StopPolicy)[] = [
  "name",
  "conditions",
  "accounting",
  "perPageOverheadBytes",
  "zeroPageBytes",
  "skipBatchPages",
  "pageFlipping",
  "roundEnd",
  "rateLimiter",
  "maxBandwidthBytesPerSecond",
  "autoConverge",
  "timeoutSeconds",
];

/**
 * Xen 4.0's limiter values (START_MBIT_RATE, the +50 margin, MAX_MBIT_RATE).
 *
 * @example
 * ```ts
 * import { XEN_RATE_LIMITER } from "@vnmig/vnmig/precopy";
 * if (XEN_RATE_LIMITER.maxMbitPerSecond !== 500) throw new Error();
 * ```
 */
export const XEN_RATE_LIMITER: XenRateLimiter = Object.freeze({
  startMbitPerSecond: 100,
  marginMbitPerSecond: 50,
  maxMbitPerSecond: 500,
});

/**
 * QEMU 7.2's auto-converge defaults.
 *
 * @example
 * ```ts
 * import { QEMU_AUTO_CONVERGE } from "@vnmig/vnmig/precopy";
 * if (QEMU_AUTO_CONVERGE.initialPercent !== 20 || QEMU_AUTO_CONVERGE.maxPercent !== 99) throw new Error();
 * ```
 */
export const QEMU_AUTO_CONVERGE: AutoConverge = Object.freeze({
  triggerThresholdPercent: 50,
  initialPercent: 20,
  incrementPercent: 10,
  maxPercent: 99,
  periodSeconds: 1,
});

/**
 * QEMU 7.2's default `max-bandwidth` (MAX_THROTTLE): 128 MiB/s.
 *
 * @example
 * ```ts
 * import { QEMU, QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND } from "@vnmig/vnmig/precopy";
 * if (QEMU.maxBandwidthBytesPerSecond !== QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND) throw new Error();
 * ```
 */
export const QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND: number = 128 * 2 ** 20;

function checkCondition(c: StopCondition, name: string): void {
  if (typeof c !== "object" || c === null) {
    throw new TypeError(`${name} must be a stop condition object`);
  }
  assertOneOf(`${name}.kind`, c.kind, STOP_REASONS);
  switch (c.kind) {
    case "rate-is-max":
      assertKnownKeys(name, c, ["kind"]);
      break;
    case "max-iters":
      assertKnownKeys(name, c, ["kind", "iterations"]);
      assertInteger(`${name}.iterations`, c.iterations, 1);
      break;
    case "sent-and-skipped-below":
    case "dirtied-below":
      assertKnownKeys(name, c, ["kind", "pages"]);
      assertAtLeast(`${name}.pages`, c.pages, 0);
      break;
    case "max-factor":
      assertKnownKeys(name, c, ["kind", "factor"]);
      assertAtLeast(`${name}.factor`, c.factor, 0);
      break;
    case "pending-below-threshold":
      assertKnownKeys(name, c, ["kind", "downtimeLimitSeconds", "rule"]);
      assertPositive(`${name}.downtimeLimitSeconds`, c.downtimeLimitSeconds);
      assertOneOf(`${name}.rule`, c.rule, ["qemu", "simgrid"]);
      break;
  }
}

// An option that is on/off or an object of settings (never a string or a
// number, which a spread would silently turn into settings or into "on").
function assertFlagOrObject(name: string, value: unknown): void {
  if (
    value !== undefined && typeof value !== "boolean" &&
    (typeof value !== "object" || value === null || Array.isArray(value))
  ) {
    throw new TypeError(
      `${name} must be true, false or an object of settings; got ${
        typeof value === "string" ? `"${value}"` : String(value)
      }`,
    );
  }
}

// A rate or time-out where Infinity means none.
const assertRateOrNone = (name: string, value: number) =>
  assertPositiveOrInfinity(name, value, Infinity, "Infinity: none");

/**
 * Checks a policy value: every field present and in range, no unknown key.
 * Returns it (frozen) when valid.
 *
 * @example
 * ```ts
 * import { checkPolicy, SIMGRID } from "@vnmig/vnmig/precopy";
 * if (checkPolicy(SIMGRID).name !== "simgrid") throw new Error();
 * ```
 */
export function checkPolicy(policy: StopPolicy): StopPolicy {
  if (CHECKED.has(policy)) return policy;
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `policy must be a StopPolicy object or one of "xen4", "qemu", "simgrid"; got ${
        String(policy)
      }`,
    );
  }
  assertKnownKeys("policy", policy, POLICY_KEYS);
  for (const key of POLICY_KEYS) {
    if (!(key in policy)) {
      throw new RangeError(
        `policy.${key} is missing (start from xen4(), qemu() or simgrid() and compose)`,
      );
    }
  }
  if (typeof policy.name !== "string" || policy.name === "") {
    throw new RangeError(
      `policy.name must be a non-empty string; got ${String(policy.name)}`,
    );
  }
  if (!Array.isArray(policy.conditions)) {
    throw new RangeError(
      "policy.conditions must be an array of stop conditions",
    );
  }
  policy.conditions.forEach((c, i) =>
    checkCondition(c, `policy.conditions[${i}]`)
  );
  assertOneOf("policy.accounting", policy.accounting, ["pages", "bytes"]);
  assertAtLeast("policy.perPageOverheadBytes", policy.perPageOverheadBytes, 0);
  if (policy.zeroPageBytes !== null) {
    assertAtLeast("policy.zeroPageBytes", policy.zeroPageBytes, 0);
  }
  assertInteger("policy.skipBatchPages", policy.skipBatchPages, 0);
  if (typeof policy.pageFlipping !== "boolean") {
    throw new RangeError(
      `policy.pageFlipping must be true or false; got ${
        String(policy.pageFlipping)
      }`,
    );
  }
  const end = policy.roundEnd;
  if (typeof end !== "object" || end === null) {
    throw new TypeError("policy.roundEnd must be an object");
  }
  assertOneOf("policy.roundEnd.kind", end.kind, [
    "all-sent",
    "below-threshold",
  ]);
  if (end.kind === "all-sent") {
    assertKnownKeys("policy.roundEnd", end, ["kind"]);
  } else {
    assertKnownKeys("policy.roundEnd", end, ["kind", "checkIntervalSeconds"]);
    if (end.checkIntervalSeconds !== undefined) {
      assertPositive(
        "policy.roundEnd.checkIntervalSeconds",
        end.checkIntervalSeconds,
      );
    }
    if (!policy.conditions.some((c) => c.kind === "pending-below-threshold")) {
      throw new RangeError(
        'policy.roundEnd "below-threshold" needs a "pending-below-threshold" condition (its threshold ends the round)',
      );
    }
  }
  const l = policy.rateLimiter;
  if (l !== null) {
    if (typeof l !== "object") {
      throw new TypeError("policy.rateLimiter must be an object or null");
    }
    assertKnownKeys("policy.rateLimiter", l, [
      "startMbitPerSecond",
      "marginMbitPerSecond",
      "maxMbitPerSecond",
    ]);
    assertInteger(
      "policy.rateLimiter.startMbitPerSecond",
      l.startMbitPerSecond,
      1,
    );
    assertInteger(
      "policy.rateLimiter.marginMbitPerSecond",
      l.marginMbitPerSecond,
      0,
    );
    assertInteger(
      "policy.rateLimiter.maxMbitPerSecond",
      l.maxMbitPerSecond,
      l.startMbitPerSecond,
    );
  }
  assertRateOrNone(
    "policy.maxBandwidthBytesPerSecond",
    policy.maxBandwidthBytesPerSecond,
  );
  const a = policy.autoConverge;
  if (a !== null) {
    if (typeof a !== "object") {
      throw new TypeError("policy.autoConverge must be an object or null");
    }
    assertKnownKeys("policy.autoConverge", a, Object.keys(QEMU_AUTO_CONVERGE));
    assertInRange(
      "policy.autoConverge.triggerThresholdPercent",
      a.triggerThresholdPercent,
      0,
      100,
    );
    assertInRange(
      "policy.autoConverge.initialPercent",
      a.initialPercent,
      1,
      99,
    );
    assertInRange(
      "policy.autoConverge.incrementPercent",
      a.incrementPercent,
      1,
      99,
    );
    assertInRange(
      "policy.autoConverge.maxPercent",
      a.maxPercent,
      a.initialPercent,
      99,
    );
    assertAtLeast("policy.autoConverge.periodSeconds", a.periodSeconds, 0);
  }
  assertRateOrNone("policy.timeoutSeconds", policy.timeoutSeconds);
  // A deep-frozen copy: what was checked cannot change afterwards, so it
  // need not be checked again.
  const checked: StopPolicy = Object.freeze({
    ...policy,
    conditions: Object.freeze(
      policy.conditions.map((c) => Object.freeze({ ...c })),
    ),
    roundEnd: Object.freeze({ ...policy.roundEnd }),
    rateLimiter: l === null ? null : Object.freeze({ ...l }),
    autoConverge: a === null ? null : Object.freeze({ ...a }),
  });
  CHECKED.add(checked);
  return checked;
}

/**
 * A policy with some fields replaced, checked: the way to compose one
 * (another condition list, a time-out, fluid accounting...).
 *
 * @example
 * ```ts
 * import { composePolicy, XEN4 } from "@vnmig/vnmig/precopy";
 * // Xen's rounds, but the test on what the next round would send.
 * const next = composePolicy(XEN4, {
 *   name: "xen4 next-round",
 *   conditions: [{ kind: "max-iters", iterations: 29 }, { kind: "dirtied-below", pages: 50 }],
 * });
 * if (next.conditions[1].kind !== "dirtied-below") throw new Error();
 * ```
 */
export function composePolicy(
  base: StopPolicy,
  changes: Partial<StopPolicy>,
): StopPolicy {
  checkPolicy(base);
  assertKnownKeys("changes", changes, POLICY_KEYS);
  return checkPolicy(Object.freeze({ ...base, ...changes }));
}

/** Options of {@linkcode xen4}. */
export interface Xen4Options {
  /** Compile in ADAPTIVE_SAVE's rate limiter (`true` for Xen's values). Default false, as Xen ships. */
  adaptiveSave?: boolean | Partial<XenRateLimiter>;
  /** max_iters. Default 29. Infinity: no iteration cap (the condition is left out). */
  maxIters?: number;
  /** max_factor. Default 3. Infinity: no volume cap (the condition is left out). */
  maxFactor?: number;
  /** The sent + skipped threshold, pages. Default 50. */
  minPages?: number;
}

/**
 * Xen 4.0's policy (see the module doc).
 *
 * @example
 * ```ts
 * import { xen4 } from "@vnmig/vnmig/precopy";
 * const p = xen4({ adaptiveSave: true });
 * if (p.conditions.map((c) => c.kind).join() !== "rate-is-max,max-iters,sent-and-skipped-below,max-factor") {
 *   throw new Error("Xen's order");
 * }
 * // No iteration or volume cap: those conditions are left out.
 * const uncapped = xen4({ maxIters: Infinity, maxFactor: Infinity });
 * if (uncapped.conditions.map((c) => c.kind).join() !== "sent-and-skipped-below") {
 *   throw new Error("only the 50-page test");
 * }
 * ```
 */
export function xen4(options: Xen4Options = {}): StopPolicy {
  assertKnownKeys("xen4 options", options, [
    "adaptiveSave",
    "maxIters",
    "maxFactor",
    "minPages",
  ]);
  assertFlagOrObject("xen4 options.adaptiveSave", options.adaptiveSave);
  if (
    options.adaptiveSave !== undefined &&
    typeof options.adaptiveSave === "object"
  ) {
    assertKnownKeys(
      "xen4 options.adaptiveSave",
      options.adaptiveSave,
      Object.keys(XEN_RATE_LIMITER),
    );
  }
  const limiter = options.adaptiveSave
    ? {
      ...XEN_RATE_LIMITER,
      ...(options.adaptiveSave === true ? {} : options.adaptiveSave),
    }
    : null;
  // Checked here, under the names the caller wrote; Infinity is "no cap".
  const maxIters = options.maxIters ?? 29;
  if (maxIters !== Infinity) {
    assertInteger("xen4 options.maxIters (Infinity: no cap)", maxIters, 1);
  }
  const maxFactor = options.maxFactor ?? 3;
  if (maxFactor !== Infinity) {
    assertAtLeast("xen4 options.maxFactor (Infinity: no cap)", maxFactor, 0);
  }
  const minPages = options.minPages ?? 50;
  assertAtLeast("xen4 options.minPages", minPages, 0);
  const conditions: StopCondition[] = [];
  if (limiter) conditions.push({ kind: "rate-is-max" });
  if (maxIters !== Infinity) {
    conditions.push({ kind: "max-iters", iterations: maxIters });
  }
  conditions.push({ kind: "sent-and-skipped-below", pages: minPages });
  if (maxFactor !== Infinity) {
    conditions.push({ kind: "max-factor", factor: maxFactor });
  }
  return checkPolicy(Object.freeze({
    name: "xen4",
    conditions: Object.freeze(conditions),
    accounting: "pages",
    perPageOverheadBytes: 8,
    zeroPageBytes: null,
    skipBatchPages: 1024,
    pageFlipping: true,
    roundEnd: Object.freeze({ kind: "all-sent" }),
    rateLimiter: limiter ? Object.freeze(limiter) : null,
    maxBandwidthBytesPerSecond: Infinity,
    autoConverge: null,
    timeoutSeconds: Infinity,
  }) as StopPolicy);
}

/** Options of {@linkcode qemu}. */
export interface QemuOptions {
  /** `downtime-limit`, s. Default 0.3. */
  downtimeLimitSeconds?: number;
  /** `max-bandwidth`, bytes/s (Infinity: none). Default 128 MiB/s (QEMU 7.2's MAX_THROTTLE). */
  maxBandwidthBytesPerSecond?: number;
  /** Auto-converge: `true` for QEMU's defaults, or some of them changed. Default off. */
  autoConverge?: boolean | Partial<AutoConverge>;
  /** Sending between two threshold checks, s. Default: 0.05 when the link binds, 0.1 when max-bandwidth does. */
  checkIntervalSeconds?: number;
  /** Give up (cancel) after this long, s. Default Infinity (QEMU never does). */
  timeoutSeconds?: number;
}

/**
 * QEMU 7.2's policy (see the module doc).
 *
 * @example
 * ```ts
 * import { qemu } from "@vnmig/vnmig/precopy";
 * const p = qemu({ downtimeLimitSeconds: 0.1, autoConverge: true });
 * if (p.autoConverge?.initialPercent !== 20) throw new Error("QEMU's default");
 * if (p.conditions.length !== 1) throw new Error("no caps");
 * ```
 */
export function qemu(options: QemuOptions = {}): StopPolicy {
  assertKnownKeys("qemu options", options, [
    "downtimeLimitSeconds",
    "maxBandwidthBytesPerSecond",
    "autoConverge",
    "checkIntervalSeconds",
    "timeoutSeconds",
  ]);
  assertFlagOrObject("qemu options.autoConverge", options.autoConverge);
  if (
    options.autoConverge !== undefined &&
    typeof options.autoConverge === "object"
  ) {
    assertKnownKeys(
      "qemu options.autoConverge",
      options.autoConverge,
      Object.keys(QEMU_AUTO_CONVERGE),
    );
  }
  const auto = options.autoConverge
    ? {
      ...QEMU_AUTO_CONVERGE,
      ...(options.autoConverge === true ? {} : options.autoConverge),
    }
    : null;
  const downtimeLimit = options.downtimeLimitSeconds ?? 0.3;
  assertPositive("qemu options.downtimeLimitSeconds", downtimeLimit);
  const maxBandwidth = options.maxBandwidthBytesPerSecond ??
    QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND;
  assertRateOrNone(
    "qemu options.maxBandwidthBytesPerSecond",
    maxBandwidth,
  );
  if (options.checkIntervalSeconds !== undefined) {
    assertPositive(
      "qemu options.checkIntervalSeconds",
      options.checkIntervalSeconds,
    );
  }
  const qemuTimeout = options.timeoutSeconds ?? Infinity;
  assertRateOrNone("qemu options.timeoutSeconds", qemuTimeout);
  const roundEnd: RoundEnd = options.checkIntervalSeconds === undefined
    ? { kind: "below-threshold" }
    : {
      kind: "below-threshold",
      checkIntervalSeconds: options.checkIntervalSeconds,
    };
  return checkPolicy(Object.freeze({
    name: "qemu",
    conditions: Object.freeze([{
      kind: "pending-below-threshold",
      downtimeLimitSeconds: downtimeLimit,
      rule: "qemu",
    }]),
    accounting: "pages",
    perPageOverheadBytes: 8,
    zeroPageBytes: 9,
    skipBatchPages: 0,
    pageFlipping: false,
    roundEnd: Object.freeze(roundEnd),
    rateLimiter: null,
    maxBandwidthBytesPerSecond: maxBandwidth,
    autoConverge: auto ? Object.freeze(auto) : null,
    timeoutSeconds: qemuTimeout,
  }) as StopPolicy);
}

/** Options of {@linkcode simgrid}. */
export interface SimgridOptions {
  /** The VM's max downtime, s (hard-wired to 0.03 in SimGrid 3.32). Default 0.03. */
  maxDowntimeSeconds?: number;
  /** `sg_vm_set_migration_speed`: cap of every round's rate, bytes/s. Default Infinity (the link decides). */
  migrationSpeedBytesPerSecond?: number;
  /** mig_timeout, s. Default 1e7. */
  timeoutSeconds?: number;
}

/**
 * SimGrid 3.32's policy (see the module doc).
 *
 * @example
 * ```ts
 * import { simgrid } from "@vnmig/vnmig/precopy";
 * const p = simgrid();
 * if (p.accounting !== "bytes" || p.timeoutSeconds !== 1e7) throw new Error();
 * ```
 */
export function simgrid(options: SimgridOptions = {}): StopPolicy {
  assertKnownKeys("simgrid options", options, [
    "maxDowntimeSeconds",
    "migrationSpeedBytesPerSecond",
    "timeoutSeconds",
  ]);
  const maxDowntime = options.maxDowntimeSeconds ?? 0.03;
  assertPositive("simgrid options.maxDowntimeSeconds", maxDowntime);
  const speed = options.migrationSpeedBytesPerSecond ?? Infinity;
  assertRateOrNone(
    "simgrid options.migrationSpeedBytesPerSecond",
    speed,
  );
  const timeout = options.timeoutSeconds ?? 1e7;
  assertRateOrNone("simgrid options.timeoutSeconds", timeout);
  return checkPolicy(Object.freeze({
    name: "simgrid",
    conditions: Object.freeze([{
      kind: "pending-below-threshold",
      downtimeLimitSeconds: maxDowntime,
      rule: "simgrid",
    }]),
    accounting: "bytes",
    perPageOverheadBytes: 0,
    zeroPageBytes: null,
    skipBatchPages: 0,
    pageFlipping: false,
    roundEnd: Object.freeze({ kind: "all-sent" }),
    rateLimiter: null,
    maxBandwidthBytesPerSecond: speed,
    autoConverge: null,
    timeoutSeconds: timeout,
  }) as StopPolicy);
}

/**
 * Xen 4.0 as it ships (no limiter).
 *
 * @example
 * ```ts
 * import { XEN4 } from "@vnmig/vnmig/precopy";
 * if (XEN4.rateLimiter !== null || XEN4.skipBatchPages !== 1024) throw new Error();
 * ```
 */
export const XEN4: StopPolicy = xen4();
/**
 * QEMU 7.2 at its defaults.
 *
 * @example
 * ```ts
 * import { QEMU } from "@vnmig/vnmig/precopy";
 * if (QEMU.zeroPageBytes !== 9 || QEMU.autoConverge !== null) throw new Error();
 * ```
 */
export const QEMU: StopPolicy = qemu();
/**
 * SimGrid 3.32's plugin.
 *
 * @example
 * ```ts
 * import { SIMGRID } from "@vnmig/vnmig/precopy";
 * if (SIMGRID.perPageOverheadBytes !== 0) throw new Error();
 * ```
 */
export const SIMGRID: StopPolicy = simgrid();

/**
 * The built-in policies by name.
 *
 * @example
 * ```ts
 * import { POLICIES, XEN4 } from "@vnmig/vnmig/precopy";
 * if (POLICIES.xen4 !== XEN4) throw new Error();
 * ```
 */
export const POLICIES: Readonly<
  Record<"xen4" | "qemu" | "simgrid", StopPolicy>
> = Object.freeze({
  xen4: XEN4,
  qemu: QEMU,
  simgrid: SIMGRID,
});
