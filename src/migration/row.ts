// One tidy row of an outcome's contract fields, for sweeps, CSV and plots.

import type { MigrationOutcome } from "./outcome.ts";

/** The contract fields of an outcome as one flat row (`data.*`, `control.*` columns; the timeline left out). */
export type OutcomeRow = Record<string, number | string | boolean>;

/**
 * The contract fields of an outcome as one flat row: what every mechanism
 * shares, without its detail, so rows of different mechanisms have the same
 * columns.
 *
 * @example
 * ```ts
 * import { outcomeRow } from "@vnmig/vnmig/migration";
 * import { xenStandardMigration } from "@vnmig/vnmig/xen";
 * const row = outcomeRow(xenStandardMigration({ packetsPerSecond: 2000 }));
 * if (row.mechanism !== "xen-standard" || !(Number(row["data.lostPackets"]) > 0)) throw new Error();
 * ```
 */
export function outcomeRow(outcome: MigrationOutcome): OutcomeRow {
  const row: OutcomeRow = {
    mechanism: outcome.mechanism,
    source: outcome.source,
    completed: outcome.completed,
    feasible: outcome.feasible ?? true,
    note: outcome.note,
    downtimeSeconds: outcome.downtimeSeconds,
    dataOutageSeconds: outcome.dataOutageSeconds,
    totalMigrationSeconds: outcome.totalMigrationSeconds,
  };
  for (const plane of ["data", "control"] as const) {
    for (const [key, value] of Object.entries(outcome[plane])) {
      row[`${plane}.${key}`] = value;
    }
  }
  return row;
}
