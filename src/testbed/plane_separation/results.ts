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

/** Measured, predicted and compared, for a recorded run. */
export function compareRun(run: RecordedRun): RunComparison {
  const measured = measuredOutcome(run);
  const precopy = run.scenario.router === "namespace"
    ? standInPrecopy(
      run.scenario.standInPauseSeconds,
      // Two link changes: the freeze and the switch to host B.
      2 * run.calibration.linkSwitchSeconds,
    )
    : (() => {
      throw new Error("planesep: no pre-copy prediction for the VM yet");
    })();
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

/** The CSV row of a compared run. */
export function csvRow(c: RunComparison, startedAt: string): CsvRow {
  const s = c.scenario;
  const m = c.measured;
  const p = c.predicted;
  const d = m.detail;
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
    predictedDowntimeSeconds: round(p.downtimeSeconds),
    measuredTotalSeconds: round(m.totalMigrationSeconds),
    predictedTotalSeconds: round(p.totalMigrationSeconds),
    measuredDataOutageSeconds: round(m.dataOutageSeconds),
    predictedDataOutageSeconds: round(p.dataOutageSeconds),
    dataSentPackets: m.data.sentPackets,
    measuredDataLostPackets: m.data.lostPackets,
    predictedDataLostPackets: p.data.lostPackets,
    controlSentPackets: m.control.sentPackets,
    measuredControlLostPackets: m.control.lostPackets,
    predictedControlLostPackets: p.control.lostPackets,
    measuredControlDelayedPackets: m.control.delayedPackets,
    predictedControlDelayedPackets: p.control.delayedPackets,
    measuredControlMaxDelaySeconds: round(m.control.maxDelaySeconds),
    predictedControlMaxDelaySeconds: round(p.control.maxDelaySeconds),
    adjacencyHeld: d.adjacencyHeld,
    predictedOspfVerdict: p.ospf.verdict,
    minDeadTimerSeconds: round(d.minDeadTimerSeconds, 3),
    predictedOspfMarginSeconds: round(p.ospf.marginSeconds, 3),
    pauseSeconds: round(d.pauseSeconds),
    resumeSeconds: round(d.resumeSeconds),
    bindingSeconds: round(d.bindingSeconds),
    tunnelSeconds: round(d.tunnelSeconds),
    syncSeconds: round(d.syncSeconds),
    syncedRoutes: d.syncedRoutes,
    initialSyncSeconds: round(d.initialSyncSeconds),
    arpSeconds: round(d.arpSeconds),
    oldPathRemovedSeconds: round(d.oldPathRemovedSeconds),
    heldFrames: d.heldFrames,
    heldOspfFrames: d.heldOspfFrames,
    overflowFrames: d.overflowFrames,
    droppedFrames: d.droppedFrames,
    routedByHostA: d.routedByHostA,
    routedByHostB: d.routedByHostB,
    note: m.note,
  };
  for (const cmp of c.comparison) {
    row[`within_${cmp.metric}`] = cmp.within;
  }
  row.withinAll = c.comparison.every((x) => x.within);
  return row;
}
