/**
 * One tidy CSV row per testbed run: what was measured beside what the model
 * predicted (pure). The contract's metrics come from
 * {@linkcode compareOutcomes} of the two outcomes (the same generic
 * comparison every mechanism uses); the testbed's own detail (the new
 * path's and the final barrier's times) is read from the detail both
 * outcome types share, and the loss breakdown from the measurement.
 *
 * @module
 */

import { csvFormat, csvParse } from "d3-dsv";
import {
  compareOutcomes,
  type MetricComparison,
  type MigrationOutcome,
  NO_PACKETS,
  type OutcomeMetric,
} from "../../migration/mod.ts";
import type { OvsMeasuredOutcome, OvsPredictedOutcome } from "./outcome.ts";
import { OVS_TESTBED_TOLERANCES } from "./profiles.ts";

/** A row of data/testbed/migration.csv (the committed sweep; columns in this order). */
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
  /**
   * Where they were dropped: the switches that dropped any, as
   * `switch:packets` pairs separated by one space, in switch order, each
   * count a positive integer, the counts summing to
   * `measuredTableMissPackets`; "" for none. E.g. "s2:51 s4:2". Read it
   * with {@linkcode parseTableMissSwitches}.
   */
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

/** The labels of a run in the sweep that the outcomes do not carry. */
export interface TestbedRowLabels {
  /** The run's variant label. */
  readonly variant: string;
  /** Extra wait inserted after one phase, seconds (0 for none). */
  readonly gapSeconds: number;
  /** The phase the wait follows ("" for none). */
  readonly gapAfterPhase: number | "";
  /** Repetition index. */
  readonly repeat: number;
}

/**
 * The CSV row of one run and its prediction, which must be of the very
 * same scenario.
 *
 * @example
 * ```ts
 * import { analyzeOvsRecording, paperOvsScenario, predictOvsMigration, ReceiverTally, testbedRow } from "@vnmig/vnmig/testbed";
 * const scenario = paperOvsScenario({ packetsPerSecond: 1000 });
 * // A run recorded by hand: 1000 probes 1 ms apart, all received, the plan from 500 ms.
 * const tally = new ReceiverTally(1000);
 * for (let seq = 0; seq < 1000; seq++) tally.add(seq, seq);
 * const sentMsBySeq = Array.from({ length: 1000 }, (_, k) => k);
 * const counters = (n: number) => ({ sinkPacketsBySwitch: { s1: 0 }, oldPortPackets: n, newPortPackets: n });
 * const measured = analyzeOvsRecording(scenario, {
 *   execution: { ordering: "paper", phases: [], firstMessageMs: 500, lastMessageMs: 501.5, allAppliedMs: 502, totalMigrationSeconds: 0.0015, messagesSent: 10, errorCount: 0 },
 *   sender: { sentPackets: 1000, firstSendMs: 0, lastSendMs: 999, sendErrors: 0, stopped: false, sentMsBySeq },
 *   receiver: { ...tally.report(1000), foreignPackets: 0, outOfRangePackets: 0 },
 *   receiverDropPackets: 0, before: counters(0), after: { ...counters(0), oldPortPackets: 501, newPortPackets: 499 },
 * });
 * const predicted = predictOvsMigration(scenario, { sendOffsetsSeconds: measured.windowSendOffsetsSeconds });
 * const row = testbedRow(measured, predicted, { variant: "as planned", gapSeconds: 0, gapAfterPhase: "", repeat: 0 });
 * if (row.messagesSent !== 10 || row.measuredLostPackets !== 0 || row.predictedLostPackets !== 0) throw new Error();
 * if (row.windowPackets !== 43 || row.measuredNewPathAfterSeconds !== 0.001) throw new Error();
 * ```
 */
export function testbedRow(
  measured: OvsMeasuredOutcome,
  predicted: OvsPredictedOutcome,
  labels: TestbedRowLabels,
): TestbedRow {
  if (measured.scenario !== predicted.scenario) {
    throw new RangeError(
      "measured and predicted must be outcomes of the same scenario value (like for like)",
    );
  }
  const compared = new Map<OutcomeMetric, MetricComparison>(
    compareOutcomes(measured, predicted, OVS_TESTBED_TOLERANCES).map((
      c,
    ) => [c.metric, c]),
  );
  const total = compared.get("totalMigrationSeconds")!;
  const lost = compared.get("data.lostPackets")!;
  const { scenario, receiver } = measured;
  return {
    ordering: scenario.flows.plan.ordering,
    datapathFlowCache: scenario.datapathFlowCache,
    packetsPerSecond: scenario.packetsPerSecond,
    packetBytes: scenario.packetSizeBytes,
    variant: labels.variant,
    gapSeconds: labels.gapSeconds,
    gapAfterPhase: labels.gapAfterPhase,
    repeat: labels.repeat,
    messagesSent: measured.messagesSent,
    measuredTotalMigrationSeconds: total.measured,
    predictedTotalMigrationSeconds: total.predicted,
    measuredNewPathAfterSeconds: measured.newPathAfterSeconds ?? "",
    predictedNewPathAfterSeconds: predicted.newPathAfterSeconds ?? "",
    predictedRedirectAfterSeconds: predicted.redirectAfterSeconds ?? "",
    measuredAllAppliedAfterSeconds: measured.allAppliedAfterSeconds,
    predictedAllAppliedAfterSeconds: predicted.allAppliedAfterSeconds,
    measuredLostPackets: lost.measured,
    measuredTableMissPackets: measured.tableMissPackets,
    tableMissSwitches: formatTableMissSwitches(measured.tableMissBySwitch),
    predictedLostPackets: lost.predicted,
    windowPackets: measured.data.sentPackets,
    lostOutsideWindowPackets: measured.lostOutsideWindowPackets,
    sentPackets: receiver.sentPackets,
    duplicatedPackets: receiver.duplicatedPackets,
    reorderedPackets: receiver.reorderedPackets,
    longestGapPackets: receiver.longestGapPackets,
    longestArrivalGapSeconds: receiver.longestArrivalGapSeconds,
  };
}

/**
 * The type of a CSV column: a number, a boolean, text, a number that may be
 * "" (not applicable), or packet counts by switch (see
 * {@linkcode parseTableMissSwitches}).
 */
export type TestbedColumnType =
  | "number"
  | "boolean"
  | "string"
  | "number?"
  | "switchCounts";

// A switch id in the counts column: no space (the pair separator) and no
// colon (the id/count separator).
const SWITCH_ID = /^[A-Za-z0-9_.-]+$/;
const byId = (a: string, b: string) =>
  a.localeCompare(b, "en", { numeric: true });

/**
 * The `tableMissSwitches` text of packet counts by switch: the switches
 * with a count above 0, in switch order ("s2" before "s10"), as
 * `switch:packets` pairs separated by one space; "" when none.
 *
 * @example
 * ```ts
 * import { formatTableMissSwitches } from "@vnmig/vnmig/testbed";
 * if (formatTableMissSwitches({ s4: 2, s2: 51, s3: 0 }) !== "s2:51 s4:2") throw new Error();
 * ```
 */
export function formatTableMissSwitches(
  bySwitch: Readonly<Record<string, number>>,
): string {
  const pairs = Object.entries(bySwitch).filter(([, n]) => n !== 0);
  for (const [id, n] of pairs) {
    if (!SWITCH_ID.test(id)) {
      throw new RangeError(
        `switch ids must be letters, digits, "_", "." or "-"; got ${
          JSON.stringify(id)
        }`,
      );
    }
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `table-miss packets of ${id} must be an integer in [0, 2^53 - 1]; got ${n}`,
      );
    }
  }
  return pairs.sort(([a], [b]) => byId(a, b)).map(([id, n]) => `${id}:${n}`)
    .join(" ");
}

/**
 * Reads a `tableMissSwitches` cell back into packet counts by switch: the
 * exact form {@linkcode formatTableMissSwitches} writes ("" for none), or
 * a RangeError that says what is wrong.
 *
 * @example
 * ```ts
 * import { parseTableMissSwitches } from "@vnmig/vnmig/testbed";
 * const counts = parseTableMissSwitches("s2:51 s4:2");
 * if (counts.s2 !== 51 || counts.s4 !== 2 || Object.keys(parseTableMissSwitches("")).length !== 0) throw new Error();
 * ```
 */
export function parseTableMissSwitches(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (text === "") return counts;
  const fail = (why: string): never => {
    throw new RangeError(
      `tableMissSwitches must be switch:packets pairs (packets a positive integer) separated by one space, in switch order, or "" for none; ${why}; got ${
        JSON.stringify(text)
      }`,
    );
  };
  let previous: string | undefined;
  for (const pair of text.split(" ")) {
    const m = pair.match(/^([^:\s]+):([1-9]\d{0,15})$/);
    if (m === null || !SWITCH_ID.test(m[1])) {
      fail(`${JSON.stringify(pair)} is not a pair`);
    }
    const [, id, packets] = m!;
    if (previous !== undefined && byId(previous, id) >= 0) {
      fail(`${id} after ${previous}`);
    }
    const n = Number(packets);
    if (!Number.isSafeInteger(n)) fail(`${packets} is above 2^53 - 1`);
    counts[id] = n;
    previous = id;
  }
  return counts;
}

/**
 * The columns of data/testbed/migration.csv, in order, with their types:
 * the schema {@linkcode readTestbedRows} reads against and
 * {@linkcode testbedRowsCsv} writes.
 *
 * @example
 * ```ts
 * import { TESTBED_ROW_COLUMNS } from "@vnmig/vnmig/testbed";
 * if (TESTBED_ROW_COLUMNS[0][0] !== "ordering" || TESTBED_ROW_COLUMNS.length !== 27) throw new Error();
 * ```
 */
export const TESTBED_ROW_COLUMNS: readonly (readonly [
  keyof TestbedRow,
  TestbedColumnType,
])[] = [
  ["ordering", "string"],
  ["datapathFlowCache", "boolean"],
  ["packetsPerSecond", "number"],
  ["packetBytes", "number"],
  ["variant", "string"],
  ["gapSeconds", "number"],
  ["gapAfterPhase", "number?"],
  ["repeat", "number"],
  ["messagesSent", "number"],
  ["measuredTotalMigrationSeconds", "number"],
  ["predictedTotalMigrationSeconds", "number"],
  ["measuredNewPathAfterSeconds", "number?"],
  ["predictedNewPathAfterSeconds", "number?"],
  ["predictedRedirectAfterSeconds", "number?"],
  ["measuredAllAppliedAfterSeconds", "number"],
  ["predictedAllAppliedAfterSeconds", "number"],
  ["measuredLostPackets", "number"],
  ["measuredTableMissPackets", "number"],
  ["tableMissSwitches", "switchCounts"],
  ["predictedLostPackets", "number"],
  ["windowPackets", "number"],
  ["lostOutsideWindowPackets", "number"],
  ["sentPackets", "number"],
  ["duplicatedPackets", "number"],
  ["reorderedPackets", "number"],
  ["longestGapPackets", "number"],
  ["longestArrivalGapSeconds", "number"],
];

/**
 * Rows as CSV text, the columns in {@linkcode TESTBED_ROW_COLUMNS} order.
 *
 * @example
 * ```ts
 * import { readTestbedRows, testbedRowsCsv } from "@vnmig/vnmig/testbed";
 * if (readTestbedRows(testbedRowsCsv([])).length !== 0) throw new Error();
 * ```
 */
export function testbedRowsCsv(rows: readonly TestbedRow[]): string {
  return csvFormat(
    rows as unknown as object[],
    TESTBED_ROW_COLUMNS.map(([c]) => c),
  ) + "\n";
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Reads data/testbed/migration.csv against its schema: every column there
 * and in order, numbers as numbers (finite, written as numbers), booleans
 * as `true`/`false`, text as text, "" only where a column allows it; a
 * mistake names the row, the column and the value.
 *
 * @example
 * ```ts
 * import { readTestbedRows, TESTBED_ROW_COLUMNS } from "@vnmig/vnmig/testbed";
 * const header = TESTBED_ROW_COLUMNS.map(([c]) => c).join(",");
 * const line = "paper,false,1000,64,as planned,0,,0,10,0.0016,0.0011,0.0018,0.0018,0.0008,0.0029,0.0016,0,0,,0,42,0,1200,0,0,0,0.0047";
 * const [row] = readTestbedRows(`${header}\n${line}\n`);
 * if (row.packetsPerSecond !== 1000 || row.gapAfterPhase !== "" || row.datapathFlowCache !== false) throw new Error();
 * ```
 */
export function readTestbedRows(text: string): TestbedRow[] {
  const parsed = csvParse(text);
  const columns = parsed.columns;
  const expected = TESTBED_ROW_COLUMNS.map(([c]) => c as string);
  if (columns.join(",") !== expected.join(",")) {
    throw new RangeError(
      `testbed CSV columns must be ${expected.join(",")}; got ${
        columns.join(",")
      }`,
    );
  }
  return parsed.map((raw: Record<string, string | undefined>, i: number) => {
    const row: Record<string, string | number | boolean> = {};
    for (const [column, type] of TESTBED_ROW_COLUMNS) {
      const cell = raw[column] ?? "";
      const fail = (what: string) => {
        throw new RangeError(
          `testbed CSV row ${i + 1}, column ${column}: must be ${what}; got ${
            JSON.stringify(cell)
          }`,
        );
      };
      if (type === "string") row[column] = cell;
      else if (type === "switchCounts") {
        let total = 0;
        try {
          for (const n of Object.values(parseTableMissSwitches(cell))) {
            total += n;
          }
        } catch (error) {
          throw new RangeError(
            `testbed CSV row ${i + 1}, column ${column}: ${
              (error as Error).message
            }`,
          );
        }
        if (total !== row.measuredTableMissPackets) {
          fail(
            `counts summing to measuredTableMissPackets (${row.measuredTableMissPackets}); they sum to ${total}`,
          );
        }
        row[column] = cell;
      } else if (type === "boolean") {
        if (cell !== "true" && cell !== "false") fail("true or false");
        row[column] = cell === "true";
      } else if (type === "number?" && cell === "") row[column] = "";
      else {
        if (!NUMBER.test(cell) || !Number.isFinite(Number(cell))) {
          fail(type === "number?" ? "a number or empty" : "a number");
        }
        row[column] = Number(cell);
      }
    }
    return row as unknown as TestbedRow;
  });
}

/**
 * The measured and the predicted outcome a CSV row holds, in the contract's
 * shape (the metrics the row keeps: total migration time, probes sent and
 * lost in the window), so that rows read back from a file compare through
 * `compareOutcomes` as the run did.
 *
 * @example
 * ```ts
 * import { compareOutcomes } from "@vnmig/vnmig/migration";
 * import { OVS_TESTBED_TOLERANCES, readTestbedRows, TESTBED_ROW_COLUMNS, testbedRowOutcomes } from "@vnmig/vnmig/testbed";
 * const header = TESTBED_ROW_COLUMNS.map(([c]) => c).join(",");
 * // delete-old-first: 56 probes lost, 53 predicted; 1.6 ms against 1.1 ms.
 * const line = "delete-old-first,false,1000,64,gap after first phase,0.05,0,0,10,0.0016,0.0011,,,,0.054,0.051,56,56,s2:56,53,95,0,1300,0,0,56,0.06";
 * const { measured, predicted } = testbedRowOutcomes(readTestbedRows(`${header}\n${line}\n`)[0]);
 * const rows = compareOutcomes(measured, predicted, OVS_TESTBED_TOLERANCES);
 * if (!rows.every((c) => c.within) || rows.find((c) => c.metric === "data.lostPackets")?.difference !== 3) throw new Error();
 * ```
 */
export function testbedRowOutcomes(
  row: TestbedRow,
): { measured: MigrationOutcome; predicted: MigrationOutcome } {
  const outcome = (
    source: "measured" | "model",
    lostPackets: number,
    totalMigrationSeconds: number,
  ): MigrationOutcome => ({
    mechanism: "openflow",
    source,
    completed: true,
    note: "",
    downtimeSeconds: 0,
    dataOutageSeconds: 0,
    totalMigrationSeconds,
    data: {
      ...NO_PACKETS,
      sentPackets: row.windowPackets,
      deliveredPackets: row.windowPackets - lostPackets,
      lostPackets,
    },
    control: NO_PACKETS,
    timeline: [],
  });
  return {
    measured: outcome(
      "measured",
      row.measuredLostPackets,
      row.measuredTotalMigrationSeconds,
    ),
    predicted: outcome(
      "model",
      row.predictedLostPackets,
      row.predictedTotalMigrationSeconds,
    ),
  };
}
