/**
 * One tidy CSV row per testbed run: what was measured beside what the model
 * predicted (pure).
 *
 * @module
 */

import type { TestbedRunResult } from "./experiment.ts";
import type { TestbedPrediction } from "./prediction.ts";

/** A row of data/testbed/migration.csv. */
export interface TestbedRow {
  /** Plan ordering. */
  readonly ordering: string;
  /** Whether Open vSwitch cached datapath flows. */
  readonly datapathFlowCache: boolean;
  /** Probe rate, packets per second. */
  readonly packetsPerSecond: number;
  /** Probe size (IPv4 length), bytes. */
  readonly packetBytes: number;
  /** The run's variant ("as planned", "gap after first phase", "drain before delete", "cached datapath"). */
  readonly variant: string;
  /** Extra wait inserted after one of the plan's phases, seconds (0 for none). */
  readonly gapSeconds: number;
  /** The phase (index) the wait follows ("" for none). */
  readonly gapAfterPhase: number | "";
  /** Repetition index. */
  readonly repeat: number;
  /** Flow-mods sent. */
  readonly messagesSent: number;
  /** Measured first-to-last flow-mod time, seconds. */
  readonly measuredTotalMigrationSeconds: number;
  /** Predicted first-to-last flow-mod time, seconds. */
  readonly predictedTotalMigrationSeconds: number;
  /** Measured send time of the first probe out of the new port, after the first flow-mod, seconds ("" if not applicable). */
  readonly measuredNewPathAfterSeconds: number | "";
  /** The same, predicted by tracing the probes actually sent through the model's rule states, seconds ("" if not applicable). */
  readonly predictedNewPathAfterSeconds: number | "";
  /** Predicted time until the branching switch's redirect takes effect, seconds ("" if not applicable). */
  readonly predictedRedirectAfterSeconds: number | "";
  /** Measured time until every change was applied (final barrier), seconds. */
  readonly measuredAllAppliedAfterSeconds: number;
  /** Predicted time until every change is in effect, seconds. */
  readonly predictedAllAppliedAfterSeconds: number;
  /** Probes lost in the migration window (measured). */
  readonly measuredLostPackets: number;
  /** Probes the switches' flow tables dropped for want of an entry (measured). */
  readonly measuredTableMissPackets: number;
  /** Where they were dropped, e.g. "s2:2 s4:1" ("" for none). */
  readonly tableMissSwitches: string;
  /** Probes lost in the migration window (predicted). */
  readonly predictedLostPackets: number;
  /** Probes sent in the measured migration window. */
  readonly windowPackets: number;
  /** Probes lost outside the window (measured; not caused by the plan). */
  readonly lostOutsideWindowPackets: number;
  /** Probes sent in the whole run. */
  readonly sentPackets: number;
  /** Duplicated arrivals. */
  readonly duplicatedPackets: number;
  /** Reordered arrivals. */
  readonly reorderedPackets: number;
  /** Longest run of consecutive lost probes. */
  readonly longestGapPackets: number;
  /** Longest time between arrivals, seconds. */
  readonly longestArrivalGapSeconds: number;
}

/**
 * The CSV row of one run and its prediction.
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, predictTestbedRun, ReceiverTally, testbedRow, type TestbedRunResult } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const flows = { initialEntries: paperTestbedInitialEntries(net), plan: paperTestbedPlan(net), migrations: paperTestbedMigrations(net) };
 * const prediction = predictTestbedRun(net, flows, { packetsPerSecond: 1000 });
 * // A run written by hand in the shape runTestbedMigration returns:
 * // 1000 probes, all received, 42 of them in the migration window.
 * const tally = new ReceiverTally(1000);
 * for (let seq = 0; seq < 1000; seq++) tally.add(seq, seq);
 * const result: TestbedRunResult = {
 *   ordering: "paper", datapathFlowCache: false, packetsPerSecond: 1000, packetBytes: 64,
 *   execution: { ordering: "paper", phases: [], firstMessageMs: 500, lastMessageMs: 501.5, allAppliedMs: 502, totalMigrationSeconds: 0.0015, messagesSent: 10, errorCount: 0 },
 *   receiver: tally.report(1000), lostInWindowPackets: 0, lostOutsideWindowPackets: 0,
 *   windowPackets: 42, windowSendOffsetsSeconds: [], windowSeconds: 0.042,
 *   tableMissPackets: 0, tableMissBySwitch: {}, oldPortPackets: 501, newPortPackets: 499,
 *   newPathAfterSeconds: 0.001, allAppliedAfterSeconds: 0.002, sendErrors: 0,
 * };
 * const row = testbedRow(result, prediction, { variant: "as planned", gapSeconds: 0, gapAfterPhase: "", repeat: 0 });
 * console.log(row.messagesSent, row.measuredLostPackets, row.predictedLostPackets); // 10 0 0
 * ```
 */
export function testbedRow(
  result: TestbedRunResult,
  prediction: TestbedPrediction,
  options: {
    /** The run's variant label. */
    variant: string;
    /** Extra wait inserted after one phase, seconds (0 for none). */
    gapSeconds: number;
    /** The phase the wait follows ("" for none). */
    gapAfterPhase: number | "";
    /** Repetition index. */
    repeat: number;
  },
): TestbedRow {
  return {
    ordering: result.ordering,
    datapathFlowCache: result.datapathFlowCache,
    packetsPerSecond: result.packetsPerSecond,
    packetBytes: result.packetBytes,
    variant: options.variant,
    gapSeconds: options.gapSeconds,
    gapAfterPhase: options.gapAfterPhase,
    repeat: options.repeat,
    messagesSent: result.execution.messagesSent,
    measuredTotalMigrationSeconds: result.execution.totalMigrationSeconds,
    predictedTotalMigrationSeconds: prediction.totalMigrationSeconds,
    measuredNewPathAfterSeconds: result.newPathAfterSeconds ?? "",
    predictedNewPathAfterSeconds: prediction.newPathAfterSeconds ?? "",
    predictedRedirectAfterSeconds: prediction.redirectAfterSeconds ?? "",
    measuredAllAppliedAfterSeconds: result.allAppliedAfterSeconds,
    predictedAllAppliedAfterSeconds: prediction.allAppliedAfterSeconds,
    measuredLostPackets: result.lostInWindowPackets,
    measuredTableMissPackets: result.tableMissPackets,
    tableMissSwitches: Object.entries(result.tableMissBySwitch).map(([s, n]) =>
      `${s}:${n}`
    ).join(" "),
    predictedLostPackets: prediction.lostPackets,
    windowPackets: result.windowPackets,
    lostOutsideWindowPackets: result.lostOutsideWindowPackets,
    sentPackets: result.receiver.sentPackets,
    duplicatedPackets: result.receiver.duplicatedPackets,
    reorderedPackets: result.receiver.reorderedPackets,
    longestGapPackets: result.receiver.longestGapPackets,
    longestArrivalGapSeconds: result.receiver.longestArrivalGapSeconds,
  };
}
