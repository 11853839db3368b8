/**
 * The real QEMU pre-copy testbed: a small Linux router VM (Debian's cloud
 * kernel, a busybox initramfs, a memory dirtier) forwarding a CBR UDP
 * stream between two network namespaces is migrated live, under QEMU's
 * software emulation, between two "physical machines" (namespaces) over a
 * shaped link, driven over QMP; every run is measured (STOP and RESUME
 * instants, rounds, syncs, probes lost by phase, the loss window, delays,
 * an optional page-by-page RAM check) and predicted from measured inputs.
 *
 * - The guest image: {@linkcode buildGuestImage} (extensible: extra
 *   modules, binaries with their libraries, files, init steps),
 *   {@linkcode guestKernelCommandLine}, {@linkcode guestInitScript}.
 * - A run: {@linkcode runVmMigration} (root; {@linkcode vmTestbedAvailability}
 *   says whether this host can), over {@linkcode buildVmTestbedNetwork},
 *   {@linkcode QemuVm} and {@linkcode QmpClient}.
 * - Pure: {@linkcode analyzeVmRun} (the measured {@linkcode VmMigrationResult},
 *   a `MigrationOutcome`), {@linkcode vmRunInvariants}, the experiment plan
 *   ({@linkcode vmExperimentPlan}, {@linkcode shardOf}), rows and CSV.
 * - The prediction from measured inputs only: {@linkcode predictVmRun}
 *   (the pre-copy engine's `qemu` policy), {@linkcode vmPredictionInputs}
 *   (a row's input columns, never its outcome), {@linkcode calibrateVmModel}
 *   on the named subset {@linkcode vmCalibrationRole}, the stated tolerance
 *   {@linkcode VM_TESTBED_TOLERANCES}.
 * - The merged results, for merge and notebooks (no root):
 *   {@linkcode vmMergedResults}, {@linkcode readVmRuns},
 *   {@linkcode vmOutcomes}, {@linkcode vmRowComparison}, {@linkcode vmSummary}
 *   and the figures ({@linkcode vmDowntimeFigure}, {@linkcode vmLossFigure},
 *   {@linkcode vmDowntimeLimitFigure}, {@linkcode vmRoundsFigure}).
 *
 * @example
 * ```ts
 * import { analyzeVmRun, resolveVmScenario, vmRunInvariants, type VmRunRecord } from "@vnmig/vnmig/testbed/qemu";
 * // A recorded run (synthetic here): 1000 probes/s, the VM stopped 300 ms.
 * const sentMs = Array.from({ length: 3000 }, (_, k) => k);
 * const record: VmRunRecord = {
 *   scenario: resolveVmScenario({ packetsPerSecond: 1000 }), runLabel: "vnab12", startedAt: "", qemuVersion: "7.2.22",
 *   kernelPackage: "k", imageHash: "h",
 *   measured: { nonZeroPages: 100, totalPages: 1000, linkGoodputBytesPerSecond: 1e7, bootSeconds: 5, dirtierAchievedPagesPerSecond: null },
 *   triggerMs: 500, stopMs: 2000, resumeMs: 2300, sourceCompletedMs: 2200, destinationCompletedMs: 2300,
 *   statusEvents: [], syncs: [], samples: [], qemu: null, completed: true, failure: "",
 *   sentMs, arrivalMs: sentMs.map((t) => (t >= 2000 && t < 2300 ? null : t + 1)),
 *   duplicatedPackets: 0, reorderedPackets: 0, sendErrors: 0, ramCheck: null, notes: [],
 * };
 * const result = analyzeVmRun(record);
 * if (result.source !== "measured" || result.data.lostPackets !== 300) throw new Error();
 * if (!vmRunInvariants(result).every((c) => c.holds)) throw new Error();
 * ```
 *
 * @module
 */

export {
  type AnalysisOptions,
  analyzeVmRun,
  type InvariantCheck,
  type InvariantOptions,
  type LastSync,
  type LossWindow,
  type PhaseCounts,
  type VmMigrationResult,
  type VmRound,
  vmRunInvariants,
} from "./analysis.ts";
export {
  OVERLOADED_DIRTIER,
  parseShard,
  type PlannedVmRun,
  shardOf,
  VM_DOWNTIME_LIMITS,
  VM_EXPERIMENTS,
  VM_PACKET_SIZES,
  VM_RATES,
  type VmExperiment,
  vmExperimentPlan,
  type VmPlanOptions,
} from "./experiments.ts";
export {
  checkDirtier,
  DIRTIER_READY_LINE,
  type DirtierConfig,
  type DirtyPattern,
  GUEST_READY_LINE,
  type GuestConfig,
  guestInitScript,
  type GuestInterface,
  guestKernelCommandLine,
  type GuestNeighbour,
  type GuestRoute,
} from "./guest_config.ts";
export {
  BASE_GUEST_MODULES,
  buildGuestImage,
  type GuestBinary,
  type GuestFile,
  type GuestImage,
  type GuestImageOptions,
} from "./image.ts";
export {
  CLOUD_KERNEL_META_PACKAGE,
  fetchGuestKernel,
  type FetchKernelOptions,
  type GuestKernel,
} from "./kernel.ts";
export {
  buildVmTestbedNetwork,
  VM_TESTBED_ADDRESSES,
  type VmHost,
  type VmNetworkOptions,
  type VmTestbedNetwork,
} from "./network.ts";
export {
  qemuArgv,
  type QemuArgvOptions,
  type QemuNic,
  QemuVm,
} from "./qemu_vm.ts";
export {
  QmpClient,
  type QmpConnectOptions,
  QmpError,
  type QmpEvent,
  type QmpWaitOptions,
} from "./qmp.ts";
export {
  vmDowntimeFigure,
  vmDowntimeLimitFigure,
  vmLossFigure,
  vmRoundsFigure,
} from "./figures.ts";
export {
  type CalibratedValue,
  calibrateVmModel,
  type ForwardingCapacity,
  predictVmRun,
  VM_CALIBRATION_SUBSET,
  VM_PREDICTION_INPUT_COLUMNS,
  VM_ROUNDS_TOLERANCE,
  VM_TESTBED_TOLERANCES,
  type VmCalibration,
  vmCalibrationRole,
  type VmModelParameters,
  type VmPredictedRound,
  type VmPrediction,
  type VmPredictionDirtier,
  type VmPredictionInputs,
  vmPredictionInputs,
  type VmRunRole,
} from "./prediction.ts";
export {
  readVmRuns,
  VM_MERGED_RUN_COLUMNS,
  VM_PREDICTED_ROUND_COLUMNS,
  VM_PREDICTION_COLUMNS,
  type VmMergedResults,
  vmMergedResults,
  vmOutcomes,
  vmPredictionRow,
  type VmRowComparison,
  vmRowComparison,
  vmSummary,
  type VmSummaryLine,
} from "./results.ts";
export {
  compareRamPages,
  countNonZeroPages,
  PAGE_BYTES,
  type RamComparison,
} from "./ram.ts";
export type {
  MigrationSample,
  PreMigrationMeasurements,
  QemuFigures,
  RamCheckRecord,
  SyncRecord,
  VmRunRecord,
} from "./record.ts";
export {
  type Cell,
  type ColumnType,
  parseRowsCsv,
  type Row,
  rowsToCsv,
  VM_ROUND_COLUMNS,
  VM_RUN_COLUMNS,
  vmRoundRows,
  vmRunRow,
} from "./rows.ts";
export {
  dirtierRateFromConsole,
  runVmMigration,
  VM_TESTBED_LABEL,
  type VmRunOptions,
  vmTestbedAvailability,
} from "./run.ts";
export {
  BUSY_DIRTIER,
  DEFAULT_MEMORY_KIB,
  QEMU_PRECOPY_MECHANISM,
  type ResolvedVmScenario,
  resolveMemoryKiB,
  resolveVmScenario,
  type VmScenario,
} from "./scenario.ts";
// Types of other areas that this one's signatures use.
export type {
  MetricComparison,
  MigrationOutcome,
  MigrationScenario,
  OutcomeMetric,
  OutcomeSource,
  PacketOutcome,
  Phase,
  Tolerance,
} from "../../migration/mod.ts";
export type { Figure, PngOptions } from "../../plot/mod.ts";
export type {
  CommandResult,
  HostAvailability,
  HostResource,
  HostRun,
  RemovalFailure,
  RunCommandOptions,
  ShapeOptions,
  SpawnOptions,
  TeardownReport,
} from "../host/mod.ts";
