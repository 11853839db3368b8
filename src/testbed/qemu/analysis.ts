/**
 * The analysis of one recorded VM testbed run (pure, no I/O): the measured
 * {@linkcode MigrationOutcome} (source "measured") with the run's detail
 * beside it: rounds and bitmap syncs, losses by phase, the loss window
 * against the STOP..RESUME outage, delays, QEMU's own figures, the RAM
 * check. {@linkcode vmRunInvariants} states what every completed run must
 * satisfy. Times are seconds after the `migrate` command unless named
 * otherwise.
 *
 * @module
 */

import {
  type MigrationOutcome,
  NO_PACKETS,
  type PacketOutcome,
  type Phase,
  sortPhases,
} from "../../migration/outcome.ts";
import { assertKnownKeys, assertPositive } from "../../_validate.ts";
import type {
  MigrationSample,
  PreMigrationMeasurements,
  QemuFigures,
  RamCheckRecord,
  VmRunRecord,
} from "./record.ts";
import { QEMU_PRECOPY_MECHANISM, type ResolvedVmScenario } from "./scenario.ts";
import { PAGE_BYTES } from "./ram.ts";

/** One iterative pre-copy round: from one bitmap sync to the next. */
export interface VmRound {
  /** Round number, from 1 (round 1 sends every page). */
  readonly round: number;
  /** Its sync, seconds after the trigger. */
  readonly startSeconds: number;
  /** The next sync, seconds after the trigger. */
  readonly endSeconds: number;
  /** Dirty pages pending right after its sync (QEMU's ram.remaining / page). */
  readonly pendingPagesAtStart: number;
  /** Pages the sync found newly dirty (round 1: every page): the pending pages after it, minus those before it, plus the pages sent between the two samples; null when either sample is missing or saw another sync. */
  readonly dirtiedPagesAtSync: number | null;
  /** Pages sent in the round (whole and zero pages). */
  readonly sentPages: number;
  /** Whole (non-zero) pages sent in the round. */
  readonly sentNormalPages: number;
  /** Bytes sent in the round. */
  readonly sentBytes: number;
}

/** The last bitmap sync QEMU made before it stopped the VM (its pending pages go in stop-and-copy). */
export interface LastSync {
  /** Seconds after the trigger. */
  readonly atSeconds: number;
  /** Since the sync before it, seconds (null: it was the first). */
  readonly sinceLastSyncSeconds: number | null;
  /** Pages pending right after it. */
  readonly pendingPages: number;
  /** Pages it found newly dirty (null: not measurable). */
  readonly dirtiedPages: number | null;
}

/** Lost and delayed probes by phase of the migration (by send time). */
export interface PhaseCounts {
  /** Before the trigger. */
  readonly beforeTrigger: number;
  /** Trigger to STOP (the iterative pre-copy; to the end for a run that never stopped). */
  readonly precopy: number;
  /** STOP to RESUME. */
  readonly outage: number;
  /** After RESUME. */
  readonly after: number;
}

/** The lost probes around the outage. */
export interface LossWindow {
  /** Send time of the first lost probe sent from STOP - margin on, seconds after the trigger. */
  readonly startSeconds: number;
  /** Send time of the last lost probe sent up to RESUME + margin, seconds after the trigger. */
  readonly endSeconds: number;
  /** Lost probes in it. */
  readonly lostPackets: number;
  /** startSeconds - STOP (positive: the first loss came after the stop). */
  readonly startMinusStopSeconds: number;
  /** endSeconds - RESUME. */
  readonly endMinusResumeSeconds: number;
}

/** The measured outcome of a VM testbed run, with its detail. */
export interface VmMigrationResult extends MigrationOutcome {
  /** The scenario, defaults applied. */
  readonly scenario: ResolvedVmScenario;
  /** The run's name prefix. */
  readonly runLabel: string;
  /** ISO start time. */
  readonly startedAt: string;
  /** QEMU version, guest kernel, image. */
  readonly qemuVersion: string;
  /** Guest kernel package and version. */
  readonly kernelPackage: string;
  /** Guest image hash. */
  readonly imageHash: string;
  /** The prediction's inputs, measured before the migration. */
  readonly measured: PreMigrationMeasurements;
  /** STOP, seconds after the trigger (null: never stopped). */
  readonly stopSeconds: number | null;
  /** RESUME, seconds after the trigger (null: never resumed). */
  readonly resumeSeconds: number | null;
  /** The destination was held paused for the RAM check this long (part of the downtime), seconds. */
  readonly holdSeconds: number;
  /** Iterative rounds, in order. */
  readonly rounds: readonly VmRound[];
  /** The last sync before STOP (null: none was sampled). */
  readonly lastSyncBeforeStop: LastSync | null;
  /** Bitmap syncs QEMU made (MIGRATION_PASS events), the final one in stop-and-copy included. */
  readonly syncCount: number;
  /** Bytes sent while the VM was stopped (QEMU's downtime-bytes; null when not reported). */
  readonly stopAndCopyBytes: number | null;
  /** Bytes QEMU sent in all: its final figure, or for a migration that did not complete (QEMU reports nothing after a cancel) its largest sample. */
  readonly transferredBytes: number;
  /** QEMU's own figures. */
  readonly qemu: QemuFigures | null;
  /** QEMU's downtime figure minus the measured STOP..RESUME (negative: QEMU underestimates), seconds; null when either is missing. */
  readonly qemuDowntimeErrorSeconds: number | null;
  /** Lost probes by phase. */
  readonly lostByPhase: PhaseCounts;
  /** Delayed probes by phase. */
  readonly delayedByPhase: PhaseCounts;
  /** Probes sent by phase. */
  readonly sentByPhase: PhaseCounts;
  /** The loss window around the outage (null: no probe lost there). */
  readonly lossWindow: LossWindow | null;
  /** Median one-way delay before the trigger (the baseline extra delays are measured from), seconds. */
  readonly baselineDelaySeconds: number;
  /** Probes the receiver got twice. */
  readonly duplicatedPackets: number;
  /** Probes that came after a later one. */
  readonly reorderedPackets: number;
  /** Probes the sender failed to send. */
  readonly sendErrors: number;
  /** The RAM check (null: not asked for, or the run did not complete). */
  readonly ramCheck: RamCheckRecord | null;
  /** Largest pause of the periodic samples' clock after a sync: how late the sync figures were read, seconds. */
  readonly maxSyncSampleLagSeconds: number;
  /** Probes lost that were sent from the trigger to 0.3 s after round 1 began: QEMU's setup (dirty logging starts; under TCG the translated code is flushed) stalls the guest. */
  readonly lostInSetupPackets: number;
  /** Largest vCPU throttle auto-converge applied, percent (0: none). */
  readonly maxCpuThrottlePercent: number;
}

/** Options of {@linkcode analyzeVmRun}. */
export interface AnalysisOptions {
  /** A delivered probe is delayed when its one-way delay exceeds the baseline by more than this, seconds; default 0.02. */
  readonly delayThresholdSeconds?: number;
  /** Margin around STOP..RESUME when finding the loss window, seconds; default 0.05. */
  readonly windowMarginSeconds?: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Phases = { -readonly [K in keyof PhaseCounts]: number };
const zeroPhases = (): Phases => ({
  beforeTrigger: 0,
  precopy: 0,
  outage: 0,
  after: 0,
});

/**
 * The last periodic sample QEMU answered before sync `pass` began: its
 * dirty-sync-count is pass - 1 (the count goes up as a sync starts, and
 * QEMU answers no query during one). Clock-free: QEMU's event times and
 * this process's reply times need not agree to the millisecond.
 */
function sampleBefore(
  samples: readonly MigrationSample[],
  pass: number,
): MigrationSample | undefined {
  let found: MigrationSample | undefined;
  for (const s of samples) if (s.dirtySyncCount === pass - 1) found = s;
  return found;
}

/** Rounds from the syncs sampled before STOP. */
function rounds(
  record: VmRunRecord,
): { rounds: VmRound[]; maxLagSeconds: number; lastSync: LastSync | null } {
  const stop = record.stopMs ?? Infinity;
  const synced = record.syncs.filter((s) => s.atMs < stop && s.sample !== null);
  const out: VmRound[] = [];
  let maxLag = 0;
  let lastSync: LastSync | null = null;
  const pages = (s: MigrationSample) => s.normalPages + s.zeroPages;
  for (let k = 0; k < synced.length; k++) {
    const sync = synced[k];
    const after = sync.sample!;
    maxLag = Math.max(maxLag, (after.atMs - sync.atMs) / 1000);
    // The next sync, or (the last before STOP) nothing: its pages go in stop-and-copy.
    const next = synced[k + 1];
    if (next === undefined) {
      const before = sampleBefore(record.samples, sync.pass);
      lastSync = {
        atSeconds: (sync.atMs - record.triggerMs) / 1000,
        sinceLastSyncSeconds: k === 0
          ? null
          : (sync.atMs - synced[k - 1].atMs) / 1000,
        pendingPages: Math.round(after.remainingBytes / PAGE_BYTES),
        dirtiedPages:
          k === 0 || before === undefined || after.dirtySyncCount !== sync.pass
            ? null
            : Math.round(
              (after.remainingBytes - before.remainingBytes) / PAGE_BYTES,
            ) + pages(after) - pages(before),
      };
      break;
    }
    const end = next.sample!;
    const before = k === 0
      ? undefined
      : sampleBefore(record.samples, sync.pass);
    // The sample on the event must see this sync and no later one.
    const clean = after.dirtySyncCount === sync.pass;
    const dirtied = !clean
      ? null
      : k === 0
      ? Math.round(after.remainingBytes / PAGE_BYTES) + pages(after)
      : before === undefined
      ? null
      : Math.round(
        (after.remainingBytes - before.remainingBytes) / PAGE_BYTES,
      ) + pages(after) - pages(before);
    out.push({
      round: k + 1,
      startSeconds: (sync.atMs - record.triggerMs) / 1000,
      endSeconds: (next.atMs - record.triggerMs) / 1000,
      pendingPagesAtStart: Math.round(after.remainingBytes / PAGE_BYTES),
      dirtiedPagesAtSync: dirtied,
      sentPages: pages(end) - pages(after),
      sentNormalPages: end.normalPages - after.normalPages,
      sentBytes: end.transferredBytes - after.transferredBytes,
    });
  }
  return { rounds: out, maxLagSeconds: maxLag, lastSync };
}

/**
 * Analyses a recorded run. Pure: the same record always gives the same
 * result.
 *
 * @example
 * ```ts
 * import { analyzeVmRun, type VmRunRecord, resolveVmScenario } from "@vnmig/vnmig/testbed/qemu";
 * // 1000 probes/s for 2 s; the VM stopped from 1.0 s to 1.3 s after the trigger at t = 500 ms.
 * const sentMs = Array.from({ length: 2000 }, (_, k) => k);
 * const arrivalMs = sentMs.map((t) => (t >= 1500 && t < 1800 ? null : t + 1));
 * const record: VmRunRecord = {
 *   scenario: resolveVmScenario({ packetsPerSecond: 1000 }), runLabel: "vnab12", startedAt: "", qemuVersion: "7.2.22",
 *   kernelPackage: "k", imageHash: "h",
 *   measured: { nonZeroPages: 100, totalPages: 1000, linkGoodputBytesPerSecond: 1e7, bootSeconds: 5, dirtierAchievedPagesPerSecond: null },
 *   triggerMs: 500, stopMs: 1500, resumeMs: 1800, sourceCompletedMs: 1700, destinationCompletedMs: 1800,
 *   statusEvents: [], syncs: [], samples: [], qemu: null, completed: true, failure: "",
 *   sentMs, arrivalMs, duplicatedPackets: 0, reorderedPackets: 0, sendErrors: 0, ramCheck: null, notes: [],
 * };
 * const r = analyzeVmRun(record);
 * if (r.data.lostPackets !== 300 || r.lostByPhase.outage !== 300 || Math.abs(r.downtimeSeconds - 0.3) > 1e-9) throw new Error();
 * if (r.lossWindow?.startMinusStopSeconds !== 0 || Math.abs(r.totalMigrationSeconds - 1.301) > 1e-9) throw new Error();
 * ```
 */
export function analyzeVmRun(
  record: VmRunRecord,
  options: AnalysisOptions = {},
): VmMigrationResult {
  assertKnownKeys("options", options, [
    "delayThresholdSeconds",
    "windowMarginSeconds",
  ]);
  const thresholdMs = (options.delayThresholdSeconds ?? 0.02) * 1000;
  const marginMs = (options.windowMarginSeconds ?? 0.05) * 1000;
  assertPositive("delayThresholdSeconds", thresholdMs);
  assertPositive("windowMarginSeconds", marginMs);
  const T = record.triggerMs;
  const S = record.stopMs;
  const R = record.resumeMs;
  const sec = (ms: number) => (ms - T) / 1000;
  const n = record.sentMs.length;
  if (record.arrivalMs.length !== n) {
    throw new RangeError(
      `record.arrivalMs must have one entry per sent probe (${n}); got ${record.arrivalMs.length}`,
    );
  }
  const phaseOf = (ms: number): keyof PhaseCounts =>
    ms < T
      ? "beforeTrigger"
      : S === null || ms < S
      ? "precopy"
      : R === null || ms < R
      ? "outage"
      : "after";

  const baselineMs = median(
    record.sentMs.flatMap((s, i) => {
      const a = record.arrivalMs[i];
      return s < T && a !== null && Number.isFinite(a) ? [a - s] : [];
    }),
  );
  const lostByPhase = zeroPhases();
  const delayedByPhase = zeroPhases();
  const sentByPhase = zeroPhases();
  let lost = 0;
  let delayed = 0;
  let maxExtra = 0;
  let sumExtra = 0;
  let windowFirst = -1;
  let windowLast = -1;
  let windowLost = 0;
  let firstAfterResumeMs = Infinity;
  let lostInSetup = 0;
  const firstSync = record.syncs[0]?.atMs ?? T;
  const setupEndMs = firstSync + 300;
  for (let i = 0; i < n; i++) {
    const s = record.sentMs[i];
    const a = record.arrivalMs[i];
    const phase = phaseOf(s);
    sentByPhase[phase]++;
    if (a === null) {
      lost++;
      lostByPhase[phase]++;
      if (s >= T && s < setupEndMs && (S === null || s < S)) lostInSetup++;
      if (S !== null && R !== null && s >= S - marginMs && s <= R + marginMs) {
        if (windowFirst < 0) windowFirst = i;
        windowLast = i;
        windowLost++;
      }
      continue;
    }
    // NaN: arrived, time unknown (a receiver that reports no times).
    if (!Number.isFinite(a)) continue;
    if (R !== null && a >= R) {
      firstAfterResumeMs = Math.min(firstAfterResumeMs, a);
    }
    const extra = a - s - baselineMs;
    if (extra > thresholdMs) {
      delayed++;
      delayedByPhase[phase]++;
      maxExtra = Math.max(maxExtra, extra);
      sumExtra += extra;
    }
  }
  const period = 1 / record.scenario.packetsPerSecond;
  const lossWindow: LossWindow | null = windowFirst < 0 ? null : {
    startSeconds: sec(record.sentMs[windowFirst]),
    endSeconds: sec(record.sentMs[windowLast]),
    lostPackets: windowLost,
    startMinusStopSeconds: (record.sentMs[windowFirst] - S!) / 1000,
    endMinusResumeSeconds: (record.sentMs[windowLast] - R!) / 1000,
  };
  const data: PacketOutcome = {
    sentPackets: n,
    deliveredPackets: n - lost,
    lostPackets: lost,
    delayedPackets: delayed,
    maxDelaySeconds: maxExtra / 1000,
    meanDelaySeconds: delayed === 0 ? 0 : sumExtra / delayed / 1000,
  };
  const hold = record.ramCheck?.holdSeconds ?? 0;
  const { rounds: list, maxLagSeconds, lastSync } = rounds(record);
  const downtimeSeconds = S !== null && R !== null ? (R - S) / 1000 : 0;
  const lastSampleMs = record.samples.at(-1)?.atMs ?? T;
  const totalMigrationSeconds =
    record.completed && Number.isFinite(firstAfterResumeMs)
      ? sec(firstAfterResumeMs)
      : sec(lastSampleMs);

  const timeline: Phase[] = [];
  if (list.length > 0) {
    timeline.push({
      lane: "migration link",
      phase: "setup",
      startSeconds: 0,
      endSeconds: list[0].startSeconds,
    });
  }
  for (const r of list) {
    timeline.push({
      lane: "migration link",
      phase: `round ${r.round}`,
      startSeconds: r.startSeconds,
      endSeconds: r.endSeconds,
    });
  }
  if (S !== null && R !== null) {
    timeline.push({
      lane: "VM",
      phase: "stopped (stop-and-copy, resume)",
      startSeconds: sec(S),
      endSeconds: sec(R),
    });
    if (hold > 0) {
      timeline.push({
        lane: "destination",
        phase: "held paused for the RAM check",
        startSeconds: sec(R) - hold,
        endSeconds: sec(R),
      });
    }
  }
  if (lossWindow !== null) {
    timeline.push({
      lane: "network",
      phase: "data outage",
      startSeconds: lossWindow.startSeconds,
      endSeconds: lossWindow.endSeconds + period,
    });
  }
  const sampledBytes = record.samples.reduce(
    (m, s) => Math.max(m, s.transferredBytes),
    0,
  );
  const transferredBytes =
    record.qemu !== null && record.qemu.transferredBytes > 0
      ? record.qemu.transferredBytes
      : sampledBytes;
  const notes = [...record.notes];
  if (!record.completed) {
    // A cancelled migration's final figures are empty: say what the
    // samples saw it send (records before this fix wrote 0 MB).
    notes.unshift(
      (record.failure || "did not complete").replace(
        /cancelled after \d+ MB sent/,
        `cancelled after ${(transferredBytes / 1e6).toFixed(0)} MB sent`,
      ),
    );
  }
  if (hold > 0) {
    notes.push(
      `destination held paused ${
        hold.toFixed(3)
      } s for the RAM check (inside the downtime)`,
    );
  }
  return {
    mechanism: QEMU_PRECOPY_MECHANISM,
    source: "measured",
    completed: record.completed,
    note: notes.join("; "),
    downtimeSeconds,
    dataOutageSeconds: lossWindow === null
      ? 0
      : lossWindow.lostPackets * period,
    totalMigrationSeconds,
    data,
    control: NO_PACKETS,
    timeline: sortPhases(timeline),
    scenario: record.scenario,
    runLabel: record.runLabel,
    startedAt: record.startedAt,
    qemuVersion: record.qemuVersion,
    kernelPackage: record.kernelPackage,
    imageHash: record.imageHash,
    measured: record.measured,
    stopSeconds: S === null ? null : sec(S),
    resumeSeconds: R === null ? null : sec(R),
    holdSeconds: hold,
    rounds: list,
    lastSyncBeforeStop: record.stopMs === null ? null : lastSync,
    syncCount: record.syncs.length,
    stopAndCopyBytes: record.qemu?.downtimeBytes ?? null,
    transferredBytes,
    qemu: record.qemu,
    qemuDowntimeErrorSeconds:
      record.qemu !== null && S !== null && R !== null && record.completed
        ? record.qemu.downtimeMs / 1000 - downtimeSeconds
        : null,
    lostByPhase,
    delayedByPhase,
    sentByPhase,
    lossWindow,
    baselineDelaySeconds: baselineMs / 1000,
    duplicatedPackets: record.duplicatedPackets,
    reorderedPackets: record.reorderedPackets,
    sendErrors: record.sendErrors,
    ramCheck: record.ramCheck,
    maxSyncSampleLagSeconds: maxLagSeconds,
    lostInSetupPackets: lostInSetup,
    maxCpuThrottlePercent: record.samples.reduce(
      (m, x) => Math.max(m, x.cpuThrottlePercent),
      0,
    ),
  };
}

/** One invariant of a run and whether it held. */
export interface InvariantCheck {
  /** What is checked. */
  readonly name: string;
  /** Whether it held. */
  readonly holds: boolean;
  /** The values behind the verdict. */
  readonly detail: string;
}

/** Options of {@linkcode vmRunInvariants}. */
export interface InvariantOptions {
  /** How far the loss window's ends may lie from STOP and RESUME, seconds; default 0.01. */
  readonly windowToleranceSeconds?: number;
  /** How far the lost probes may lie from rate x outage, relative; default 0.05. */
  readonly lossRelativeTolerance?: number;
}

/**
 * The invariants every completed run must satisfy, whatever the machine's
 * load: completed; RAM identical (when checked); the loss window is the
 * STOP..RESUME outage within 10 ms at both ends; the probes lost in it are
 * rate x outage within 5 %.
 *
 * @example
 * ```ts
 * import { vmRunInvariants, type VmMigrationResult } from "@vnmig/vnmig/testbed/qemu";
 * const result = {
 *   completed: true, note: "", downtimeSeconds: 0.3, scenario: { packetsPerSecond: 1000 },
 *   lossWindow: { startSeconds: 1, endSeconds: 1.299, lostPackets: 300, startMinusStopSeconds: 0, endMinusResumeSeconds: -0.001 },
 *   ramCheck: { pages: 10, differingPages: 0, firstDifferingPages: [], holdSeconds: 0 },
 * } as unknown as VmMigrationResult;
 * if (!vmRunInvariants(result).every((c) => c.holds)) throw new Error();
 * const corrupt = { ...result, ramCheck: { ...result.ramCheck!, differingPages: 3 } };
 * if (vmRunInvariants(corrupt).every((c) => c.holds)) throw new Error("a differing page must fail");
 * ```
 */
export function vmRunInvariants(
  result: VmMigrationResult,
  options: InvariantOptions = {},
): InvariantCheck[] {
  assertKnownKeys("options", options, [
    "windowToleranceSeconds",
    "lossRelativeTolerance",
  ]);
  const tol = options.windowToleranceSeconds ?? 0.01;
  const rel = options.lossRelativeTolerance ?? 0.05;
  const checks: InvariantCheck[] = [
    {
      name: "completed",
      holds: result.completed,
      detail: result.completed ? "" : result.note,
    },
  ];
  if (result.ramCheck !== null) {
    checks.push({
      name: "RAM identical",
      holds: result.ramCheck.differingPages === 0,
      detail:
        `${result.ramCheck.differingPages} of ${result.ramCheck.pages} pages differ`,
    });
  }
  const w = result.lossWindow;
  checks.push({
    name: `loss window = outage within ${tol * 1000} ms`,
    holds: w !== null && Math.abs(w.startMinusStopSeconds) <= tol &&
      Math.abs(w.endMinusResumeSeconds) <= tol,
    detail: w === null
      ? "no loss window"
      : `first loss ${
        (w.startMinusStopSeconds * 1000).toFixed(1)
      } ms after STOP, last ${
        (w.endMinusResumeSeconds * 1000).toFixed(1)
      } ms after RESUME`,
  });
  const expected = result.scenario.packetsPerSecond * result.downtimeSeconds;
  const got = w?.lostPackets ?? 0;
  checks.push({
    name: `lost = rate x outage within ${rel * 100} %`,
    holds: expected > 0 && Math.abs(got - expected) <= rel * expected,
    detail: `${got} lost in the window, rate x outage = ${expected.toFixed(1)}`,
  });
  return checks;
}
