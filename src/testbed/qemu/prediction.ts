/**
 * The VM testbed's prediction from measured inputs only (pure, no I/O):
 * for each run the pre-copy engine's `qemu` policy predicts the rounds,
 * the pages per round, the outage, the total time and the probes lost,
 * from what was measured before or outside the migration (the guest's
 * non-zero pages, the dirtier's configuration and achieved rate, the
 * shaped link's goodput, QEMU's downtime-limit and auto-converge), never
 * from the run's own outcome ({@linkcode VM_PREDICTION_INPUT_COLUMNS} are
 * the only columns {@linkcode vmPredictionInputs} reads).
 *
 * The model, step by step:
 * - QEMU's RAM: the guest's pages plus QEMU's other RAM blocks (firmware
 *   and option ROMs, `extraRamPages`, counted as data).
 * - The zero pages go first: in this guest QEMU's first pass meets about
 *   nine in ten of them in its first seconds (Linux fills memory from the
 *   top), so they are sent at 9 bytes each before the data pages, as part
 *   of the setup; the engine then scans the data pages and the few zero
 *   pages among the last ones (`tailZeroPages`), and its pass, like
 *   QEMU's, ends among data pages, leaving about the threshold unsent for
 *   the next round. (The engine lays every zero page last; left there, an
 *   idle guest's pass would end in them and leave nothing.)
 * - Dirtying: the dirtier (round-robin or uniform over its working set, at
 *   its achieved rate), the probes forwarded (each lands in the next page of
 *   the RX ring, `rxRingPages`, in turn) and the guest's own background
 *   writes (`backgroundDirtyPagesPerSecond`, uniform over the other data
 *   pages).
 * - The link: the probe's goodput times `linkEfficiency` (QEMU's stream
 *   gets a little more of the shaped link than the probe's).
 * - QEMU checks the threshold once per pass of its send loop, 50 ms of
 *   sending plus the bitmap sync (`iterationSeconds`, the shortest round
 *   measured): a round lasts at least that, so the guest dirties at least
 *   rate x that between two syncs, and a threshold below it is never met.
 * - Outage = the engine's stop-and-copy (the final pending set over that
 *   link) + `fixedOutageSeconds` (idle or busy guest): what no byte count
 *   explains (device state, the socket and shaper queue draining after
 *   QEMU's last write, the destination loading and resuming the guest).
 * - Lost probes = rate x outage + the probes the router cannot forward
 *   during pre-copy: above `forwardingCapacity` (its capacity while dirty
 *   logging runs, per idle or busy router and probe size, where a
 *   calibration run saturated it) the excess is lost from the trigger to
 *   STOP.
 *
 * The parameters that cannot be measured directly are calibrated
 * ({@linkcode calibrateVmModel}) on a named subset of runs
 * ({@linkcode vmCalibrationRole}: the rates experiment's repeat 0); every
 * other run is predicted with them.
 *
 * Where model and measurement differ, and why (the sweep of 2 December
 * 2026, 105 runs on a shared two-core machine; `merge` writes the table):
 *
 * - The outage of one point varies between repeats by up to 0.21 s (idle
 *   runs: 0.24 to 0.45 s, sd 47 ms; busy: 0.35 to 0.47 s, sd 28 ms). QEMU
 *   completes at the first check that finds the pending pages below
 *   bandwidth x limit, so the stop-and-copy set lies anywhere up to a
 *   pass's pages below the threshold, and the threshold moves with QEMU's
 *   bandwidth estimate of the last 100 ms (77 to 112 Mbit/s on a 100 Mbit/s
 *   link). The model gives one value; the tolerance covers the spread.
 * - The fixed part of the outage is larger for a busy guest (0.15 against
 *   0.13 s; the gap after QMP's downtime, median 0.15 against 0.13 s): QEMU
 *   sends without a pause right up to STOP, so the socket and shaper
 *   queues are full when it stops and drain before the last page lands.
 * - The link probe is an input with its own error: where it read 11.2
 *   instead of 11.9 MB/s (a busy router at 500 probes/s, repeat 2), the
 *   model's total is 16 % long (35.7 against 30.8 s); the rounds' sums
 *   amplify a link error by 1 / (1 - dirty rate / link rate).
 * - Rounds of a busy guest: 11 to 23 measured at one point. Its last
 *   rounds each send about one pass; where the pending pages cross the
 *   moving threshold decides how many there are.
 * - A downtime-limit of 0.5 and 1 s: the model's total time is 10 and 15 %
 *   long (31 and 30.4 s against 28.5 and 26.5 s). The unsent rest of each
 *   pass (about the threshold: 1450 and 2900 pages) overlaps with the pages
 *   the dirtier writes again; the engine counts a sweep's leftover and its
 *   new writes apart, so it overestimates every round's pending pages.
 * - 100 ms is at the convergence boundary. In its short last rounds the
 *   busy guest dirties about as fast as the link sends (the dirtier's 2000
 *   pages/s and one RX ring page per probe, 1000/s, against 2900 pages/s),
 *   so each round leaves about as much as it found; the model, with the
 *   link's threshold, says it never converges; QEMU converged in all three
 *   repeats after 23 to 25 creeping rounds, when its bandwidth estimate, and
 *   so its threshold, happened to read high for a round. 50 ms, further
 *   below, never converged, as predicted.
 * - Pre-copy losses are the host's as much as the router's. At 10,000
 *   probes/s the three repeats lost, beyond the setup stall, 26,700, 700
 *   and 5400 (idle, 1500 B), 0, 1700 and 10,400 (idle, 64 B), 32,300,
 *   26,600 and 3200 (busy, 1500 B). The dirtier, QEMU's TCG and migration
 *   threads, the probes' sender and receiver and whatever else the machine
 *   runs share two cores, so the capacity one repeat saw is not the next
 *   one's; the capacity model (the most a saturated calibration run
 *   forwarded, per router and size) predicts the excess only where the
 *   saturation repeats. Most runs outside the tolerance are these.
 * - QEMU's setup stalls the guest for up to 0.27 s in 39 of 99 completed
 *   runs (probes lost in the 0.3 s after dirty logging starts: TCG flushes
 *   its translated code), and at 5000 probes/s and more the destination
 *   loses up to 1250 probes right after RESUME (its translated code starts
 *   cold): neither is in the model.
 * - Auto-converge throttles the vCPU, not a dirtier paced by the clock,
 *   which catches up while it runs: the overloaded guest was still not
 *   converged after 90 s at 80 % throttle, in both repeats; the engine
 *   (QEMU's premise: the dirty rate falls with the guest's speed) predicts
 *   convergence after 60 to 64 s.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInRange,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../../_validate.ts";
import {
  type MigrationOutcome,
  NO_PACKETS,
  type OutcomeMetric,
  type PacketOutcome,
  type Phase,
  sortPhases,
  type Tolerance,
} from "../../migration/mod.ts";
import {
  type DirtyComponent,
  forwardingBuffers,
  precopyMigration,
  type PrecopyResult,
  qemu,
  roundRobinWrites,
  uniformWrites,
} from "../../precopy/mod.ts";
import { vmExperimentPlan } from "./experiments.ts";
import { numberOrNull, type Row } from "./rows.ts";
import { QEMU_PRECOPY_MECHANISM } from "./scenario.ts";

/** Wire bytes of a zero page under QEMU 7.2 (an 8-byte header and one byte). */
const ZERO_PAGE_BYTES = 9;
/** Bytes of a guest page. */
const PAGE_BYTES = 4096;

/** The dirtier of a run as configured. */
export interface VmPredictionDirtier {
  /** Configured page writes per second. */
  readonly pagesPerSecond: number;
  /** Working set, pages. */
  readonly workingSetPages: number;
  /** "rr" (round-robin) or "random" (uniform). */
  readonly pattern: "rr" | "random";
}

/** What a prediction may use: the scenario and what was measured before the migration. */
export interface VmPredictionInputs {
  /** CBR probes per second. */
  readonly packetsPerSecond: number;
  /** Probe size, bytes. */
  readonly packetSizeBytes: number;
  /** QEMU's downtime-limit, seconds. */
  readonly downtimeLimitSeconds: number;
  /** QEMU's auto-converge. */
  readonly autoConverge: boolean;
  /** QEMU's max-bandwidth, bytes/s. Default 1.25e9 (the scenario's: not binding). */
  readonly maxBandwidthBytesPerSecond?: number;
  /** The run's bound (then it is cancelled), seconds. Default 120. */
  readonly maxMigrationSeconds?: number;
  /** The dirtier (null: an idle router). */
  readonly dirtier: VmPredictionDirtier | null;
  /** Guest pages holding data before the migration (measured). */
  readonly nonZeroPages: number;
  /** Guest pages in all (measured). */
  readonly totalPages: number;
  /** The shaped link's goodput, measured by a probe before the migration, bytes/s. */
  readonly linkGoodputBytesPerSecond: number;
  /** The dirtier's rate measured in the guest before the migration (null: not measured; the configured rate is used). */
  readonly dirtierAchievedPagesPerSecond: number | null;
}

/** The model's parameters that no pre-migration measurement gives (see the module doc). */
export interface VmModelParameters {
  /** Trigger to the start of round 1 (QEMU's setup), seconds. */
  readonly setupSeconds: number;
  /** QEMU's RAM blocks beyond the guest's RAM (ROMs), pages, counted as data. */
  readonly extraRamPages: number;
  /** Pages of the guest's RX ring, one written per forwarded probe in turn (virtio-net's queue: 256). */
  readonly rxRingPages: number;
  /** The guest's other page writes (kernel, timers), uniform over its other data pages, per second. */
  readonly backgroundDirtyPagesPerSecond: number;
  /** QEMU's send rate over the probe's goodput. */
  readonly linkEfficiency: number;
  /** Outage beyond the stop-and-copy bytes of an idle guest, seconds. */
  readonly idleFixedOutageSeconds: number;
  /** The same for a guest running the dirtier, seconds. */
  readonly busyFixedOutageSeconds: number;
  /** QEMU's shortest round, seconds: one pass of its send loop (50 ms of sending) and the bitmap sync; the engine's interval between threshold checks. */
  readonly iterationSeconds: number;
  /** Zero pages among the last pages of QEMU's first pass (left in the engine's scan, after the data pages). */
  readonly tailZeroPages: number;
  /** What the router forwards while dirty logging runs, per router and probe size, where a calibration run saturated it (a size or router not listed: not limited, no pre-copy loss predicted). */
  readonly forwardingCapacity: readonly ForwardingCapacity[];
}

/** The router's forwarding capacity while dirty logging runs, for one router and probe size. */
export interface ForwardingCapacity {
  /** "idle" (no dirtier) or "busy". */
  readonly router: "idle" | "busy";
  /** Probe size, bytes. */
  readonly packetSizeBytes: number;
  /** Probes forwarded per second at most. */
  readonly packetsPerSecond: number;
}

const PARAMETER_KEYS: readonly (keyof VmModelParameters)[] = [
  "setupSeconds",
  "extraRamPages",
  "rxRingPages",
  "backgroundDirtyPagesPerSecond",
  "linkEfficiency",
  "idleFixedOutageSeconds",
  "busyFixedOutageSeconds",
  "iterationSeconds",
  "tailZeroPages",
  "forwardingCapacity",
];

/** One predicted iterative round. */
export interface VmPredictedRound {
  /** Round number, from 1. */
  readonly round: number;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** End, seconds after the trigger. */
  readonly endSeconds: number;
  /** Pages sent (round 1: the zero pages included). */
  readonly sentPages: number;
  /** Distinct pages dirtied during the round. */
  readonly dirtiedPages: number;
  /** Pages pending at its end. */
  readonly pendingPagesAtEnd: number;
}

/** A predicted run: the contract's outcome (source "model") with the detail a run measures. */
export interface VmPrediction extends MigrationOutcome {
  /** The inputs used. */
  readonly inputs: VmPredictionInputs;
  /** The parameters used. */
  readonly parameters: VmModelParameters;
  /** Whether the engine's stop condition held (false: it would iterate until the bound). */
  readonly converged: boolean;
  /** Why not ("" when converged). */
  readonly nonConvergence: string;
  /** Iterative rounds (a steady state's included). */
  readonly iterations: number;
  /** The rounds the engine simulated. */
  readonly rounds: readonly VmPredictedRound[];
  /** Pages sent in round 1 (zero pages included). */
  readonly round1Pages: number;
  /** Trigger to STOP (or to the bound), seconds. */
  readonly precopySeconds: number;
  /** Pages sent in stop-and-copy. */
  readonly stopAndCopyPages: number;
  /** Bytes sent in stop-and-copy. */
  readonly stopAndCopyBytes: number;
  /** Their time over the link, seconds. */
  readonly stopAndCopySeconds: number;
  /** The fixed part of the outage used, seconds. */
  readonly fixedOutageSeconds: number;
  /** The link rate the model sent at, bytes/s. */
  readonly linkBytesPerSecond: number;
  /** Probes lost in the outage (rate x outage). */
  readonly lostOutagePackets: number;
  /** Probes lost during pre-copy (above the router's forwarding capacity). */
  readonly lostPrecopyPackets: number;
  /** The router's capacity while dirty logging runs, probes/s (null: not limited). */
  readonly forwardingCapacityPacketsPerSecond: number | null;
}

function positiveNumber(name: string, v: unknown): number {
  assertPositive(name, v as number);
  return v as number;
}

function checkInputs(inputs: VmPredictionInputs): void {
  assertKnownKeys("inputs", inputs, [
    "packetsPerSecond",
    "packetSizeBytes",
    "downtimeLimitSeconds",
    "autoConverge",
    "maxBandwidthBytesPerSecond",
    "maxMigrationSeconds",
    "dirtier",
    "nonZeroPages",
    "totalPages",
    "linkGoodputBytesPerSecond",
    "dirtierAchievedPagesPerSecond",
  ]);
  assertInRange("inputs.packetsPerSecond", inputs.packetsPerSecond, 1, 20000);
  assertInteger("inputs.packetSizeBytes", inputs.packetSizeBytes, 44, 1500);
  assertInRange(
    "inputs.downtimeLimitSeconds",
    inputs.downtimeLimitSeconds,
    0.001,
    100,
  );
  if (typeof inputs.autoConverge !== "boolean") {
    throw new RangeError(
      `inputs.autoConverge must be true or false; got ${
        JSON.stringify(inputs.autoConverge)
      }`,
    );
  }
  if (inputs.maxBandwidthBytesPerSecond !== undefined) {
    positiveNumber(
      "inputs.maxBandwidthBytesPerSecond",
      inputs.maxBandwidthBytesPerSecond,
    );
  }
  if (inputs.maxMigrationSeconds !== undefined) {
    assertInRange(
      "inputs.maxMigrationSeconds",
      inputs.maxMigrationSeconds,
      5,
      3600,
    );
  }
  assertInteger("inputs.totalPages", inputs.totalPages, 1);
  assertInteger(
    "inputs.nonZeroPages",
    inputs.nonZeroPages,
    0,
    inputs.totalPages,
  );
  positiveNumber(
    "inputs.linkGoodputBytesPerSecond",
    inputs.linkGoodputBytesPerSecond,
  );
  const d = inputs.dirtier;
  if (d !== null) {
    if (typeof d !== "object") {
      throw new TypeError("inputs.dirtier must be an object or null");
    }
    assertKnownKeys("inputs.dirtier", d, [
      "pagesPerSecond",
      "workingSetPages",
      "pattern",
    ]);
    positiveNumber("inputs.dirtier.pagesPerSecond", d.pagesPerSecond);
    assertInteger(
      "inputs.dirtier.workingSetPages",
      d.workingSetPages,
      1,
      inputs.nonZeroPages,
    );
    if (d.pattern !== "rr" && d.pattern !== "random") {
      throw new RangeError(
        `inputs.dirtier.pattern must be "rr" or "random"; got ${
          JSON.stringify(d.pattern)
        }`,
      );
    }
  }
  if (inputs.dirtierAchievedPagesPerSecond !== null) {
    positiveNumber(
      "inputs.dirtierAchievedPagesPerSecond",
      inputs.dirtierAchievedPagesPerSecond,
    );
  }
}

function checkParameters(p: VmModelParameters): void {
  assertKnownKeys("parameters", p, PARAMETER_KEYS);
  for (const k of PARAMETER_KEYS) {
    if (!(k in p)) throw new RangeError(`parameters.${k} is missing`);
  }
  assertAtLeast("parameters.setupSeconds", p.setupSeconds, 0);
  assertInteger("parameters.extraRamPages", p.extraRamPages, 0);
  assertInteger("parameters.rxRingPages", p.rxRingPages, 0, 65536);
  assertAtLeast(
    "parameters.backgroundDirtyPagesPerSecond",
    p.backgroundDirtyPagesPerSecond,
    0,
  );
  assertInRange("parameters.linkEfficiency", p.linkEfficiency, 0.5, 2);
  assertAtLeast("parameters.idleFixedOutageSeconds", p.idleFixedOutageSeconds);
  assertAtLeast("parameters.busyFixedOutageSeconds", p.busyFixedOutageSeconds);
  assertInRange("parameters.iterationSeconds", p.iterationSeconds, 0.001, 10);
  assertInteger("parameters.tailZeroPages", p.tailZeroPages, 0);
  if (!Array.isArray(p.forwardingCapacity)) {
    throw new RangeError(
      "parameters.forwardingCapacity must be an array of { router, packetSizeBytes, packetsPerSecond }",
    );
  }
  p.forwardingCapacity.forEach((c, i) => {
    const name = `parameters.forwardingCapacity[${i}]`;
    assertKnownKeys(name, c, ["router", "packetSizeBytes", "packetsPerSecond"]);
    if (c.router !== "idle" && c.router !== "busy") {
      throw new RangeError(
        `${name}.router must be "idle" or "busy"; got ${
          JSON.stringify(c.router)
        }`,
      );
    }
    assertInteger(`${name}.packetSizeBytes`, c.packetSizeBytes, 44, 1500);
    positiveNumber(`${name}.packetsPerSecond`, c.packetsPerSecond);
  });
}

// The data probes' outcome from a run's sent and lost counts (no more
// lost than sent; delays are not part of the comparison): shared with the
// measured rows' outcomes in results.ts.
export function probeOutcome(sent: number, lost: number): PacketOutcome {
  return {
    ...NO_PACKETS,
    sentPackets: Math.max(sent, lost),
    deliveredPackets: Math.max(sent, lost) - lost,
    lostPackets: lost,
  };
}

/**
 * Predicts one run from its inputs and the model's parameters (see the
 * module doc). Throws a RangeError naming a bad input or parameter.
 *
 * @example
 * ```ts
 * import { predictVmRun } from "@vnmig/vnmig/testbed/qemu";
 * const parameters = {
 *   setupSeconds: 0.09, extraRamPages: 130, rxRingPages: 256, backgroundDirtyPagesPerSecond: 35, linkEfficiency: 1,
 *   idleFixedOutageSeconds: 0.11, busyFixedOutageSeconds: 0.15,
 *   iterationSeconds: 0.08, tailZeroPages: 300, forwardingCapacity: [{ router: "idle", packetSizeBytes: 1500, packetsPerSecond: 6800 } as const],
 * };
 * const idle = {
 *   packetsPerSecond: 1000, packetSizeBytes: 64, downtimeLimitSeconds: 0.3, autoConverge: false,
 *   dirtier: null, nonZeroPages: 23_800, totalPages: 65_534, linkGoodputBytesPerSecond: 11.95e6,
 *   dirtierAchievedPagesPerSecond: null,
 * };
 * const p = predictVmRun(idle, parameters);
 * if (p.source !== "model" || !p.completed || p.rounds.length !== 2) throw new Error(String(p.rounds.length));
 * // The outage is the stop-and-copy over the link plus the fixed part; lost = rate x outage.
 * if (Math.abs(p.downtimeSeconds - (p.stopAndCopySeconds + 0.11)) > 1e-12) throw new Error();
 * if (p.data.lostPackets !== Math.round(1000 * p.downtimeSeconds)) throw new Error();
 * // 10,000 1500-byte probes/s are above the idle router's 6800/s while dirty logging runs: the excess is lost in pre-copy.
 * const fast = predictVmRun({ ...idle, packetsPerSecond: 10_000, packetSizeBytes: 1500 }, parameters);
 * if (Math.abs(fast.lostPrecopyPackets - 3200 * fast.precopySeconds) > 1e-9) throw new Error();
 * if (predictVmRun({ ...idle, packetsPerSecond: 10_000 }, parameters).lostPrecopyPackets !== 0) throw new Error("64 B: not limited");
 * ```
 */
export function predictVmRun(
  inputs: VmPredictionInputs,
  parameters: VmModelParameters,
): VmPrediction {
  checkInputs(inputs);
  checkParameters(parameters);
  const p = parameters;
  const link = inputs.linkGoodputBytesPerSecond * p.linkEfficiency;
  const dataPages = inputs.nonZeroPages + p.extraRamPages;
  const zeroPages = inputs.totalPages - inputs.nonZeroPages;
  // The zero pages QEMU meets early go in the setup; the tail's stay in the scan.
  const tailZero = Math.min(p.tailZeroPages, zeroPages);
  const earlyZero = zeroPages - tailZero;
  const zeroSeconds = earlyZero * ZERO_PAGE_BYTES / link;
  const busy = inputs.dirtier !== null;
  const fixed = busy ? p.busyFixedOutageSeconds : p.idleFixedOutageSeconds;
  const dirty: DirtyComponent[] = [];
  let claimed = 0;
  if (inputs.dirtier !== null) {
    const d = inputs.dirtier;
    const rate = inputs.dirtierAchievedPagesPerSecond ?? d.pagesPerSecond;
    dirty.push(
      d.pattern === "rr"
        ? roundRobinWrites({
          pagesPerSecond: rate,
          workingSetPages: d.workingSetPages,
        })
        : uniformWrites({
          pagesPerSecond: rate,
          regionPages: d.workingSetPages,
        }),
    );
    claimed = d.workingSetPages;
  }
  // Each forwarded probe lands in the next page of virtio-net's RX ring.
  if (p.rxRingPages > 0 && dataPages > claimed + p.rxRingPages) {
    dirty.push(forwardingBuffers({
      packetsPerSecond: inputs.packetsPerSecond,
      netfront: "rx-copy",
      rxBufferPages: p.rxRingPages,
    }));
    claimed += p.rxRingPages;
  }
  if (p.backgroundDirtyPagesPerSecond > 0 && dataPages > claimed) {
    dirty.push(uniformWrites({
      pagesPerSecond: p.backgroundDirtyPagesPerSecond,
      regionPages: dataPages - claimed,
    }));
  }
  const bound = inputs.maxMigrationSeconds ?? 120;
  const r: PrecopyResult = precopyMigration({
    policy: qemu({
      downtimeLimitSeconds: inputs.downtimeLimitSeconds,
      maxBandwidthBytesPerSecond: inputs.maxBandwidthBytesPerSecond ?? 1.25e9,
      autoConverge: inputs.autoConverge,
      checkIntervalSeconds: p.iterationSeconds,
    }),
    memoryPages: dataPages + tailZero,
    nonZeroPages: dataPages,
    linkBitsPerSecond: link * 8,
    dirty,
    setupSeconds: p.setupSeconds + zeroSeconds,
    resumeSeconds: fixed,
    limits: { seconds: bound },
  });
  const rounds: VmPredictedRound[] = r.rounds.map((x) => ({
    round: x.index,
    startSeconds: x.index === 1 ? p.setupSeconds : x.startSeconds,
    endSeconds: x.startSeconds + x.durationSeconds,
    sentPages: x.pagesSent + (x.index === 1 ? earlyZero : 0),
    dirtiedPages: x.pagesDirtied,
    pendingPagesAtEnd: x.pagesPending,
  }));
  const rate = inputs.packetsPerSecond;
  const capacity =
    p.forwardingCapacity.find((c) =>
      c.router === (busy ? "busy" : "idle") &&
      c.packetSizeBytes === inputs.packetSizeBytes
    )?.packetsPerSecond ?? null;
  const precopySeconds = r.converged ? r.iterativeSeconds : bound;
  const lostPrecopy = capacity === null
    ? 0
    : Math.max(0, rate - capacity) * precopySeconds;
  const downtime = r.downtimeSeconds;
  const lostOutage = rate * downtime;
  const lost = Math.round(lostOutage + lostPrecopy);
  const total = r.converged ? r.totalSeconds : bound;
  const sent = Math.round(rate * total);
  const timeline: Phase[] = [
    {
      lane: "migration link",
      phase: "setup (zero pages sent)",
      startSeconds: 0,
      endSeconds: p.setupSeconds,
    },
    ...rounds.map((x) => ({
      lane: "migration link",
      phase: `round ${x.round}`,
      startSeconds: x.startSeconds,
      endSeconds: x.endSeconds,
    })),
  ];
  if (r.converged) {
    timeline.push({
      lane: "VM",
      phase: "stopped (stop-and-copy, resume)",
      startSeconds: r.iterativeSeconds,
      endSeconds: r.totalSeconds,
    });
  }
  return {
    mechanism: QEMU_PRECOPY_MECHANISM,
    source: "model",
    completed: r.converged,
    note: r.converged ? "" : r.note,
    downtimeSeconds: downtime,
    dataOutageSeconds: downtime,
    totalMigrationSeconds: total,
    data: probeOutcome(sent, lost),
    control: NO_PACKETS,
    timeline: sortPhases(timeline),
    inputs,
    parameters,
    converged: r.converged,
    nonConvergence: r.nonConvergence ?? "",
    iterations: r.iterations,
    rounds,
    round1Pages: rounds[0]?.sentPages ?? 0,
    precopySeconds,
    stopAndCopyPages: r.stopAndCopyPages,
    stopAndCopyBytes: r.stopAndCopyBytes,
    stopAndCopySeconds: r.stopAndCopySeconds,
    fixedOutageSeconds: r.converged ? fixed : 0,
    linkBytesPerSecond: link,
    lostOutagePackets: lostOutage,
    lostPrecopyPackets: lostPrecopy,
    forwardingCapacityPacketsPerSecond: capacity,
  };
}

// ------------------------------------------------------------ inputs

/** The run-row columns a prediction reads: the scenario and the pre-migration measurements, never an outcome. */
export const VM_PREDICTION_INPUT_COLUMNS: readonly string[] = Object.freeze([
  "key",
  "packetsPerSecond",
  "packetSizeBytes",
  "downtimeLimitSeconds",
  "autoConverge",
  "dirtierPagesPerSecond",
  "dirtierWorkingSetPages",
  "dirtierPattern",
  "inNonZeroPages",
  "inTotalPages",
  "inLinkGoodputBytesPerSecond",
  "inDirtierAchievedPagesPerSecond",
]);

let planBounds: Map<string, number> | undefined;

/** The bound of a planned run, by key (the plan's scenario), or undefined for a run not in the plan. */
function plannedBound(key: string): number | undefined {
  planBounds ??= new Map(
    vmExperimentPlan({ repeats: 100 }).map((
      r,
    ) => [r.key, r.scenario.maxMigrationSeconds ?? 120]),
  );
  return planBounds.get(key);
}

function cellNumber(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(
      `run row ${
        JSON.stringify(row.key)
      } column ${column} must be a number; got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/**
 * The inputs of a run row (a row of `runs.csv` or of a sweep part): only
 * the columns {@linkcode VM_PREDICTION_INPUT_COLUMNS} names. The run's
 * bound comes from the experiment plan by key (120 s for a run not in it).
 *
 * @example
 * ```ts
 * import { vmPredictionInputs } from "@vnmig/vnmig/testbed/qemu";
 * const row = {
 *   key: "rates/idle/1000pps/64B/limit0.3/none/r0", packetsPerSecond: 1000, packetSizeBytes: 64,
 *   downtimeLimitSeconds: 0.3, autoConverge: false, dirtierPagesPerSecond: 0, dirtierWorkingSetPages: 0,
 *   dirtierPattern: "", inNonZeroPages: 23_800, inTotalPages: 65_534, inLinkGoodputBytesPerSecond: 11.95e6,
 *   inDirtierAchievedPagesPerSecond: null, downtimeSeconds: 0.31,
 * };
 * const inputs = vmPredictionInputs(row);
 * if (inputs.dirtier !== null || inputs.nonZeroPages !== 23_800 || inputs.maxMigrationSeconds !== 120) throw new Error();
 * ```
 */
export function vmPredictionInputs(row: Row): VmPredictionInputs {
  const key = String(row.key);
  const ws = cellNumber(row, "dirtierWorkingSetPages");
  const pattern = row.dirtierPattern;
  const achieved = row.inDirtierAchievedPagesPerSecond;
  if (typeof row.autoConverge !== "boolean") {
    throw new RangeError(
      `run row ${
        JSON.stringify(key)
      } column autoConverge must be true or false; got ${
        JSON.stringify(row.autoConverge)
      }`,
    );
  }
  return {
    packetsPerSecond: cellNumber(row, "packetsPerSecond"),
    packetSizeBytes: cellNumber(row, "packetSizeBytes"),
    downtimeLimitSeconds: cellNumber(row, "downtimeLimitSeconds"),
    autoConverge: row.autoConverge,
    maxMigrationSeconds: plannedBound(key) ?? 120,
    dirtier: ws > 0
      ? {
        pagesPerSecond: cellNumber(row, "dirtierPagesPerSecond"),
        workingSetPages: ws,
        pattern: pattern === "random" ? "random" : "rr",
      }
      : null,
    nonZeroPages: cellNumber(row, "inNonZeroPages"),
    totalPages: cellNumber(row, "inTotalPages"),
    linkGoodputBytesPerSecond: cellNumber(row, "inLinkGoodputBytesPerSecond"),
    dirtierAchievedPagesPerSecond: typeof achieved === "number"
      ? achieved
      : null,
  };
}

// ------------------------------------------------------------ calibration

/** Pages of virtio-net's RX ring: QEMU 7.2's default rx_queue_size, 256 descriptors. */
export const VM_RX_RING_PAGES = 256;

/** Which runs calibrate the model and which are predicted. */
export type VmRunRole = "calibration" | "predicted";

/** The calibration subset, in words (also in calibration.json). */
export const VM_CALIBRATION_SUBSET =
  "the rates experiment's repeat 0 (one run per rate x size x idle/busy point); every other run (rates repeats 1 and 2, every downtime-limit and non-converging run) is predicted";

/**
 * A run's role: the rates experiment's repeat 0 calibrates; every other
 * run is predicted.
 *
 * @example
 * ```ts
 * import { vmCalibrationRole } from "@vnmig/vnmig/testbed/qemu";
 * if (vmCalibrationRole({ experiment: "rates", repeat: 0 }) !== "calibration") throw new Error();
 * if (vmCalibrationRole({ experiment: "downtime-limit", repeat: 0 }) !== "predicted") throw new Error();
 * if (vmCalibrationRole({ experiment: "rates", repeat: 1 }) !== "predicted") throw new Error();
 * ```
 */
export function vmCalibrationRole(
  row: { readonly experiment?: unknown; readonly repeat?: unknown },
): VmRunRole {
  return row.experiment === "rates" && row.repeat === 0
    ? "calibration"
    : "predicted";
}

/** Where a calibrated value came from. */
export interface CalibratedValue {
  /** How it was computed from the calibration runs. */
  readonly method: string;
  /** Calibration runs it used. */
  readonly runs: number;
  /** Smallest and largest per-run estimate (null: no run gave one). */
  readonly min: number | null;
  /** Largest per-run estimate. */
  readonly max: number | null;
}

/** The calibrated parameters with their provenance. */
export interface VmCalibration {
  /** Which runs calibrate ({@linkcode VM_CALIBRATION_SUBSET}). */
  readonly subset: string;
  /** Their keys, sorted. */
  readonly calibrationKeys: readonly string[];
  /** The values. */
  readonly parameters: VmModelParameters;
  /** Per parameter: method, runs, spread. */
  readonly provenance: Readonly<
    Record<keyof VmModelParameters, CalibratedValue>
  >;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const num = numberOrNull;

/**
 * Calibrates the parameters on the calibration runs among `runs` (only
 * those {@linkcode vmCalibrationRole} calls "calibration" and that
 * completed; `rounds` are the round rows of the sweep). Each parameter is
 * the median of a per-run estimate from two measured quantities:
 *
 * - `setupSeconds`: trigger to round 1;
 * - `extraRamPages`: QEMU's RAM total minus the guest's pages;
 * - `backgroundDirtyPagesPerSecond` (idle runs): the pages the sync after
 *   round 1 found newly dirty, less the RX ring pages the probes wrote,
 *   over round 1's duration (`rxRingPages` is QEMU's queue size, 256, not
 *   calibrated);
 * - `linkEfficiency`: round 1's bytes over its duration over the goodput;
 * - `idle/busyFixedOutageSeconds`: STOP..RESUME minus QEMU's stop-and-copy
 *   bytes over the link (goodput x efficiency);
 * - `iterationSeconds`: each run's shortest round after round 1 (one pass
 *   of QEMU's send loop and the bitmap sync);
 * - `tailZeroPages` (idle runs): the zero pages among those pending at
 *   the last sync before STOP, (pending pages x 4104 - stop-and-copy bytes)
 *   / 4095;
 * - `forwardingCapacity`: per router and probe size, over the runs that
 *   lost more than 1 % of their pre-copy probes beyond QEMU's setup stall,
 *   the most probes delivered per second from the trigger to STOP (the
 *   most the saturated router was seen to forward).
 *
 * Throws when no calibration run completed, or a parameter has no estimate
 * but must (setup, RAM blocks, efficiency, the fixed outages).
 *
 * @example
 * ```ts
 * import { calibrateVmModel } from "@vnmig/vnmig/testbed/qemu";
 * const run = (k: number, busy: boolean, downtime: number) => ({
 *   key: `rates/${busy ? "busy" : "idle"}/k${k}/r0`, experiment: "rates", repeat: 0, completed: true,
 *   dirtierWorkingSetPages: busy ? 16384 : 0, packetSizeBytes: 1500, setupSeconds: 0.1, qemuRamTotalPages: 1130,
 *   inTotalPages: 1000, inNonZeroPages: 400, inLinkGoodputBytesPerSecond: 1e6, stopAndCopyBytes: 123_750, lastSyncPendingPages: 100,
 *   downtimeSeconds: downtime, sentPrecopy: 2000, lostPrecopy: k === 3 ? 1000 : 0, lostInSetup: 0, precopySeconds: 2,
 * });
 * const runs = [run(1, false, 0.2), run(2, false, 0.3), run(3, true, 0.4)];
 * const rounds = runs.flatMap((r) => [
 *   { key: r.key, round: 1, startSeconds: 0.1, endSeconds: 2.1, sentBytes: 2e6, sentPages: 1030, sentNormalPages: 500, dirtiedPagesAtSync: 1000 },
 *   { key: r.key, round: 2, startSeconds: 2.1, endSeconds: 2.2, sentBytes: 1e4, sentPages: 100, sentNormalPages: 30, dirtiedPagesAtSync: 60 },
 * ]);
 * const c = calibrateVmModel(runs, rounds);
 * // Fixed outage: 0.2 and 0.3 s less 123,750 B at 1e6 B/s, the median of the idle ones.
 * if (Math.abs(c.parameters.idleFixedOutageSeconds - 0.12625) > 1e-12 || c.parameters.extraRamPages !== 130) throw new Error();
 * // 100 pages pending at the last sync sent as 123,750 B: 70 of them zero (100 x 4104 - 123,750 = 70 x 4095).
 * if (c.parameters.backgroundDirtyPagesPerSecond !== 30 || c.parameters.tailZeroPages !== 70) throw new Error();
 * // The busy run lost half its pre-copy probes: 1000 delivered in 2 s.
 * const [cap] = c.parameters.forwardingCapacity;
 * if (c.parameters.forwardingCapacity.length !== 1 || cap.router !== "busy" || cap.packetsPerSecond !== 500) throw new Error();
 * ```
 */
export function calibrateVmModel(
  runs: readonly Row[],
  rounds: readonly Row[],
): VmCalibration {
  const cal = runs.filter((r) =>
    vmCalibrationRole(r) === "calibration" && r.completed === true
  );
  if (cal.length === 0) {
    throw new RangeError(
      `runs must hold completed calibration runs (${VM_CALIBRATION_SUBSET}); got none of ${runs.length}`,
    );
  }
  const round = new Map<string, Row>();
  for (const r of rounds) round.set(`${r.key}#${r.round}`, r);
  const busy = (r: Row) => (num(r.dirtierWorkingSetPages) ?? 0) > 0;
  const estimate = (
    rows: readonly Row[],
    f: (r: Row) => number | null,
  ): number[] =>
    rows.flatMap((r) => {
      const v = f(r);
      return v === null || !Number.isFinite(v) ? [] : [v];
    });
  const efficiency = estimate(cal, (r) => {
    const r1 = round.get(`${r.key}#1`);
    const bytes = num(r1?.sentBytes);
    const seconds = r1
      ? (num(r1.endSeconds) ?? NaN) - (num(r1.startSeconds) ?? NaN)
      : NaN;
    const goodput = num(r.inLinkGoodputBytesPerSecond);
    return bytes === null || !(seconds > 0) || goodput === null
      ? null
      : bytes / seconds / goodput;
  });
  const eff = median(efficiency);
  const fixedOf = (rows: readonly Row[]) =>
    estimate(rows, (r) => {
      const d = num(r.downtimeSeconds);
      const b = num(r.stopAndCopyBytes);
      const g = num(r.inLinkGoodputBytesPerSecond);
      return d === null || b === null || g === null || eff === null
        ? null
        : d - b / (g * eff);
    });
  const forwardingOf = (rows: readonly Row[]) =>
    estimate(rows, (r) => {
      const sent = num(r.sentPrecopy);
      const lost = num(r.lostPrecopy);
      const setup = num(r.lostInSetup) ?? 0;
      const seconds = num(r.precopySeconds);
      if (
        sent === null || lost === null || seconds === null ||
        !(seconds > 0) || lost - setup <= 0.01 * sent
      ) return null;
      return (sent - lost) / seconds;
    });
  const idle = cal.filter((r) => !busy(r));
  const busyRuns = cal.filter(busy);
  const setup = estimate(cal, (r) => num(r.setupSeconds));
  const extra = estimate(cal, (r) => {
    const q = num(r.qemuRamTotalPages);
    const t = num(r.inTotalPages);
    return q === null || t === null ? null : q - t;
  });
  const background = estimate(idle, (r) => {
    const r2 = round.get(`${r.key}#2`);
    const r1 = round.get(`${r.key}#1`);
    const dirtied = num(r2?.dirtiedPagesAtSync);
    const seconds = r1
      ? (num(r1.endSeconds) ?? NaN) - (num(r1.startSeconds) ?? NaN)
      : NaN;
    // Less the RX ring pages the probes wrote over round 1.
    const ring = Math.min(
      VM_RX_RING_PAGES,
      (num(r.packetsPerSecond) ?? 0) * seconds,
    );
    return dirtied === null || !(seconds > 0)
      ? null
      : Math.max(0, dirtied - ring) / seconds;
  });
  const fixedIdle = fixedOf(idle);
  const fixedBusy = fixedOf(busyRuns);
  const capacities: ForwardingCapacity[] = [];
  const capacityEstimates: number[] = [];
  for (const [router, rows] of [["idle", idle], ["busy", busyRuns]] as const) {
    const sizes = [...new Set(rows.map((r) => num(r.packetSizeBytes)))]
      .flatMap((x) => x === null ? [] : [x]).sort((a, b) => a - b);
    for (const size of sizes) {
      const values = forwardingOf(
        rows.filter((r) => r.packetSizeBytes === size),
      );
      capacityEstimates.push(...values);
      // The most the saturated router was seen to forward.
      if (values.length > 0) {
        capacities.push({
          router,
          packetSizeBytes: size,
          packetsPerSecond: Math.max(...values),
        });
      }
    }
  }
  const shortest = new Map<string, number>();
  for (const r of rounds) {
    const d = (num(r.endSeconds) ?? NaN) - (num(r.startSeconds) ?? NaN);
    if ((num(r.round) ?? 0) < 2 || !(d > 0)) continue;
    const k = String(r.key);
    shortest.set(k, Math.min(shortest.get(k) ?? Infinity, d));
  }
  const iteration = estimate(cal, (r) => shortest.get(String(r.key)) ?? null);
  // The zero pages among those pending at the last sync before STOP: its
  // pages at 4104 bytes each, less QEMU's stop-and-copy bytes, over the
  // 4095 bytes a zero page saves (idle runs: a busy guest's pending pages
  // are the dirtier's).
  const tail = estimate(idle, (r) => {
    const pending = num(r.lastSyncPendingPages);
    const bytes = num(r.stopAndCopyBytes);
    return pending === null || bytes === null || !(pending > 0)
      ? null
      : (pending * (PAGE_BYTES + 8) - bytes) /
        (PAGE_BYTES + 8 - ZERO_PAGE_BYTES);
  });
  const required = (name: string, values: number[]): number => {
    const m = median(values);
    if (m === null) {
      throw new RangeError(
        `calibration of ${name} needs at least one calibration run that measured it; got none of ${cal.length}`,
      );
    }
    return m;
  };
  const setupS = required("setupSeconds", setup);
  const extraPages = Math.round(required("extraRamPages", extra));
  const efficiencyValue = required("linkEfficiency", efficiency);
  const fixedIdleS = fixedIdle.length > 0
    ? median(fixedIdle)!
    : required("busyFixedOutageSeconds", fixedBusy);
  const fixedBusyS = fixedBusy.length > 0 ? median(fixedBusy)! : fixedIdleS;
  const parameters: VmModelParameters = {
    setupSeconds: setupS,
    extraRamPages: extraPages,
    rxRingPages: VM_RX_RING_PAGES,
    backgroundDirtyPagesPerSecond: median(background) ?? 0,
    linkEfficiency: efficiencyValue,
    idleFixedOutageSeconds: Math.max(0, fixedIdleS),
    busyFixedOutageSeconds: Math.max(0, fixedBusyS),
    iterationSeconds: required("iterationSeconds", iteration),
    tailZeroPages: Math.max(0, Math.round(median(tail) ?? 0)),
    forwardingCapacity: capacities,
  };
  const spread = (method: string, values: number[]): CalibratedValue => ({
    method,
    runs: values.length,
    min: values.length === 0 ? null : Math.min(...values),
    max: values.length === 0 ? null : Math.max(...values),
  });
  return {
    subset: VM_CALIBRATION_SUBSET,
    calibrationKeys: cal.map((r) => String(r.key)).sort(),
    parameters,
    provenance: {
      setupSeconds: spread(
        "median of setupSeconds (trigger to round 1)",
        setup,
      ),
      extraRamPages: spread(
        "median of qemuRamTotalPages - inTotalPages (QEMU's other RAM blocks)",
        extra,
      ),
      rxRingPages: {
        method:
          "not calibrated: virtio-net's RX queue size in QEMU 7.2 (256 descriptors)",
        runs: 0,
        min: VM_RX_RING_PAGES,
        max: VM_RX_RING_PAGES,
      },
      backgroundDirtyPagesPerSecond: spread(
        "idle runs: median of (round 2's dirtiedPagesAtSync - the RX ring pages the probes wrote in round 1) / round 1's duration",
        background,
      ),
      linkEfficiency: spread(
        "median of round 1's sentBytes / duration / inLinkGoodputBytesPerSecond",
        efficiency,
      ),
      idleFixedOutageSeconds: spread(
        "idle runs: median of downtimeSeconds - stopAndCopyBytes / (goodput x linkEfficiency)",
        fixedIdle,
      ),
      busyFixedOutageSeconds: spread(
        fixedBusy.length > 0
          ? "busy runs: median of downtimeSeconds - stopAndCopyBytes / (goodput x linkEfficiency)"
          : "no busy calibration run: the idle value",
        fixedBusy,
      ),
      iterationSeconds: spread(
        "median of each run's shortest round after round 1 (sync to sync)",
        iteration,
      ),
      tailZeroPages: spread(
        "idle runs: median of (lastSyncPendingPages x 4104 - stopAndCopyBytes) / 4095, the zero pages among those pending at the last sync before STOP",
        tail,
      ),
      forwardingCapacity: spread(
        "per router and probe size, runs that lost > 1 % of pre-copy probes beyond the setup stall: largest (sentPrecopy - lostPrecopy) / (trigger to STOP); none listed: not saturated",
        capacityEstimates,
      ),
    },
  };
}

// ------------------------------------------------------------ tolerance

/**
 * The tolerance the model claims on the contract's metrics (see the
 * merged rows' `withinTolerance`), for runs whose completion it predicts
 * right:
 *
 * - downtime within 60 ms + 25 %: QEMU completes at the first check that
 *   finds the pending pages below bandwidth x limit, so the stop-and-copy
 *   set lies anywhere below the threshold (a spread of up to one check's
 *   pages), and QEMU's bandwidth estimate, hence the threshold, moves
 *   from one 100 ms window to the next;
 * - total migration time within 0.5 s + 12 %: the rounds after the first
 *   shrink by dirty rate / link rate, so a few per cent of link rate move
 *   the sum of a busy guest's rounds by three times as much;
 * - lost probes within 60 + 25 %: they follow the outage (rate x outage),
 *   plus the pre-copy losses of a saturated router.
 *
 * Stated on the calibration runs before the other runs were predicted. On
 * the sweep of 2 December 2026 (105 runs): 60 of the 77 predicted runs lie
 * within (83 of 105 in all); no predicted run is outside on downtime; the
 * 17 outside are 5 whose completion the model gets wrong (downtime-limit
 * 100 ms, auto-converge), 11 on lost probes (a router saturated while
 * dirty logging runs, or not, unlike its calibration repeat; setup stalls)
 * and 2 on total time (a low link probe; a run 4 s longer than its
 * repeats), one of them on both.
 *
 * @example
 * ```ts
 * import { VM_TESTBED_TOLERANCES } from "@vnmig/vnmig/testbed/qemu";
 * if (VM_TESTBED_TOLERANCES.downtimeSeconds?.relative !== 0.25) throw new Error();
 * ```
 */
export const VM_TESTBED_TOLERANCES: Readonly<
  Partial<Record<OutcomeMetric, Tolerance>>
> = Object.freeze({
  downtimeSeconds: Object.freeze({ absolute: 0.06, relative: 0.25 }),
  totalMigrationSeconds: Object.freeze({ absolute: 0.5, relative: 0.12 }),
  "data.lostPackets": Object.freeze({ absolute: 60, relative: 0.25 }),
});

/**
 * The tolerance on the number of iterative rounds (reported beside the
 * contract's metrics): 1 + 35 %. A busy guest's last rounds each send
 * about one check's pages; where the pending pages cross the threshold
 * moves with the threshold's bandwidth estimate, so the count varies by
 * several rounds between repeats of one point.
 *
 * @example
 * ```ts
 * import { VM_ROUNDS_TOLERANCE } from "@vnmig/vnmig/testbed/qemu";
 * if (VM_ROUNDS_TOLERANCE.absolute !== 1) throw new Error();
 * ```
 */
export const VM_ROUNDS_TOLERANCE: Readonly<Tolerance> = Object.freeze({
  absolute: 1,
  relative: 0.35,
});
