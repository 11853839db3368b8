/**
 * The VM testbed's merged results (pure, no I/O): each measured run row
 * with the model's prediction beside it (its role, calibration or
 * predicted, the predicted figures, the errors and whether each lies
 * within the stated tolerance), the predicted rounds, the reading of a
 * `runs.csv` back against its schema, each row's measured and predicted
 * outcomes in the contract's shape, and the measured-against-predicted
 * table per experiment. A notebook reads `runs.csv` with these and gets
 * what `merge` wrote, without root.
 *
 * @module
 */

import {
  compareOutcomes,
  type MetricComparison,
  type MigrationOutcome,
  NO_PACKETS,
} from "../../migration/mod.ts";
import {
  calibrateVmModel,
  predictVmRun,
  probeOutcome,
  VM_ROUNDS_TOLERANCE,
  VM_TESTBED_TOLERANCES,
  type VmCalibration,
  vmCalibrationRole,
  type VmModelParameters,
  type VmPrediction,
  vmPredictionInputs,
} from "./prediction.ts";
import {
  type ColumnType,
  parseRowsCsv,
  type Row,
  VM_RUN_COLUMNS,
} from "./rows.ts";
import { QEMU_PRECOPY_MECHANISM } from "./scenario.ts";

/** The prediction columns merge adds beside the measured ones, in CSV order. */
export const VM_PREDICTION_COLUMNS: Readonly<Record<string, ColumnType>> = {
  role: "text",
  predictedCompleted: "boolean",
  predictedDowntimeSeconds: "number",
  predictedTotalMigrationSeconds: "number",
  predictedRounds: "number",
  predictedRound1Pages: "number",
  predictedStopAndCopyPages: "number",
  predictedStopAndCopySeconds: "number",
  predictedPrecopySeconds: "number",
  predictedLostPackets: "number",
  predictedLostOutage: "number",
  predictedLostPrecopy: "number",
  completedAgrees: "boolean",
  downtimeErrorSeconds: "number",
  totalErrorSeconds: "number",
  lostErrorPackets: "number",
  roundsError: "number",
  downtimeWithin: "boolean",
  totalWithin: "boolean",
  lostWithin: "boolean",
  roundsWithin: "boolean",
  withinTolerance: "boolean",
  predictionNote: "text",
};

/** The columns of the merged `runs.csv`: the sweep's run columns, then the prediction's. */
export const VM_MERGED_RUN_COLUMNS: Readonly<Record<string, ColumnType>> = {
  ...VM_RUN_COLUMNS,
  ...VM_PREDICTION_COLUMNS,
};

/** The columns of `predicted_rounds.csv`. */
export const VM_PREDICTED_ROUND_COLUMNS: Readonly<Record<string, ColumnType>> =
  {
    key: "text",
    round: "number",
    startSeconds: "number",
    endSeconds: "number",
    sentPages: "number",
    dirtiedPages: "number",
    pendingPagesAtEnd: "number",
  };

function within(
  measured: number,
  predicted: number,
  t: { absolute?: number; relative?: number },
): boolean {
  return Math.abs(measured - predicted) <=
    (t.absolute ?? 0) + (t.relative ?? 0) * Math.abs(predicted);
}

/**
 * A run row (measured) with its prediction beside it: the merged row.
 * Both must be of the same run.
 *
 * @example
 * ```ts
 * import { predictVmRun, vmPredictionInputs, vmPredictionRow } from "@vnmig/vnmig/testbed/qemu";
 * const run = {
 *   key: "rates/idle/1000pps/64B/limit0.3/none/r1", experiment: "rates", repeat: 1, packetsPerSecond: 1000,
 *   packetSizeBytes: 64, downtimeLimitSeconds: 0.3, autoConverge: false, dirtierPagesPerSecond: 0,
 *   dirtierWorkingSetPages: 0, dirtierPattern: "", inNonZeroPages: 23_800, inTotalPages: 65_534,
 *   inLinkGoodputBytesPerSecond: 11.95e6, inDirtierAchievedPagesPerSecond: null,
 *   completed: true, downtimeSeconds: 0.31, totalMigrationSeconds: 8.5, rounds: 2, lostPackets: 310, sentPackets: 14_000,
 * };
 * const prediction = predictVmRun(vmPredictionInputs(run), {
 *   setupSeconds: 0.09, extraRamPages: 130, rxRingPages: 256, backgroundDirtyPagesPerSecond: 35, linkEfficiency: 1,
 *   idleFixedOutageSeconds: 0.11, busyFixedOutageSeconds: 0.15, iterationSeconds: 0.08, tailZeroPages: 300,
 *   forwardingCapacity: [],
 * });
 * const row = vmPredictionRow(run, prediction);
 * if (row.role !== "predicted" || row.predictedRounds !== 2 || row.completedAgrees !== true) throw new Error();
 * if (row.lostErrorPackets !== 310 - (row.predictedLostPackets as number)) throw new Error();
 * ```
 */
export function vmPredictionRow(run: Row, prediction: VmPrediction): Row {
  const role = vmCalibrationRole(run);
  const measuredCompleted = run.completed === true;
  const both = measuredCompleted && prediction.completed;
  const agrees = measuredCompleted === prediction.completed;
  const merged: Row = {
    ...run,
    role,
    predictedCompleted: prediction.completed,
    predictedDowntimeSeconds: prediction.downtimeSeconds,
    predictedTotalMigrationSeconds: prediction.totalMigrationSeconds,
    predictedRounds: prediction.iterations,
    predictedRound1Pages: prediction.round1Pages,
    predictedStopAndCopyPages: prediction.stopAndCopyPages,
    predictedStopAndCopySeconds: prediction.stopAndCopySeconds,
    predictedPrecopySeconds: prediction.precopySeconds,
    predictedLostPackets: prediction.data.lostPackets,
    predictedLostOutage: Math.round(prediction.lostOutagePackets),
    predictedLostPrecopy: Math.round(prediction.lostPrecopyPackets),
    completedAgrees: agrees,
    predictionNote: prediction.note,
  };
  const c = vmRowComparison(merged);
  const at = (m: string) => c.comparisons.find((x) => x.metric === m);
  const dt = at("downtimeSeconds");
  const tt = at("totalMigrationSeconds");
  const lt = at("data.lostPackets");
  const measuredRounds = typeof run.rounds === "number" ? run.rounds : null;
  const roundsCompared = both && measuredRounds !== null;
  return {
    ...merged,
    downtimeErrorSeconds: dt ? dt.difference : null,
    totalErrorSeconds: tt ? tt.difference : null,
    lostErrorPackets: lt ? lt.difference : null,
    roundsError: roundsCompared ? measuredRounds - prediction.iterations : null,
    downtimeWithin: dt ? dt.within : null,
    totalWithin: tt ? tt.within : null,
    lostWithin: lt ? lt.within : null,
    roundsWithin: roundsCompared
      ? within(measuredRounds, prediction.iterations, VM_ROUNDS_TOLERANCE)
      : null,
    withinTolerance: c.withinTolerance,
  };
}

/** The merged rows, the predicted rounds and the calibration they used. */
export interface VmMergedResults {
  /** One merged row per run, in the order given. */
  readonly runs: Row[];
  /** Predicted rounds, one row per round of each run. */
  readonly predictedRounds: Row[];
  /** The calibration (from the runs' calibration subset). */
  readonly calibration: VmCalibration;
}

/**
 * Calibrates on the runs' calibration subset, predicts every run with it
 * from its inputs, and merges (see {@linkcode vmPredictionRow}).
 *
 * @example
 * ```ts
 * import { vmMergedResults } from "@vnmig/vnmig/testbed/qemu";
 * try { vmMergedResults([], []); throw new Error("accepted"); }
 * catch (e) { if (!String(e).includes("calibration")) throw e; }
 * ```
 */
export function vmMergedResults(
  runs: readonly Row[],
  rounds: readonly Row[],
  parameters?: VmModelParameters,
): VmMergedResults {
  const calibration = calibrateVmModel(runs, rounds);
  const used = parameters ?? calibration.parameters;
  const merged: Row[] = [];
  const predictedRounds: Row[] = [];
  for (const run of runs) {
    const prediction = predictVmRun(vmPredictionInputs(run), used);
    merged.push(vmPredictionRow(run, prediction));
    for (const r of prediction.rounds) {
      predictedRounds.push({ key: run.key, ...r });
    }
  }
  return { runs: merged, predictedRounds, calibration };
}

/**
 * Reads a merged `runs.csv` against {@linkcode VM_MERGED_RUN_COLUMNS}
 * (numbers as numbers, booleans as booleans, empty cells as null); a
 * mistake names the line, the column and the value.
 *
 * @example
 * ```ts
 * import { readVmRuns, rowsToCsv, VM_MERGED_RUN_COLUMNS } from "@vnmig/vnmig/testbed/qemu";
 * if (readVmRuns(rowsToCsv([], VM_MERGED_RUN_COLUMNS)).length !== 0) throw new Error();
 * try { readVmRuns("key,experiment\n"); throw new Error("accepted"); }
 * catch (e) { if (!String(e).includes("header")) throw e; }
 * ```
 */
export function readVmRuns(text: string): Row[] {
  return parseRowsCsv(text, VM_MERGED_RUN_COLUMNS);
}

const n = (v: unknown): number =>
  typeof v === "number" && Number.isFinite(v) ? v : 0;

/**
 * The measured and the predicted outcome a merged row holds, in the
 * contract's shape (the metrics the row keeps: completion, downtime, data
 * outage, total time, probes sent and lost), so that rows read back from
 * `runs.csv` compare through `compareOutcomes` as merge compared them.
 * The measured lost probes are those lost from the trigger on
 * (`lostPackets - lostBeforeTrigger`): the prediction is of the
 * migration's losses.
 *
 * @example
 * ```ts
 * import { compareOutcomes } from "@vnmig/vnmig/migration";
 * import { VM_TESTBED_TOLERANCES, vmOutcomes } from "@vnmig/vnmig/testbed/qemu";
 * const row = {
 *   completed: true, downtimeSeconds: 0.33, dataOutageSeconds: 0.33, totalMigrationSeconds: 8.4, sentPackets: 14_000, lostPackets: 330,
 *   predictedCompleted: true, predictedDowntimeSeconds: 0.36, predictedTotalMigrationSeconds: 8.5, predictedLostPackets: 360,
 * };
 * const { measured, predicted } = vmOutcomes(row);
 * const rows = compareOutcomes(measured, predicted, VM_TESTBED_TOLERANCES);
 * if (!rows.every((c) => c.within) || rows.find((c) => c.metric === "data.lostPackets")?.difference !== -30) throw new Error();
 * ```
 */
export function vmOutcomes(
  row: Row,
): { measured: MigrationOutcome; predicted: MigrationOutcome } {
  const sent = n(row.sentPackets);
  const outcome = (
    source: "measured" | "model",
    completed: boolean,
    downtime: number,
    outage: number,
    total: number,
    lost: number,
  ): MigrationOutcome => ({
    mechanism: QEMU_PRECOPY_MECHANISM,
    source,
    completed,
    note: "",
    downtimeSeconds: downtime,
    dataOutageSeconds: outage,
    totalMigrationSeconds: total,
    data: probeOutcome(sent, lost),
    control: NO_PACKETS,
    timeline: [],
  });
  return {
    measured: outcome(
      "measured",
      row.completed === true,
      n(row.downtimeSeconds),
      n(row.dataOutageSeconds),
      n(row.totalMigrationSeconds),
      // From the trigger on: probes lost before it are the router's own
      // overload (a busy router at 7500 large probes/s), not the migration's.
      n(row.lostPackets) - n(row.lostBeforeTrigger),
    ),
    predicted: outcome(
      "model",
      row.predictedCompleted === true,
      n(row.predictedDowntimeSeconds),
      n(row.predictedDowntimeSeconds),
      n(row.predictedTotalMigrationSeconds),
      n(row.predictedLostPackets),
    ),
  };
}

/** A merged row's comparison: which metrics were compared and whether the run lies within the tolerance. */
export interface VmRowComparison {
  /** Whether the model predicted the completion right. */
  readonly completedAgrees: boolean;
  /** The metrics compared: downtime, total time and lost probes when both completed; lost probes alone when neither did; none when they disagree. */
  readonly comparisons: readonly MetricComparison[];
  /** Completion agrees and every compared metric is within {@linkcode VM_TESTBED_TOLERANCES}. */
  readonly withinTolerance: boolean;
}

/**
 * Compares a merged row's measured and predicted outcomes under
 * {@linkcode VM_TESTBED_TOLERANCES} (see {@linkcode VmRowComparison}).
 *
 * @example
 * ```ts
 * import { vmRowComparison } from "@vnmig/vnmig/testbed/qemu";
 * const c = vmRowComparison({ completed: false, predictedCompleted: true, lostPackets: 0, predictedLostPackets: 0 });
 * if (c.completedAgrees || c.withinTolerance || c.comparisons.length !== 0) throw new Error();
 * ```
 */
export function vmRowComparison(row: Row): VmRowComparison {
  const { measured, predicted } = vmOutcomes(row);
  const agrees = measured.completed === predicted.completed;
  const tolerances = !agrees
    ? {}
    : measured.completed
    ? VM_TESTBED_TOLERANCES
    : { "data.lostPackets": VM_TESTBED_TOLERANCES["data.lostPackets"]! };
  const comparisons = compareOutcomes(measured, predicted, tolerances);
  return {
    completedAgrees: agrees,
    comparisons,
    withinTolerance: agrees && comparisons.every((c) => c.within),
  };
}

/** One line of the measured-against-predicted table. */
export interface VmSummaryLine {
  /** The experiment ("all" for the total line). */
  readonly experiment: string;
  /** "calibration", "predicted" or "all". */
  readonly role: string;
  /** Runs. */
  readonly runs: number;
  /** Of them, runs whose completion the model predicted right. */
  readonly completionAgrees: number;
  /** Of them, runs within the tolerance. */
  readonly withinTolerance: number;
  /** Of the runs that completed in both, those whose round count lies within {@linkcode VM_ROUNDS_TOLERANCE}. */
  readonly roundsWithin: number;
  /** Runs that completed in both. */
  readonly bothCompleted: number;
  /** Mean and largest |measured - predicted| downtime over them, seconds (null: none). */
  readonly meanAbsDowntimeErrorSeconds: number | null;
  /** Largest. */
  readonly maxAbsDowntimeErrorSeconds: number | null;
  /** Mean measured - predicted downtime (the bias), seconds. */
  readonly meanDowntimeErrorSeconds: number | null;
  /** Mean |error| of the total time, seconds. */
  readonly meanAbsTotalErrorSeconds: number | null;
  /** Largest. */
  readonly maxAbsTotalErrorSeconds: number | null;
  /** Mean |error| of the lost probes. */
  readonly meanAbsLostError: number | null;
  /** Largest. */
  readonly maxAbsLostError: number | null;
  /** Mean |error| of the round count. */
  readonly meanAbsRoundsError: number | null;
}

function stats(values: number[]): { mean: number | null; max: number | null } {
  if (values.length === 0) return { mean: null, max: null };
  const abs = values.map(Math.abs);
  return {
    mean: abs.reduce((a, b) => a + b, 0) / abs.length,
    max: Math.max(...abs),
  };
}

/**
 * The measured-against-predicted table: per experiment and role, then
 * per experiment, then all runs; counts and mean/max absolute errors.
 *
 * @example
 * ```ts
 * import { vmSummary } from "@vnmig/vnmig/testbed/qemu";
 * const rows = [
 *   { experiment: "rates", role: "predicted", completed: true, predictedCompleted: true, withinTolerance: true,
 *     roundsWithin: true, downtimeErrorSeconds: -0.02, totalErrorSeconds: 0.1, lostErrorPackets: -20, roundsError: 0 },
 *   { experiment: "rates", role: "predicted", completed: true, predictedCompleted: true, withinTolerance: false,
 *     roundsWithin: false, downtimeErrorSeconds: 0.2, totalErrorSeconds: -0.3, lostErrorPackets: 200, roundsError: 3 },
 * ];
 * const all = vmSummary(rows).at(-1)!;
 * if (all.runs !== 2 || all.withinTolerance !== 1 || Math.abs(all.meanAbsDowntimeErrorSeconds! - 0.11) > 1e-12) throw new Error();
 * ```
 */
export function vmSummary(rows: readonly Row[]): VmSummaryLine[] {
  const line = (
    experiment: string,
    role: string,
    group: readonly Row[],
  ): VmSummaryLine => {
    const both = group.filter((r) =>
      r.completed === true && r.predictedCompleted === true
    );
    const errors = (c: string) =>
      both.flatMap((r) => typeof r[c] === "number" ? [r[c] as number] : []);
    const d = errors("downtimeErrorSeconds");
    const t = stats(errors("totalErrorSeconds"));
    const l = stats(errors("lostErrorPackets"));
    const ro = stats(errors("roundsError"));
    const ds = stats(d);
    return {
      experiment,
      role,
      runs: group.length,
      completionAgrees:
        group.filter((r) =>
          (r.completed === true) === (r.predictedCompleted === true)
        ).length,
      withinTolerance: group.filter((r) => r.withinTolerance === true).length,
      roundsWithin: both.filter((r) => r.roundsWithin === true).length,
      bothCompleted: both.length,
      meanAbsDowntimeErrorSeconds: ds.mean,
      maxAbsDowntimeErrorSeconds: ds.max,
      meanDowntimeErrorSeconds: d.length === 0
        ? null
        : d.reduce((a, b) => a + b, 0) / d.length,
      meanAbsTotalErrorSeconds: t.mean,
      maxAbsTotalErrorSeconds: t.max,
      meanAbsLostError: l.mean,
      maxAbsLostError: l.max,
      meanAbsRoundsError: ro.mean,
    };
  };
  const experiments = [...new Set(rows.map((r) => String(r.experiment)))];
  const out: VmSummaryLine[] = [];
  for (const e of experiments) {
    const of = rows.filter((r) => String(r.experiment) === e);
    for (const role of ["calibration", "predicted"]) {
      const g = of.filter((r) => r.role === role);
      if (g.length > 0) out.push(line(e, role, g));
    }
    out.push(line(e, "all", of));
  }
  out.push(
    line("all", "predicted", rows.filter((r) => r.role === "predicted")),
  );
  out.push(line("all", "all", rows));
  return out;
}
