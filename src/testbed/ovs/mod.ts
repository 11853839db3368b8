/**
 * The Open vSwitch testbed: the OpenFlow model's migration plans executed
 * on real Open vSwitch bridges (userspace datapath) with real UDP traffic
 * between network namespaces, by the project's own OpenFlow 1.3
 * controller, and compared with the model's prediction of the same
 * scenario.
 *
 * - {@linkcode ovsScenario}: the one scenario value both take;
 * - {@linkcode runOvsMigration} (root): a measured
 *   {@linkcode OvsMeasuredOutcome}, recorded by {@linkcode recordOvsRun}
 *   and analysed by the pure {@linkcode analyzeOvsRecording};
 * - {@linkcode predictOvsMigration}: the model's
 *   {@linkcode OvsPredictedOutcome}, with {@linkcode OVS_TESTBED_PROFILE};
 * - {@linkcode testbedRow}, the figures, the sweep's grid, and
 *   {@linkcode cleanOvsTestbed} for what a killed run left.
 *
 * @example
 * ```ts
 * import { compareOutcomes } from "@vnmig/vnmig/migration";
 * import { BROKEN_VARIANTS, paperOvsScenario, predictOvsMigration } from "@vnmig/vnmig/testbed";
 * // The prediction of the same scenario twice agrees with itself exactly;
 * // a measured outcome from runOvsMigration(scenario) is compared the same way.
 * const scenario = paperOvsScenario({ variant: BROKEN_VARIANTS[0], packetsPerSecond: 1000 });
 * const a = predictOvsMigration(scenario);
 * const [row] = compareOutcomes(a, predictOvsMigration(scenario), { "data.lostPackets": { absolute: 0 } });
 * if (!row.within || a.data.lostPackets < 50) throw new Error();
 * ```
 *
 * @module
 */

export {
  type OvsScenario,
  ovsScenario,
  type OvsScenarioOptions,
} from "./scenario.ts";
export type {
  OvsMeasuredOutcome,
  OvsOutcomeDetail,
  OvsPredictedOutcome,
} from "./outcome.ts";
export {
  analyzeOvsRecording,
  type OvsCounters,
  type OvsRecording,
} from "./analysis.ts";
export { type OvsRunOptions, recordOvsRun, runOvsMigration } from "./run.ts";
export {
  type OvsPredictionOptions,
  predictOvsMigration,
  testbedControlTopology,
} from "./prediction.ts";
export {
  calibrationOf,
  OVS_CALIBRATION_FACTOR,
  OVS_TESTBED_PROFILE,
  OVS_TESTBED_TOLERANCES,
  type OvsCalibration,
  type OvsTestbedProfile,
  profileFromCalibration,
} from "./profiles.ts";
export {
  BROKEN_VARIANTS,
  CACHED_VARIANTS,
  gapPhaseIndex,
  ovsSweepPlan,
  type OvsSweepPoint,
  type OvsVariant,
  PAPER_AS_PLANNED,
  PAPER_DRAIN,
  paperOvsScenario,
  type PaperOvsScenarioOptions,
  sweepPointScenario,
} from "./experiments.ts";
export {
  formatTableMissSwitches,
  parseTableMissSwitches,
  readTestbedRows,
  TESTBED_ROW_COLUMNS,
  type TestbedColumnType,
  type TestbedRow,
  testbedRow,
  type TestbedRowLabels,
  testbedRowOutcomes,
  testbedRowsCsv,
} from "./results.ts";
export { testbedLossFigure, testbedTimingFigure } from "./figures.ts";
export {
  type BranchPorts,
  branchPorts,
  probeMigration,
  type TestbedFlows,
} from "./probe_flow.ts";
export {
  type HostAttachment,
  OVS_CLEAN_COMMAND,
  OVS_DATAPATH_TAP,
  OVS_TESTBED_LABEL,
  OvsHarness,
  type OvsHarnessOptions,
  ovsStartBlocker,
  ovsTestbedAvailability,
  removeOrphanDatapathTap,
} from "./harness.ts";
export { buildNetwork, portKey, type TestbedNetwork } from "./network.ts";
export {
  type ControllerOptions,
  OpenFlowController,
  type SwitchError,
} from "./controller.ts";
export {
  type ExecutedPhase,
  executePlan,
  type ExecutePlanOptions,
  flowModOptions,
  type PlanExecution,
} from "./plan_executor.ts";
export {
  cleanOvsTestbed,
  findOvsLeftovers,
  type OvsCleanOptions,
  type OvsCleanReport,
} from "./clean.ts";
