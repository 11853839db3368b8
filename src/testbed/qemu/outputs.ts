/**
 * The VM testbed's merged outputs: runs.csv (measured, with the
 * predictions beside), rounds.csv, and the figures, each written whole
 * or not at all.
 *
 * @module
 */

import {
  type Row,
  rowsToCsv,
  VM_ROUND_COLUMNS,
  VM_RUN_COLUMNS,
} from "./rows.ts";

function writeWhole(path: string, text: string): void {
  const tmp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(tmp, text);
  Deno.renameSync(tmp, path);
}

/** Writes `<out>/runs.csv` and `<out>/rounds.csv` from merged rows. */
export function writeVmOutputs(
  out: string,
  runs: readonly Row[],
  rounds: readonly Row[],
  log: (line: string) => void,
): Promise<void> {
  const byKey = (a: Row, b: Row) =>
    String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0;
  const sortedRuns = [...runs].sort(byKey);
  const sortedRounds = [...rounds].sort((a, b) =>
    byKey(a, b) || Number(a.round) - Number(b.round)
  );
  writeWhole(`${out}/runs.csv`, rowsToCsv(sortedRuns, VM_RUN_COLUMNS));
  writeWhole(`${out}/rounds.csv`, rowsToCsv(sortedRounds, VM_ROUND_COLUMNS));
  log(
    `wrote ${out}/runs.csv (${runs.length} runs), ${out}/rounds.csv (${rounds.length} rounds)`,
  );
  return Promise.resolve();
}
