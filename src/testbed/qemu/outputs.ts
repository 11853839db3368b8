/**
 * The VM testbed's merged outputs: `runs.csv` (measured, with the
 * predictions beside), `rounds.csv`, `predicted_rounds.csv`,
 * `calibration.json` (the calibrated parameters with their provenance,
 * the calibration subset and the tolerances), `summary.csv` (measured
 * against predicted per experiment) and the figures (SVG). Everything is
 * computed and rendered first, then written aside and renamed into place:
 * a failure writes none of it.
 *
 * @module
 */

import {
  vmDowntimeFigure,
  vmDowntimeLimitFigure,
  vmLossFigure,
  vmRoundsFigure,
} from "./figures.ts";
import {
  VM_CALIBRATION_SUBSET,
  VM_ROUNDS_TOLERANCE,
  VM_TESTBED_TOLERANCES,
} from "./prediction.ts";
import {
  VM_MERGED_RUN_COLUMNS,
  VM_PREDICTED_ROUND_COLUMNS,
  vmMergedResults,
  vmSummary,
} from "./results.ts";
import {
  type ColumnType,
  type Row,
  rowsToCsv,
  VM_ROUND_COLUMNS,
} from "./rows.ts";

/** The columns of `summary.csv`. */
const SUMMARY_COLUMNS: Readonly<Record<string, ColumnType>> = {
  experiment: "text",
  role: "text",
  runs: "number",
  completionAgrees: "number",
  withinTolerance: "number",
  bothCompleted: "number",
  roundsWithin: "number",
  meanAbsDowntimeErrorSeconds: "number",
  maxAbsDowntimeErrorSeconds: "number",
  meanDowntimeErrorSeconds: "number",
  meanAbsTotalErrorSeconds: "number",
  maxAbsTotalErrorSeconds: "number",
  meanAbsLostError: "number",
  maxAbsLostError: "number",
  meanAbsRoundsError: "number",
};

/** The figures merge writes, by file name (without extension). */
export const VM_FIGURES = {
  downtime_by_rate: vmDowntimeFigure,
  loss_by_rate: vmLossFigure,
  downtime_by_limit: vmDowntimeLimitFigure,
  rounds: vmRoundsFigure,
} as const;

/** Writes every file of `files` whole: all aside first, then each renamed; on a failure the ones aside are removed. */
function writeAll(files: readonly (readonly [string, string])[]): void {
  const aside: string[] = [];
  try {
    for (const [path, text] of files) {
      const tmp = `${path}.tmp-${Deno.pid}`;
      Deno.writeTextFileSync(tmp, text);
      aside.push(tmp);
    }
  } catch (error) {
    for (const tmp of aside) {
      try {
        Deno.removeSync(tmp);
      } catch { /* already gone */ }
    }
    throw error;
  }
  for (const [path] of files) Deno.renameSync(`${path}.tmp-${Deno.pid}`, path);
}

/**
 * Calibrates, predicts and writes the merged outputs into `out` from the
 * sweep's run and round rows (see the module doc); returns the merged
 * run rows.
 */
export async function writeVmOutputs(
  out: string,
  runs: readonly Row[],
  rounds: readonly Row[],
  log: (line: string) => void,
): Promise<Row[]> {
  const byKey = (a: Row, b: Row) =>
    String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0;
  const sortedRuns = [...runs].sort(byKey);
  const sortedRounds = [...rounds].sort((a, b) =>
    byKey(a, b) || Number(a.round) - Number(b.round)
  );
  const merged = vmMergedResults(sortedRuns, sortedRounds);
  const summary = vmSummary(merged.runs);
  const files: [string, string][] = [
    [`${out}/runs.csv`, rowsToCsv(merged.runs, VM_MERGED_RUN_COLUMNS)],
    [`${out}/rounds.csv`, rowsToCsv(sortedRounds, VM_ROUND_COLUMNS)],
    [
      `${out}/predicted_rounds.csv`,
      rowsToCsv(merged.predictedRounds, VM_PREDICTED_ROUND_COLUMNS),
    ],
    [
      `${out}/summary.csv`,
      rowsToCsv(summary as unknown as Row[], SUMMARY_COLUMNS),
    ],
    [
      `${out}/calibration.json`,
      JSON.stringify(
        {
          subset: VM_CALIBRATION_SUBSET,
          calibrationKeys: merged.calibration.calibrationKeys,
          parameters: merged.calibration.parameters,
          provenance: merged.calibration.provenance,
          tolerances: VM_TESTBED_TOLERANCES,
          roundsTolerance: VM_ROUNDS_TOLERANCE,
          runs: merged.runs.length,
          predictedRuns: merged.runs.filter((r) => r.role === "predicted")
            .length,
        },
        null,
        1,
      ) + "\n",
    ],
  ];
  for (const [name, figure] of Object.entries(VM_FIGURES)) {
    files.push([`${out}/${name}.svg`, (await figure(merged.runs)).svg]);
  }
  writeAll(files);
  const all = summary.at(-1)!;
  log(
    `wrote ${
      files.map(([p]) => p).join(", ")
    } (${runs.length} runs, ${rounds.length} rounds; ${all.withinTolerance} of ${all.runs} runs within the model's tolerance)`,
  );
  return merged.runs;
}
