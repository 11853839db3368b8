/**
 * One CSV row per run (pure): the scenario, the measured outcome and its
 * detail, the prediction from the same scenario, and the comparison of the
 * two ({@linkcode compareOutcomes}) with the tolerances the model claims.
 *
 * @module
 */

import {
  compareOutcomes,
  type MetricComparison,
  type OutcomeMetric,
  type Tolerance,
} from "../../migration/compare.ts";
import { measuredOutcome, type PlaneSepMeasured } from "./analysis.ts";
import type { RecordedRun } from "./harness.ts";
import {
  type PlaneSepPredicted,
  type PrecopyTiming,
  predictRun,
  standInPrecopy,
} from "./prediction.ts";
import type { PlaneSepScenario } from "./scenario.ts";

/**
 * The tolerances the model claims for a run: times within 50 ms + 10 %
 * (downtime) or 20 % (total); lost data packets within 20 ms of traffic +
 * 10 %; lost control probes within 1 + 20 %; delayed probes within 2 + 20 %.
 *
 * @example
 * ```ts
 * import { runTolerances } from "@vnmig/vnmig/testbed/plane_separation";
 * if (runTolerances(5000)["data.lostPackets"]?.absolute !== 100) throw new Error();
 * ```
 */
export function runTolerances(
  packetsPerSecond: number,
): Partial<Record<OutcomeMetric, Tolerance>> {
  return {
    downtimeSeconds: { absolute: 0.05, relative: 0.1 },
    totalMigrationSeconds: { absolute: 0.05, relative: 0.2 },
    "data.lostPackets": { absolute: packetsPerSecond * 0.02, relative: 0.1 },
    "control.lostPackets": { absolute: 1, relative: 0.2 },
    "control.delayedPackets": { absolute: 2, relative: 0.2 },
  };
}

/** A run's measured outcome, prediction and comparison. */
export interface RunComparison {
  /** The scenario. */
  readonly scenario: PlaneSepScenario;
  /** Measured. */
  readonly measured: PlaneSepMeasured;
  /** Predicted from the same scenario and the step costs measured before the migration. */
  readonly predicted: PlaneSepPredicted;
  /** Metric by metric. */
  readonly comparison: readonly MetricComparison[];
}

/**
 * The predicted pause and downtime of a VM run: the means over the other
 * VM runs of the same mechanism (leave one out: never the run's own). The
 * stand-in's come from its scenario and its measured link switch.
 */
export function precopyTimingFor(
  run: RecordedRun,
  others: readonly RecordedRun[],
): PrecopyTiming | undefined {
  if (run.scenario.router === "namespace") {
    // Two link changes: the freeze and the switch to host B.
    return standInPrecopy(
      run.scenario.standInPauseSeconds,
      2 * run.calibration.linkSwitchSeconds,
    );
  }
  const peers = others.filter((o) =>
    o !== run && o.scenario.router === "vm" &&
    o.scenario.mechanism === run.scenario.mechanism
  );
  if (peers.length === 0) return undefined;
  const mean = (f: (r: RecordedRun) => number) =>
    peers.reduce((x, r) => x + f(r), 0) / peers.length;
  return {
    pauseSeconds: mean((r) => (r.router.pauseMs - r.router.triggerMs) / 1000),
    downtimeSeconds: mean((r) => (r.router.resumeMs - r.router.pauseMs) / 1000),
  };
}

/**
 * Measured, predicted and compared, for a recorded run; `others` are the
 * runs a VM run's pre-copy timing is predicted from (see
 * {@linkcode precopyTimingFor}). Undefined when there is none.
 */
export function compareRun(
  run: RecordedRun,
  others: readonly RecordedRun[] = [],
): RunComparison | undefined {
  const measured = measuredOutcome(run);
  const precopy = precopyTimingFor(run, others);
  if (precopy === undefined) return undefined;
  const predicted = predictRun(
    run.scenario,
    run.calibration,
    precopy,
    run.router.triggerMs,
  );
  const comparison = compareOutcomes(
    measured,
    predicted,
    runTolerances(run.scenario.packetsPerSecond),
  );
  return { scenario: run.scenario, measured, predicted, comparison };
}

/** A flat CSV row: numbers and strings. */
export type CsvRow = Record<string, string | number | boolean>;

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** The CSV row of a run: measured, and predicted where a prediction exists (empty cells otherwise). */
export function csvRow(
  c: RunComparison | Pick<RunComparison, "scenario" | "measured">,
  startedAt: string,
): CsvRow {
  const s = c.scenario;
  const m = c.measured;
  const none = "predicted" in c ? undefined : "";
  const p = "predicted" in c ? c.predicted : undefined;
  const d = m.detail;
  const pr = (f: (x: PlaneSepPredicted) => number | string) =>
    p === undefined ? "" : f(p);
  const row: CsvRow = {
    startedAt,
    mechanism: s.mechanism,
    whatIf: s.whatIf,
    router: s.router,
    routeCount: s.routeCount,
    packetsPerSecond: s.packetsPerSecond,
    packetSizeBytes: s.packetSizeBytes,
    controlProbesPerSecond: s.controlProbesPerSecond,
    helloSeconds: s.helloSeconds,
    deadCount: s.deadCount,
    standInPauseSeconds: s.standInPauseSeconds,
    removalWaitSeconds: s.removalWaitSeconds,
    measuredDowntimeSeconds: round(m.downtimeSeconds),
    predictedDowntimeSeconds: pr((x) => round(x.downtimeSeconds)),
    measuredTotalSeconds: round(m.totalMigrationSeconds),
    predictedTotalSeconds: pr((x) => round(x.totalMigrationSeconds)),
    measuredDataOutageSeconds: round(m.dataOutageSeconds),
    predictedDataOutageSeconds: pr((x) => round(x.dataOutageSeconds)),
    dataSentPackets: m.data.sentPackets,
    measuredDataLostPackets: m.data.lostPackets,
    dataMissingPackets: d.dataMissingPackets,
    receiverSocketDrops: d.receiverSocketDrops,
    predictedDataLostPackets: pr((x) => x.data.lostPackets),
    controlSentPackets: m.control.sentPackets,
    measuredControlLostPackets: m.control.lostPackets,
    predictedControlLostPackets: pr((x) => x.control.lostPackets),
    measuredControlDelayedPackets: m.control.delayedPackets,
    predictedControlDelayedPackets: pr((x) => x.control.delayedPackets),
    measuredControlMaxDelaySeconds: round(m.control.maxDelaySeconds),
    predictedControlMaxDelaySeconds: pr((x) =>
      round(x.control.maxDelaySeconds)
    ),
    adjacencyHeld: d.adjacencyHeld,
    predictedOspfVerdict: pr((x) => x.ospf.verdict),
    minDeadTimerSeconds: round(d.minDeadTimerSeconds, 3),
    predictedOspfMarginSeconds: pr((x) => round(x.ospf.marginSeconds, 3)),
    pauseSeconds: round(d.pauseSeconds),
    resumeSeconds: round(d.resumeSeconds),
    bindingSeconds: round(d.bindingSeconds),
    tunnelSeconds: round(d.tunnelSeconds),
    syncSeconds: round(d.syncSeconds),
    syncedRoutes: d.syncedRoutes,
    initialSyncSeconds: round(d.initialSyncSeconds),
    arpSeconds: round(d.arpSeconds),
    oldPathRemovedSeconds: round(d.oldPathRemovedSeconds),
    probesLostUnseen: d.probesLostUnseen,
    probesLostAfterDelivery: d.probesLostAfterDelivery,
    probesLostInRelay: d.probesLostInRelay,
    heldFrames: d.heldFrames,
    heldOspfFrames: d.heldOspfFrames,
    overflowFrames: d.overflowFrames,
    droppedFrames: d.droppedFrames,
    routedByHostA: d.routedByHostA,
    routedByHostB: d.routedByHostB,
    note: m.note,
  };
  const comparison = "comparison" in c ? c.comparison : [];
  for (const metric of Object.keys(runTolerances(1))) {
    const cmp = comparison.find((x) => x.metric === metric);
    row[`within_${metric}`] = cmp === undefined ? "" : cmp.within;
  }
  row.withinAll = none ?? comparison.every((x) => x.within);
  return row;
}
